"""Classic management scenarios replayed from scrubbed cassettes (recorded from the emulator)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.classic.endpoints import set_trained_model
from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.classic.views import create_endpoint, list_endpoints

pytestmark = [pytest.mark.replay, pytest.mark.vcr, pytest.mark.block_network]

DEV_ACCOUNT = "devstoreaccount1"
# Azurite's public development key (documented by Microsoft; not a secret).
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
SEED_BLOB = ("models", "seed/census-model.ilearner")


def client(target: dict[str, Any]) -> ClassicManagementClient:
    return ClassicManagementClient(target["management_url"], target["workspace_id"],
                                   target["workspace_token"], ca_bundle=target["ca_bundle"])


def predictive(c: ClassicManagementClient) -> str:
    return next(s["Id"] for s in c.list_web_services() if "[Predictive Exp.]" in s["Name"])


def seed_model_url(target: dict[str, Any], live: Any) -> str:
    """The emulator's seeded model blob with a deterministic far-future read SAS."""
    from azure.storage.blob import BlobSasPermissions, generate_blob_sas

    settings = Path(__file__).resolve().parents[2] / "cassettes" / "replay-settings.json"
    if live is not None:
        conn = live.profile["storage_connection_string"]
        blob_endpoint = dict(p.split("=", 1) for p in conn.split(";") if p)["BlobEndpoint"]
        recorded = json.loads(settings.read_text(encoding="utf-8"))
        settings.write_text(json.dumps({**recorded, "blob_endpoint": blob_endpoint}, indent=2) + "\n",
                            encoding="utf-8")
    else:
        blob_endpoint = json.loads(settings.read_text(encoding="utf-8"))["blob_endpoint"]
    sas = generate_blob_sas(DEV_ACCOUNT, *SEED_BLOB, account_key=DEV_KEY,
                            permission=BlobSasPermissions(read=True),
                            start=datetime(2026, 1, 1, tzinfo=timezone.utc),
                            expiry=datetime(2099, 1, 1, tzinfo=timezone.utc))
    return f"{blob_endpoint.rstrip('/')}/{SEED_BLOB[0]}/{SEED_BLOB[1]}?{sas}"


def test_list_services_and_endpoints(replay_target: dict[str, Any]) -> None:
    c = client(replay_target)
    names = sorted(s["Name"] for s in c.list_web_services())
    assert names == ["Census Model [Predictive Exp.]", "Census Model [Training Exp.]"]
    endpoints = list_endpoints(c, predictive(c))
    assert [e["Name"] for e in endpoints] == ["default"]
    assert "PrimaryKey" not in endpoints[0]


def test_create_endpoint_and_set_model(
    replay_target: dict[str, Any], live_emulator: Any, tmp_path: Path
) -> None:
    c = client(replay_target)
    svc = predictive(c)
    created = create_endpoint(c, svc, "replay01", description="recorded")
    assert created["Name"] == "replay01"
    result = set_trained_model(c, svc, "replay01", seed_model_url(replay_target, live_emulator),
                               backup_dir=tmp_path)
    after = result.to_dict()["after"]
    assert after["Location"]["RelativeLocation"] == "/".join(SEED_BLOB)
    c.delete_endpoint(svc, "replay01")
