"""Concurrent requests: consistent state, no 500s, no I/O under the backend lock, cheap health."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
import requests
from azure.storage.blob import BlobServiceClient

from aml_emulator import EmulatorServer
from aml_emulator.azurite import AzuriteProcess
from aml_emulator.classic import backend as classic_backend
from aml_emulator.classic import handlers as classic_handlers
from aml_emulator.classic import scoring
from aml_emulator.classic.training import seed_model

from .conftest import PREDICTIVE_ID, TOKEN, Api
from .load import Target, fan_out, patch_body
from .support import Endpoint

_WAIT = 10.0  # bound on every event wait: a deadlock fails the test instead of hanging it


@pytest.fixture(scope="module")
def models(azurite: AzuriteProcess) -> list[str]:
    """50 distinct model blobs (``container/blob``) in Azurite."""
    container = BlobServiceClient.from_connection_string(
        azurite.connection_string).get_container_client("concurrency")
    if not container.exists():
        container.create_container(public_access="blob")  # read without SAS, like the seed
    data = seed_model().to_bytes()
    names = [f"m/{i:02d}.ilearner" for i in range(50)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: container.upload_blob(n, data, overwrite=True), names))
    return [f"concurrency/{name}" for name in names]


def _target(api: Api) -> Target:
    return Target(api.url, api.ca, TOKEN, api.ws(f"/{PREDICTIVE_ID}"))


def test_200_creates_and_patches_on_different_endpoints(sapi: Api, azurite: AzuriteProcess,
                                                        models: list[str]) -> None:
    names = [f"c-{i:03d}" for i in range(200)]
    base = azurite.blob_endpoint + "/"
    sent = {name: models[i % len(models)] for i, name in enumerate(names)}
    calls: list[tuple[str, str, dict[str, Any] | None]] = []
    for name in names:  # creates and patches interleaved: a PATCH may race its own create
        calls += [("PUT", name, {"Description": name}), ("PATCH", name, patch_body(base, sent[name]))]
    statuses, _ = fan_out(_target(sapi), calls)
    creates, patches = statuses[0::2], statuses[1::2]
    assert set(creates) == {200}
    assert set(patches) <= {200, 404} and 500 not in statuses  # 404: the PATCH beat its PUT
    retried, _ = fan_out(_target(sapi), [c for c, s in zip(calls[1::2], patches, strict=True)
                                         if s == 404])
    assert set(retried) <= {200}
    listed = sapi.call("GET", sapi.ws(f"/{PREDICTIVE_ID}/endpoints")).json()
    assert sorted(ep["Name"] for ep in listed) == sorted([*names, "default"])
    for endpoint in listed:
        if endpoint["Name"] != "default":
            assert endpoint["Resources"][0]["Location"]["RelativeLocation"] == \
                sent[endpoint["Name"]]
    assert len({ep["ApiLocation"] for ep in listed}) == len(listed)  # distinct GUIDs


def test_50_patches_on_one_endpoint_serialise_versions(
        sapi: Api, azurite: AzuriteProcess, models: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert sapi.create("hot").status_code == 200
    first = sapi.get_endpoint("hot")["Version"]
    changes: list[tuple[str, str]] = []
    real = classic_backend.later_than

    def recording(previous: str) -> str:  # called under the backend lock by every change
        stamp: str = real(previous)
        changes.append((previous, stamp))
        return stamp

    monkeypatch.setattr(classic_backend, "later_than", recording)
    base = azurite.blob_endpoint + "/"
    statuses, _ = fan_out(_target(sapi), [("PATCH", "hot", patch_body(base, m)) for m in models])
    assert statuses == [200] * 50
    final = sapi.get_endpoint("hot")
    # one version per change, each strictly later than the one it replaced, in one chain
    assert len(changes) == 50
    assert [previous for previous, _ in changes] == [first] + [s for _, s in changes[:-1]]
    assert all(stamp > previous for previous, stamp in changes)
    assert final["Version"] == changes[-1][1]
    assert final["Resources"][0]["Location"]["RelativeLocation"] in models


@contextmanager
def _blocked(monkeypatch: pytest.MonkeyPatch, target: Any, name: str,
             result: Callable[..., Any]) -> Iterator[threading.Event]:
    """Replace ``target.name`` by a call that waits until released; yields 'entered'."""
    entered, release = threading.Event(), threading.Event()

    def hold(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        assert release.wait(_WAIT), "never released"
        return result(*args, **kwargs)

    monkeypatch.setattr(target, name, hold)
    try:
        yield entered
    finally:
        release.set()


def _meanwhile(api: Api) -> None:
    """Requests that must complete (within 5 s, less than ``_WAIT``) while another request
    waits on storage."""
    def call(method: str, path: str, body: dict[str, Any] | None = None) -> int:
        return requests.request(method, api.url + path, json=body, verify=api.ca, timeout=5,
                                headers={"Authorization": f"Bearer {TOKEN}"}).status_code

    assert call("GET", "/_emulator/health") == 200
    assert call("GET", api.ep("default")) == 200
    assert call("PUT", api.ep("other"), {}) == 200
    assert call("PATCH", api.ep("other"), {"Description": "d"}) == 200
    assert call("GET", api.ws()) == 200


def test_patch_blob_check_does_not_hold_the_lock(api: Api, server: EmulatorServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert api.create("slow").status_code == 200
    with ExitStack() as stack, ThreadPoolExecutor(1) as pool:
        entered = stack.enter_context(_blocked(monkeypatch, classic_handlers, "fetch_model_blob",
                                               lambda _update: b""))
        body = patch_body("http://127.0.0.1:1/devstoreaccount1/", "models/x.ilearner")
        pending = pool.submit(api.call, "PATCH", api.ep("slow"), json=body)
        assert entered.wait(_WAIT)
        _meanwhile(api)
        assert not pending.done()
        stack.close()  # release the blob check
        assert pending.result(_WAIT).status_code == 200
    location = api.get_endpoint("slow")["Resources"][0]["Location"]
    assert location["RelativeLocation"] == "models/x.ilearner"


def test_model_download_does_not_hold_the_lock(sapi: Api, storage_server: EmulatorServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    storage_server.app.models.clear()  # force a download
    rrs = Endpoint.predictive(sapi)
    request = {"Inputs": {"input1": {"ColumnNames": ["age", "education_num", "hours_per_week",
                                                     "capital_gain"], "Values": [[1, 2, 3, 4]]}}}
    with ExitStack() as stack, ThreadPoolExecutor(1) as pool:
        entered = stack.enter_context(_blocked(monkeypatch, scoring, "_download",
                                               scoring._download))
        pending = pool.submit(rrs.execute, request)
        assert entered.wait(_WAIT)
        _meanwhile(sapi)
        assert not pending.done()
        stack.close()
        assert pending.result(_WAIT).status_code == 200


def test_health_answers_while_every_state_lock_is_held(api: Api, server: EmulatorServer) -> None:
    app = server.app
    locks = [app.classic._lock, app.arm._lock, app.jobs._lock, app.config._lock,
             app.control.requests._lock, app.control.faults._lock]
    with ExitStack() as stack:
        for lock in locks:
            stack.enter_context(lock)
        for _ in range(20):
            answer = requests.get(api.url + "/_emulator/health", verify=api.ca, timeout=5)
            assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    assert api.call("GET", "/_emulator/requests", token=None).json() == []
