"""Helpers for the Azure ML v2 online tests: an ARM caller on W, LRO polling, scoring."""

from __future__ import annotations

import time
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests

from aml_emulator.server import load_seed

from .arm_support import ArmApi

SEED = load_seed()["mlv2"]["workspaces"][0]
SUB: str = SEED["subscriptionId"]
RG: str = SEED["resourceGroup"]
WS: str = SEED["name"]
LOCATION: str = SEED["location"]
API_VERSION = "2025-12-01"
W = (f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/"
     f"workspaces/{WS}")
ENDPOINT = "census-online"
MODEL_ID = f"{W}/models/census-model/versions/1"
FEATURES = ["age", "education_num", "hours_per_week", "capital_gain"]
ROWS = [[50, 16, 60, 10000], [20, 5, 20, 0], [39, 13, 40, 0], [62, 9, 45, 2000]]


def ep_path(name: str = ENDPOINT) -> str:
    return f"{W}/onlineEndpoints/{name}"


def dep_path(name: str, endpoint: str = ENDPOINT) -> str:
    return f"{ep_path(endpoint)}/deployments/{name}"


def endpoint_body(traffic: dict[str, int] | None = None, mirror: dict[str, int] | None = None,
                  auth: str = "Key", **properties: Any) -> dict[str, Any]:
    props: dict[str, Any] = {"authMode": auth, **properties}
    if traffic is not None:
        props["traffic"] = traffic
    if mirror is not None:
        props["mirrorTraffic"] = mirror
    return {"location": LOCATION, "tags": {"team": "ml"}, "properties": props}


def deployment_body(model: str = MODEL_ID, capacity: int = 1, **properties: Any) -> dict[str, Any]:
    return {"location": LOCATION, "sku": {"name": "Default", "capacity": capacity},
            "properties": {"endpointComputeType": "Managed", "model": model,
                           "instanceType": "Standard_DS3_v2", **properties}}


def score_body(rows: list[list[Any]] = ROWS) -> dict[str, Any]:
    return {"input_data": {"columns": FEATURES, "index": list(range(len(rows))), "data": rows}}


class OnlineApi(ArmApi):
    """An :class:`ArmApi` on api-version 2025-12-01 (URLs from answers are used as given)."""

    api_version: ClassVar[str] = API_VERSION

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if path.startswith("https://"):
            kwargs.setdefault("version", None)  # a nextLink or LRO URL carries its own
        return super().call(method, path, **kwargs)

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        answer = self.call(method, path, **kwargs)
        assert answer.status_code == status, answer.text
        return answer.json() if answer.content else None

    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = self.control("GET", "state")["mlv2"]["workspaces"][0]
        return data

    def stored(self, endpoint: str = ENDPOINT) -> dict[str, Any]:
        return next(ep for ep in self.state()["endpoints"] if ep["name"] == endpoint)

    def wait(self, url: str, limit: int = 20) -> dict[str, Any]:
        """Poll an Azure-AsyncOperation URL (as given) until it leaves InProgress."""
        assert urlsplit(url).query == f"api-version={API_VERSION}", url
        for _ in range(limit):
            answer = self.call("GET", url)
            assert answer.status_code == 200, answer.text
            status: dict[str, Any] = answer.json()
            if status["status"] != "InProgress":
                return status
        raise AssertionError(f"operation still InProgress after {limit} polls")

    def follow(self, answer: requests.Response, limit: int = 20) -> requests.Response:
        """Poll a 202's Location until it stops answering 202; return the last answer."""
        assert answer.status_code == 202, answer.text
        url = answer.headers["Location"]
        for _ in range(limit):
            result = self.call("GET", url)
            if result.status_code != 202:
                return result
            url = result.headers["Location"]
        raise AssertionError(f"Location still 202 after {limit} polls")

    def put_done(self, path: str, body: dict[str, Any], status: int | None = None) -> Any:
        """PUT, follow its Azure-AsyncOperation to Succeeded, GET the original URI."""
        answer = self.call("PUT", path, json=body)
        assert answer.status_code in ((status,) if status else (200, 201)), answer.text
        assert self.wait(answer.headers["Azure-AsyncOperation"])["status"] == "Succeeded"
        return self.ok("GET", path)

    def settle_traffic(self, endpoint: str = ENDPOINT) -> dict[str, Any]:
        """Read the endpoint until the lagging reads are used up (bounded)."""
        for _ in range(10):
            doc: dict[str, Any] = self.ok("GET", ep_path(endpoint))
            if self.stored(endpoint)["traffic"] == doc["properties"]["traffic"]:
                return doc
        raise AssertionError("traffic never converged")

    def keys(self, endpoint: str = ENDPOINT) -> dict[str, str]:
        data: dict[str, str] = self.ok("POST", ep_path(endpoint) + "/listKeys")
        return data

    def score(self, body: Any = None, *, key: str | None = None, endpoint: str = ENDPOINT,
              **headers: str) -> requests.Response:
        uri = self.ok("GET", ep_path(endpoint))["properties"]["scoringUri"]
        bearer = key if key is not None else self.keys(endpoint)["primaryKey"]
        all_headers = {"Authorization": f"Bearer {bearer}", **headers}
        return requests.post(uri, json=score_body() if body is None else body,
                             headers=all_headers, verify=self.ca, timeout=30)


def add_deployment(online: OnlineApi, name: str = "green", **kwargs: Any) -> dict[str, Any]:
    doc: dict[str, Any] = online.put_done(dep_path(name), deployment_body(**kwargs), 201)
    assert doc["properties"]["provisioningState"] == "Succeeded"
    return doc


def set_traffic(online: OnlineApi, traffic: dict[str, int],
                mirror: dict[str, int] | None = None) -> dict[str, Any]:
    online.put_done(ep_path(), endpoint_body(traffic, mirror), 200)
    return online.settle_traffic()


def assert_ml_error(answer: requests.Response, status: int, code: str,
                    fragment: str = "") -> dict[str, Any]:
    """D:ErrorResponse with *status*/*code*, one-line message containing *fragment*."""
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.headers.get("x-ms-request-id")
    error: dict[str, Any] = answer.json()["error"]
    assert error["code"] == code, error
    assert error["message"] and "\n" not in error["message"]
    assert fragment in error["message"], error["message"]
    assert set(error) <= {"code", "message", "target", "details"}
    return error


def wait_job(online: OnlineApi, name: str, timeout: float = 60.0) -> list[str]:
    """GET the job until terminal (bounded); the statuses seen, in order."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        status = online.ok("GET", f"{W}/jobs/{name}")["properties"]["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in ("Completed", "Failed", "Canceled"):
            return seen
        assert time.monotonic() < deadline, f"job {name} still {status}"
        time.sleep(0.02)  # poll interval
