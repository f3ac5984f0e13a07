"""OnlineClient jobs, models and metrics: submit, wait/cancel, re-submit, register, MLflow."""

from __future__ import annotations

import json
import re

import pytest

from aml_retrain.errors import (
    AlreadyExistsError,
    JobFailedError,
    NotFoundError,
    OperationTimeoutError,
    ValidationError,
)
from aml_retrain.online.models import next_version, parse_model_ref
from aml_retrain.online.results import Job

from .arm_fakes import ArmAdapter
from .test_online_fakes import (
    ARM_TOKEN,
    EP_PATH,
    W,
    add_put_flow,
    deployment,
    endpoint,
    job,
    make_client,
    model_id,
    model_version,
)

JOB = "census-train-1"
JOB_PATH = f"{W}/jobs/{JOB}"
NEW_DATA = "https://census.blob.core.windows.net/data/train-2.csv?sv=2024&sig=NEWSASSECRET"


@pytest.fixture
def adapter() -> ArmAdapter:
    return ArmAdapter()


def methods(adapter: ArmAdapter) -> list[str]:
    return [m for m, _p in adapter.calls()]


def test_submit_checks_the_name_is_free_then_puts(adapter: ArmAdapter) -> None:
    adapter.add("GET", f"{W}/jobs/j-1", status=404, json={"error": {"code": "NotFound", "message": "x"}})
    adapter.add("PUT", f"{W}/jobs/j-1", status=201, json=job("j-1", "NotStarted"))
    client, _ = make_client(adapter)
    created = client.submit_job({"properties": {"jobType": "Command", "command": "x"}}, name="j-1")
    assert created.status == "NotStarted" and methods(adapter) == ["GET", "PUT"]
    assert adapter.body(1) == {"properties": {"jobType": "Command", "command": "x"}}


def test_submit_refuses_an_existing_job_name_without_a_put(adapter: ArmAdapter) -> None:
    adapter.add("GET", JOB_PATH, json=job())
    client, _ = make_client(adapter)
    with pytest.raises(AlreadyExistsError, match="already exists"):
        client.submit_job({"properties": {"jobType": "Command"}}, name=JOB)
    assert methods(adapter) == ["GET"]


def test_generated_job_names_follow_the_contract(adapter: ArmAdapter) -> None:
    from aml_retrain.online import new_job_name

    assert re.fullmatch(r"aml-retrain-\d{14}-[0-9a-f]{6}", new_job_name())


def test_wait_accepts_unknown_statuses_and_reports_each_poll(adapter: ArmAdapter) -> None:
    for status in ("NotStarted", "Queued", "Scheduled", "Running", "Completed"):
        adapter.add("GET", JOB_PATH, json=job(status=status))
    client, _ = make_client(adapter)
    seen: list[str] = []
    done = client.wait_job(JOB, timeout=600, on_update=lambda j: seen.append(j.status))
    assert done.status == "Completed"
    assert seen == ["NotStarted", "Queued", "Scheduled", "Running", "Completed"]


def test_wait_timeout_cancels_the_job(adapter: ArmAdapter) -> None:
    adapter.add("GET", JOB_PATH, json=job(status="Running"), times=None)
    adapter.add("POST", JOB_PATH + "/cancel", status=202, headers={"Location": "https://arm.test/x"})
    client, _ = make_client(adapter, polling_interval=10.0)
    with pytest.raises(OperationTimeoutError, match="it was cancelled") as info:
        client.wait_job(JOB, timeout=25)
    assert "last status Running" in str(info.value)
    assert methods(adapter)[-1] == "POST" and adapter.calls()[-1][1].startswith(JOB_PATH + "/cancel")


def test_wait_timeout_without_cancel_leaves_it_running(adapter: ArmAdapter) -> None:
    adapter.add("GET", JOB_PATH, json=job(status="Running"), times=None)
    client, _ = make_client(adapter, polling_interval=10.0)
    with pytest.raises(OperationTimeoutError, match="still running"):
        client.wait_job(JOB, timeout=25, cancel_on_timeout=False)
    assert "POST" not in methods(adapter)


def test_failed_job_raises_with_its_reason(adapter: ArmAdapter) -> None:
    adapter.add("GET", JOB_PATH, json=job(status="Failed", error="no column 'income' in the CSV"))
    client, _ = make_client(adapter)
    with pytest.raises(JobFailedError, match="ended Failed: no column 'income'") as info:
        client.wait_job(JOB)
    assert info.value.status == "Failed" and info.value.job_id == JOB


