"""``target show``: the kind's read_state, rendered; exit 2 for a malformed target, no request."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from aml_retrain.promotion.kinds import TargetState
from aml_retrain_cli.main import app

SVC = "b" * 32
MODEL = "https://acct.blob.core.windows.net/models/a/model.ilearner"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    from aml_retrain.promotion import targets
    from aml_retrain_cli import context

    seen: list[Any] = []

    def read_state(target: Any, ctx: Any) -> TargetState:
        seen.append((str(target), ctx))
        return TargetState(target, MODEL, "ab" * 32, {"endpoint": "ep1"}, {"PrimaryKey": "SECRET"})

    monkeypatch.setattr(targets, "read_state", read_state)
    monkeypatch.setattr(context.State, "promotion_context", lambda self, *a: "CTX")
    return seen


def test_target_show_prints_model_and_state_hash_as_json(reads: list[Any]) -> None:
    result = CliRunner().invoke(app, ["-o", "json", "target", "show", f"classic:{SVC}/ep1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == {"target": f"classic:{SVC}/ep1", "model_url": MODEL, "state_hash": "ab" * 32,
                    "detail": {"endpoint": "ep1"}}
    assert reads == [(f"classic:{SVC}/ep1", "CTX")] and "SECRET" not in result.output


def test_target_show_table_names_the_model(reads: list[Any]) -> None:
    result = CliRunner().invoke(app, ["target", "show", "ARM:rg/ws"])
    assert result.exit_code == 0, result.output
    assert "model_url" in result.stdout and "model.ilearner" in result.stdout
    assert reads[0][0] == "arm:rg/ws"


def test_a_malformed_target_is_exit_2_before_any_read(reads: list[Any]) -> None:
    result = CliRunner().invoke(app, ["target", "show", "online:rg/ws"])
    assert result.exit_code == 2 and "accepted forms are" in result.output
    assert reads == []
