"""``aml_retrain.connect``: the library's entry point, a promotion context from settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aml_retrain.config import Settings
from aml_retrain.promotion.context import PromotionContext

__all__ = ["connect"]


def connect(profile: str | Path | None = None, *, operation_timeout: float | None = None,
            **overrides: Any) -> PromotionContext:
    """Resolve settings (``overrides`` > ``AML_RETRAIN_*`` > profile > defaults) into a context.

    ``overrides`` are :meth:`Settings.resolve`'s keywords (``ledger``, ``actor``,
    ``storage_connection_string``, …). Nothing is contacted until the context is used.
    """
    settings = Settings.resolve(profile=profile, **overrides)
    return PromotionContext.from_settings(settings, operation_timeout=operation_timeout)