def add_serving_chain(adapter: ArmAdapter) -> None:
    adapter.add("GET", EP_PATH, json=endpoint({"blue": 100, "green": 0}))
    adapter.add("GET", f"{EP_PATH}/deployments/blue", json=deployment("blue"))
    adapter.add("GET", f"{W}/models/census-model/versions/1", json=model_version("1"))
    adapter.add("GET", JOB_PATH, json=job())


def test_resubmit_copies_the_serving_job_and_rebinds_the_training_input(adapter: ArmAdapter) -> None:
    add_serving_chain(adapter)
    adapter.add("GET", f"{W}/jobs/retrain-2", status=404, json={"error": {"code": "NotFound"}})
    adapter.add("PUT", f"{W}/jobs/retrain-2", status=201,
                json=job("retrain-2", "NotStarted", uri=NEW_DATA))
    client, _ = make_client(adapter)
    created = client.resubmit_serving_job("census-online", NEW_DATA, name="retrain-2")
    sent = adapter.body(len(adapter.requests) - 1)["properties"]
    source = job()["properties"]
    assert sent["inputs"]["training_data"] == {"jobInputType": "uri_file", "uri": NEW_DATA}
    assert sent["inputs"]["epochs"] == source["inputs"]["epochs"]
    assert sent["outputs"] == {"model_output": {"jobOutputType": "custom_model",
                                                "mode": "ReadWriteMount"}}  # a fresh location
    for key in ("command", "environmentId", "computeId", "codeId", "experimentName"):
        assert sent[key] == source[key]
    for key in ("status", "services", "parameters", "properties"):
        assert key not in sent  # readOnly or the service's own
    assert sent["tags"] == {"team": "ml", "aml-retrain.resubmitted-from": JOB}
    assert "SECRET" not in json.dumps(created.to_dict()) and "SECRET" not in repr(created)


def test_resubmit_names_the_inputs_when_the_one_asked_for_is_missing(adapter: ArmAdapter) -> None:
    add_serving_chain(adapter)
    client, _ = make_client(adapter)
    with pytest.raises(ValidationError, match=r"no data input 'train'.*epochs, training_data"):
        client.resubmit_serving_job("census-online", NEW_DATA, input_name="train")
    assert "PUT" not in methods(adapter)


def test_resubmit_needs_the_model_to_record_its_job(adapter: ArmAdapter) -> None:
    adapter.add("GET", EP_PATH, json=endpoint({"blue": 100}))
    adapter.add("GET", f"{EP_PATH}/deployments/blue", json=deployment("blue"))
    adapter.add("GET", f"{W}/models/census-model/versions/1", json=model_version("1", None))
    client, _ = make_client(adapter)
    with pytest.raises(ValidationError, match="records no training job"):
        client.resubmit_serving_job("census-online", NEW_DATA)


def test_register_takes_the_latest_numeric_version_plus_one(adapter: ArmAdapter) -> None:
    versions = f"{W}/models/census-model/versions"
    adapter.add("GET", versions, json={"value": [model_version("1"), model_version("3")],
                                       "nextLink": f"https://arm.test{versions}?$skip=2"})
    adapter.add("GET", versions, json={"value": [model_version("2"), model_version("candidate")]})
    adapter.add("PUT", f"{versions}/4", status=201, json=model_version("4", "retrain-2"))
    client, _ = make_client(adapter)
    registered = client.register_model_from_job("census-model", Job.from_arm(job("retrain-2")),
                                                description="retrained")
    assert registered.version == "4" and registered.job_name == "retrain-2"
    assert adapter.body(2) == {"properties": {
        "modelUri": "azureml://jobs/retrain-2/outputs/model_output/paths/",
        "modelType": "custom_model", "jobName": "retrain-2", "description": "retrained"}}


def test_register_a_first_version_when_the_model_is_new(adapter: ArmAdapter) -> None:
    versions = f"{W}/models/new-model/versions"
    adapter.add("GET", f"{W}/jobs/retrain-2", json=job("retrain-2"))
    adapter.add("GET", versions, status=404, json={"error": {"code": "NotFound"}})
    adapter.add("PUT", f"{versions}/1", json=model_version("1", "retrain-2"))
    client, _ = make_client(adapter)
    assert client.register_model_from_job("new-model", "retrain-2").version == "1"


