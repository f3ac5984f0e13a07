"""The online workflows on a stub client: rows, retrain's order of calls, reading rows to score."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.errors import ConfigError, JobFailedError, ValidationError
from aml_retrain.evaluation import Metrics
from aml_retrain.online import workflows
from aml_retrain.online.results import (
    Deployment,
    Endpoint,
    Job,
    ModelContainer,
    ModelVersion,
    RunMetrics,
    ScoreOutcome,
)

W = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"
SAS = "https://acct.blob.core.windows.net/d/train.csv?sv=1&sig=SECRET"


def _endpoint(traffic: dict[str, int]) -> Endpoint:
    return Endpoint.from_arm({"name": "ep", "id": f"{W}/onlineEndpoints/ep", "location": "westeurope",
                              "properties": {"authMode": "Key", "scoringUri": "https://x/score",
                                             "provisioningState": "Succeeded", "traffic": traffic,
                                             "mirrorTraffic": {"green": 10}}})


def _deployment(name: str, version: str) -> Deployment:
    return Deployment.from_arm({"name": name, "sku": {"capacity": 2}, "properties": {
        "model": f"{W}/models/census-model/versions/{version}", "instanceType": "Standard_DS3_v2",
        "provisioningState": "Succeeded"}}, "ep")


class Stub:
    """The OnlineClient methods the workflows call; records the calls in order."""

    def __init__(self, *, job_status: str = "Completed", traffic: dict[str, int] | None = None) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.job_status = job_status
        self.traffic = {"blue": 100} if traffic is None else traffic

    def get_endpoint(self, name: str) -> Endpoint:
        self.calls.append(("get_endpoint", name))
        return _endpoint(self.traffic)

    def list_endpoints(self) -> list[Endpoint]:
        return [_endpoint(self.traffic)]

    def list_deployments(self, endpoint: str) -> list[Deployment]:
        return [_deployment("blue", "1"), _deployment("green", "2")]

    def get_deployment(self, endpoint: str, name: str) -> Deployment:
        return _deployment(name, "1")

    def list_models(self) -> list[ModelContainer]:
        return [ModelContainer.from_arm({"name": "census-model",
                                         "properties": {"latestVersion": "1"}})]

    def list_model_versions(self, name: str) -> list[ModelVersion]:
        return [ModelVersion.from_arm({"name": "1", "id": "x", "systemData": {
            "createdAt": "2026-01-01T00:00:00Z"}, "properties": {
            "modelUri": SAS, "jobName": "census-train-1"}}, name)]

    def load_job_spec(self, path: Any) -> dict[str, Any]:
        self.calls.append(("load_job_spec", path))
        return {"properties": {"jobType": "Command", "inputs": {}}}

    def serving_job(self, endpoint: str, *, deployment: str | None = None) -> Job:
        self.calls.append(("serving_job", endpoint))
        return Job.from_arm({"name": "census-train-1", "properties": {
            "jobType": "Command", "status": "Completed",
            "inputs": {"training_data": {"jobInputType": "uri_file", "uri": "https://old"}},
            "outputs": {"model_output": {"jobOutputType": "custom_model"}}}})

    def submit_job(self, body: dict[str, Any]) -> Job:
        self.calls.append(("submit_job", body))
        return Job.from_arm({"name": "new-job", "properties": {"status": "NotStarted"}})

    def wait_job(self, name: str, **kw: Any) -> Job:
        self.calls.append(("wait_job", kw["timeout"]))
        if self.job_status != "Completed":
            raise JobFailedError("failed", job_id=name, status=self.job_status,
                                 details="no label column")
        return Job.from_arm({"name": name, "properties": {"status": "Completed"}})

    def run_metrics(self, name: str) -> RunMetrics:
        self.calls.append(("run_metrics", name))
        return RunMetrics(name, "FINISHED", Metrics("classification", {"Accuracy": 0.8}))

    def register_model_from_job(self, name: str, job: Job) -> ModelVersion:
        self.calls.append(("register", name))
        return ModelVersion.from_arm({"name": "2", "properties": {"jobName": job.name}}, name)

    def score(self, endpoint: str, rows: Any, *, deployment: str | None = None) -> ScoreOutcome:
        self.calls.append(("score", rows))
        return ScoreOutcome([0] * len(rows), deployment or "blue", "rid")


def test_rows_follow_the_contract_and_hide_sas() -> None:
    stub: Any = Stub(traffic={"blue": 90, "green": 10})
    (row,) = workflows.endpoint_rows(stub)
    assert row["traffic"] == {"blue": 90, "green": 10} and "id" not in row
    assert set(workflows.endpoint_row(stub, "ep")) == set(row) | {"id", "location"}
    rows = workflows.deployment_rows(stub, "ep")
    assert [(r["name"], r["traffic"], r["model_ref"]) for r in rows] == [
        ("blue", 90, "azureml:census-model:1"), ("green", 10, "azureml:census-model:2")]
    assert rows[0]["instance_count"] == 2
    assert workflows.model_rows(stub) == [{"name": "census-model", "latest_version": "1"}]
    (version,) = workflows.model_rows(stub, "census-model")
    assert version["created"] == "2026-01-01T00:00:00Z" and "SECRET" not in json.dumps(version)


def test_retrain_reruns_the_serving_job_then_registers_under_the_serving_model() -> None:
    stub: Any = Stub()
    result = workflows.retrain_online(stub, SAS, endpoint="ep", timeout=60)
    assert result.to_dict() == {"job_id": "new-job", "status": "Completed",
                                "model_name": "census-model", "model_version": "2",
                                "model": "azureml:census-model:2", "metrics": {"Accuracy": 0.8}}
    names = [c[0] for c in stub.calls]
    assert names[-4:] == ["submit_job", "wait_job", "run_metrics", "register"]
    body = dict(stub.calls)["submit_job"]
    assert body["properties"]["inputs"]["training_data"]["uri"] == SAS
    assert dict(stub.calls)["wait_job"] == 60


def test_retrain_with_a_job_spec_binds_the_data_and_needs_a_model_name(tmp_path: Path) -> None:
    stub: Any = Stub()
    with pytest.raises(ValidationError, match="--model-name"):
        workflows.retrain_online(stub, SAS, job_spec=tmp_path / "j.yaml")
    assert not any(c[0] == "submit_job" for c in stub.calls)
    result = workflows.retrain_online(stub, SAS, job_spec=tmp_path / "j.yaml", model_name="mine")
    assert result.model == "azureml:mine:2"
    body = dict(stub.calls)["submit_job"]
    assert body["properties"]["inputs"]["training_data"] == {"jobInputType": "uri_file", "uri": SAS}


def test_retrain_needs_an_endpoint_or_a_job_and_checks_before_sending() -> None:
    stub: Any = Stub()
    with pytest.raises(ValidationError, match="--endpoint"):
        workflows.retrain_online(stub, SAS)
    with pytest.raises(ValidationError, match="no deployment"):
        workflows.retrain_online(Stub(traffic={}), SAS, endpoint="ep")  # type: ignore[arg-type]
    assert stub.calls == []


def test_a_local_file_without_storage_is_a_config_error_before_any_job(tmp_path: Path) -> None:
    data = tmp_path / "train.csv"
    data.write_text("a\n1\n", encoding="utf-8")
    stub: Any = Stub()
    with pytest.raises(ConfigError, match="STORAGE_CONNECTION_STRING"):
        workflows.retrain_online(stub, data, endpoint="ep")
    with pytest.raises(ValidationError, match="not a file"):
        workflows.retrain_online(stub, tmp_path / "none.csv", endpoint="ep")
    assert not any(c[0] == "submit_job" for c in stub.calls)


def test_a_failed_job_is_returned_with_its_status_and_nothing_registered() -> None:
    stub: Any = Stub(job_status="Failed")
    result = workflows.retrain_online(stub, SAS, endpoint="ep")
    assert (result.status, result.model, result.succeeded) == ("Failed", None, False)
    assert result.to_dict()["error"] == "no label column"
    assert "register" not in [c[0] for c in stub.calls]


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("rows.csv", "age,workclass\n39,State-gov\n", [{"age": 39, "workclass": "State-gov"}]),
    ("rows.json", '[{"age": 39.5}]', [{"age": 39.5}]),
    ("body.json", '{"input_data": {"columns": ["a"], "data": [[1]]}}', {"columns": ["a"], "data": [[1]]}),
])
def test_read_rows_takes_csv_records_or_an_input_data_body(
    tmp_path: Path, name: str, text: str, expected: Any,
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert workflows.read_rows(path) == expected


def test_score_file_reports_who_answered_and_the_latency(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("a\n1\n2\n", encoding="utf-8")
    ticks = iter([1.0, 1.25])
    stub: Any = Stub()
    result = workflows.score_file(stub, "ep", path, deployment="green", clock=lambda: next(ticks))
    assert result.to_dict() == {"endpoint": "ep", "deployment": "green", "predictions": [0, 0],
                                "latency_ms": 250.0}
