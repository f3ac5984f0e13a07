"""Azure ML v2 online flow (retrain, gate, promote, score, roll back) replayed from a scrubbed cassette.

Recorded from the v2 emulator through the library calls the ``aml-retrain online`` commands and the
online kind make: ``retrain_online`` (upload, re-run the serving model's command job on it, wait,
MLflow metrics, register the next model version), ``promote`` with the gate on (a new deployment,
the traffic moved to it), ``score_file``, then ``rollback`` (the traffic back) and scoring again.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.emulator_support import census_data
from tests.replay.test_classic_replay import dev_storage

pytestmark = [pytest.mark.replay, pytest.mark.vcr, pytest.mark.block_network]

RG, WS, ENDPOINT = "aml-retrain-demo", "census-workspace", "census-online"
TARGET = f"online:{RG}/{WS}/{ENDPOINT}"
# A fixed job name and clock keep the recorded URLs stable (the job's path, the uploaded blob's).
JOB = "aml-retrain-20261203120000-0a1b2c"
FIXED = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def context_for(target: dict[str, Any], live: Any, tmp_path: Path) -> Any:
    """A promotion context on the replay (or live) ARM settings; ledger and backups in tmp_path."""
    import aml_retrain

    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({
        "subscription_id": target["subscription_id"], "arm_url": target["arm_url"],
        "arm_token": target["arm_token"], "auth": "token",
        **({"ca_bundle": target["ca_bundle"]} if target["ca_bundle"] else {}),
    }), encoding="utf-8")
    # Real polls while recording (jobs train in the emulator's threads); none in replay.
    return aml_retrain.connect(profile, env={}, poll_interval=0.2 if live is not None else 0.0,
                               ledger=tmp_path / "ledger.jsonl", journal_path=tmp_path / "jobs.jsonl",
                               backup_dir=tmp_path / "backups")


def live_split(split: dict[str, int]) -> dict[str, int]:
    return {name: share for name, share in split.items() if share}


def test_online_retrain_gate_promote_score_and_rollback(
    replay_target: dict[str, Any], live_emulator: Any, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import aml_retrain
    from aml_retrain.online import jobs
    from aml_retrain.online.workflows import retrain_online, score_file

    if live_emulator is not None:
        live_emulator.config(mlv2_retry_after=0, mlv2_polls_before_done=1)
    monkeypatch.setattr(jobs, "new_job_name", lambda: JOB)
    conn = dev_storage(replay_target, live_emulator)
    data = census_data(tmp_path / "data")
    rows = data["score-rows"]
    context = context_for(replay_target, live_emulator, tmp_path)
    with context:
        client = context.clients.get("online").workspace(RG, WS)
        before = aml_retrain.read_state(aml_retrain.parse_target(TARGET), context)
        assert before.model_url == "azureml:census-model:1"
        assert live_split(client.get_endpoint(ENDPOINT).traffic) == {"blue": 100}
        scored_before = score_file(client, ENDPOINT, rows)
        assert scored_before.deployment == "blue"
        assert len(scored_before.predictions) == len(rows.read_text().splitlines()) - 1

        # Retrain: the serving model's job re-run with the new data bound as its training input.
        retrained = retrain_online(client, data["census-2026"], storage_connection_string=conn,
                                   endpoint=ENDPOINT, now=FIXED)
        assert retrained.succeeded and retrained.job_id == JOB, retrained
        assert retrained.model == "azureml:census-model:2"
        assert 0.5 < retrained.metrics["AUC"] <= 1.0

        promoted = aml_retrain.promote(TARGET, context, aml_retrain.ModelRef(job_id=JOB),
                                       aml_retrain.GateOptions(gate=True))
        assert promoted.old_model == "azureml:census-model:1"
        assert promoted.new_model == retrained.model
        assert promoted.gate is not None and promoted.gate["outcome"] == "pass"
        assert promoted.deploy is not None
        new = promoted.deploy["deployment"]
        assert new != "blue"
        assert live_split(client.get_endpoint(ENDPOINT).traffic) == {new: 100}
        assert {d.name for d in client.list_deployments(ENDPOINT)} == {"blue", new}
        scored_new = score_file(client, ENDPOINT, rows)
        assert scored_new.deployment == new
        assert scored_new.predictions != scored_before.predictions, "the new model scores alike"

        rolled = aml_retrain.rollback(TARGET, context, reason="replay: back to version 1")
        assert rolled.new_model == "azureml:census-model:1"
        assert live_split(client.get_endpoint(ENDPOINT).traffic) == {"blue": 100}
        scored_back = score_file(client, ENDPOINT, rows)
        assert scored_back.deployment == "blue"
        assert scored_back.predictions == scored_before.predictions
        entries = context.the_ledger().entries(TARGET)
        assert [e["action"] for e in entries] == ["promote", "rollback"]
