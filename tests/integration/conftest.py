"""Integration ring: the real emulator and Azurite processes, reset before every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulator_support import Emulator, running_emulator


@pytest.fixture(scope="session")
def emulator_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    yield from running_emulator(tmp_path_factory.mktemp("emulator"))


@pytest.fixture
def emulator(emulator_session: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Emulator:
    """The session's emulator, reset, with AML_RETRAIN_PROFILE pointing at it."""
    emulator_session.reset()
    monkeypatch.setenv("AML_RETRAIN_PROFILE", str(emulator_session.profile_path))
    monkeypatch.setenv("AML_RETRAIN_BACKUP_DIR", str(tmp_path / "backups"))
    return emulator_session
