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
from tests.integration.cli import classic_services, ok_json, run

pytestmark = pytest.mark.integration
EP = "locked01"


@pytest.fixture
def env(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    ids = classic_services()
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


def test_the_first_promotion_rolls_back_to_the_model_it_replaced(env: dict[str, Any]) -> None:
    target = env["target"]
    before = ok_json("classic", "endpoints", "show", target.split(":")[1].split("/")[0], EP)
    first = ok_json("promote", target, "--from-job", env["job"])["entry"]
    assert first["old_model"] and first["old_model"] != first["new_model"]
    back = ok_json("rollback", target, "--reason", "undo the first promotion")
    assert back["entry"]["new_model"] == first["old_model"]
    assert any("replaced" in n for n in back["notices"])
    after = ok_json("classic", "endpoints", "show", target.split(":")[1].split("/")[0], EP)
    assert after["Resources"][0]["Location"]["RelativeLocation"] == \
        before["Resources"][0]["Location"]["RelativeLocation"]


def test_a_fanout_killed_mid_deploy_is_recorded_truly_on_the_re_run(
        env: dict[str, Any], tmp_path: Path) -> None:
    import json
    import signal
    import time

    from aml_retrain.promotion._locks import lock_name

    emulator: Emulator = env["emulator"]
    svc = env["target"].split(":")[1].split("/")[0]
    original = ok_json("classic", "endpoints", "show", svc, EP)["Resources"][0]["Location"]
    manifest = tmp_path / "fanout.json"
    manifest.write_text(json.dumps({"version": 1, "targets": [
        {"name": "one", "target": env["target"], "from_job": env["job"]}]}))
    # The PATCH is held 3 s by the emulator and then applied: we kill the client meanwhile.
    emulator.fault("PATCH", f".*/endpoints/{EP}$", count=1, delay=3)
    child = subprocess.Popen([sys.executable, "-m", "aml_retrain_cli", "fanout", "run",
                              str(manifest)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=dict(os.environ))
    lock = Path(f"{env['ledger']}.locks") / f"{lock_name(env['target'])}.lock"
    deadline = time.monotonic() + 180  # generous: a loaded CI machine is slow, not wrong
    while '"intent"' not in (lock.read_text(encoding="utf-8") if lock.exists() else ""):
        assert time.monotonic() < deadline and child.poll() is None, "no deploy announced"
        time.sleep(0.05)  # poll interval while the child works
    # The intent is written before the PATCH is sent: kill only once the emulator holds it.
    while emulator._call("GET", "faults"):
        assert time.monotonic() < deadline and child.poll() is None, "the PATCH was never sent"
        time.sleep(0.05)  # poll interval until the PATCH arrives
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    while ok_json("classic", "endpoints", "show", svc, EP)["Resources"][0]["Location"] == original:
        assert time.monotonic() < deadline, "the held PATCH never landed"
        time.sleep(0.1)  # poll interval until the emulator applies it
    assert not env["ledger"].exists() or ok_json("ledger", "show", env["target"]) == []

    rerun = ok_json("fanout", "run", str(manifest))
    assert [r["status"] for r in rerun["results"]] == ["promoted"]
    [entry] = ok_json("ledger", "show", env["target"])
    assert entry["old_model"] == original["BaseLocation"] + original["RelativeLocation"]
    assert entry["old_model"] != entry["new_model"]


@pytest.mark.parametrize("where", ["other-port", "look-alike"])
def test_a_bare_model_url_on_another_host_is_refused_before_any_write(
        env: dict[str, Any], where: str) -> None:
    emulator: Emulator = env["emulator"]
    blob = emulator.profile["storage_connection_string"].split("BlobEndpoint=")[1].split(";")[0]
    host = blob.split("//")[1].split("/")[0]
    other = {"other-port": blob.replace(host, "127.0.0.1:9"),
             "look-alike": blob.replace(host, host.split(":")[0] + ".nip.io:" + host.split(":")[1])}
    url = f"{other[where]}/models/seed/census-model.ilearner"
    svc = env["target"].split(":")[1].split("/")[0]
    before = len(emulator.writes())
    for args in (("classic", "endpoints", "set-model", svc, EP, "--model-url", url),
                 ("promote", env["target"], "--model-url", url)):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert where != "other-port" or "not on the blob endpoint of the configured" in result.stderr
    assert len(emulator.writes()) == before
    assert not env["ledger"].exists() or ok_json("ledger", "show") == []


def test_a_blob_ledger_reads_only_new_bytes_and_notices_a_blob_made_anew(emulator: Emulator) -> None:
    # Against Azurite: a ranged read past the end is the service's 416, not the fake's.
    from azure.storage.blob import BlobServiceClient

    conn = emulator.profile["storage_connection_string"]
    name = "reads/ledger.jsonl"
    writer, reader = (BlobLedger(conn, "ledgers", name) for _ in range(2))
    for number in range(4):
        writer.append({"action": "promote", "target": f"arm:rg/ws{number % 2}", "new_model": f"m{number}"})
        assert reader.current(f"arm:rg/ws{number % 2}")["new_model"] == f"m{number}"  # type: ignore[index]
    assert reader.entries() == BlobLedger(conn, "ledgers", name).entries()
    service = BlobServiceClient.from_connection_string(conn)
    service.get_blob_client("ledgers", name).delete_blob()
    BlobLedger(conn, "ledgers", name).append({"action": "promote", "target": "arm:rg/ws0", "new_model": "x"})
    assert [e["new_model"] for e in reader.entries()] == ["x"]  # shorter: 416, read whole
    assert reader.current("arm:rg/ws1") is None and reader.verify().ok
