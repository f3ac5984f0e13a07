from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from aml_retrain import storage
from aml_retrain.classic import retrain as retrain_mod
from aml_retrain.classic.journal import JobJournal
from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.classic.retrain import (
    RetrainResult,
    cancel_job,
    job_status,
    model_url_from_job,
    retrain,
    training_endpoint,
    wait_for_job,
)
from aml_retrain.errors import (
    ConfigError,
    JobFailedError,
    OperationTimeoutError,
    ServiceError,
    ValidationError,
)

from .conftest import WS
from .fakes import FakeAdapter
from .test_storage import AZURITE, KEY

TSVC = "t" * 32
NOW = datetime(2025, 6, 1, 12, 0, 5, tzinfo=timezone.utc)
API = "https://bes.test/workspaces/ws1/services/train1"
BES = "/workspaces/ws1/services/train1"
JOB = "539d0bc2fde945b6ac986b851d0000f0"
EPKEY = "training-endpoint-key-SECRET"
AZ = {"$ref": "#/definitions/AzureBlobDataReference"}
SWAGGER = {
    "definitions": {
        "BatchInputs": {"properties": {"input1": AZ}},
        "BatchOutputs": {"properties": {"output1": AZ, "output2": AZ}},
        "GlobalParameters": {"properties": {"Label column": {}, "Regularization": {}}},
    }
}
OUT_SAS = "?sv=2019-02-02&sr=b&sig=OUTSIG%3D&se=2099-01-01T00%3A00%3A00Z&sp=r"
BLOB = "http://127.0.0.1:10000/devstoreaccount1/"
EVAL_CSV = "Accuracy,Precision,Recall,F-Score,AUC,Average Log Loss\n0.85,0.7,0.6,0.65,0.9,0.3\n"


def results(sas: str = OUT_SAS) -> dict[str, Any]:
    return {
        "output1": {
            "BaseLocation": BLOB,
            "RelativeLocation": "out/run/output1.ilearner",
            "SasBlobToken": sas,
        },
        "output2": {"BaseLocation": BLOB, "RelativeLocation": "out/run/output2.csv", "SasBlobToken": sas},
    }


def serve_endpoint(adapter: FakeAdapter, *, service_get: bool = True, times: int | None = 1) -> None:
    if service_get:
        adapter.add(
            "GET",
            f"/workspaces/{WS}/webservices/{TSVC}",
            json={"Id": TSVC, "DefaultEndpointName": "default"},
            times=times,
        )
    adapter.add(
        "GET",
        f"/workspaces/{WS}/webservices/{TSVC}/endpoints/default",
        json={"Name": "default", "ApiLocation": API, "PrimaryKey": EPKEY},
        times=times,
    )


def serve_job(adapter: FakeAdapter, *statuses: Any, final: dict[str, Any] | None = None) -> None:
    for status in statuses:
        adapter.add("GET", f"{BES}/jobs/{JOB}", json={"StatusCode": status, "Results": None})
    if final is not None:
        adapter.add("GET", f"{BES}/jobs/{JOB}", json=final)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "census.csv"
    path.write_text("age,income\n39,<=50K\n")
    return path


@pytest.fixture
def journal(tmp_path: Path) -> JobJournal:
    return JobJournal(tmp_path / "journal" / "jobs.jsonl")


@pytest.fixture
def uploads(monkeypatch: pytest.MonkeyPatch, adapter: FakeAdapter) -> list[tuple[Any, ...]]:
    seen: list[tuple[Any, ...]] = []

    def fake_upload(cs: str, container: str, blob_name: str, path: Any, **kw: Any) -> str:
        adapter.events.append("UPLOAD")
        seen.append((cs, container, blob_name, Path(path).name, kw.get("progress")))
        return f"{BLOB}{container}/{blob_name}"

    def fake_download(url: str, **kw: Any) -> str:
        adapter.events.append(f"DOWNLOAD {url.split('?')[0]}")
        return EVAL_CSV if url.split("?")[0].endswith(".csv") else ""

    monkeypatch.setattr(storage, "upload_file", fake_upload)
    monkeypatch.setattr(storage, "download_text", fake_download)
    return seen


