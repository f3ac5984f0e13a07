from __future__ import annotations

from pathlib import Path

import pytest

from aml_retrain.classic.endpoints import set_model_from_job
from aml_retrain.classic.journal import JobJournal, JournalEntry
from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.errors import SasExpiredError, ValidationError

from .conftest import WS
from .fakes import FakeAdapter
from .test_endpoints import NEW_LOC, NEW_SAS, NOW, RESOURCE, happy_path

TSVC = "t" * 32
BES = "/workspaces/ws1/services/train1"
JOB = "539d0bc2fde945b6ac986b851d0000f0"
EXPIRED = {**NEW_LOC, "SasBlobToken": "?sv=2019-02-02&sr=b&sig=OLD%3D&se=2025-06-01T11%3A00%3A00Z&sp=r"}


@pytest.fixture
def journal(tmp_path: Path) -> JobJournal:
    journal = JobJournal(tmp_path / "jobs.jsonl")
    journal.record(
        JournalEntry(
            JOB, TSVC, "default", f"https://bes.test{BES}", WS, "2025-06-01T11:00:00Z", "output1", "Finished"
        )
    )
    return journal


def serve_job(adapter: FakeAdapter, location: dict[str, str]) -> None:
    adapter.add(
        "GET",
        f"/workspaces/{WS}/webservices/{TSVC}/endpoints/default",
        json={"Name": "default", "ApiLocation": f"https://bes.test{BES}", "PrimaryKey": "k"},
    )
    adapter.add("GET", f"{BES}/jobs/{JOB}", json={"StatusCode": "Finished", "Results": {"output1": location}})


def test_expired_sas_is_refreshed_by_one_job_get(
    client: ClassicManagementClient, adapter: FakeAdapter, journal: JobJournal, tmp_path: Path
) -> None:
    serve_job(adapter, EXPIRED)
    serve_job(adapter, NEW_LOC)
    happy_path(adapter)
    result = set_model_from_job(
        client, "b" * 32, "ep1", JOB, journal=journal, backup_dir=tmp_path / "b", now=NOW
    )
    assert [p for _, p in adapter.calls()].count(f"{BES}/jobs/{JOB}?api-version=2.0") == 2
    patch = next(i for i, (m, _) in enumerate(adapter.calls()) if m == "PATCH")
    assert adapter.body(patch) == {"Resources": [{"Name": RESOURCE, "Location": NEW_LOC}]}
    assert result.verified and NEW_SAS.split("sig=")[1].split("&")[0] not in str(result.to_dict())


def test_second_expired_sas_is_reported(
    client: ClassicManagementClient, adapter: FakeAdapter, journal: JobJournal, tmp_path: Path
) -> None:
    serve_job(adapter, EXPIRED)
    serve_job(adapter, EXPIRED)
    with pytest.raises(SasExpiredError, match="GET the BES job status again"):
        set_model_from_job(client, "b" * 32, "ep1", JOB, journal=journal, backup_dir=tmp_path, now=NOW)
    assert "PATCH" not in [m for m, _ in adapter.calls()]


def test_inputs_are_checked_first(
    client: ClassicManagementClient, adapter: FakeAdapter, journal: JobJournal
) -> None:
    with pytest.raises(ValidationError, match="backup_dir is required"):
        set_model_from_job(client, "b" * 32, "ep1", JOB, journal=journal)
    with pytest.raises(ValidationError, match="invalid job id"):
        set_model_from_job(client, "b" * 32, "ep1", "a/b", journal=journal, dry_run=True)
    assert adapter.requests == []
