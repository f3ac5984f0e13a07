"""Run the online example pipeline's steps against the emulator's Azure ML v2 workspace, as an agent would.

ado-pipelines/examples/retrain-online-scheduled.yml, expanded with its templates and walked stage by
stage by the runner of test_pipeline_linux_example.py (AzureCLI@2 steps: the task's argument
splitting, no shell; the emulator profile supplies the credentials). The target is the emulator's
seeded endpoint (census-online in census-workspace, azureml:census-model:1 on blue): the Retrain
stage re-submits the job behind that model, Apply creates a deployment for the new version and moves
the traffic, Verify reads it back and smoke-scores the new deployment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ado_pipelines import PIPELINES, expand_pipeline
from tests.emulator_support import Emulator
from tests.integration.test_online_promotion import ENDPOINT, RG, WS, fast, online_client
from tests.integration.test_pipeline_linux_example import (
    Runner,
    ledger_entries,
    results,
    self_repo,  # noqa: F401  (the consuming repository fixture: data, smoke rows, gate policy)
)

pytestmark = pytest.mark.integration
EXAMPLE = PIPELINES / "examples" / "retrain-online-scheduled.yml"
TARGET = f"online:{RG}/{WS}/{ENDPOINT}"
PASSED = {"Build": "Succeeded", "Retrain": "Succeeded", "Gate": "Succeeded", "Plan": "Succeeded",
          "Apply": "Succeeded", "Verify": "Succeeded", "Rollback": "Skipped"}


@pytest.fixture
def pipeline(tmp_path: Path, emulator: Emulator) -> dict[str, Any]:
    """The example aimed at the emulator's endpoint; the ledger a shared file (the example's blob)."""
    fast(emulator)
    example = yaml.safe_load(EXAMPLE.read_text())
    [build, call] = example["stages"]
    assert build["jobs"][0]["template"] == "ado-pipelines/templates/jobs/build-wheel.yml@aml-retrain"
    params = call["parameters"]
    assert params["serviceConnection"] and "trainingService" not in params
    assert params["target"].startswith("online:")
    # No baseline in a fresh ledger: the first run gates against nothing rather than refusing.
    params.update(target=TARGET, subscriptionId="", ledger=str(tmp_path / "ledger.jsonl"),
                  requireBaseline=False)
    copy = tmp_path / "example.yml"
    copy.write_text(yaml.safe_dump(example))
    return {"pipeline": expand_pipeline(copy), "ledger": tmp_path / "ledger.jsonl"}


def test_the_online_example_retrains_gates_plans_applies_and_verifies(
        pipeline: dict[str, Any], self_repo: Path, tmp_path: Path,  # noqa: F811
        emulator: Emulator) -> None:
    runner = Runner(tmp_path / "run1", self_repo, {}).run(pipeline["pipeline"])
    failed = [(s.name, s.output[-2000:]) for s in runner.steps if s.returncode]
    assert results(runner) == PASSED, failed
    assert [s.script for s in runner.steps if s.script != "install.sh"] == [
        "retrain.sh", "gate.sh", "plan.sh", "apply.sh", "verify.sh"]
    retrain = runner.step("retrain").vso.outputs
    assert retrain["jobId"] and retrain["modelUrl"] == "azureml:census-model:2"
    assert runner.step("gate").vso.outputs["gateOutcome"] == "pass"
    applied = runner.stages["Apply"].jobs["Apply"].outputs
    assert applied["Apply.apply.modelUrl"] == "azureml:census-model:2"
    verify = runner.step("verify")
    assert verify.vso.outputs["servingModelUrl"] == "azureml:census-model:2"
    # The deployment the promotion created takes all the traffic; the smoke score reached the
    # endpoint (verify.sh pins it to that deployment: tests/contract/test_pipeline_verify.py).
    live = {k: v for k, v in online_client().get_endpoint(ENDPOINT).traffic.items() if v}
    assert list(live) == ["census-model-v2"]
    scores = [r for r in emulator.requests() if r["method"] == "POST" and r["path"].endswith(
        f"/{ENDPOINT}/score")]
    assert [r["status"] for r in scores] == [200]
    assert not [i for s in runner.steps for i in s.vso.issues if i[0] == "error"]
    [entry] = ledger_entries(pipeline["ledger"])
    assert entry["job_id"] == retrain["jobId"] and entry["new_model"] == "azureml:census-model:2"


def test_a_failed_smoke_score_rolls_the_traffic_back_to_the_old_deployment(
        pipeline: dict[str, Any], self_repo: Path, tmp_path: Path,  # noqa: F811
        emulator: Emulator) -> None:
    emulator.fault("POST", rf"/{ENDPOINT}/score$", count=5, status=400)
    runner = Runner(tmp_path / "run1", self_repo, {}).run(pipeline["pipeline"])
    assert results(runner) == {**PASSED, "Verify": "Failed", "Rollback": "Succeeded"}
    verify = runner.step("verify")
    assert verify.returncode != 0 and [t for t, _ in verify.vso.issues] == ["error"]
    rollback = runner.step("rollback").vso.outputs
    assert rollback["modelUrl"] == "azureml:census-model:1" and rollback["ledgerSeq"] == "2"
    live = {k: v for k, v in online_client().get_endpoint(ENDPOINT).traffic.items() if v}
    assert live == {"blue": 100}
    assert [e["action"] for e in ledger_entries(pipeline["ledger"])] == ["promote", "rollback"]
