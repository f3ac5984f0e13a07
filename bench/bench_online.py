"""Online promotion and rollback vs the raw requests of a minimal client; prints figures, asserts nothing.

Run as a user runs it (as bench_cli.py does): the installed ``aml-retrain`` console script, bytecode
compiled first, ``PYTHONDONTWRITEBYTECODE`` unset. The emulator runs detached (its own process).

1. ``aml-retrain -o json promote online:aml-retrain-demo/census-workspace/census-online
   --model-url azureml:census-model:2`` (no gate) against a minimal client doing the same change
   with ``requests`` in a ``python -c`` of the same interpreter: GET endpoint, GET the serving
   deployment, PUT a copy of it with the new model + poll its operation, PUT the endpoint with
   the traffic moved + poll, then re-read the endpoint until it shows the new split.
2. ``aml-retrain -o json rollback TARGET`` against the minimal client's GET endpoint, PUT the
   traffic back + poll, re-read until it shows.

Both sides wait alike, as ARM's asynchronous-operation convention has it (azure-core's ARMPolling
does this): the operation's status is read at once after the PUT's 201, then after each
``InProgress`` answer's ``Retry-After``; the same interval passes between re-reads of the endpoint
(traffic is eventually consistent: ``mlv2_traffic_lag_reads``). Each round starts from a reset
emulator with version 2 registered (not measured); sides alternate which goes first, and each
side's best (and median) wall time is compared. Requests are counted by kind from the emulator's
request log. The imports alone (what ``promote`` loads; ``requests``) are timed in the same
rounds. The load average is printed before and after: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests
from bench_cli import REPO, compile_first, console_script, user_env  # beside this script

RUNS = 5
RG, WS, ENDPOINT = "aml-retrain-demo", "census-workspace", "census-online"
TARGET = f"online:{RG}/{WS}/{ENDPOINT}"
MODEL, VERSION = "census-model", "2"
API = "2025-12-01"
INTERVAL = 0.5  # the client's poll interval (AML_RETRAIN_POLL_INTERVAL), the raw client's too
# Emulator timing: the defaults (two InProgress polls, one lagging read) but Retry-After 1 s, not
# the spec's 10 s minimum. Not 0: azure-core reads Retry-After 0 as absent and waits its poll
# interval instead (the real service never sends 0), which would charge our side for a setting.
EMULATOR = {"mlv2_retry_after": 1, "mlv2_polls_before_done": 2, "mlv2_traffic_lag_reads": 1}

# The minimal client: what the change needs and nothing else (argv[1]: JSON settings).
# What the promote command imports before its first request (``--version`` imports none of it).
IMPORTS = "import aml_retrain_cli.main, aml_retrain.promotion.promote, aml_retrain.online.client"
RAW_CLIENT = r'''
import json, sys, time, requests
a = json.loads(sys.argv[1])
s = requests.Session()
s.headers["Authorization"] = "Bearer " + a["token"]
ep = a["workspace"] + "/onlineEndpoints/" + a["endpoint"]
def call(method, url, body=None, query=True):
    r = s.request(method, url, params={"api-version": a["api"]} if query else None, json=body,
                  timeout=60, verify=a["ca"])
    r.raise_for_status()
    return r
def wait(r):
    status = r.headers["Azure-AsyncOperation"]
    while True:
        r = call("GET", status, query=False)
        state = r.json()["status"]
        if state != "InProgress":
            assert state == "Succeeded", state
            return
        time.sleep(float(r.headers.get("Retry-After", a["interval"])))
def live(split):
    return {k: v for k, v in split.items() if v}
def move(endpoint, split):
    endpoint["properties"].pop("keys", None)
    endpoint["properties"]["traffic"] = split
    wait(call("PUT", ep, endpoint))
    while live(call("GET", ep).json()["properties"]["traffic"]) != live(split):
        time.sleep(a["interval"])
endpoint = call("GET", ep).json()
traffic = endpoint["properties"]["traffic"]
if a["action"] == "promote":
    source = max(traffic, key=traffic.get)
    d = call("GET", ep + "/deployments/" + source).json()
    props = {k: v for k, v in d["properties"].items() if k != "provisioningState"}
    props["model"] = a["model_id"]
    body = {k: d[k] for k in ("location", "kind", "sku") if d.get(k)}
    body["properties"] = props
    wait(call("PUT", ep + "/deployments/" + a["deployment"], body))
    move(endpoint, {source: 0, a["deployment"]: 100})
else:
    move(endpoint, {n: (100 if n == a["back_to"] else 0) for n in traffic})
'''


class Emulator:
    """The detached emulator's control plane and ARM paths."""

    def __init__(self, profile: dict[str, Any]) -> None:
        self.profile = profile
        self.ca = profile["ca_bundle"]
        self.workspace_id = (f"/subscriptions/{profile['subscription_id']}/resourceGroups/{RG}"
                             f"/providers/Microsoft.MachineLearningServices/workspaces/{WS}")
        self.workspace = profile["arm_url"] + self.workspace_id

    def control(self, method: str, path: str, body: Any = None) -> Any:
        resp = requests.request(method, f"{self.profile['management_url']}/_emulator/{path}",
                                json=body, verify=self.ca, timeout=30)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def fresh(self) -> None:
        """Reset to the seed, set the timing, register version 2 from the seeded job."""
        self.control("POST", "reset")
        self.control("POST", "config", EMULATOR)
        resp = requests.put(
            f"{self.workspace}/models/{MODEL}/versions/{VERSION}", params={"api-version": API},
            json={"properties": {"modelUri": "azureml://jobs/census-train-1/outputs/model_output/paths/",
                                 "modelType": "custom_model", "jobName": "census-train-1"}},
            headers={"Authorization": f"Bearer {self.profile['arm_token']}"}, verify=self.ca,
            timeout=30)
        resp.raise_for_status()

    def logged(self) -> int:
        return len(self.control("GET", "requests"))

    def since(self, start: int) -> Counter[str]:
        return Counter(kind(r["method"], r["path"]) for r in self.control("GET", "requests")[start:])


