"""Unit ring: no sockets, no inherited settings, a throwaway HOME."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from aml_retrain.classic.management import ClassicManagementClient

from .fakes import BASE_URL, FakeAdapter, fake_session


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Clear AML_RETRAIN_*/AZURE_* variables, point HOME at tmp, and forbid network access."""
    for name in list(os.environ):
        if name.startswith(("AML_RETRAIN_", "AZURE_")):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))

    def _blocked(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("network access in a unit test")

    monkeypatch.setattr(socket.socket, "connect", _blocked)
    monkeypatch.setattr(socket.socket, "connect_ex", _blocked)
    yield home


@pytest.fixture
def adapter() -> FakeAdapter:
    """A fake transport recording every request."""
    return FakeAdapter()


@pytest.fixture
def client(adapter: FakeAdapter) -> ClassicManagementClient:
    """A ClassicManagementClient wired to the fake transport."""
    return ClassicManagementClient(BASE_URL, WS, TOKEN, session=fake_session(adapter))


WS = "0123456789abcdef0123456789abcdef"
TOKEN = "ws-token-SECRET"
