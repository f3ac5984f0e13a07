"""Shards as separate processes on one az:// ledger (Azurite): every target once, waves in step."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.emulator_support import Emulator, census_data
from tests.integration.cli import ok_json, run
from tests.integration.test_fanout import service

pytestmark = pytest.mark.integration
SITES = [f"shard-site-{i}" for i in range(8)]  # waves 1 and 2, four targets each


@pytest.fixture
def fleet(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("AML_RETRAIN_LEDGER", f"az://ledgers/shards-{uuid.uuid4().hex[:8]}/l.jsonl")
    training, svc = service("Training"), service("Predictive")
    data = census_data(tmp_path / "data")
    for site in SITES:
        ok_json("classic", "endpoints", "create", svc, site, "--exist-ok")
    job = str(ok_json("classic", "retrain", training, "--data", str(data["census-2025"]))["job_id"])
    return {"svc": svc, "training": training, "job": job, "dir": tmp_path}


def write_manifest(fleet: dict[str, Any], jobs: dict[str, str] | None = None,
                   **rollout: Any) -> Path:
    targets = [{"name": site, "target": f"classic:{fleet['svc']}/{site}", "wave": 1 + i // 4,
                "from_job": (jobs or {}).get(site, fleet["job"])} for i, site in enumerate(SITES)]
    path = Path(fleet["dir"]) / "shards.yaml"
    body: dict[str, Any] = {"version": 1, "defaults": {"training_service": fleet["training"]},
                            "targets": targets}
    if rollout:
        body["rollout"] = rollout
    path.write_text(yaml.safe_dump(body), encoding="utf-8")
    return path


def shards(manifest: Path, count: int) -> list[subprocess.CompletedProcess[str]]:
    """Start ``count`` shard processes at once (as parallel jobs would), wait for them all."""
    run_id = _new_run_id()
    procs = [subprocess.Popen(
        [sys.executable, "-m", "aml_retrain_cli", "-o", "json", "fanout", "run", str(manifest),
         "--shard", f"{i}/{count}", "--run-id", run_id, "--barrier-timeout", "120"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
        for i in range(1, count + 1)]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def _new_run_id() -> str:
    result = run("fanout", "new-run-id")
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_four_shard_processes_promote_every_target_once_and_keep_the_waves_apart(
    fleet: dict[str, Any],
) -> None:
    done = shards(write_manifest(fleet), 4)
    assert [p.returncode for p in done] == [0] * 4, [p.stderr for p in done]
    results = [json.loads(p.stdout) for p in done]
    names = sorted(r["name"] for res in results for r in res["results"])
    assert names == sorted(SITES) and {res["shard"] for res in results} == {"1/4", "2/4", "3/4", "4/4"}
    assert all(r["status"] == "promoted" for res in results for r in res["results"])
    entries = ok_json("ledger", "show")
    promotes = [e for e in entries if e["action"] == "promote"]
    assert len(promotes) == 8 and len({e["target"] for e in promotes}) == 8
    first = max(e["seq"] for e in promotes if e["run_wave"] == 1)
    marks = [e for e in entries if e["action"] == "wave"]
    assert sorted(m["shard"] for m in marks if m["run_wave"] == 1) == ["1/4", "2/4", "3/4", "4/4"]
    # The barrier: no wave-2 switch before every shard marked wave 1 (after its own switches).
    assert first < max(m["seq"] for m in marks if m["run_wave"] == 1) \
        < min(e["seq"] for e in promotes if e["run_wave"] == 2)
    assert ok_json("ledger", "verify")["ok"] is True
    run_id = results[0]["run_id"]
    assert {res["run_id"] for res in results} == {run_id}
    assert len(ok_json("fanout", "status", run_id)["targets"]) == 8


def test_a_failure_on_one_shard_stops_every_shard_and_each_rolls_back_its_own(
    fleet: dict[str, Any],
) -> None:
    manifest = write_manifest(fleet, {SITES[2]: "no-such-job"}, on_failure="rollback")
    done = shards(manifest, 2)
    assert [p.returncode for p in done] == [1, 1], [p.stderr for p in done]
    results = [json.loads(p.stdout) for p in done]
    assert all(res["failed_wave"] == 1 for res in results)
    statuses = {r["name"]: r["status"] for res in results for r in res["results"]}
    assert statuses[SITES[2]] == "failed"
    assert all(statuses[s] == "not-run" for s in SITES[4:])  # no shard started wave 2
    entries = ok_json("ledger", "show")
    promoted = {e["target"] for e in entries if e["action"] == "promote"}
    rolled = {e["target"] for e in entries if e["action"] == "rollback"}
    assert promoted == rolled and len(promoted) == 3


def test_a_shard_alone_times_out_at_the_barrier_with_exit_4(fleet: dict[str, Any]) -> None:
    result = run("fanout", "run", str(write_manifest(fleet)), "--shard", "1/2", "--run-id",
                 _new_run_id(), "--barrier-timeout", "1")
    assert result.exit_code == 4, result.output
    assert "shard(s) 2 of 2 have not finished wave 1" in result.stderr


def test_shard_input_errors_are_exit_2(fleet: dict[str, Any]) -> None:
    manifest = str(write_manifest(fleet))
    assert run("fanout", "run", manifest, "--shard", "1/2").exit_code == 2  # no run id
    assert run("fanout", "run", manifest, "--shard", "3/2", "--run-id",
               _new_run_id()).exit_code == 2
    assert ok_json("ledger", "show") == []
