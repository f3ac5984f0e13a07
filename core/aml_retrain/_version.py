"""The installed distribution's version, without importing anything heavy."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("aml-retrain")
except PackageNotFoundError:  # running from a source checkout
    __version__ = "0.0.0"
