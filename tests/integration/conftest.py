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
def emulator(
    emulator_session: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Emulator:
    """The session's emulator, reset and fast, with AML_RETRAIN_* pointing at it."""
    emulator_session.reset()
    # Fast jobs and immediate model propagation: tests wait on states, never on time.
    emulator_session.config(bes_job_seconds=0.2, propagation_seconds=0)
    monkeypatch.setenv("AML_RETRAIN_PROFILE", str(emulator_session.profile_path))
    monkeypatch.setenv("AML_RETRAIN_BACKUP_DIR", str(tmp_path / "backups"))
    monkeypatch.setenv("AML_RETRAIN_JOURNAL", str(tmp_path / "jobs.jsonl"))
    # The profile's own ledger is the session's state folder: each test gets a fresh one instead.
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    monkeypatch.setenv("AML_RETRAIN_POLL_INTERVAL", "0.05")
    return emulator_session
