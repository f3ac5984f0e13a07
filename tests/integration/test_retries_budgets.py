"""Retries and budgets against the emulator and Azurite (issue 12, items 8, 10, 11 and 12).

Faults come from the emulator's control plane; times are measured with a monotonic clock and
compared with generous bounds (the figures before the fix were 45 s and 80-86 s).
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import pytest

from tests.emulator_support import Emulator, census_data
from tests.integration.cli import ok_json, run

pytestmark = pytest.mark.integration
EP = "retry01"
RG, WS = "aml-retrain-demo", "census-model-ws"


def _ids() -> dict[str, str]:
    listed = ok_json("classic", "services", "list")
    return {k: next(s["Id"] for s in listed if f"[{k} Exp.]" in s["Name"])
            for k in ("Training", "Predictive")}


@pytest.fixture
def env(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    ids = _ids()
    ok_json("classic", "endpoints", "create", ids["Predictive"], EP)
    data = census_data(tmp_path / "data")
    job = ok_json("classic", "retrain", ids["Training"], "--data", str(data["census-2025"]))
    return {"target": f"classic:{ids['Predictive']}/{EP}", "job": job["job_id"], "ids": ids,
            "data": data}


def _writes(emulator: Emulator, method: str, suffix: str) -> list[dict[str, Any]]:
    return [w for w in emulator.writes() if w["method"] == method and w["path"].endswith(suffix)]


@pytest.mark.parametrize("status", [429, 503])
def test_one_throttled_patch_does_not_fail_the_promotion(
        emulator: Emulator, env: dict[str, Any], status: int) -> None:
    emulator.fault("PATCH", f"/endpoints/{EP}$", count=1, status=status, retry_after=1)
    before = len(_writes(emulator, "PATCH", f"/endpoints/{EP}"))
    entry = ok_json("promote", env["target"], "--from-job", env["job"])["entry"]
    assert entry["seq"] == 1 and entry["new_model"] != entry["old_model"]
    assert len(_writes(emulator, "PATCH", f"/endpoints/{EP}")) == before + 2
    assert ok_json("ledger", "verify")["ok"] is True


def test_a_throttled_job_submit_is_sent_again_a_bare_503_is_not(
        emulator: Emulator, env: dict[str, Any]) -> None:
    training, data = env["ids"]["Training"], str(env["data"]["census-2026"])
    emulator.fault("POST", r"/jobs$", count=1, status=429, retry_after=1)
    before = len(_writes(emulator, "POST", "/jobs"))
    assert ok_json("classic", "retrain", training, "--data", data)["job_id"]
    assert len(_writes(emulator, "POST", "/jobs")) == before + 2
    # A 503 without a throttling code may have created the job: it is reported, not re-sent.
    emulator.fault("POST", r"/jobs$", count=1, status=503)
    result = run("classic", "retrain", training, "--data", data)
    assert result.exit_code == 1, result.output
    assert len(_writes(emulator, "POST", "/jobs")) == before + 3
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_retried_read_timeout_exits_4_not_unreachable(
        emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AML_RETRAIN_TIMEOUT", "0.5")
    emulator.fault("GET", r"/webservices$", count=4, delay=2)  # the first try and 3 retries
    result = run("classic", "services", "list")
    assert result.exit_code == 4, result.output
    assert "no answer in time" in result.stderr and "management URL" not in result.stderr


def test_an_arm_stall_is_cut_by_aml_retrain_timeout(
        emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: azure-core's 300 s read timeout waited the whole stall out (45 s with TIMEOUT=3).
    monkeypatch.setenv("AML_RETRAIN_TIMEOUT", "1")
    emulator.fault("GET", rf"/webServices/{WS}$", count=1, delay=12)
    start = time.monotonic()
    assert ok_json("webservice", "show", RG, WS)["name"] == WS  # the retry is answered
    assert time.monotonic() - start < 8


def test_the_arm_write_budget_is_the_timeout_option(
        emulator: Emulator, env: dict[str, Any]) -> None:
    emulator.config(arm_polls_before_done=1000)
    start = time.monotonic()
    result = run("webservice", "set-model", RG, WS, "--from-job", env["job"], "--timeout", "1")
    assert result.exit_code == 4, result.output
    assert "--timeout" in result.stderr and "PATCH" in result.stderr
    assert time.monotonic() - start < 20


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def dead_storage(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """A connection string for the emulator's account, on a port where nothing listens."""
    real = str(emulator.profile["storage_connection_string"])
    parts = dict(p.split("=", 1) for p in real.split(";") if p)
    endpoint = f"http://127.0.0.1:{_closed_port()}/{parts['AccountName']}"
    dead = f"{real.rstrip(';')};".replace(parts["BlobEndpoint"], endpoint)
    monkeypatch.setenv("AML_RETRAIN_STORAGE_CONNECTION_STRING", dead)
    return dead


def _fails_fast(*args: str, expect: str = "could not reach blob storage") -> Any:
    start = time.monotonic()
    result = run(*args)
    seconds = time.monotonic() - start
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expect in lines[0], result.stderr
    assert "AccountKey" not in result.output
    assert seconds < 12, seconds  # before: 80-86 s of SDK retries
    return result


def test_unreachable_storage_fails_fast_in_upload_and_the_blob_ledger(
        dead_storage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    _fails_fast("storage", "upload", str(data), "--container", "data")
    monkeypatch.setenv("AML_RETRAIN_LEDGER", "az://ledgers/retry/ledger.jsonl")
    _fails_fast("ledger", "verify")


def test_unreachable_storage_fails_a_promotion_fast_and_records_nothing(
        emulator: Emulator, env: dict[str, Any], dead_storage: str) -> None:
    # Our fingerprint read gives up fast (an audit gap is not fatal by design); the service
    # cannot read the blob either, so the PATCH fails and the re-read says "not applied".
    endpoint = dict(p.split("=", 1) for p in dead_storage.split(";") if p)["BlobEndpoint"]
    _fails_fast("promote", env["target"], "--model-url",
                f"{endpoint}/models/seed/census-model.ilearner", expect="not applied")
    assert ok_json("ledger", "show", env["target"]) == []
