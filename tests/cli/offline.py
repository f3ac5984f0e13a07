"""Complete settings pointing at hosts that must never be contacted, and a guard that records any
attempt to send: a test of a local check asserts both its error and that nothing was sent.

A request stops at ``HTTPAdapter.send`` (requests, and the Azure SDKs' transport over it) with
``NetworkReached``, a BaseException so no retry loop or ``except Exception`` swallows it and no
back-off is waited out; the socket guard behind it catches anything that bypasses requests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests.adapters

WORKSPACE = "0123456789abcdef0123456789abcdef"
SVC = "c7d1e3f5a2b44c6d8e0f1a3b5c7d9e2f"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
ACCOUNT = "acct"
MODEL_URL = f"https://{ACCOUNT}.blob.core.windows.net/models/m.ilearner"

# Every setting a command may need, so a refusal can only come from the input under test.
SETTINGS = {
    "AML_RETRAIN_WORKSPACE_ID": WORKSPACE,
    "AML_RETRAIN_WORKSPACE_TOKEN": "workspace-token-not-real",
    "AML_RETRAIN_MANAGEMENT_URL": "https://management.unreachable.invalid",
    "AML_RETRAIN_ARM_URL": "https://arm.unreachable.invalid",
    "AML_RETRAIN_ARM_TOKEN": "arm-token-not-real",
    "AML_RETRAIN_SUBSCRIPTION_ID": SUBSCRIPTION,
    "AML_RETRAIN_STORAGE_CONNECTION_STRING": (
        f"DefaultEndpointsProtocol=https;AccountName={ACCOUNT};"
        "AccountKey=bm90LWEtcmVhbC1rZXk=;EndpointSuffix=core.windows.net"
    ),
    "AML_RETRAIN_TIMEOUT": "2",
}


class Attempts(list[str]):
    """Requests, addresses or sockets something tried to send to."""


class NetworkReached(BaseException):
    """A request was about to leave the process (raised instead of sending it)."""


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[Attempts]:
    """Full settings in the environment; every DNS lookup or connect is recorded and refused."""
    for name, value in SETTINGS.items():
        monkeypatch.setenv(name, value)
    attempts = Attempts()

    def refuse(*args: Any, **_: Any) -> Any:
        attempts.append(repr(args[:2]))
        raise OSError("network use in an offline test")

    def stop(_adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        attempts.append(f"{request.method} {request.url}")
        raise NetworkReached(attempts[-1])

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", stop)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", lambda self, *a: refuse(*a))
    yield attempts