def happy(adapter: FakeAdapter) -> None:
    serve_endpoint(adapter)
    adapter.add("GET", f"{BES}/swagger.json", json=SWAGGER)
    adapter.add("POST", f"{BES}/jobs", text=f'"{JOB}"')
    adapter.add("POST", f"{BES}/jobs/{JOB}/start", status=204)
    serve_job(adapter, 0, "Running", final={"StatusCode": 4, "Results": results(), "Details": None})


def run(client: ClassicManagementClient, data: Any, journal: JobJournal, **kw: Any) -> RetrainResult:
    sleeps: list[float] = kw.pop("sleeps", [])
    return retrain(
        client,
        TSVC,
        data,
        storage_connection_string=kw.pop("cs", AZURITE),
        journal=journal,
        now=NOW,
        sleep=sleeps.append,
        clock=lambda: 0.0,
        **kw,
    )


def test_retrain_end_to_end(
    client: ClassicManagementClient, adapter: FakeAdapter, data: Path, journal: JobJournal, uploads: list[Any]
) -> None:
    happy(adapter)
    progress = lambda done, total: None  # noqa: E731
    sleeps: list[float] = []
    updates: list[str] = []
    result = run(
        client,
        data,
        journal,
        output_dir="results/census",
        global_parameters={"Label column": "income", "Regularization": 0.01},
        progress=progress,
        sleeps=sleeps,
        on_update=lambda s: updates.append(s.status.value),
    )
    assert adapter.events == [
        f"GET /workspaces/{WS}/webservices/{TSVC}",
        f"GET /workspaces/{WS}/webservices/{TSVC}/endpoints/default",
        f"GET {BES}/swagger.json",
        "UPLOAD",
        f"POST {BES}/jobs",
        f"POST {BES}/jobs/{JOB}/start",
        f"GET {BES}/jobs/{JOB}",
        f"GET {BES}/jobs/{JOB}",
        f"GET {BES}/jobs/{JOB}",
        f"DOWNLOAD {BLOB}out/run/output2.csv",
    ]
    assert uploads == [(AZURITE, "aml-retrain", "20250601T120005/census.csv", "census.csv", progress)]
    submit = adapter.body(3)
    assert submit == {
        "GlobalParameters": {"Label column": "income", "Regularization": "0.01"},
        "Inputs": {
            "input1": {
                "ConnectionString": AZURITE,
                "RelativeLocation": "aml-retrain/20250601T120005/census.csv",
            }
        },
        "Outputs": {
            "output1": {
                "ConnectionString": AZURITE,
                "RelativeLocation": "results/census/20250601T120005/output1.ilearner",
            },
            "output2": {
                "ConnectionString": AZURITE,
                "RelativeLocation": "results/census/20250601T120005/output2.csv",
            },
        },
    }
    assert adapter.requests[3].headers["Authorization"] == f"Bearer {EPKEY}"
    assert len(sleeps) == 2 and updates == ["NotStarted", "Running", "Finished"]
    assert result.job_id == JOB and result.status.value == "Finished"
    assert result.model_output == "output1"
    assert result.model_url_without_sas == f"{BLOB}out/run/output1.ilearner"
    assert result.metrics is not None and result.metrics.values["Accuracy"] == 0.85
    assert result.journal_path == journal.path
    entry = journal.get(JOB)
    assert entry.status == "Finished" and entry.web_service_id == TSVC and entry.endpoint == "default"
    assert entry.api_location == API and entry.workspace_id == WS and entry.model_output == "output1"
    text = json.dumps(result.to_dict())
    for secret in (KEY, AZURITE, EPKEY, "OUTSIG"):
        assert secret not in text
        assert secret not in journal.path.read_text()


