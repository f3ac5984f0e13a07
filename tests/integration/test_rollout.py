"""``fanout run`` rollouts against the emulator and Azurite: a bad second wave rolls the first back;
an interrupted run resumes from the ledger without promoting a target twice."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.emulator_support import Emulator
from tests.integration.cli import ok_json, run
from tests.integration.test_fanout import SITES, served, service, statuses

pytestmark = pytest.mark.integration
V1, V2 = "models/rollout/census-v1.ilearner", "models/rollout/census-v2.ilearner"


@pytest.fixture
def sites(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Four endpoints serving v1 (recorded in the ledger), and v2 uploaded next to it."""
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    svc = service("Predictive")
    urls = {}
    for name in ("v1", "v2"):
        model = tmp_path / f"census-{name}.ilearner"
        model.write_bytes(f"model {name} bytes".encode())
        urls[name] = ok_json("storage", "upload", str(model), "--container", "models",
                             "--blob", f"rollout/census-{name}.ilearner")["url"]
    for site in SITES:
        ok_json("classic", "endpoints", "create", svc, site, "--exist-ok")
        ok_json("promote", f"classic:{svc}/{site}", "--model-url", urls["v1"])
    return {"svc": svc, "urls": urls, "dir": tmp_path}


def manifest(sites: dict[str, Any], rollout: dict[str, Any], **urls: str) -> Path:
    """v2 to every site: site-a and site-b in wave 1, site-c and site-d in wave 2."""
    targets = [{"name": site, "target": f"classic:{sites['svc']}/{site}", "wave": 1 + i // 2,
                "model_url": urls.get(site.replace("-", "_"), sites["urls"]["v2"])}
               for i, site in enumerate(SITES)]
    path = Path(sites["dir"]) / "rollout.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "rollout": rollout, "targets": targets}))
    return path


def run_id_of(stderr: str) -> str:
    found = re.search(r"^run ([0-9TZ]+-[0-9a-f]+)", stderr, re.MULTILINE)
    assert found, stderr
    return found.group(1)


def test_a_failing_second_wave_rolls_the_first_back(emulator: Emulator,
                                                    sites: dict[str, Any]) -> None:
    svc = sites["svc"]
    missing = str(sites["urls"]["v2"]).replace("census-v2", "missing")
    path = manifest(sites, {"max_failures": 0, "on_failure": "rollback"}, site_c=missing)
    junit = Path(sites["dir"]) / "rollout.xml"
    result = run("-o", "json", "fanout", "run", str(path), "--concurrency", "1", "--junit", str(junit))
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert statuses(data) == ["promoted", "promoted", "failed", "not-run"]
    assert data["failed_wave"] == 2 and data["run_id"] == run_id_of(result.stderr)
    assert [(r["name"], r["status"]) for r in data["rollbacks"]] == [
        ("site-a", "rolled-back"), ("site-b", "rolled-back")]
    assert [served(emulator, svc, site) for site in SITES] == [V1] * 4  # wave 1 is back on v1

    entries = ok_json("ledger", "show")
    mine = [e for e in entries if e.get("run_id") == data["run_id"]]
    assert [(e["action"], e["target"].rsplit("/", 1)[1], e["run_wave"]) for e in mine] == [
        ("promote", "site-a", 1), ("promote", "site-b", 1),
        ("rollback", "site-a", 1), ("rollback", "site-b", 1)]
    assert all(e["new_model"].endswith("census-v1.ilearner") for e in mine if e["action"] == "rollback")
    assert not any("run_id" in e for e in entries[:4])  # the setup's promotions belong to no run
    assert ok_json("ledger", "verify")["ok"]

    root = ET.parse(junit).getroot()
    budget = root.find("./testsuite[@name='wave 2']/testcase[@name='failure budget']/failure")
    assert budget is not None and "rolled back: site-a (rolled-back), site-b (rolled-back)" \
        in budget.get("message", "")
    assert [c.get("name") for c in root.findall("./testsuite[@name='rollback']/testcase")] == [
        "site-a", "site-b"]

    shown = ok_json("fanout", "status", data["run_id"])
    assert [(r["wave"], r["state"]) for r in shown["targets"]] == [(1, "rolled-back")] * 2
    again = run("fanout", "run", str(path), "--resume", data["run_id"])
    assert again.exit_code == 2 and "already rolled back its targets" in again.stderr


