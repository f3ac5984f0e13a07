"""Training services of both kinds: references, BES lookup, the trained-model check, the journal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.classic.batch import JobState, JobStatus, trained_model_outputs
from aml_retrain.classic.journal import JobJournal, JournalEntry
from aml_retrain.classic.retrain import model_url_from_job, retrain
from aml_retrain.errors import ConfigError, ValidationError
from aml_retrain.training_services import (
    ArmTrainingServices,
    BesLocation,
    TrainingServices,
    canonical_reference,
)

from .arm_fakes import RG, SUB, WS_PATH, ArmAdapter, make_client, webservice

REFERENCE_SWAGGER = Path(__file__).resolve().parents[3] / "shared" / "reference" / "classic" / \
    "swagger.api.json"
BES_BASE = "https://ussouthcentral.services.azureml.net/subscriptions/0011/services/abc123"


def swagger(batch: list[str], rrs: list[str] | None) -> dict[str, Any]:
    definitions: dict[str, Any] = {
        "BatchInputs": {"properties": {"input1": {}}},
        "BatchOutputs": {"properties": {name: {} for name in batch}},
    }
    if rrs is not None:
        definitions["ExecutionOutputs"] = {"properties": {name: {} for name in rrs}}
    return {"definitions": definitions}


TRAINING = swagger(["output1", "output2"], ["output2"])
PREDICTIVE = swagger(["output1"], ["output1"])


@pytest.mark.parametrize(("document", "expected"), [
    (TRAINING, ["output1"]),
    (PREDICTIVE, []),
    (swagger(["model", "performance"], ["performance"]), ["model"]),
    (swagger(["output1"], None), None),  # no RRS outputs declared: cannot tell
    (None, None),
])
def test_trained_model_outputs(document: Any, expected: list[str] | None) -> None:
    assert trained_model_outputs(document) == expected


@pytest.mark.skipif(not REFERENCE_SWAGGER.exists(), reason=f"no reference at {REFERENCE_SWAGGER}")
def test_the_real_service_document_names_its_model_output() -> None:
    document = json.loads(REFERENCE_SWAGGER.read_text(encoding="utf-8-sig"))
    assert trained_model_outputs(document) == ["model"]


@pytest.mark.parametrize(("text", "expected"), [
    ("0123abcd", "0123abcd"), ("classic:0123abcd", "0123abcd"), (" arm:rg/ws ", "arm:rg/ws"),
])
def test_canonical_reference(text: str, expected: str) -> None:
    assert canonical_reference(text) == expected


@pytest.mark.parametrize("text", ["", "arm:rg", "arm:/ws", "arm:rg/a/b", "a b", "arm:rg/ws name"])
def test_bad_references_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        canonical_reference(text)


class FakeBes:
    """A BES client that must not be asked to submit when the check fails."""

    def __init__(self, document: Any, state: JobState | None = None) -> None:
        self.document, self.state, self.submitted = document, state, 0

    def swagger(self) -> Any:
        return self.document

    def submit(self, *args: Any, **kwargs: Any) -> str:
        self.submitted += 1
        return "job1"

    def get(self, job_id: str) -> JobState:
        assert self.state is not None
        return self.state


class FakeServices(TrainingServices):
    def __init__(self, bes: FakeBes, kind: str = "arm") -> None:
        super().__init__()
        self.fake, self.kind = bes, kind

    def locate(self, reference: str, endpoint: str | None = None) -> BesLocation:
        return BesLocation(canonical_reference(reference), self.kind, "default", BES_BASE, "k3y",
                           subscription_id=SUB if self.kind == "arm" else None)

    def bes(self, location: BesLocation) -> Any:
        return self.fake


def test_predictive_service_is_refused_before_upload_and_submit(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    uploads: list[Any] = []
    monkeypatch.setattr("aml_retrain.storage.upload_file", lambda *a, **k: uploads.append(a))
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    bes = FakeBes(PREDICTIVE)
    journal = JobJournal(tmp_path / "jobs.jsonl")
    with pytest.raises(ValidationError, match=r"arm:rg/ws is a predictive web service: its "
                       r"outputs \('output1'\) are scored data.*retrain its training web service"):
        retrain(FakeServices(bes), "arm:rg/ws", data, storage_connection_string="UseDevelopment"
                "Storage=true", journal=journal)
    assert bes.submitted == 0 and uploads == [] and journal.entries() == []


def test_a_model_output_that_is_a_table_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    bes = FakeBes(TRAINING)
    with pytest.raises(ValidationError, match="output 'output2' of arm:rg/ws is not a trained model"):
        retrain(FakeServices(bes), "arm:rg/ws", data, model_output="output2",
                storage_connection_string="UseDevelopmentStorage=true",
                journal=JobJournal(tmp_path / "j.jsonl"))
    assert bes.submitted == 0


def _output(name: str, blob: str) -> Any:
    from aml_retrain.classic.batch import BlobOutput

    return BlobOutput(name=name, base_location="https://acct.blob.core.windows.net/",
                      relative_location=blob, sas_token="?sv=1&sig=x")


def test_from_job_takes_only_the_checked_model_output(tmp_path: Path) -> None:
    journal = JobJournal(tmp_path / "jobs.jsonl")
    journal.record(JournalEntry(job_id="job1", web_service_id="arm:rg/ws", endpoint="default",
                                api_location=BES_BASE, workspace_id="", submitted_at="now",
                                model_output="output1", kind="arm", subscription_id=SUB))
    # The checked output is a table (a misnamed blob elsewhere must not be deployed instead).
    state = JobState("job1", JobStatus.FINISHED, {
        "output1": _output("output1", "c/scored.csv"), "other": _output("other", "c/x.ilearner")})
    with pytest.raises(ValidationError, match=r"without a \.ilearner output"):
        model_url_from_job(FakeServices(FakeBes(TRAINING, state)), "job1", journal=journal)
    good = JobState("job1", JobStatus.FINISHED, {"output1": _output("output1", "c/m.ilearner")})
    url = model_url_from_job(FakeServices(FakeBes(TRAINING, good)), "job1", journal=journal)
    assert url.startswith("https://acct.blob.core.windows.net/c/m.ilearner?")


def test_journal_keeps_kind_and_subscription_and_reads_old_entries(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    old = {"job_id": "j0", "web_service_id": "abc", "endpoint": "default", "api_location": "https://x",
           "workspace_id": "ws", "submitted_at": "t"}
    path.write_text(json.dumps(old) + "\n", encoding="utf-8")
    journal = JobJournal(path)
    journal.record(JournalEntry(job_id="j1", web_service_id="arm:rg/ws", endpoint="default",
                                api_location=BES_BASE, workspace_id="", submitted_at="t",
                                kind="arm", subscription_id=SUB))
    assert journal.get("j0").kind == "classic"
    assert (journal.get("j1").kind, journal.get("j1").subscription_id) == ("arm", SUB)


def test_arm_lookup_uses_swagger_location_and_list_keys() -> None:
    adapter = ArmAdapter()
    adapter.add("GET", WS_PATH, json=webservice(swaggerLocation=BES_BASE + "/swagger.json"))
    adapter.add("GET", WS_PATH + "/listKeys", json={"primary": "PRIMARY-SECRET", "secondary": "s"})
    client, _transport = make_client(adapter)
    services = ArmTrainingServices(client)
    location = services.locate(f"arm:{RG}/predictive-ws")
    assert (location.kind, location.api_location, location.key) == ("arm", BES_BASE, "PRIMARY-SECRET")
    assert location.reference == f"arm:{RG}/predictive-ws" and location.subscription_id == SUB
    assert "PRIMARY-SECRET" not in repr(location)
    bes = services.bes(location)
    assert bes.api_location == BES_BASE and "PRIMARY-SECRET" not in repr(bes)
    services.close()


def test_arm_service_without_swagger_location_is_explained() -> None:
    adapter = ArmAdapter()
    adapter.add("GET", WS_PATH, json=webservice(provisioningState="Provisioning", swaggerLocation=None))
    client, _transport = make_client(adapter)
    with pytest.raises(ValidationError, match=r"no swaggerLocation yet.*Provisioning"):
        ArmTrainingServices(client).locate(f"arm:{RG}/predictive-ws")
    assert ("GET", WS_PATH + "/listKeys") not in [(m, p.split("?")[0]) for m, p in adapter.calls()]


def test_a_kind_without_a_client_says_what_to_set() -> None:
    services = TrainingServices(classic=None, arm=None)
    with pytest.raises(ConfigError, match="AML_RETRAIN_SUBSCRIPTION_ID"):
        services.locate("arm:rg/ws")
    with pytest.raises(ConfigError, match="AML_RETRAIN_WORKSPACE_ID"):
        services.locate("0123abcd")


def test_from_job_without_the_journal_reads_the_service_document(tmp_path: Path) -> None:
    journal = JobJournal(tmp_path / "jobs.jsonl")
    state = JobState("job9", JobStatus.FINISHED, {"output1": _output("output1", "c/s.ilearner")})
    with pytest.raises(ValidationError, match="arm:rg/ws is a predictive web service"):
        model_url_from_job(FakeServices(FakeBes(PREDICTIVE, state)), "job9", journal=journal,
                           service_id="arm:rg/ws")
    url = model_url_from_job(FakeServices(FakeBes(TRAINING, state)), "job9", journal=journal,
                             service_id="arm:rg/ws")
    assert "/c/s.ilearner?" in url
