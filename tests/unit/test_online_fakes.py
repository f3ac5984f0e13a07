"""Fakes for the online client's tests: v2 resource bodies, and OnlineClient on azure-core's real pipeline.

The ARM side uses ``arm_fakes``' RequestsTransport over a canned adapter (retries, bearer auth and
ARMPolling all run for real); the data plane (MLflow, scoring) uses a requests session on the same
adapter. A fake clock makes the client's waiters instant.
"""

from __future__ import annotations

import copy
from typing import Any

from aml_retrain.arm.auth import StaticTokenCredential
from aml_retrain.online import OnlineClient

from .arm_fakes import ArmAdapter, RecordingTransport
from .fakes import fake_session

ARM = "https://arm.test"
SUB = "00000000-1111-2222-3333-444444444444"
RG = "aml-retrain-demo"
WS = "census-workspace"
ARM_TOKEN = "arm-token-SECRET-do-not-print"
W = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/workspaces/{WS}"
EP = "census-online"
EP_PATH = f"{W}/onlineEndpoints/{EP}"
DEP_PATH = f"{EP_PATH}/deployments"
OP_PATH = (f"/subscriptions/{SUB}/providers/Microsoft.MachineLearningServices/locations/westeurope"
           "/mfeOperationsStatus/op-1")
OP_URL = f"{ARM}{OP_PATH}?api-version=2025-12-01"
SCORING = "https://score.test/online/census-online/score"
PRIMARY_KEY = "primary-KEY-SECRET"
SAS_URL = "https://census.blob.core.windows.net/data/train.csv?sv=2024-01-01&sp=r&sig=SASSECRET"


