"""CLI ring fixtures: the management client replaced by an in-memory fake."""

from __future__ import annotations

import pytest

from aml_retrain_cli import context
from tests.cli.test_classic_cli import FakeClient


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    """A FakeClient every command of this invocation uses instead of the real client."""
    client = FakeClient()
    monkeypatch.setattr(context.State, "classic_client", lambda self: client)
    return client
