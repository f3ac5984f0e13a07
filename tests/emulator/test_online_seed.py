"""The Azure ML v2 seed: workspace, endpoint, blue at 100 %, model v1 and the job that trained it."""

from __future__ import annotations

from azure.storage.blob import BlobServiceClient

from aml_emulator.azurite import AzuriteProcess
from aml_emulator.classic.training import census_csv
from aml_emulator.storage import SEED_TRAINING

from .online_support import MODEL_ID, RG, SEED, WS, OnlineApi, W


def test_the_seed_names_the_workspace_of_the_issue(online: OnlineApi) -> None:
    assert (WS, RG) == ("census-workspace", "aml-retrain-demo")
    state = online.state()
    assert state["id"] == W
    [endpoint] = state["endpoints"]
    assert (endpoint["name"], endpoint["traffic"], endpoint["deployments"]) == (
        "census-online", {"blue": 100}, {"blue": "Succeeded"})
    assert state["models"] == {"census-model:1": "census-train-1"}
    assert state["jobs"] == {"census-train-1": "Completed"}


def test_the_seed_model_version_points_at_its_job(online: OnlineApi) -> None:
    doc = online.ok("GET", f"{W}/models/census-model/versions/1")
    assert doc["id"] == MODEL_ID
    props = doc["properties"]
    assert props["jobName"] == "census-train-1"
    assert props["modelUri"] == "azureml://jobs/census-train-1/outputs/model_output/paths/"


def test_the_seed_job_input_is_uploaded_with_the_seed_model(sonline: OnlineApi,
                                                            azurite: AzuriteProcess) -> None:
    uri = sonline.ok("GET", f"{W}/jobs/census-train-1")["properties"]["inputs"][
        "training_data"]["uri"]
    assert uri.endswith(SEED_TRAINING) and SEED["jobs"][0]["trainingData"] == SEED_TRAINING
    container, blob = SEED_TRAINING.split("/", 1)
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    assert service.get_blob_client(container, blob).download_blob().readall() == census_csv()
