"""Helpers for the ARM web service tests: a caller with the ARM token, polling, assertions."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests

from aml_emulator.server import load_seed

ARM = load_seed()["arm"]
SUB: str = ARM["subscriptions"][0]["subscriptionId"]
RG: str = ARM["subscriptions"][0]["resourceGroups"][0]
WS_NAME, RO_NAME = "census-model-ws", "census-model-ro"
TRAINING_NAME = "census-model-training-ws"
API_VERSION = "2017-01-01"
JSON_TYPE = "application/json; charset=utf-8"
PROVIDER = "/providers/Microsoft.MachineLearning"
_DEFAULT = object()
# The GET body's property order observed on the real service (ARM §4.4), for those present.
PROPERTY_ORDER = ["payloadsInBlobStorage", "provisioningState", "createdOn", "modifiedOn", "title",
                  "description", "swaggerLocation", "readOnly", "realtimeConfiguration",
                  "diagnostics", "storageAccount", "machineLearningWorkspace", "assets", "input",
                  "output", "packageType", "exampleRequest", "exposeSampleData", "parameters",
                  "package"]
READ_ONLY = ("createdOn", "modifiedOn", "provisioningState", "swaggerLocation")


def resource_id(name: str = WS_NAME, group: str = RG, sub: str = SUB) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{group}{PROVIDER}/webServices/{name}"


@dataclass
class ArmApi:
    url: str
    ca: str
    token: str
    api_version: ClassVar[str] = API_VERSION

    def call(self, method: str, path: str, *, token: Any = _DEFAULT,
             version: Any = _DEFAULT, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        bearer = self.token if token is _DEFAULT else token
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        params = dict(kwargs.pop("params", {}))
        version = self.api_version if version is _DEFAULT else version
        if version is not None:
            params["api-version"] = version
        target = path if path.startswith("https://") else self.url + path
        return requests.request(method, target, headers=headers, params=params, verify=self.ca,
                                timeout=30, **kwargs)

    def control(self, method: str, name: str, **kwargs: Any) -> Any:
        answer = requests.request(method, f"{self.url}/_emulator/{name}", verify=self.ca,
                                  timeout=30, **kwargs)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def configure(self, **settings: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.control("POST", "config", json=settings)
        return data

    def stored(self, name: str = WS_NAME) -> dict[str, Any]:
        """The full stored service (secrets included) from the control plane."""
        for service in self.control("GET", "state")["arm"]["webServices"]:
            if service["name"] == name:
                return dict(service)
        raise AssertionError(f"no ARM service {name} in the emulator state")

    def get(self, name: str = WS_NAME) -> dict[str, Any]:
        answer = self.call("GET", resource_id(name))
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()
        return data

    def keys(self, name: str = WS_NAME) -> dict[str, str]:
        answer = self.call("GET", resource_id(name) + "/listKeys")
        assert answer.status_code == 200, answer.text
        data: dict[str, str] = answer.json()
        return data

    def poll(self, async_url: str) -> dict[str, Any]:
        """One GET of an ``Azure-AsyncOperation`` URL exactly as given (api-version included)."""
        assert urlsplit(async_url).query == f"api-version={API_VERSION}", async_url
        answer = self.call("GET", async_url, version=None)
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()
        return data

    def wait(self, async_url: str, limit: int = 20) -> dict[str, Any]:
        for _ in range(limit):
            status = self.poll(async_url)
            if status["status"] != "Provisioning":
                return status
        raise AssertionError(f"operation still Provisioning after {limit} polls")

    def patch(self, body: dict[str, Any], name: str = WS_NAME) -> requests.Response:
        return self.call("PATCH", resource_id(name), json=body)

    def patch_done(self, body: dict[str, Any], name: str = WS_NAME) -> dict[str, Any]:
        answer = self.patch(body, name)
        assert answer.status_code == 200, answer.text
        return self.wait(answer.headers["Azure-AsyncOperation"])


def definition(doc: dict[str, Any]) -> dict[str, Any]:
    """A GET document made into a request body the way ARM §7 says (read-only fields out)."""
    body = copy.deepcopy(doc)
    for key in ("id", "name", "type"):
        body.pop(key, None)
    for key in READ_ONLY:
        body["properties"].pop(key, None)
    return body


def assets_patch(doc: dict[str, Any], uri: str, asset: str = "asset3") -> dict[str, Any]:
    """The minimal PATCH of ARM §7: packageType + the whole assets map with one new uri."""
    assets = copy.deepcopy(doc["properties"]["assets"])
    assets[asset]["locationInfo"]["uri"] = uri
    return {"properties": {"packageType": "Graph", "assets": assets}}


def assert_arm_error(answer: requests.Response, status: int, code: str,
                     detail: str | None = None) -> dict[str, Any]:
    """The ARM envelope with *status*/*code* (and ``details[0].code``); returns ``error``."""
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == JSON_TYPE
    assert answer.headers.get("x-ms-request-id")
    assert answer.headers.get("x-ms-correlation-request-id")
    error: dict[str, Any] = answer.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    if detail is not None:
        assert error["details"][0]["code"] == detail, error
    assert set(error) <= {"code", "message", "target", "details"}
    return error
