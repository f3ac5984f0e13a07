"""Helpers for the BES/RRS tests: call an endpoint's ApiLocation, upload blobs, poll jobs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests
from azure.storage.blob import BlobServiceClient

from aml_emulator.azurite import AzuriteProcess
from aml_emulator.classic.training import census_csv

from .conftest import PREDICTIVE_ID, TRAINING_ID, Api

TERMINAL = {"Finished", "Failed", "Cancelled", 2, 3, 4}
# A dataset whose label follows hours_per_week only: a model trained on it differs from the seed.
RETRAIN_CSV = census_csv(800, seed=7, weights=(0.0, 0.0, 0.12, 0.0), bias=-5.0)


def configure(api: Api, **settings: Any) -> dict[str, Any]:
    answer = api.call("POST", "/_emulator/config", token=None, json=settings)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


@dataclass
class Endpoint:
    """An endpoint's execution API: ``ApiLocation`` + its primary key."""

    api: Api
    location: str
    key: str

    @classmethod
    def of(cls, api: Api, name: str = "default", service: str = TRAINING_ID) -> Endpoint:
        data = api.get_endpoint(name, service)
        return cls(api, data["ApiLocation"], data["PrimaryKey"])

    @classmethod
    def predictive(cls, api: Api, name: str = "default") -> Endpoint:
        return cls.of(api, name, PREDICTIVE_ID)

    def call(self, method: str, suffix: str, *, key: str | None = "", version: str | None = "2.0",
             **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        token = self.key if key == "" else key
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        params = dict(kwargs.pop("params", {}))
        if version is not None:
            params["api-version"] = version
        return requests.request(method, self.location + suffix, headers=headers, params=params,
                                verify=self.api.ca, timeout=30, **kwargs)

    def submit(self, body: dict[str, Any]) -> str:
        answer = self.call("POST", "/jobs", json=body)
        assert answer.status_code == 200, answer.text
        job_id = answer.json()
        assert isinstance(job_id, str) and len(job_id) == 32
        return job_id

    def start(self, job_id: str) -> None:
        answer = self.call("POST", f"/jobs/{job_id}/start")
        assert (answer.status_code, answer.content) == (204, b""), answer.text

    def status(self, job_id: str) -> dict[str, Any]:
        answer = self.call("GET", f"/jobs/{job_id}")
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()
        assert set(data) == {"StatusCode", "Results", "Details"}
        return data

    def wait(self, job_id: str, timeout: float = 30.0) -> dict[str, Any]:
        """Poll (bounded) until the job is terminal."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.status(job_id)
            if status["StatusCode"] in TERMINAL:
                return status
            assert time.monotonic() < deadline, f"job {job_id} still {status['StatusCode']}"
            time.sleep(0.02)  # poll interval

    def run(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        job_id = self.submit(body)
        self.start(job_id)
        return job_id, self.wait(job_id)

    def execute(self, body: dict[str, Any], **params: str) -> requests.Response:
        return self.call("POST", "/execute", json=body, params=params)


def upload(azurite: AzuriteProcess, relative: str, data: bytes) -> dict[str, str]:
    """Upload ``container/blob`` to Azurite; return a connection-string blob reference."""
    container, blob = relative.split("/", 1)
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    client = service.get_container_client(container)
    if not client.exists():
        client.create_container()
    client.upload_blob(blob, data, overwrite=True)
    return {"ConnectionString": azurite.connection_string, "RelativeLocation": relative}


def blob_exists(azurite: AzuriteProcess, relative: str) -> bool:
    container, blob = relative.split("/", 1)
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    return bool(service.get_blob_client(container, blob).exists())


def download(result: dict[str, Any]) -> bytes:
    """GET ``BaseLocation + RelativeLocation + SasBlobToken`` (a BES result), checked 200."""
    answer = requests.get(result["BaseLocation"] + result["RelativeLocation"]
                          + result["SasBlobToken"], timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.content


def training_body(azurite: AzuriteProcess, data: bytes = RETRAIN_CSV,
                  blob: str = "training/census.csv", **parameters: str) -> dict[str, Any]:
    return {"Inputs": {"input1": upload(azurite, blob, data)}, "Outputs": {},
            "GlobalParameters": parameters}