def test_on_failure_stop_leaves_the_first_wave_switched(emulator: Emulator,
                                                        sites: dict[str, Any]) -> None:
    missing = str(sites["urls"]["v2"]).replace("census-v2", "missing")
    path = manifest(sites, {"on_failure": "stop"}, site_c=missing)
    result = run("-o", "json", "fanout", "run", str(path), "--concurrency", "1")
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["rollbacks"] == []
    assert [served(emulator, sites["svc"], s) for s in SITES] == [V2, V2, V1, V1]


def test_an_interrupted_run_resumes_without_promoting_a_target_twice(
        emulator: Emulator, sites: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from aml_retrain.promotion import fanout

    real, calls = fanout.promote_target, []

    def interrupting(spec: Any, context: Any, **kw: Any) -> Any:
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C (or a killed agent) after three targets
        calls.append(spec.name)
        return real(spec, context, **kw)

    monkeypatch.setattr(fanout, "promote_target", interrupting)
    path = manifest(sites, {"on_failure": "rollback"})
    before = len([w for w in emulator.writes() if w["method"] == "PATCH"])
    first = run("fanout", "run", str(path), "--concurrency", "1")
    assert first.exit_code == 130, first.output
    run_id = run_id_of(first.stderr)
    assert f"--resume {run_id}" in first.stderr
    monkeypatch.setattr(fanout, "promote_target", real)

    shown = ok_json("fanout", "status", run_id)
    assert [r["target"].rsplit("/", 1)[1] for r in shown["targets"]] == ["site-a", "site-b", "site-c"]
    resumed = run("-o", "json", "fanout", "run", str(path), "--resume", run_id)
    assert resumed.exit_code == 0, resumed.output
    data = json.loads(resumed.stdout)
    assert statuses(data) == ["promoted"] * 4 and data["resumed"] and data["run_id"] == run_id
    assert "before the resume" in data["results"][2]["message"]
    patches = [w for w in emulator.writes() if w["method"] == "PATCH"][before:]
    assert len(patches) == 4  # one switch per target across both runs
    promotes = [e["target"] for e in ok_json("ledger", "show")
                if e.get("run_id") == run_id and e["action"] == "promote"]
    assert sorted(promotes) == sorted(f"classic:{sites['svc']}/{s}" for s in SITES)
    assert [served(emulator, sites["svc"], s) for s in SITES] == [V2] * 4

    other = manifest(sites, {"on_failure": "stop"})
    refused = run("fanout", "run", str(other), "--resume", run_id)
    assert refused.exit_code == 2 and "was started with another manifest" in refused.stderr


def test_a_rollback_whose_write_outcome_is_unknown_says_how_to_check(
        emulator: Emulator, sites: dict[str, Any]) -> None:
    svc = sites["svc"]
    missing = str(sites["urls"]["v2"]).replace("census-v2", "missing")
    path = manifest(sites, {"on_failure": "rollback"}, site_c=missing)
    # site-b's second PATCH (its rollback) is applied, but answered with a 500.
    emulator.fault("PATCH", f"/webservices/{svc}/endpoints/site-b$", count=1, status=500, skip=1,
                   after=True)
    result = run("-o", "json", "fanout", "run", str(path), "--concurrency", "1")
    assert result.exit_code == 1, result.output
    undone = {r["name"]: r for r in json.loads(result.stdout)["rollbacks"]}
    assert undone["site-a"]["status"] == "rolled-back"
    assert undone["site-b"]["status"] == "unknown", undone["site-b"]
    assert undone["site-b"]["message"].startswith("unknown — ServiceError")
    assert f"aml-retrain target show classic:{svc}/site-b" in undone["site-b"]["message"]
    assert served(emulator, svc, "site-b") == V1  # it did land: the check the message asks for
