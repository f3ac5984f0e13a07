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
from tests.replay.conftest import pacing

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


def dev_storage(target: dict[str, Any], live: Any) -> str:
    """A connection string to the recorded (or live) Azurite, with its public development key."""
    blob_endpoint = seed_model_url(target, live).split("/models/")[0]
    return (f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
            f"BlobEndpoint={blob_endpoint};")


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
    assert created.endpoint["Name"] == "replay01" and created.created
    result = set_trained_model(c, svc, "replay01", seed_model_url(replay_target, live_emulator),
                               backup_dir=tmp_path)
    after = result.to_dict()["after"]
    assert after["Location"]["RelativeLocation"] == "/".join(SEED_BLOB)
    c.delete_endpoint(svc, "replay01")


def test_retrain_swap_and_score(
    replay_target: dict[str, Any], live_emulator: Any, tmp_path: Path
) -> None:
    from aml_retrain.classic.endpoints import set_model_from_job
    from aml_retrain.classic.journal import JobJournal
    from aml_retrain.classic.retrain import retrain
    from aml_retrain.classic.scoring import score

    if live_emulator is not None:
        live_emulator.config(bes_job_seconds=0.2, propagation_seconds=0)
    conn = dev_storage(replay_target, live_emulator)
    data = tmp_path / "census.csv"
    rows = ["age,education_num,hours_per_week,capital_gain,income"]
    for i in range(300):
        label = ">50K" if (i * 7) % 5 < 2 else "<=50K"
        rows.append(f"{20 + i % 50},{i % 16 + 1},{30 + i % 30},{i * 37 % 4000},{label}")
    data.write_text("\n".join(rows) + "\n")
    (tmp_path / "rows.csv").write_text("age,education_num,hours_per_week,capital_gain\n35,13,50,0\n")
    c = client(replay_target)
    services = {s["Name"]: s["Id"] for s in c.list_web_services()}
    training = services["Census Model [Training Exp.]"]
    predictive = services["Census Model [Predictive Exp.]"]
    journal = JobJournal(tmp_path / "jobs.jsonl")
    # A fixed clock keeps the uploaded blob's name, hence the recorded URLs, stable.
    fixed = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
    job = retrain(c, training, data, storage_connection_string=conn, journal=journal,
                  output_dir="models/replay", now=fixed, sleep=pacing(live_emulator))
    assert job.status.value == "Finished"
    assert job.metrics is not None and 0.0 <= job.metrics.values["Accuracy"] <= 1.0
    create_endpoint(c, predictive, "replay02")
    swapped = set_model_from_job(c, predictive, "replay02", job.job_id, journal=journal,
                                 backup_dir=tmp_path)
    assert swapped.verified
    result = score(c, predictive, "replay02", tmp_path / "rows.csv")
    assert "Scored Labels" in result.columns and len(result.rows) == 1
    c.delete_endpoint(predictive, "replay02")
