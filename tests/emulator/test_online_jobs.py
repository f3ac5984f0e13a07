"""Azure ML v2 command jobs train for real on their input; MLflow metrics; model registration."""

from __future__ import annotations

from typing import Any

import pytest

from aml_emulator.azurite import AzuriteProcess
from aml_emulator.classic.training import CLASSIFICATION_METRICS

from .online_support import (
    RG,
    SUB,
    WS,
    OnlineApi,
    W,
    add_deployment,
    assert_ml_error,
    dep_path,
    deployment_body,
    set_traffic,
    wait_job,
)
from .support import RETRAIN_CSV, upload

ENV = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"


def job_body(uri: str, **extra: Any) -> dict[str, Any]:
    return {"properties": {
        "jobType": "Command", "command": "python train.py", "environmentId": ENV,
        "computeId": f"{W}/computes/cpu-cluster", "experimentName": "census-retrain",
        "displayName": "retrain", "tags": {"by": "test"},
        "inputs": {"training_data": {"jobInputType": "uri_file", "uri": uri}},
        "outputs": {"model_output": {"jobOutputType": "custom_model", "mode": "ReadWriteMount"}},
        **extra}}


def blob_url(azurite: AzuriteProcess, relative: str, data: bytes) -> str:
    upload(azurite, relative, data)
    return azurite.connection_string.split("BlobEndpoint=")[1].rstrip(";/") + "/" + relative


