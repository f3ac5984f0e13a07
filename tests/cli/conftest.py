"""CLI ring fixtures: the management client replaced by an in-memory fake."""

from __future__ import annotations

import pytest

from aml_retrain_cli import context
from tests.cli.test_classic_cli import FakeClient


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    """A FakeClient every command of this invocation uses instead of the real client."""
    client = FakeClient()
    def build(self: context.State, *, endpoint_key: bool = False) -> FakeClient:
        client.built_with_endpoint_key.append(endpoint_key)
        return client

    monkeypatch.setattr(context.State, "classic_client", build)
    return client