def test_no_wait_returns_after_start(
    client: ClassicManagementClient, adapter: FakeAdapter, data: Path, journal: JobJournal, uploads: list[Any]
) -> None:
    serve_endpoint(adapter)
    adapter.add("GET", f"{BES}/swagger.json", json=SWAGGER)
    adapter.add("POST", f"{BES}/jobs", text=f'"{JOB}"')
    adapter.add("POST", f"{BES}/jobs/{JOB}/start", status=204)
    serve_job(adapter, "Running")
    result = run(client, data, journal, wait=False)
    assert [e for e in adapter.events if "jobs" in e] == [
        f"POST {BES}/jobs",
        f"POST {BES}/jobs/{JOB}/start",
        f"GET {BES}/jobs/{JOB}",
    ]
    assert "Outputs" not in adapter.body(3)
    assert result.status.value == "Running" and result.metrics is None and result.outputs == {}
    assert journal.get(JOB).status == "Running"
    assert not any(e.startswith("DOWNLOAD") for e in adapter.events)


def test_blob_url_input_is_used_by_relative_location(
    client: ClassicManagementClient, adapter: FakeAdapter, journal: JobJournal, uploads: list[Any]
) -> None:
    happy(adapter)
    run(client, f"{BLOB}data/census.csv?sv=1&sig=INSIG", journal)
    assert uploads == []
    assert adapter.body(3)["Inputs"]["input1"]["RelativeLocation"] == "data/census.csv"


def test_swagger_404_falls_back_to_input1(
    client: ClassicManagementClient,
    adapter: FakeAdapter,
    data: Path,
    journal: JobJournal,
    uploads: list[Any],
) -> None:
    serve_endpoint(adapter)
    adapter.add("GET", f"{BES}/swagger.json", status=404)
    adapter.add("POST", f"{BES}/jobs", text=f'"{JOB}"')
    adapter.add("POST", f"{BES}/jobs/{JOB}/start", status=204)
    serve_job(adapter, final={"StatusCode": "Finished", "Results": results()})
    result = run(client, data, journal, output_dir="results")
    body = adapter.body(3)
    assert list(body["Inputs"]) == ["input1"]
    assert body["Outputs"] == {
        "output1": {
            "ConnectionString": AZURITE,
            "RelativeLocation": "results/20250601T120005/output1.ilearner",
        }
    }
    assert result.model_output == "output1"


@pytest.mark.parametrize(
    ("data_arg", "kw", "error", "fragment"),
    [
        ("missing.csv", {}, ValidationError, "is not a file"),
        ("model.xlsx", {}, ValidationError, "must be a .csv/.tsv/.arff file"),
        ("census.csv", {"container": "Bad_Container"}, ValidationError, "invalid container name"),
        ("census.csv", {"output_dir": "https://x/y"}, ValidationError, "invalid container name"),
        ("census.csv", {"budget": 0}, ValidationError, "budget must be positive"),
        ("census.csv", {"cs": ""}, ConfigError, "no storage connection string"),
        ("census.csv", {"global_parameters": {"x": None}}, ValidationError, "must be a string or number"),
        ("https://other.blob.core.windows.net/c/x.csv", {}, ValidationError, "storage account"),
        ("census.csv", {"endpoint": "Bad Name"}, ValidationError, "invalid endpoint name"),
    ],
)
def test_checks_before_any_request(
    client: ClassicManagementClient,
    adapter: FakeAdapter,
    data: Path,
    journal: JobJournal,
    uploads: list[Any],
    data_arg: str,
    kw: dict[str, Any],
    error: type[Exception],
    fragment: str,
) -> None:
    (data.parent / "model.xlsx").write_text("x")
    target = data_arg if data_arg.startswith("https") else str(data.parent / data_arg)
    with pytest.raises(error) as info:
        run(client, target, journal, **kw)
    assert fragment in str(info.value)
    assert adapter.requests == [] and uploads == []
    assert KEY not in str(info.value)