def run(online: OnlineApi, name: str, body: dict[str, Any]) -> list[str]:
    created = online.call("PUT", f"{W}/jobs/{name}", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["properties"]["status"] == "NotStarted"
    return wait_job(online, name)


def mlflow(online: OnlineApi, run_id: str) -> Any:
    tracking = online.ok("GET", W)["properties"]["mlFlowTrackingUri"]
    base = tracking.replace("azureml://", "https://")
    return online.call("GET", f"{base}/api/2.0/mlflow/runs/get", params={"run_id": run_id})


def metrics(online: OnlineApi, run_id: str) -> dict[str, float]:
    answer = mlflow(online, run_id)
    assert answer.status_code == 200, answer.text
    return {m["key"]: m["value"] for m in answer.json()["run"]["data"]["metrics"]}


def test_the_seed_job_is_completed_with_metrics(online: OnlineApi) -> None:
    job = online.ok("GET", f"{W}/jobs/census-train-1")["properties"]
    assert job["status"] == "Completed" and job["jobType"] == "Command"
    assert job["outputs"]["model_output"]["uri"] == (
        f"azureml://subscriptions/{SUB}/resourcegroups/{RG}/workspaces/{WS}/datastores/"
        "workspaceblobstore/paths/azureml/census-train-1/model_output/")
    found = metrics(online, "census-train-1")
    assert set(found) == set(CLASSIFICATION_METRICS) and 0.8 < found["AUC"] < 1.0
    assert mlflow(online, "census-train-1").json()["run"]["info"]["status"] == "FINISHED"


def test_mlflow_needs_the_arm_token_and_a_known_run(online: OnlineApi) -> None:
    answer = mlflow(online, "no-such-run")
    assert answer.status_code == 404 and answer.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    tracking = online.ok("GET", W)["properties"]["mlFlowTrackingUri"]
    url = tracking.replace("azureml://", "https://") + "/api/2.0/mlflow/runs/get"
    denied = online.call("GET", url, token="bad", params={"run_id": "census-train-1"})
    assert denied.status_code == 401 and denied.json()["error_code"] == "UNAUTHENTICATED"
    assert online.call("GET", url).json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_a_job_trains_on_its_input_and_reports_through_mlflow(sonline: OnlineApi,
                                                              azurite: AzuriteProcess) -> None:
    sonline.configure(mlv2_job_polls=2)
    uri = blob_url(azurite, "datasets/retrain/train.csv", RETRAIN_CSV)
    seen = run(sonline, "job-retrain-1", job_body(uri))
    assert seen[0] == "Queued" and seen[-1] == "Completed" and "Running" in seen
    found = metrics(sonline, "job-retrain-1")
    assert set(found) == set(CLASSIFICATION_METRICS)
    assert found != metrics(sonline, "census-train-1")  # another dataset, another model
    info = mlflow(sonline, "job-retrain-1").json()["run"]
    assert info["info"]["status"] == "FINISHED"
    assert {"key": "mlflow.runName", "value": "retrain"} in info["data"]["tags"]


def test_the_seeded_training_data_reproduces_the_seed_metrics(sonline: OnlineApi) -> None:
    sonline.configure(mlv2_job_polls=0)
    seed = sonline.ok("GET", f"{W}/jobs/census-train-1")["properties"]
    uri = seed["inputs"]["training_data"]["uri"]
    assert run(sonline, "job-again", job_body(uri))[-1] == "Completed"
    assert metrics(sonline, "job-again") == metrics(sonline, "census-train-1")


def test_a_job_whose_input_is_missing_fails_with_a_reason(sonline: OnlineApi,
                                                          azurite: AzuriteProcess) -> None:
    sonline.configure(mlv2_job_polls=0)
    uri = blob_url(azurite, "datasets/x/present.csv", b"a\n").replace("present", "absent")
    assert run(sonline, "job-fails", job_body(uri))[-1] == "Failed"
    job = sonline.ok("GET", f"{W}/jobs/job-fails")["properties"]
    assert "was not found" in job["properties"]["error"]
    run_doc = mlflow(sonline, "job-fails").json()["run"]
    assert run_doc["info"]["status"] == "FAILED" and run_doc["data"]["metrics"] == []
    assert any(t["key"] == "mlflow.note.content" for t in run_doc["data"]["tags"])
    register = sonline.call("PUT", f"{W}/models/census-model/versions/2", json={
        "properties": {"modelUri": "azureml://jobs/job-fails/outputs/model_output/paths/"}})
    assert_ml_error(register, 400, "UserError", "Failed")


def test_a_job_reads_a_private_blob_through_its_sas(sonline: OnlineApi,
                                                   azurite: AzuriteProcess) -> None:
    from datetime import datetime, timedelta, timezone

    from azure.storage.blob import BlobSasPermissions, generate_blob_sas

    from aml_emulator.storage import DEVSTORE_ACCOUNT, DEVSTORE_KEY

    sonline.configure(mlv2_job_polls=0)
    uri = blob_url(azurite, "private/sas/train.csv", RETRAIN_CSV)
    sas = generate_blob_sas(DEVSTORE_ACCOUNT, "private", "sas/train.csv", account_key=DEVSTORE_KEY,
                            permission=BlobSasPermissions(read=True),
                            expiry=datetime.now(timezone.utc) + timedelta(hours=1))
    assert run(sonline, "job-sas", job_body(f"{uri}?{sas}"))[-1] == "Completed"
    forged = sas.replace("sig=", "sig=AAAA")
    assert run(sonline, "job-forged", job_body(f"{uri}?{forged}"))[-1] == "Failed"
    error = sonline.ok("GET", f"{W}/jobs/job-forged")["properties"]["properties"]["error"]
    assert "could not be read" in error and "sig=" not in error  # the SAS is a secret


@pytest.mark.parametrize(("change", "fragment"), [
    ({"command": None}, "properties.command is required"),
    ({"jobType": "Pipeline"}, "Command jobs only"),
    ({"jobType": "Batch"}, "must be one of"),
])
def test_a_job_body_is_checked(online: OnlineApi, change: dict[str, Any], fragment: str) -> None:
    body = job_body("http://127.0.0.1:9/x.csv")
    body["properties"].update(change)
    assert_ml_error(online.call("PUT", f"{W}/jobs/bad-job", json=body), 400, "UserError",
                    fragment)


def test_put_on_an_existing_job_replaces_its_tags_only(online: OnlineApi) -> None:
    body = job_body("http://127.0.0.1:9/x.csv", tags={"new": "tag"})
    answer = online.call("PUT", f"{W}/jobs/census-train-1", json=body)
    assert answer.status_code == 200
    job = answer.json()["properties"]
    assert job["tags"] == {"new": "tag"} and job["status"] == "Completed"
    assert job["displayName"] == "Train the census income model"


def test_cancel_and_delete_go_through_location(online: OnlineApi) -> None:
    online.configure(mlv2_job_polls=1000, mlv2_retry_after=0)
    created = online.call("PUT", f"{W}/jobs/job-cancel",
                          json=job_body("http://127.0.0.1:9/x.csv"))
    assert created.status_code == 201
    answer = online.call("POST", f"{W}/jobs/job-cancel/cancel")
    assert answer.status_code == 202 and "x-ms-async-operation-timeout" not in answer.headers
    assert online.ok("GET", f"{W}/jobs/job-cancel")["properties"]["status"] == "CancelRequested"
    assert online.follow(answer).status_code == 200
    assert online.ok("GET", f"{W}/jobs/job-cancel")["properties"]["status"] == "Canceled"
    assert online.follow(online.call("DELETE", f"{W}/jobs/job-cancel")).status_code == 200
    assert_ml_error(online.call("GET", f"{W}/jobs/job-cancel"), 404, "ResourceNotFound")
    assert online.call("DELETE", f"{W}/jobs/job-cancel").status_code == 204


def test_jobs_list_pages(online: OnlineApi) -> None:
    online.configure(arm_page_size=1)
    online.call("PUT", f"{W}/jobs/job-two", json=job_body("http://127.0.0.1:9/x.csv"))
    first = online.ok("GET", f"{W}/jobs")
    second = online.ok("GET", first["nextLink"])
    assert {first["value"][0]["name"], second["value"][0]["name"]} == {"census-train-1",
                                                                       "job-two"}


@pytest.mark.parametrize("uri", [
    "azureml://jobs/census-train-1/outputs/model_output/paths/",
    f"azureml://subscriptions/{SUB}/resourcegroups/{RG}/workspaces/{WS}/datastores/"
    "workspaceblobstore/paths/azureml/census-train-1/model_output/",
])
def test_a_model_version_registers_from_a_job_output(online: OnlineApi, uri: str) -> None:
    body = {"properties": {"modelUri": uri, "modelType": "custom_model",
                           "description": "again", "tags": {"source": "test"}}}
    answer = online.call("PUT", f"{W}/models/census-model/versions/2", json=body)
    assert answer.status_code == 201, answer.text
    doc = answer.json()
    assert doc["name"] == "2" and doc["properties"]["jobName"] == "census-train-1"
    assert online.call("PUT", f"{W}/models/census-model/versions/2", json=body).status_code == 200
    versions = online.ok("GET", f"{W}/models/census-model/versions")["value"]
    assert [v["name"] for v in versions] == ["2", "1"]  # newest first
    ordered = online.ok("GET", f"{W}/models/census-model/versions",
                        params={"$orderBy": "version asc", "$top": "1"})["value"]
    assert [v["name"] for v in ordered] == ["1"]
    container = online.ok("GET", f"{W}/models")["value"][0]["properties"]
    assert (container["latestVersion"], container["nextVersion"]) == ("2", "3")


@pytest.mark.parametrize(("uri", "fragment"), [
    ("azureml://jobs/nope/outputs/model_output/paths/", "does not exist"),
    ("azureml://jobs/census-train-1/outputs/other/paths/", "no output 'other'"),
    ("https://example.com/model.pkl", "must be azureml://jobs/"),
    (None, "modelUri is required"),
])
def test_a_model_uri_must_name_a_completed_job_output(online: OnlineApi, uri: str | None,
                                                      fragment: str) -> None:
    body = {"properties": {"modelUri": uri}}
    answer = online.call("PUT", f"{W}/models/census-model/versions/2", json=body)
    assert_ml_error(answer, 400, "UserError", fragment)


def test_a_registered_version_is_immutable_but_for_tags(online: OnlineApi) -> None:
    body = {"properties": {"modelUri": "azureml://jobs/census-train-1/outputs/model_output/"
                                       "paths/", "modelType": "mlflow_model"}}
    assert_ml_error(online.call("PUT", f"{W}/models/census-model/versions/1", json=body), 409,
                    "Conflict", "modelType")
    assert online.call("DELETE", f"{W}/models/census-model/versions/1").status_code == 200
    assert online.call("DELETE", f"{W}/models/census-model/versions/1").status_code == 204


def test_retrain_register_deploy_and_switch_traffic(sonline: OnlineApi,
                                                    azurite: AzuriteProcess) -> None:
    sonline.configure(mlv2_job_polls=0, mlv2_traffic_lag_reads=0)
    uri = blob_url(azurite, "datasets/retrain/e2e.csv", RETRAIN_CSV)
    assert run(sonline, "job-e2e", job_body(uri))[-1] == "Completed"
    output = sonline.ok("GET", f"{W}/jobs/job-e2e")["properties"]["outputs"]["model_output"]
    sonline.ok("PUT", f"{W}/models/census-model/versions/2", 201,
               json={"properties": {"modelUri": output["uri"]}})
    add_deployment(sonline, "census-model-v2", model=f"{W}/models/census-model/versions/2")
    rows = [[30, 9, h, 0] for h in range(10, 90, 4)]
    body = {"input_data": {"columns": ["age", "education_num", "hours_per_week",
                                       "capital_gain"], "index": [], "data": rows}}
    before = sonline.score(body).json()
    set_traffic(sonline, {"blue": 0, "census-model-v2": 100})
    after = sonline.score(body)
    assert after.headers["azureml-model-deployment"] == "census-model-v2"
    assert after.json() != before  # the retrained model answers differently
    assert sonline.ok("GET", dep_path("census-model-v2"))["properties"]["model"].endswith("/2")
    assert sonline.call("PUT", dep_path("census-model-v3"),
                        json=deployment_body(f"{W}/models/census-model/versions/3")
                        ).status_code == 400
