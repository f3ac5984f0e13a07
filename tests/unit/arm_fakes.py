"""Fakes for the ARM ring: a web service document, and azure-core's real pipeline on a fake socket.

The transport is azure-core's own RequestsTransport over a requests session whose adapter answers
from canned routes, so retries, bearer-token auth and ARM polling all run for real.
"""

from __future__ import annotations

import copy
import io
from typing import Any

import requests
from azure.core.pipeline.transport import RequestsTransport
from urllib3.response import HTTPResponse

from aml_retrain.arm.auth import StaticTokenCredential
from aml_retrain.arm.client import ArmWebServiceClient

from .fakes import FakeAdapter, fake_session

ARM = "https://arm.test"
SUB = "00000000-1111-2222-3333-444444444444"
RG = "ml-rg"
NAME = "predictive-ws"
ARM_TOKEN = "arm-token-SECRET-do-not-print"
PROVIDER = "providers/Microsoft.MachineLearning"
WS_PATH = f"/subscriptions/{SUB}/resourceGroups/{RG}/{PROVIDER}/webServices/{NAME}"
OP_PATH = f"/subscriptions/{SUB}/{PROVIDER}/locations/southcentralus/operationsStatus/op-1"
OP_URL = f"{ARM}{OP_PATH}?api-version=2017-01-01"
OLD_URI = "https://mlstorage.blob.core.windows.net/assets/old-model.ilearner"
NEW_URI = "https://mlstorage.blob.core.windows.net/models/run-42/model.ilearner"
NEW_URL_WITH_SAS = NEW_URI + "?sv=2024-01-01&se=2020-01-01T00:00:00Z&sp=r&sig=SASSECRET"


def webservice(uri: str = OLD_URI, **props: Any) -> dict[str, Any]:
    """A GET body shaped like the swagger's getWebService example, plus a trained-model asset."""
    body: dict[str, Any] = {
        "id": WS_PATH,
        "name": NAME,
        "type": "Microsoft.MachineLearning/webServices",
        "location": "South Central US",
        "tags": {"team": "ml"},
        "properties": {
            "payloadsInBlobStorage": False,
            "provisioningState": "Succeeded",
            "createdOn": "2017-04-26T10:00:00Z",
            "modifiedOn": "2017-04-26T11:00:00Z",
            "title": "Income prediction",
            "description": "Predictive experiment",
            "swaggerLocation": "https://ussouthcentral.services.azureml.net/subscriptions/abc/services/svc1/swagger.json",
            "readOnly": False,
            "realtimeConfiguration": {"maxConcurrentCalls": 4},
            "diagnostics": {"level": "None"},
            "storageAccount": {"name": "mlstorage"},
            "machineLearningWorkspace": {"id": "0123456789abcdef0123456789abcdef"},
            "commitmentPlan": {"id": f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/"
                                     "Microsoft.MachineLearning/commitmentPlans/plan1"},
            "assets": {
                "asset1": {"name": "Execute R Script", "type": "Module",
                           "locationInfo": {"uri": "aml://module/moduleId-1", "credentials": ""}},
                "asset3": {"name": "Retrain Sample [trained model]", "type": "Resource",
                           "locationInfo": {"uri": uri},
                           "outputPorts": {"Results dataset": {"type": "Dataset"}}},
            },
            "input": {"title": "", "description": "", "type": "object", "properties": {
                "input1": {"title": "", "description": "", "type": "object", "properties": {
                    "age": {"type": "Integer", "format": "Int32", "x-ms-isnullable": False},
                    "workclass": {"type": "String", "format": "", "x-ms-isnullable": True},
                }},
            }},
            "output": {"type": "object", "properties": {
                "output1": {"type": "object", "properties": {
                    "Scored Labels": {"type": "Number", "format": "Double"},
                }},
            }},
            "packageType": "Graph",
            "exampleRequest": {"inputs": {"input1": [["39", "State-gov"]]}, "globalParameters": None},
            "exposeSampleData": True,
            "parameters": {},
            "package": {
                "edges": [{"sourceNodeId": "node3", "targetNodeId": "node1",
                           "targetPortId": "Dataset1"}],
                "graphParameters": {},
                "nodes": {
                    "node1": {"assetId": "asset1", "parameters": {
                        "R Script": {"value": "x <- 1", "certificateThumbprint": ""},
                        "Account Key": {"value": "MIIB-encrypted", "certificateThumbprint": "AB5C"},
                    }},
                    "node2": {"assetId": "asset3"},
                    "node3": {"inputId": "input1"},
                    "node4": {"outputId": "output1"},
                },
            },
        },
    }
    body["properties"].update(props)
    return copy.deepcopy(body)


class ArmAdapter(FakeAdapter):
    """FakeAdapter whose responses carry a urllib3 body, as azure-core's transport reads it."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = super().send(request, **kwargs)
        content = response._content or b""
        response.raw = HTTPResponse(body=io.BytesIO(content), headers=dict(response.headers),
                                    status=response.status_code, preload_content=False)
        return response


class RecordingTransport(RequestsTransport):
    """azure-core's RequestsTransport that records sleeps instead of sleeping."""

    def __init__(self, adapter: ArmAdapter) -> None:
        super().__init__(session=fake_session(adapter), session_owner=False)
        self.sleeps: list[float] = []

    def sleep(self, duration: float) -> None:
        self.sleeps.append(duration)


def make_client(adapter: ArmAdapter, *, polling_interval: float = 0.0) -> tuple[ArmWebServiceClient,
                                                                                 RecordingTransport]:
    """An ArmWebServiceClient whose ResourceManagementClient sends through ``adapter``."""
    from azure.mgmt.resource.resources import ResourceManagementClient

    transport = RecordingTransport(adapter)
    credential = StaticTokenCredential(ARM_TOKEN)
    resource_client = ResourceManagementClient(credential, SUB, base_url=ARM, transport=transport,
                                               retry_total=0)
    client = ArmWebServiceClient(SUB, credential, base_url=ARM, polling_interval=polling_interval,
                                 resource_client=resource_client)
    return client, transport


def add_update_flow(adapter: ArmAdapter, final: dict[str, Any], *, statuses: tuple[str, ...] = (
        "Provisioning", "Succeeded"), retry_after: str | None = None,
        failure: dict[str, Any] | None = None) -> None:
    """Queue PATCH → Azure-AsyncOperation polls → final GET, as the live service answered (§4)."""
    sparse = {"id": WS_PATH, "name": NAME, "type": "Microsoft.MachineLearning/webServices",
              "location": "South Central US", "tags": {},
              "properties": {"provisioningState": "Provisioning"}}
    adapter.add("PATCH", WS_PATH, json=sparse, headers={
        "Azure-AsyncOperation": OP_URL, "Azure-AsyncOperationPercentComplete": "0",
        "x-ms-request-id": "req-patch-1"})
    for status in statuses:
        body: dict[str, Any] = {"id": OP_PATH, "name": "op-1", "status": status,
                                "startTime": "2017-04-26T11:00:00Z"}
        if status == "Failed" and failure is not None:
            body["error"] = failure
        headers = {"Retry-After": retry_after} if retry_after else {}
        adapter.add("GET", OP_PATH, json=body, headers=headers)
    adapter.add("GET", WS_PATH, json=final)
