"""A job that is not in the local journal (another agent ran it) is usable with --service (issue 13.5).

Every command that takes a job (`classic endpoints set-model --from-job`, `webservice set-model
--from-job`, `promote`/`plan --from-job`, `gate --candidate job:ID`) is run against the emulator
after the journal was emptied: without --service it says to pass it (exit 2); with it, it works.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.emulator_support import Emulator, census_data
from tests.integration.cli import classic_services, ok_json, run

pytestmark = pytest.mark.integration
RG, TRAINING, WS = "aml-retrain-demo", "census-model-training-ws", "census-model-ws"
ARM_TRAINING = f"arm:{RG}/{TRAINING}"
EP = "retrained01"


@pytest.fixture(autouse=True)
def ledger(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))


def forget_jobs() -> None:
    """Empty the journal, as on an agent that did not run the retrain."""
    Path(os.environ["AML_RETRAIN_JOURNAL"]).write_text("", encoding="utf-8")


def arm_model() -> str:
    assets = ok_json("webservice", "show", RG, WS)["properties"]["assets"]
    return str(next(a["locationInfo"]["uri"] for a in assets.values() if a["type"] == "Resource"))


def refused_without_service(*args: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "is not in the journal" in result.stderr and "pass --service SERVICE" in result.stderr


def test_arm_job_outside_the_journal(tmp_path: Path) -> None:
    data = census_data(tmp_path / "data")
    job = ok_json("webservice", "retrain", RG, TRAINING, "--data", str(data["census-2026"]))
    forget_jobs()
    job_id, model = job["job_id"], job["model_url_without_sas"]

    refused_without_service("webservice", "set-model", RG, WS, "--from-job", job_id)
    refused_without_service("gate", "--candidate", f"job:{job_id}")
    assert arm_model() != model  # nothing was changed by the refusals

    gate = ok_json("gate", "--candidate", f"job:{job_id}", "--service", ARM_TRAINING)
    assert gate["outcome"] == "pass", gate
    changed = ok_json("webservice", "set-model", RG, WS, "--from-job", job_id,
                      "--service", ARM_TRAINING)
    assert changed["verified"] is True and arm_model() == model

    plan = tmp_path / "plan.json"
    ok_json("plan", f"arm:{RG}/{WS}", "--from-job", job_id, "--service", ARM_TRAINING,
            "--gate", "--out", str(plan))
    applied = ok_json("apply", str(plan), "--timeout", "60")
    assert applied["new_model"] == model


def test_classic_job_outside_the_journal(tmp_path: Path) -> None:
    ids = classic_services()
    training, predictive = ids["Training"], ids["Predictive"]
    ok_json("classic", "endpoints", "create", predictive, EP)
    data = census_data(tmp_path / "data")
    job = ok_json("classic", "retrain", training, "--data", str(data["census-2025"]))
    forget_jobs()
    job_id = job["job_id"]
    target = f"classic:{predictive}/{EP}"

    refused_without_service("classic", "endpoints", "set-model", predictive, EP, "--from-job", job_id)
    refused_without_service("promote", target, "--from-job", job_id)
    refused_without_service("plan", target, "--from-job", job_id, "--out", str(tmp_path / "p.json"))

    swapped = ok_json("classic", "endpoints", "set-model", predictive, EP, "--from-job", job_id,
                      "--service", training)
    assert swapped["verified"] is True
    promoted = ok_json("promote", target, "--from-job", job_id, "--service", training, "--gate")
    assert promoted["gate"]["outcome"] == "pass" and promoted["entry"]["job_id"] == job_id

    plan = tmp_path / "plan.json"
    made = ok_json("plan", target, "--from-job", job_id, "--service", training, "--out", str(plan))
    assert made["training_service_id"] == training


def test_service_without_a_job_is_a_usage_error(tmp_path: Path) -> None:
    for args in (("webservice", "set-model", RG, WS, "--model-url", "https://x.blob.core.windows.net/c/m.ilearner"),
                 ("promote", f"arm:{RG}/{WS}", "--model-url", "https://x.blob.core.windows.net/c/m.ilearner"),
                 ("gate", "--candidate", str(tmp_path / "metrics.json"))):
        result = run(*args, "--service", ARM_TRAINING)
        assert result.exit_code == 2, result.output
        assert "--service names the training service" in result.stderr
