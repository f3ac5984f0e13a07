"""ARM definition handling and `webservice show` start-up; prints figures and ratios, asserts nothing.

1. export -> set-model -> import of a generated ~3 MB web service definition (many nodes and assets):
   CPU seconds (target <= 0.5 s) and peak RSS growth over a baseline child process that imports the
   same modules (target <= 10x the file size).
2. ``aml-retrain webservice show`` against the emulator, whole process, best of 5 (target <= 0.45 s),
   with ``aml-retrain --version`` as the same-run baseline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r'''
import json, resource, sys, time
from pathlib import Path
from aml_retrain.arm import definition, webservices
ws = json.loads(Path(sys.argv[1]).read_text())
out = Path(sys.argv[2])
work = sys.argv[3] == "work"
start = time.process_time()
if work:
    out.write_text(definition.dumps_definition(definition.export_definition(ws)), encoding="utf-8")
    webservices.set_model_in_file(out, "https://acct.blob.core.windows.net/models/new/model.ilearner",
                                  asset_name="Model 0 [trained model]")
    webservices.import_definition(out)
cpu = time.process_time() - start
print(json.dumps({"cpu": cpu, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
'''


def big_service(target_bytes: int = 3_000_000) -> dict:  # type: ignore[type-arg]
    """A Graph web service GET body padded with nodes, edges and assets to ~target_bytes of JSON."""
    nodes, edges, assets = {}, [], {}
    service = {
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearning/webServices/big",
        "name": "big", "type": "Microsoft.MachineLearning/webServices", "location": "South Central US",
        "tags": {}, "properties": {
            "packageType": "Graph", "provisioningState": "Succeeded", "title": "big", "readOnly": False,
            "storageAccount": {"name": "acct"}, "assets": assets,
            "package": {"nodes": nodes, "edges": edges, "graphParameters": {}},
            "input": {"type": "object", "properties": {"input1": {"type": "object", "properties": {}}}},
            "output": {"type": "object", "properties": {"output1": {"type": "object", "properties": {}}}},
        }}
    model = {"name": "Model 0 [trained model]", "type": "Resource",
             "locationInfo": {"uri": "https://acct.blob.core.windows.net/models/old.ilearner"}}
    # Sized by serialising the whole service (as main writes it), model asset included: counting
    # nodes and edges alone left out the assets and overshot by about a third.
    budget = target_bytes - len(json.dumps({"model0": model}))
    i = 0
    while i % 200 or len(json.dumps(service)) < budget:
        assets[f"asset{i}"] = {"name": f"Module {i}", "type": "Module",
                               "locationInfo": {"uri": f"aml://module/{i:032x}"}}
        nodes[f"node{i}"] = {"assetId": f"asset{i}", "parameters": {
            "Column selection": {"value": json.dumps({"columns": [f"c{j}" for j in range(20)]})}}}
        if i:
            edges.append({"sourceNodeId": f"node{i - 1}", "sourcePortId": "Results dataset",
                          "targetNodeId": f"node{i}", "targetPortId": "Dataset"})
        i += 1
    assets["model0"] = model
    return service


def child(service: Path, out: Path, mode: str) -> dict:  # type: ignore[type-arg]
    """Run the export/set-model/import child (or its import-only baseline) and return its figures."""
    done = subprocess.run([sys.executable, "-c", CHILD, str(service), str(out), mode],
                          capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


def wall(cmd: list[str], env: dict[str, str], runs: int = 5) -> float:
    """Best-of-runs wall time of a command (after a warm-up)."""
    subprocess.run(cmd, env=env, capture_output=True, check=True)
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Print both benchmarks."""
    with tempfile.TemporaryDirectory() as tmp:
        service = Path(tmp) / "service.json"
        service.write_text(json.dumps(big_service()), encoding="utf-8")
        size = service.stat().st_size
        base = child(service, Path(tmp) / "base.json", "baseline")
        work = child(service, Path(tmp) / "def.json", "work")
        growth = (work["maxrss_kb"] - base["maxrss_kb"]) * 1024
        print(f"definition {size / 1e6:.1f} MB: export+set-model+import {work['cpu']:.3f}s CPU "
              f"(target <= 0.5 s, ratio {work['cpu'] / 0.5:.2f}); peak RSS +{growth / 1e6:.1f} MB over "
              f"baseline = {growth / size:.1f}x the file (target <= 10x)")

        from aml_emulator import start_services

        profile = Path(tmp) / "profile.json"
        handle = start_services(profile)
        try:
            env = {**os.environ, "AML_RETRAIN_PROFILE": str(profile)}
            cli = [sys.executable, "-c", "from aml_retrain_cli.main import main; main()"]
            version = wall([*cli, "--version"], env)
            show = wall([*cli, "webservice", "show", "aml-retrain-demo", "census-model-ws"], env)
            print(f"webservice show vs emulator: {show:.3f}s wall (target <= 0.45 s, ratio "
                  f"{show / 0.45:.2f}); --version baseline {version:.3f}s")
        finally:
            handle.stop()


if __name__ == "__main__":
    main()
