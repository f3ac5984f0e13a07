"""rollout.steps/mirror in a fan-out: the online target steps its traffic, the classic one switches whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.emulator_support import Emulator, census_data
from tests.integration.cli import ok_json, run
from tests.integration.test_fanout import service, statuses
from tests.integration.test_health_probe import online_version
from tests.integration.test_online_promotion import ENDPOINT, fast, online_client
from tests.integration.test_online_promotion import TARGET as ONLINE

pytestmark = pytest.mark.integration


@pytest.fixture
def fleet(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    fast(emulator)
    training, svc = service("Training"), service("Predictive")
    data = census_data(tmp_path / "data")
    ok_json("classic", "endpoints", "create", svc, "site-a", "--exist-ok")
    job = ok_json("classic", "retrain", training, "--data", str(data["census-2025"]))["job_id"]
    path = tmp_path / "rollout.yaml"
    path.write_text(yaml.safe_dump({
        "version": 1, "defaults": {"training_service": training},
        "rollout": {"probe": str(data["score-rows"]), "steps": [25, 100], "mirror": 10},
        "targets": [
            {"name": "classic-a", "target": f"classic:{svc}/site-a", "wave": 1, "from_job": job},
            {"name": "online", "target": ONLINE, "wave": 2, "model_url": online_version()},
        ]}))
    rows = len(data["score-rows"].read_text(encoding="utf-8").strip().splitlines()) - 1
    return {"manifest": path, "classic": f"classic:{svc}/site-a", "rows": rows}


def test_the_online_target_steps_and_records_each_phase_the_classic_one_switches_whole(
    fleet: dict[str, Any],
) -> None:
    data = ok_json("fanout", "run", str(fleet["manifest"]))
    assert statuses(data) == ["promoted", "promoted"], data
    [online] = ok_json("ledger", "show", ONLINE)
    assert [(p["phase"], p["percent"]) for p in online["steps"]] == [("mirror", 10), ("step", 25)]
    new = online["steps"][0]["mirror"]
    assert list(new) and online["steps"][1]["traffic"] == {"blue": 75, **{k: 25 for k in new}}
    assert online["run_id"] == data["run_id"]
    [classic] = ok_json("ledger", "show", str(fleet["classic"]))
    assert "steps" not in classic
    endpoint = online_client().get_endpoint(ENDPOINT)
    assert {k: v for k, v in endpoint.traffic.items() if v} == {k: 100 for k in new}


def test_a_failing_step_is_a_failed_target_with_its_traffic_put_back(
    emulator: Emulator, fleet: dict[str, Any],
) -> None:
    # Wave 1's classic probes (before and after) and the online baseline score; then every
    # online score answers 500, so the mirror phase fails.
    emulator.fault("POST", r"/score$", count=100, status=500, skip=fleet["rows"])
    result = run("fanout", "run", str(fleet["manifest"]))
    assert result.exit_code == 1, result.output
    assert "unhealthy at mirror 10%" in result.output and "traffic restored" in result.output
    endpoint = online_client().get_endpoint(ENDPOINT)
    assert {k: v for k, v in endpoint.traffic.items() if v} == {"blue": 100}
    assert {k: v for k, v in endpoint.mirror_traffic.items() if v} == {}
    assert ok_json("ledger", "show", ONLINE) == []