_KINDS = [
    (r"/mfeOperation(sStatus|Results)/", "operation status"),
    (r"/onlineEndpoints/[^/]+/deployments/[^/]+$", "deployment"),
    (r"/onlineEndpoints/[^/]+/deployments$", "deployments (list)"),
    (r"/onlineEndpoints/[^/]+/listKeys$", "listKeys"),
    (r"/onlineEndpoints/[^/]+$", "endpoint"),
    (r"/models/[^/]+/versions/[^/]+$", "model version"),
    (r"/models/[^/]+/versions$", "model versions (list)"),
    (r"/jobs/[^/]+$", "job"),
    (r"/mlflow/", "mlflow run"),
    (r"/workspaces/[^/]+$", "workspace"),
]


def kind(method: str, path: str) -> str:
    """``METHOD what`` for one logged request (its path without the query)."""
    bare = path.split("?", 1)[0]
    found = next((label for pattern, label in _KINDS if re.search(pattern, bare)), bare)
    return f"{method} {found}"


def run(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{cmd[0]} {' '.join(cmd[1:4])} failed ({done.returncode}): "
                         f"{(done.stderr or done.stdout).strip()[-400:]}")
    return took


def main() -> None:
    """Start the emulator, run interleaved rounds of both sides, print counts, times and ratios."""
    from aml_emulator import start_services, stop_services

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="interleaved rounds")
    args = parser.parse_args()
    cli = console_script()
    compile_first(sys.executable, REPO / "core", REPO / "cli", REPO / "emulator",
                  sysconfig.get_paths()["purelib"])
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp_text:
        tmp = Path(tmp_text)
        profile_path = tmp / "profile.json"
        start_services(profile_path, detach=True)
        try:
            emulator = Emulator(json.loads(profile_path.read_text(encoding="utf-8")))
            times, counts = rounds(emulator, cli, profile_path, tmp, args.runs)
        finally:
            stop_services(profile_path)
    report(times, counts, args.runs, load_before, os.getloadavg())


