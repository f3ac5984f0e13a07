"""Retraining a new (ARM) web service through its training web service's BES, CLI vs emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.emulator_support import Emulator, census_data
from tests.integration.cli import ok_json, run

pytestmark = pytest.mark.integration
RG, TRAINING, WS = "aml-retrain-demo", "census-model-training-ws", "census-model-ws"


@pytest.fixture
def data(tmp_path: Path) -> dict[str, Path]:
    return census_data(tmp_path / "data")


def model_uri() -> str:
    assets = ok_json("webservice", "show", RG, WS)["properties"]["assets"]
    return next(a["locationInfo"]["uri"] for a in assets.values() if a["type"] == "Resource")


def bes_paths(emulator: Emulator) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in emulator.requests() if "/jobs" in r["path"]]


def test_retrain_then_set_model_from_job_then_score(emulator: Emulator,
                                                    data: dict[str, Path]) -> None:
    job = ok_json("webservice", "retrain", RG, TRAINING, "--data", str(data["census-2026"]),
                  "--output-dir", "models/arm-retrain")
    assert job["status"] == "Finished" and job["job_id"]
    assert job["web_service_id"] == f"arm:{RG}/{TRAINING}"
    assert job["model_output"] == "output1" and job["model_url_without_sas"].endswith(".ilearner")
    assert 0.5 <= job["metrics"]["values"]["Accuracy"] <= 1.0
    # BES went to the training service's own base (its swaggerLocation), not a classic endpoint.
    swagger = ok_json("webservice", "show", RG, TRAINING)["properties"]["swaggerLocation"]
    base = swagger.split("://", 1)[1].split("/", 1)[1].rsplit("/swagger.json", 1)[0]
    assert bes_paths(emulator) and all(f"/{base}/jobs" in p for p in bes_paths(emulator))

    before = ok_json("webservice", "score", RG, WS, "--input", str(data["score-rows"]))["rows"]
    changed = ok_json("webservice", "set-model", RG, WS, "--from-job", job["job_id"])
    assert changed["verified"] is True
    assert model_uri() == job["model_url_without_sas"]
    after = ok_json("webservice", "score", RG, WS, "--input", str(data["score-rows"]))["rows"]
    assert after != before


def test_no_wait_then_top_level_jobs_commands(emulator: Emulator, data: dict[str, Path]) -> None:
    started = ok_json("webservice", "retrain", RG, TRAINING, "--data", str(data["census-2025"]),
                      "--no-wait")
    assert started["status"] in ("NotStarted", "Running")
    waited = ok_json("jobs", "wait", started["job_id"])
    assert waited["status"] == "Finished" and waited["metrics"]
    assert ok_json("classic", "jobs", "status", started["job_id"])["status"] == "Finished"
    # Without the journal, --service names the ARM training service.
    found = ok_json("jobs", "status", started["job_id"], "--service", f"arm:{RG}/{TRAINING}")
    assert found["model_url_without_sas"] == waited["model_url_without_sas"]


def test_timeout_cancels_and_names_the_resume_command(emulator: Emulator,
                                                      data: dict[str, Path]) -> None:
    emulator.config(bes_job_seconds=120)
    result = run("webservice", "retrain", RG, TRAINING, "--data", str(data["census-2025"]),
                 "--timeout", "1")
    assert result.exit_code == 4, result.output
    assert "aml-retrain jobs wait" in result.stderr
    assert [j["status"] for j in emulator.state()["jobs"]] == ["Cancelled"]


def test_gate_and_promote_take_an_arm_job(emulator: Emulator, data: dict[str, Path]) -> None:
    job = ok_json("webservice", "retrain", RG, TRAINING, "--data", str(data["census-2026"]))
    gate = ok_json("gate", "--candidate", f"job:{job['job_id']}")
    assert gate["outcome"] == "pass", gate
    promoted = ok_json("promote", f"arm:{RG}/{WS}", "--from-job", job["job_id"])
    assert model_uri() == job["model_url_without_sas"], promoted


def test_predictive_service_is_refused_before_any_job(emulator: Emulator,
                                                      data: dict[str, Path]) -> None:
    result = run("webservice", "retrain", RG, WS, "--data", str(data["census-2026"]))
    assert result.exit_code == 2, result.output
    assert "is a predictive web service" in result.stderr
    assert "retrain its training web service" in result.stderr
    assert bes_paths(emulator) == []
    assert emulator.state()["jobs"] == []


def test_classic_predictive_service_is_refused_before_any_job(emulator: Emulator,
                                                              data: dict[str, Path]) -> None:
    predictive = next(s["Id"] for s in ok_json("classic", "services", "list")
                      if "[Predictive Exp.]" in s["Name"])
    result = run("classic", "retrain", predictive, "--data", str(data["census-2026"]))
    assert result.exit_code == 2, result.output
    assert "is a predictive web service" in result.stderr
    assert bes_paths(emulator) == [] and emulator.state()["jobs"] == []


def test_training_service_has_no_rrs(emulator: Emulator, data: dict[str, Path]) -> None:
    result = run("webservice", "score", RG, TRAINING, "--input", str(data["score-rows"]))
    assert result.exit_code != 0
    assert "Batch Execution Service" in result.stderr


def test_fanout_data_target_retrains_through_an_arm_training_service(
        emulator: Emulator, data: dict[str, Path], tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "fanout.yaml"
    path.write_text(yaml.safe_dump({
        "version": 1, "defaults": {"training_service": f"arm:{RG}/{TRAINING}"},
        "targets": [{"name": "ws", "target": f"arm:{RG}/{WS}", "data": str(data["census-2026"])}],
    }))
    result = ok_json("fanout", "run", str(path))
    [row] = result["results"]
    assert row["status"] == "promoted" and row["job_id"], row
    assert model_uri() == row["model"]
    job = ok_json("jobs", "status", row["job_id"])
    assert job["web_service_id"] == f"arm:{RG}/{TRAINING}"


def test_fanout_manifest_refuses_a_bad_training_service(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text('{"version": 1, "targets": [{"name": "ws", "target": "arm:rg/ws", '
                    '"data": "d.csv", "training_service": "arm:only-a-group"}]}')
    result = run("fanout", "run", str(path))
    assert result.exit_code == 2, result.output
    assert "training_service" in result.stderr and "arm:RESOURCE_GROUP/NAME" in result.stderr


def test_plan_and_apply_an_arm_job(emulator: Emulator, data: dict[str, Path], tmp_path: Path) -> None:
    job = ok_json("webservice", "retrain", RG, TRAINING, "--data", str(data["census-2026"]))
    plan = tmp_path / "plan.json"
    ok_json("plan", f"arm:{RG}/{WS}", "--from-job", job["job_id"], "--gate", "--out", str(plan))
    assert model_uri() != job["model_url_without_sas"]  # a plan changes nothing
    ok_json("apply", str(plan))
    assert model_uri() == job["model_url_without_sas"]
