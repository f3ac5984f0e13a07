"""Shared fixtures: a clean environment for every test (no AML_RETRAIN_*/AZURE_*, temp HOME)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Remove settings leaking from the developer's shell; give each test its own HOME."""
    for name in list(os.environ):
        if name.startswith(("AML_RETRAIN_", "AZURE_", "TF_BUILD")):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home
