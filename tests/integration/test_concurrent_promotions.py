"""Two promotions of one target at once: one waits for nothing and is refused (exit 6), untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.errors import BusyError
from aml_retrain.promotion.ledger import BlobLedger, LocalLedger
from tests.emulator_support import Emulator, census_data
from tests.integration.cli import ok_json, run

pytestmark = pytest.mark.integration
EP = "locked01"


@pytest.fixture
def env(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    listed = ok_json("classic", "services", "list")
    ids = {k: next(s["Id"] for s in listed if f"[{k} Exp.]" in s["Name"])
           for k in ("Training", "Predictive")}
    ok_json("classic", "endpoints", "create", ids["Predictive"], EP)
    data = census_data(tmp_path / "data")
    job = ok_json("classic", "retrain", ids["Training"], "--data", str(data["census-2025"]))
    return {"target": f"classic:{ids['Predictive']}/{EP}", "job": job["job_id"],
            "ledger": tmp_path / "ledger.jsonl", "emulator": emulator}


def test_a_promotion_while_another_holds_the_target_exits_6_and_sends_nothing(
        env: dict[str, Any]) -> None:
    emulator: Emulator = env["emulator"]
    with LocalLedger(env["ledger"]).lock(env["target"]):
        before = len(emulator.writes())
        result = run("promote", env["target"], "--from-job", env["job"])
        assert result.exit_code == 6, result.output
        assert "in progress" in result.stderr and "nothing was changed" in result.stderr
        assert len(emulator.writes()) == before
        rollback = run("rollback", env["target"])
        assert rollback.exit_code == 6, rollback.output
    assert ok_json("promote", env["target"], "--from-job", env["job"])["entry"]["seq"] == 1


def test_racing_promotions_leave_a_chained_history(env: dict[str, Any]) -> None:
    # Separate processes, as two pipeline runs would be (the in-process runner is not thread-safe).
    command = [sys.executable, "-m", "aml_retrain_cli", "promote", env["target"],
               "--from-job", env["job"]]
    racers = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=dict(os.environ)) for _ in range(3)]
    codes = [racer.wait(120) for racer in racers]
    assert 0 in codes and set(codes) <= {0, 6}, codes
    entries = ok_json("ledger", "show", env["target"])
    assert len(entries) == 1  # the others were refused or found it already current
    assert ok_json("ledger", "verify")["ok"] is True


def test_blob_ledger_lock_is_a_lease(emulator: Emulator) -> None:
    conn = emulator.profile["storage_connection_string"]
    first, second = (BlobLedger(conn, "ledgers", "locks/ledger.jsonl") for _ in range(2))
    with first.lock("arm:rg/ws"):
        with pytest.raises(BusyError), second.lock("arm:rg/ws"):
            pass
        with second.lock("arm:rg/other"):
            pass
    with second.lock("arm:rg/ws"):  # released
        pass