def rounds(emulator: Emulator, cli: str, profile_path: Path, tmp: Path,
           runs: int) -> tuple[dict[str, list[float]], dict[str, Counter[str]]]:
    """``runs`` rounds; each side promotes then rolls back from a fresh emulator."""
    profile = emulator.profile
    raw_args = {"token": profile["arm_token"], "ca": profile["ca_bundle"], "api": API,
                "workspace": emulator.workspace, "endpoint": ENDPOINT, "interval": INTERVAL,
                "model_id": f"{emulator.workspace_id}/models/{MODEL}/versions/{VERSION}",
                "deployment": f"{MODEL}-v{VERSION}", "back_to": "blue"}
    times: dict[str, list[float]] = {}
    counts: dict[str, Counter[str]] = {}

    def measure(label: str, cmd: list[str], env: dict[str, str]) -> None:
        start = emulator.logged()
        times.setdefault(label, []).append(run(cmd, env))
        counts[label] = emulator.since(start)  # the same every round: the last one is kept

    def ours(round_no: int) -> None:
        env = user_env(AML_RETRAIN_PROFILE=str(profile_path),
                       AML_RETRAIN_LEDGER=str(tmp / f"ledger-{round_no}.jsonl"),
                       AML_RETRAIN_BACKUP_DIR=str(tmp / "backups"),
                       AML_RETRAIN_POLL_INTERVAL=str(INTERVAL))
        measure("promote: aml-retrain", [cli, "-o", "json", "promote", TARGET, "--model-url",
                                         f"azureml:{MODEL}:{VERSION}"], env)
        measure("rollback: aml-retrain", [cli, "-o", "json", "rollback", TARGET, "--reason",
                                          "bench"], env)
        times.setdefault("start-up: aml-retrain", []).append(run([sys.executable, "-c", IMPORTS], env))

    def raw(_round_no: int) -> None:
        env = user_env()
        for action in ("promote", "rollback"):
            measure(f"{action}: minimal client", [sys.executable, "-c", RAW_CLIENT,
                                                  json.dumps({**raw_args, "action": action})], env)
        times.setdefault("start-up: minimal client", []).append(
            run([sys.executable, "-c", "import requests"], env))

    emulator.fresh()
    ours(-1)  # warm-up of each side (caches, first TLS handshakes), not counted
    emulator.fresh()
    raw(-1)
    times.clear()
    for i in range(runs):
        for side in ((raw, ours) if i % 2 else (ours, raw)):
            emulator.fresh()
            side(i)
    return times, counts


def report(times: dict[str, list[float]], counts: dict[str, Counter[str]], runs: int,
           load_before: tuple[float, float, float], load_after: tuple[float, float, float]) -> None:
    """Print the requests by kind, the wall times and the ratios."""
    print(f"{runs} interleaved rounds, best (median) of each side; bytecode compiled, "
          f"PYTHONDONTWRITEBYTECODE unset; poll interval {INTERVAL:g}s, emulator {EMULATOR}")
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f}, after "
          f"{load_after[0]:.2f} {load_after[1]:.2f} ({os.cpu_count()} cores)")
    for action in ("promote", "rollback"):
        ours, raw = counts[f"{action}: aml-retrain"], counts[f"{action}: minimal client"]
        print(f"\n{action}: requests by kind      aml-retrain  minimal client")
        for name in sorted(set(ours) | set(raw)):
            print(f"  {name:<34}{ours[name]:>6}{raw[name]:>14}")
        total_ours, total_raw = sum(ours.values()), sum(raw.values())
        print(f"  {'total':<34}{total_ours:>6}{total_raw:>14}   ratio {total_ours / total_raw:.2f}")
        ours_t, raw_t = times[f"{action}: aml-retrain"], times[f"{action}: minimal client"]
        print(f"  wall: aml-retrain {min(ours_t):.3f}s ({statistics.median(ours_t):.3f}s), minimal "
              f"client {min(raw_t):.3f}s ({statistics.median(raw_t):.3f}s), ratio "
              f"{min(ours_t) / min(raw_t):.2f}; difference {min(ours_t) - min(raw_t):+.3f}s")
    ours_s, raw_s = min(times["start-up: aml-retrain"]), min(times["start-up: minimal client"])
    print(f"\nimports alone: the CLI, promotion and online client {ours_s:.3f}s, requests {raw_s:.3f}s "
          f"(difference {ours_s - raw_s:+.3f}s of each run's)")


if __name__ == "__main__":
    main()
