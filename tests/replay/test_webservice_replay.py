"""New (ARM) web service scenario replayed from a scrubbed cassette recorded from the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.arm.auth import StaticTokenCredential
from aml_retrain.arm.client import ArmWebServiceClient
from aml_retrain.arm.definition import trained_model_assets
from aml_retrain.arm.webservices import export_webservice, set_model_live, show_webservice
from tests.replay.conftest import pacing
from tests.replay.test_classic_replay import dev_storage

pytestmark = [pytest.mark.replay, pytest.mark.vcr, pytest.mark.block_network]
RG, WS = "aml-retrain-demo", "census-model-ws"


def test_export_set_model_live_and_read_back(
    replay_target: dict[str, Any], live_emulator: Any, tmp_path: Path
) -> None:
    from aml_retrain import storage

    conn = dev_storage(replay_target, live_emulator)
    model = tmp_path / "m.ilearner"
    model.write_bytes(b'{"format": "not read by the ARM service during replay"}')
    url = storage.upload_file(conn, "models", "replay/arm-model.ilearner", model)

    client = ArmWebServiceClient(replay_target["subscription_id"],
                                 StaticTokenCredential(replay_target["arm_token"]),
                                 base_url=replay_target["arm_url"], ca_bundle=replay_target["ca_bundle"],
                                 polling_interval=0)
    shown = show_webservice(client, RG, WS)
    assert shown["name"] == WS and "keys" not in shown["properties"]
    exported = export_webservice(client, RG, WS, tmp_path / "def.json")
    assert exported
    definition = json.loads((tmp_path / "def.json").read_text(encoding="utf-8"))
    [(asset_id, _)] = trained_model_assets(definition)
    result = set_model_live(client, RG, WS, url, backup_dir=tmp_path / "backups")
    assert result.verified and result.asset_id == asset_id
    assert result.after_uri == url


def test_arm_retrain_set_model_from_job_and_update(
    replay_target: dict[str, Any], live_emulator: Any, tmp_path: Path
) -> None:
    from datetime import datetime, timezone

    from aml_retrain.arm.webservices import set_model_in_file, update_webservice
    from aml_retrain.classic.journal import JobJournal
    from aml_retrain.classic.retrain import model_url_from_job, retrain

    if live_emulator is not None:
        live_emulator.config(bes_job_seconds=0.2, propagation_seconds=0)
    conn = dev_storage(replay_target, live_emulator)
    data = tmp_path / "census.csv"
    rows = ["age,education_num,hours_per_week,capital_gain,income"]
    for i in range(300):
        rows.append(f"{20 + i % 50},{i % 16 + 1},{30 + i % 30},{i * 37 % 4000},"
                    + (">50K" if (i * 7) % 5 < 2 else "<=50K"))
    data.write_text("\n".join(rows) + "\n")
    client = ArmWebServiceClient(replay_target["subscription_id"],
                                 StaticTokenCredential(replay_target["arm_token"]),
                                 base_url=replay_target["arm_url"], ca_bundle=replay_target["ca_bundle"],
                                 polling_interval=0)
    journal = JobJournal(tmp_path / "jobs.jsonl")
    # A fixed clock keeps the uploaded blob's name, hence the recorded URLs, stable.
    fixed = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
    job = retrain(client, f"arm:{RG}/census-model-training-ws", data, storage_connection_string=conn,
                  journal=journal, output_dir="models/replay-arm", now=fixed, sleep=pacing(live_emulator))
    assert job.status.value == "Finished" and job.model_output == "output1"
    assert journal.get(job.job_id).kind == "arm"

    definition = tmp_path / "def.json"
    export_webservice(client, RG, WS, definition)
    url = model_url_from_job(client, job.job_id, journal=journal)
    plan = set_model_in_file(definition, url)
    assert plan.after_uri == job.model_url_without_sas
    result = update_webservice(client, RG, WS, path=definition, backup_dir=tmp_path / "backups")
    assert result.verified
    [(_asset, uri)] = [(a, x.get("locationInfo", {}).get("uri")) for a, x in
                       show_webservice(client, RG, WS)["properties"]["assets"].items()
                       if x.get("type") == "Resource"]
    assert uri == job.model_url_without_sas
