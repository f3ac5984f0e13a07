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
from tests.replay.test_classic_replay import DEV_ACCOUNT, DEV_KEY, seed_model_url

pytestmark = [pytest.mark.replay, pytest.mark.vcr, pytest.mark.block_network]
RG, WS = "aml-retrain-demo", "census-model-ws"


def test_export_set_model_live_and_read_back(
    replay_target: dict[str, Any], live_emulator: Any, tmp_path: Path
) -> None:
    from aml_retrain import storage

    blob_endpoint = seed_model_url(replay_target, live_emulator).split("/models/")[0]
    conn = (f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
            f"BlobEndpoint={blob_endpoint};")
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
