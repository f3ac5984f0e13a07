"""Fixtures: a real HTTPS emulator per module, a real Azurite per session (skipped if absent)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from aml_emulator import EmulatorServer
from aml_emulator.azurite import AzuriteError, AzuriteProcess, find_azurite, start_azurite
from aml_emulator.server import load_seed
from aml_emulator.storage import upload_seed_model

from .arm_support import ArmApi
from .online_support import OnlineApi

SEED = load_seed()
WS = SEED["workspaces"][0]
WS_ID: str = WS["Id"]
TOKEN: str = WS["AuthorizationToken"]
TRAINING_ID: str = WS["WebServices"][0]["Id"]
PREDICTIVE_ID: str = WS["WebServices"][1]["Id"]
MODEL_RESOURCE = "Census Model [trained model]"


@dataclass
class Api:
    """A thin caller of the emulator: TLS verified with the test CA, workspace token by default."""

    url: str
    ca: str

    def call(self, method: str, path: str, *, token: str | None = TOKEN,
             **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.url + path, headers=headers, verify=self.ca,
                                timeout=15, **kwargs)

    def ws(self, suffix: str = "") -> str:
        return f"/workspaces/{WS_ID}/webservices{suffix}"

    def ep(self, name: str, service: str = PREDICTIVE_ID) -> str:
        return f"/workspaces/{WS_ID}/webservices/{service}/endpoints/{name}"

    def create(self, name: str, service: str = PREDICTIVE_ID, **body: Any) -> requests.Response:
        return self.call("PUT", self.ep(name, service), json=body or {"Description": "test"})

    def get_endpoint(self, name: str, service: str = PREDICTIVE_ID) -> dict[str, Any]:
        answer = self.call("GET", self.ep(name, service))
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()
        return data


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    with EmulatorServer(tmp_path_factory.mktemp("emulator-state")) as running:
        yield running


@pytest.fixture
def api(server: EmulatorServer) -> Api:
    """Each test starts from the seed fixture: reset through the control plane."""
    client = Api(server.url, str(server.ca_path))
    answer = client.call("POST", "/_emulator/reset", token=None)
    assert answer.status_code == 200
    return client


@pytest.fixture(scope="session")
def azurite() -> Iterator[AzuriteProcess]:
    try:
        find_azurite()
    except AzuriteError as exc:
        pytest.skip(f"Azurite is not installed (run `npm ci` in the repo): {exc}")
    process = start_azurite()
    yield process
    process.stop()


def assert_error(answer: requests.Response, status: int, code: str) -> dict[str, Any]:
    """The classic envelope with *status* and *code*; returns the ``error`` object."""
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.headers.get("x-ms-request-id")
    error: dict[str, Any] = answer.json()["error"]
    assert set(error) == {"code", "message"}
    assert error["code"] == code, error
    assert error["message"]
    return error


@pytest.fixture(scope="module")
def storage_server(tmp_path_factory: pytest.TempPathFactory,
                   azurite: AzuriteProcess) -> Iterator[EmulatorServer]:
    """An emulator whose default storage is the real Azurite, holding the trained seed model."""
    upload_seed_model(azurite.connection_string)
    with EmulatorServer(tmp_path_factory.mktemp("emulator-storage-state"),
                        storage_connection_string=azurite.connection_string) as running:
        yield running


@pytest.fixture
def sapi(storage_server: EmulatorServer) -> Api:
    """Like ``api``, against the emulator with storage (reset: seed state, default settings)."""
    client = Api(storage_server.url, str(storage_server.ca_path))
    assert client.call("POST", "/_emulator/reset", token=None).status_code == 200
    return client


def assert_exec_error(answer: requests.Response, status: int, error_class: str,
                      code: str) -> str:
    """The execution envelope (class + ``details[0].code``); returns the detail message."""
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    error: dict[str, Any] = answer.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert (error["code"], error["details"][0]["code"]) == (error_class, code), error
    message: str = error["details"][0]["message"]
    assert message and error["message"]
    return message


@pytest.fixture
def arm(server: EmulatorServer) -> ArmApi:
    """An ARM caller on the emulator without storage, reset."""
    client = ArmApi(server.url, str(server.ca_path), server.app.arm.token)
    client.control("POST", "reset")
    return client


@pytest.fixture
def sarm(storage_server: EmulatorServer) -> ArmApi:
    """Like ``arm``, on the emulator whose storage is Azurite (the seed model is readable)."""
    client = ArmApi(storage_server.url, str(storage_server.ca_path),
                    storage_server.app.arm.token)
    client.control("POST", "reset")
    return client


@pytest.fixture
def online(server: EmulatorServer) -> OnlineApi:
    """An Azure ML v2 caller (ARM token, api-version 2025-12-01) on the emulator, reset."""
    client = OnlineApi(server.url, str(server.ca_path), server.app.arm.token)
    client.control("POST", "reset")
    return client


@pytest.fixture
def sonline(storage_server: EmulatorServer) -> OnlineApi:
    """Like ``online``, on the emulator whose storage is Azurite (jobs can read their input)."""
    client = OnlineApi(storage_server.url, str(storage_server.ca_path),
                       storage_server.app.arm.token)
    client.control("POST", "reset")
    return client