def test_register_refuses_a_job_that_has_not_completed(adapter: ArmAdapter) -> None:
    client, _ = make_client(adapter)
    with pytest.raises(ValidationError, match="is Running"):
        client.register_model_from_job("census-model", Job.from_arm(job(status="Running")))
    with pytest.raises(ValidationError, match="no output 'model'"):
        client.register_model_from_job("census-model", Job.from_arm(job()), output="model")
    assert adapter.requests == []


@pytest.mark.parametrize(("versions", "expected"), [
    ([], "1"), (["latest"], "1"), (["1", "2", "10", "9"], "11"), (["007"], "8")])
def test_next_version(versions: list[str], expected: str) -> None:
    assert next_version(versions) == expected


def test_parse_model_ref() -> None:
    assert parse_model_ref(model_id("census-model", "7")) == ("census-model", "7")
    assert parse_model_ref("azureml:census-model:2") == ("census-model", "2")
    with pytest.raises(ValidationError, match="does not name a model version"):
        parse_model_ref("census-model")


def add_workspace(adapter: ArmAdapter) -> None:
    adapter.add("GET", W, json={"id": W, "name": "census-workspace", "properties": {
        "mlFlowTrackingUri": f"azureml://mlflow.test:8443/mlflow/v1.0{W}"}})


def test_run_metrics_reads_mlflow_with_the_arm_token_and_maps_names(adapter: ArmAdapter) -> None:
    add_workspace(adapter)
    run_path = f"/mlflow/v1.0{W}/api/2.0/mlflow/runs/get"
    adapter.add("GET", run_path, json={"run": {
        "info": {"run_id": JOB, "experiment_id": "1", "status": "FINISHED"},
        "data": {"metrics": [
            {"key": "Accuracy", "value": 0.84, "timestamp": 1, "step": 0},
            {"key": "F-Score", "value": 0.61, "timestamp": 1, "step": 0},
            {"key": "average_log_loss", "value": 0.35, "timestamp": 1, "step": 0},
            {"key": "rows_seen", "value": 1000, "timestamp": 1, "step": 0}],
            "params": [], "tags": []}}})
    client, _ = make_client(adapter)
    result = client.run_metrics(JOB)
    assert result.status == "FINISHED" and result.metrics.kind == "classification"
    assert result.metrics.values == {"Accuracy": 0.84, "F-Score": 0.61, "Average Log Loss": 0.35,
                                     "rows_seen": 1000.0}
    request = adapter.requests[-1]
    assert request.url == f"https://mlflow.test:8443{run_path}?run_id={JOB}"
    assert request.headers["Authorization"] == f"Bearer {ARM_TOKEN}"
    assert result.to_dict()["metrics"]["values"]["F-Score"] == 0.61


def test_run_metrics_of_an_unknown_run_is_not_found(adapter: ArmAdapter) -> None:
    add_workspace(adapter)
    adapter.add("GET", f"/mlflow/v1.0{W}/api/2.0/mlflow/runs/get", status=404, json={
        "error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Run 'x' not found"})
    client, _ = make_client(adapter)
    with pytest.raises(NotFoundError, match="Run 'x' not found") as info:
        client.run_metrics("x")
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_a_run_without_known_metrics_is_a_validation_error(adapter: ArmAdapter) -> None:
    add_workspace(adapter)
    adapter.add("GET", f"/mlflow/v1.0{W}/api/2.0/mlflow/runs/get", json={"run": {
        "info": {"status": "FINISHED"}, "data": {"metrics": [{"key": "loss", "value": 1}]}}})
    client, _ = make_client(adapter)
    with pytest.raises(ValidationError, match="no known evaluation metric"):
        client.run_metrics(JOB)


def test_put_flow_fixture_is_shared_by_deployments_too(adapter: ArmAdapter) -> None:
    # The deployment LRO follows the same Azure-AsyncOperation flow as the endpoint's.
    path = f"{EP_PATH}/deployments/green"
    adapter.add("GET", path, status=404, json={"error": {"code": "NotFound"}})
    adapter.add("GET", f"{EP_PATH}/deployments/blue", json=deployment("blue"))
    add_put_flow(adapter, path, deployment("green", model_id(version="2")))
    client, _ = make_client(adapter)
    created = client.create_deployment("census-online", "green", model_id(version="2"),
                                       source="blue")
    assert created.model == model_id(version="2") and created.provisioning_state == "Succeeded"
