"""Health checks in a fan-out against the emulator: a degraded model in wave 2 is found by the probe,
rolled back at once, and (over budget) rolls the healthy wave 1 back too; within budget it alone is."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.emulator_support import Emulator, census_data
from tests.integration.cli import ok_json, run
from tests.integration.test_fanout import SITES, service, statuses

pytestmark = pytest.mark.integration


@pytest.fixture
def fleet(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Four endpoints on a good model; a second good model and a degraded one, trained."""
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    training, svc = service("Training"), service("Predictive")
    data = census_data(tmp_path / "data")

    def job() -> str:
        return str(ok_json("classic", "retrain", training, "--data", str(data["census-2025"]))["job_id"])

    first = job()
    served = {}
    for site in SITES:
        ok_json("classic", "endpoints", "create", svc, site, "--exist-ok")
        served[site] = ok_json("promote", f"classic:{svc}/{site}", "--from-job", first)["new_model"]
    good = job()
    emulator.config(degrade_training=True)
    try:
        bad = job()
    finally:
        emulator.config(degrade_training=False)
    policy = tmp_path / "health.yaml"
    policy.write_text("health:\n  min_success_rate: 1.0\n  min_agreement: 0.7\n", encoding="utf-8")
    return {"svc": svc, "training": training, "good": good, "bad": bad, "served": served,
            "rows": data["score-rows"], "policy": policy, "dir": tmp_path}


def manifest(fleet: dict[str, Any], jobs: dict[str, str], **rollout: Any) -> Path:
    """site-a, site-b in wave 1; site-c, site-d in wave 2; each from the job named in ``jobs``."""
    targets = [{"name": site, "target": f"classic:{fleet['svc']}/{site}", "wave": 1 + i // 2,
                "from_job": fleet[jobs.get(site, "good")]} for i, site in enumerate(SITES)]
    path = Path(fleet["dir"]) / "rollout.yaml"
    path.write_text(yaml.safe_dump({
        "version": 1,
        "defaults": {"training_service": fleet["training"], "policy": str(fleet["policy"])},
        "rollout": {"probe": str(fleet["rows"]), **rollout}, "targets": targets}))
    return path


def models(fleet: dict[str, Any]) -> list[str]:
    return [ok_json("target", "show", f"classic:{fleet['svc']}/{s}")["model_url"] for s in SITES]


def test_a_degraded_second_wave_is_caught_by_the_probe_and_rolls_the_first_back(
        fleet: dict[str, Any]) -> None:
    path = manifest(fleet, {"site-c": "bad", "site-d": "bad"}, max_failures=0, on_failure="rollback")
    junit = Path(fleet["dir"]) / "rollout.xml"
    result = run("-o", "json", "fanout", "run", str(path), "--concurrency", "1", "--junit", str(junit))
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert statuses(data) == ["promoted", "promoted", "unhealthy", "not-run"]
    healthy, unhealthy = data["results"][0]["health"], data["results"][2]["health"]
    assert healthy["healthy"] is True and healthy["agreement"] == 1.0
    assert unhealthy["healthy"] is False and unhealthy["agreement"] < 0.7
    assert "< min_agreement 0.7" in data["results"][2]["message"]
    assert [(r["name"], r["scope"], r["status"]) for r in data["rollbacks"]] == [
        ("site-c", "target", "rolled-back"), ("site-a", "run", "rolled-back"),
        ("site-b", "run", "rolled-back")]
    assert data["failed_wave"] == 2
    assert models(fleet) == [fleet["served"][s] for s in SITES]  # every site back on its old model

    mine = [e for e in ok_json("ledger", "show") if e.get("run_id") == data["run_id"]]
    assert [(e["action"], e["target"].rsplit("/", 1)[1], e.get("run_rollback")) for e in mine] == [
        ("promote", "site-a", None), ("promote", "site-b", None), ("promote", "site-c", None),
        ("rollback", "site-c", "target"), ("rollback", "site-a", "run"), ("rollback", "site-b", "run")]
    assert ok_json("ledger", "verify")["ok"]
    status = ok_json("fanout", "status", data["run_id"])
    assert {t["target"].rsplit("/", 1)[1]: t["rollback"] for t in status["targets"]} == {
        "site-a": "run", "site-b": "run", "site-c": "target"}

    root = ET.parse(junit).getroot()
    [failure] = root.findall(".//testcase[@name='site-c']/failure")
    assert failure.get("type") == "unhealthy"
    out = root.find(".//testcase[@name='site-c']/system-out")
    assert out is not None and "health.agreement: " in str(out.text)
    assert root.findall(".//testcase[@name='failure budget']")
    refused = run("fanout", "run", str(path), "--resume", data["run_id"])
    assert refused.exit_code == 2 and "already rolled back" in refused.stderr


def test_an_unhealthy_target_within_budget_is_rolled_back_alone(fleet: dict[str, Any]) -> None:
    path = manifest(fleet, {"site-c": "bad"}, max_failures=1, on_failure="rollback")
    result = run("-o", "json", "fanout", "run", str(path), "--concurrency", "2")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert statuses(data) == ["promoted", "promoted", "unhealthy", "promoted"]
    assert [(r["name"], r["scope"]) for r in data["rollbacks"]] == [("site-c", "target")]
    now = models(fleet)
    assert now[2] == fleet["served"]["site-c"]  # back on its old model
    assert all(m != fleet["served"][s] for m, s in zip(now, SITES, strict=True) if s != "site-c")
    table = run("fanout", "status", data["run_id"])
    assert table.exit_code == 0 and "rolled-back" in table.stdout