def test_swagger_checks_happen_before_upload_and_submit(
    client: ClassicManagementClient,
    adapter: FakeAdapter,
    data: Path,
    journal: JobJournal,
    uploads: list[Any],
) -> None:
    serve_endpoint(adapter)
    adapter.add("GET", f"{BES}/swagger.json", json=SWAGGER)
    with pytest.raises(
        ValidationError, match=r"unknown global parameter name.*'Label column', 'Regularization'"
    ):
        run(client, data, journal, global_parameters={"label": "x"})
    assert uploads == [] and not any(m == "POST" for m, _ in adapter.calls())


def test_failed_job_updates_journal_and_hides_secrets(
    client: ClassicManagementClient,
    adapter: FakeAdapter,
    data: Path,
    journal: JobJournal,
    uploads: list[Any],
) -> None:
    serve_endpoint(adapter)
    adapter.add("GET", f"{BES}/swagger.json", json=SWAGGER)
    adapter.add("POST", f"{BES}/jobs", text=f'"{JOB}"')
    adapter.add("POST", f"{BES}/jobs/{JOB}/start", status=204)
    serve_job(adapter, final={"StatusCode": 2, "Details": f"cannot read blob with {AZURITE}"})
    with pytest.raises(JobFailedError) as info:
        run(client, data, journal)
    assert KEY not in str(info.value) and KEY not in str(info.value.details)
    assert "cannot read blob" in str(info.value)
    assert journal.get(JOB).status == "Failed"


def test_submit_error_echoing_the_connection_string_is_redacted(
    client: ClassicManagementClient,
    adapter: FakeAdapter,
    data: Path,
    journal: JobJournal,
    uploads: list[Any],
) -> None:
    serve_endpoint(adapter)
    adapter.add("GET", f"{BES}/swagger.json", json=SWAGGER)
    adapter.add(
        "POST",
        f"{BES}/jobs",
        status=400,
        json={
            "error": {
                "code": "BadArgument",
                "message": "Invalid blob",
                "details": [{"code": "InvalidBlobConnectionString", "message": f"bad: {AZURITE}"}],
            }
        },
    )
    with pytest.raises(ServiceError) as info:
        run(client, data, journal)
    assert "bad: " in str(info.value)  # the detail is kept, its AccountKey is not
    assert KEY not in str(info.value) and KEY not in repr(info.value)
    assert journal.find(JOB) is None


def test_budget_exhaustion_cancels(
    client: ClassicManagementClient,
    adapter: FakeAdapter,
    data: Path,
    journal: JobJournal,
    uploads: list[Any],
) -> None:
    serve_endpoint(adapter)
    adapter.add("GET", f"{BES}/swagger.json", json=SWAGGER)
    adapter.add("POST", f"{BES}/jobs", text=f'"{JOB}"')
    adapter.add("POST", f"{BES}/jobs/{JOB}/start", status=204)
    adapter.add("GET", f"{BES}/jobs/{JOB}", json={"StatusCode": "Running"}, times=None)
    adapter.add("DELETE", f"{BES}/jobs/{JOB}", status=204)
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(OperationTimeoutError, match=f"job {JOB} did not finish.*it was cancelled"):
        retrain(
            client,
            TSVC,
            data,
            storage_connection_string=AZURITE,
            journal=journal,
            now=NOW,
            budget=20,
            clock=lambda: now[0],
            sleep=sleep,
        )
    assert adapter.calls()[-1][0] == "DELETE"
    assert journal.get(JOB).status == "Running"


# -- job commands ---------------------------------------------------------------------------


def submitted(journal: JobJournal) -> None:
    from aml_retrain.classic.journal import JournalEntry

    journal.record(JournalEntry(JOB, TSVC, "default", API, WS, "2025-06-01T12:00:05Z", "output1", "Running"))


def test_job_status_from_the_journal(
    client: ClassicManagementClient, adapter: FakeAdapter, journal: JobJournal, uploads: list[Any]
) -> None:
    submitted(journal)
    serve_endpoint(adapter, service_get=False)
    serve_job(adapter, final={"StatusCode": "4", "Results": results()})
    result = job_status(client, JOB, journal=journal)
    assert result.status.value == "Finished" and result.metrics is not None
    assert journal.get(JOB).status == "Finished"
    assert adapter.events[0] == f"GET /workspaces/{WS}/webservices/{TSVC}/endpoints/default"


