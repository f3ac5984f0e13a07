"""The package's product surface: connect() builds a context from settings; text targets and URLs work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import aml_retrain
from aml_retrain.promotion.context import ModelRef

PRODUCT = ("promote", "rollback", "make_plan", "apply_plan", "run_fanout", "parse_target",
           "PromotionContext", "connect", "ModelRef", "GateOptions", "read_state")


def test_the_product_is_exported_and_low_level_helpers_are_not() -> None:
    assert set(PRODUCT) <= set(aml_retrain.__all__)
    for helper in ("set_trained_model", "make_read_sas_url", "parse_model_url", "build_model_patch"):
        assert helper not in aml_retrain.__all__ and not hasattr(aml_retrain, helper)


def test_connect_resolves_settings_without_contacting_anything(tmp_path: Path) -> None:
    context = aml_retrain.connect(ledger=str(tmp_path / "ledger.jsonl"), actor="lib-user",
                                  operation_timeout=12.0, env={})
    assert isinstance(context, aml_retrain.PromotionContext)
    assert context.actor == "lib-user" and context.operation_timeout == 12.0
    assert context.ledger is not None and str(context.ledger.location).endswith("ledger.jsonl")
    assert context.clients._built == {}  # built on first use
    context.close()


def test_promote_takes_a_target_string_and_a_model_url(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    from aml_retrain.promotion import promote as promote_mod

    seen: list[Any] = []
    monkeypatch.setattr(promote_mod, "execute", lambda target, _ctx, url, gate, **kw: seen.append(
        (str(target), url, gate.enabled)))
    context = aml_retrain.connect(ledger=str(tmp_path / "ledger.jsonl"), env={})
    url = "https://acct.blob.core.windows.net/models/a/model.ilearner"
    aml_retrain.promote("ARM:rg/ws", context, url)
    assert seen == [("arm:rg/ws", url, False)]
    with pytest.raises(aml_retrain.ValidationError, match="exactly one"):
        aml_retrain.promote("arm:rg/ws", context, ModelRef())