class FakeClock:
    """monotonic() and sleep() for the client's waiters: sleeping moves the clock."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(adapter: ArmAdapter, *, clock: FakeClock | None = None,
                polling_interval: float = 1.0) -> tuple[OnlineClient, RecordingTransport]:
    """An OnlineClient whose ARM pipeline and data-plane session both answer from ``adapter``."""
    from azure.mgmt.resource.resources import ResourceManagementClient

    transport = RecordingTransport(adapter)
    credential = StaticTokenCredential(ARM_TOKEN)
    resource_client = ResourceManagementClient(credential, SUB, base_url=ARM, transport=transport,
                                               retry_total=0)
    clock = clock or FakeClock()
    client = OnlineClient(SUB, credential, RG, WS, base_url=ARM, polling_interval=polling_interval,
                          resource_client=resource_client, session=fake_session(adapter),
                          clock=clock.clock, sleep=clock.sleep)
    return client, transport


def endpoint(traffic: dict[str, int] | None = None, *, mirror: dict[str, int] | None = None,
             auth_mode: str = "Key", state: str = "Succeeded") -> dict[str, Any]:
    """An OnlineEndpointTrackedResource as GET returns it (keys null, readOnly fields set)."""
    props: dict[str, Any] = {
        "authMode": auth_mode, "description": "census income", "keys": None,
        "traffic": {"blue": 100} if traffic is None else traffic,
        "scoringUri": SCORING, "swaggerUri": SCORING.replace("score", "swagger.json"),
        "provisioningState": state, "publicNetworkAccess": "Enabled",
        "properties": {"owner": "ml-team"},
    }
    if mirror is not None:
        props["mirrorTraffic"] = mirror
    return copy.deepcopy({
        "id": EP_PATH, "name": EP, "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        "location": "westeurope", "tags": {"team": "ml"}, "kind": "Managed",
        "identity": {"type": "SystemAssigned"}, "properties": props,
        "systemData": {"createdBy": "someone"},
    })


def model_id(name: str = "census-model", version: str = "1") -> str:
    return f"{W}/models/{name}/versions/{version}"


def deployment(name: str = "blue", model: str | None = None, *, state: str = "Succeeded") -> dict[str, Any]:
    """A Managed OnlineDeploymentTrackedResource."""
    return copy.deepcopy({
        "id": f"{DEP_PATH}/{name}", "name": name, "location": "westeurope", "kind": "Managed",
        "tags": {"team": "ml"}, "sku": {"name": "Default", "capacity": 2},
        "properties": {
            "endpointComputeType": "Managed", "model": model or model_id(),
            "instanceType": "Standard_DS3_v2",
            "scaleSettings": {"scaleType": "Default"},
            "requestSettings": {"maxConcurrentRequestsPerInstance": 2, "requestTimeout": "PT10S"},
            "livenessProbe": {"initialDelay": "PT30S", "period": "PT10S"},
            "readinessProbe": {"failureThreshold": 5},
            "environmentId": f"{W}/environments/sklearn/versions/3",
            "codeConfiguration": {"codeId": f"{W}/codes/score/versions/1", "scoringScript": "score.py"},
            "appInsightsEnabled": False, "provisioningState": state,
        },
    })


def job(name: str = "census-train-1", status: str = "Completed", *, uri: str = SAS_URL,
        error: str | None = None) -> dict[str, Any]:
    """A CommandJob JobBaseResource."""
    props: dict[str, Any] = {
        "jobType": "Command", "command": "python train.py --data ${{inputs.training_data}}",
        "environmentId": f"{W}/environments/sklearn/versions/3", "computeId": f"{W}/computes/cpu",
        "codeId": f"{W}/codes/train/versions/1", "experimentName": "census", "displayName": name,
        "inputs": {"training_data": {"jobInputType": "uri_file", "uri": uri},
                   "epochs": {"jobInputType": "literal", "value": "3"}},
        "outputs": {"model_output": {
            "jobOutputType": "custom_model", "mode": "ReadWriteMount",
            "uri": f"azureml://subscriptions/{SUB}/resourcegroups/{RG}/workspaces/{WS}/datastores/"
                   f"workspaceblobstore/paths/azureml/{name}/model_output/"}},
        "status": status, "tags": {"team": "ml"}, "services": {"Studio": {"endpoint": "https://x"}},
        "parameters": {}, "properties": {"azureml.runsource": "x"},
    }
    if error is not None:
        props["properties"]["error"] = error
    return {"id": f"{W}/jobs/{name}", "name": name, "properties": props}


def model_version(version: str = "1", job_name: str | None = "census-train-1") -> dict[str, Any]:
    props: dict[str, Any] = {"modelUri": f"azureml://jobs/{job_name}/outputs/model_output/paths/",
                             "modelType": "custom_model"}
    if job_name:
        props["jobName"] = job_name
    return {"id": model_id(version=version), "name": version, "properties": props}


def add_put_flow(adapter: ArmAdapter, path: str, final: dict[str, Any], *,
                 statuses: tuple[str, ...] = ("InProgress", "Succeeded"),
                 failure: dict[str, Any] | None = None, retry_after: str | None = None) -> None:
    """Queue PUT -> 201 + Azure-AsyncOperation -> status polls -> GET of the original URI."""
    created = copy.deepcopy(final)
    created.setdefault("properties", {})["provisioningState"] = "Updating"
    adapter.add("PUT", path, status=201, json=created, headers={
        "Azure-AsyncOperation": OP_URL, "x-ms-async-operation-timeout": "PT1H",
        "x-ms-request-id": "req-put-1"})
    for status in statuses:
        body: dict[str, Any] = {"id": OP_PATH, "name": "op-1", "status": status}
        if status == "Failed" and failure is not None:
            body["error"] = failure
        adapter.add("GET", OP_PATH, json=body,
                    headers={"Retry-After": retry_after} if retry_after else {})
    if statuses[-1] == "Succeeded":
        adapter.add("GET", path, json=final)


def test_the_fake_client_builds_without_network() -> None:
    client, _ = make_client(ArmAdapter())
    assert client.workspace_id == W
    assert "SECRET" not in repr(client)