def test_job_commands_need_the_journal_or_a_service(
    client: ClassicManagementClient, adapter: FakeAdapter, journal: JobJournal
) -> None:
    for command in (job_status, wait_for_job, cancel_job, model_url_from_job):
        with pytest.raises(ValidationError, match="pass --service"):
            command(client, JOB, journal=journal)  # type: ignore[operator]
    assert adapter.requests == []


def test_job_status_with_service_id_only(
    client: ClassicManagementClient, adapter: FakeAdapter, journal: JobJournal
) -> None:
    serve_endpoint(adapter)
    serve_job(adapter, "Running")
    result = job_status(client, JOB, journal=journal, service_id=TSVC)
    assert result.status.value == "Running" and result.web_service_id == TSVC
    assert journal.find(JOB) is None


def test_wait_for_job_does_not_cancel_by_default(
    client: ClassicManagementClient, adapter: FakeAdapter, journal: JobJournal
) -> None:
    submitted(journal)
    serve_endpoint(adapter, service_get=False)
    adapter.add("GET", f"{BES}/jobs/{JOB}", json={"StatusCode": "Running"}, times=None)
    now = [0.0]
    with pytest.raises(OperationTimeoutError):
        wait_for_job(
            client,
            JOB,
            journal=journal,
            budget=5,
            clock=lambda: now[0],
            sleep=lambda s: now.__setitem__(0, now[0] + s),
        )
    assert "DELETE" not in [m for m, _ in adapter.calls()]


def test_cancel_job(client: ClassicManagementClient, adapter: FakeAdapter, journal: JobJournal) -> None:
    submitted(journal)
    serve_endpoint(adapter, service_get=False)
    adapter.add("DELETE", f"{BES}/jobs/{JOB}", status=204)
    serve_job(adapter, "Cancelled")
    result = cancel_job(client, JOB, journal=journal)
    assert [m for m, _ in adapter.calls()] == ["GET", "DELETE", "GET"]
    assert result.status.value == "Cancelled" and journal.get(JOB).status == "Cancelled"


def test_model_url_from_job(
    client: ClassicManagementClient, adapter: FakeAdapter, journal: JobJournal
) -> None:
    submitted(journal)
    serve_endpoint(adapter, service_get=False, times=None)
    serve_job(adapter, "Running", final={"StatusCode": "Finished", "Results": results()})
    with pytest.raises(ValidationError, match="is Running, not Finished"):
        model_url_from_job(client, JOB, journal=journal)
    url = model_url_from_job(client, JOB, journal=journal)
    assert url == f"{BLOB}out/run/output1.ilearner{OUT_SAS}"


def test_model_url_needs_a_model(
    client: ClassicManagementClient, adapter: FakeAdapter, journal: JobJournal
) -> None:
    submitted(journal)
    serve_endpoint(adapter, service_get=False, times=None)
    only_csv = {"output2": results()["output2"]}
    serve_job(adapter, final={"StatusCode": "Finished", "Results": only_csv})
    serve_job(adapter, final={"StatusCode": "Failed", "Details": "boom"})
    with pytest.raises(ValidationError, match=r"without a \.ilearner output"):
        model_url_from_job(client, JOB, journal=journal)
    with pytest.raises(JobFailedError, match="boom"):
        model_url_from_job(client, JOB, journal=journal)


def test_training_endpoint(client: ClassicManagementClient, adapter: FakeAdapter) -> None:
    serve_endpoint(adapter)
    assert training_endpoint(client, TSVC) == (API, EPKEY)
    adapter.add("GET", f"/workspaces/{WS}/webservices/{TSVC}/endpoints/ep2", json={"Name": "ep2"})
    with pytest.raises(ConfigError, match="without ApiLocation or keys"):
        training_endpoint(client, TSVC, "ep2")


def test_retrain_module_reexports_score() -> None:
    from aml_retrain.classic.scoring import score

    assert retrain_mod.score is score
