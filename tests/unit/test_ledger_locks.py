"""One promotion per target at a time, and a torn ledger refused before anything is deployed."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.errors import BusyError, ValidationError
from aml_retrain.promotion.fanout import RunLedger
from aml_retrain.promotion.ledger import LocalLedger
from aml_retrain.promotion.targets import Clients, parse_target

from .fakes import FakeAdapter
from .promotion_fakes import (
    TARGET,
    call_promote,
    call_rollback,
    classic_clients,
    local_ledger,
    model,
    stub_storage,
)


@pytest.fixture
def clients(client: ClassicManagementClient, tmp_path: Path) -> Clients:
    return classic_clients(client, tmp_path)


@pytest.fixture
def ledger(tmp_path: Path) -> LocalLedger:
    return local_ledger(tmp_path)


def entry(old: str | None, new: str, target: str = TARGET) -> dict[str, Any]:
    return {"actor": "t", "action": "promote", "target": target, "old_model": old, "new_model": new}


def test_a_held_target_refuses_promote_and_rollback_before_any_request(
        clients: Clients, ledger: LocalLedger, adapter: FakeAdapter,
        monkeypatch: pytest.MonkeyPatch) -> None:
    stub_storage(monkeypatch, adapter)
    target = parse_target(TARGET)
    with ledger.lock(TARGET):
        with pytest.raises(BusyError, match=r"another promotion or rollback of .* is in progress "
                                              r"\(pid \d+ on .* since .*\); nothing was changed"):
            call_promote(target, clients, ledger, actor="bob", model_url=model("b"))
        with pytest.raises(BusyError):
            call_rollback(target, clients, ledger, actor="bob")
    assert adapter.requests == [] and ledger.entries() == []
    assert BusyError("x").exit_code == 6


def test_a_dry_run_needs_no_lock(ledger: LocalLedger) -> None:
    from aml_retrain.promotion.promote import held

    with ledger.lock(TARGET), held(ledger, TARGET, dry_run=True):
        pass  # a dry run changes nothing, so it may look while another promotion runs


def test_locks_are_per_target_and_released(ledger: LocalLedger) -> None:
    with ledger.lock(TARGET), ledger.lock("arm:rg/other"):
        pass
    with ledger.lock(TARGET):  # released on exit
        pass


def test_only_one_of_two_racing_holders_gets_the_target(ledger: LocalLedger) -> None:
    inside, release = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def first() -> None:
        with ledger.lock(TARGET):
            inside.set()
            release.wait(10)
        outcomes.append("first done")

    worker = threading.Thread(target=first)
    worker.start()
    assert inside.wait(10)
    try:
        with pytest.raises(BusyError), ledger.lock(TARGET):
            outcomes.append("second got it")
    finally:
        release.set()
        worker.join(10)
    assert outcomes == ["first done"]


@pytest.mark.parametrize("tail", [b'{"seq": 2, "hash": "ab"}', b'{"seq": 2, "hash": "ab"',
                                  b'{"partial": tru'])
def test_a_torn_or_unterminated_tail_is_refused_before_deploy(
        tmp_path: Path, clients: Clients, adapter: FakeAdapter, tail: bytes) -> None:
    ledger = LocalLedger(tmp_path / "ledger.jsonl")
    ledger.append(entry(None, "https://a.blob.core.windows.net/m/a.ilearner"))
    with ledger.path.open("ab") as handle:
        handle.write(tail)
    with pytest.raises(ValidationError, match="ledger repair"):
        call_promote(parse_target(TARGET), clients, ledger, actor="bob", model_url=model("b"))
    assert adapter.requests == []


def test_run_ledger_rereads_a_target_another_process_promoted(tmp_path: Path) -> None:
    ledger = LocalLedger(tmp_path / "ledger.jsonl")
    ledger.append(entry(None, "https://a.blob.core.windows.net/m/a.ilearner"))
    run = RunLedger(ledger)
    assert run.current(TARGET)["new_model"].endswith("/a.ilearner")
    # Another process appends after the run's snapshot.
    LocalLedger(ledger.path).append(entry("https://a.blob.core.windows.net/m/a.ilearner",
                                          "https://a.blob.core.windows.net/m/b.ilearner"))
    assert run.current(TARGET)["new_model"].endswith("/a.ilearner")  # the stale snapshot
    with run.lock(TARGET):
        assert run.current(TARGET)["new_model"].endswith("/b.ilearner")
    assert ledger.last_seq() == 2


def test_lock_files_hold_no_secret_and_live_beside_the_ledger(ledger: LocalLedger) -> None:
    with ledger.lock(TARGET):
        [lock] = list(Path(f"{ledger.path}.locks").iterdir())
        holder = json.loads(lock.read_text(encoding="utf-8"))
        assert set(holder) == {"pid", "host", "since"}
    assert lock.read_text(encoding="utf-8") == ""


def test_lock_notes_work_without_pread_and_pwrite(
    ledger: LocalLedger, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    # Windows' os module has neither (Python documents both as Unix only).
    monkeypatch.delattr(os, "pread", raising=False)
    monkeypatch.delattr(os, "pwrite", raising=False)
    with ledger.lock(TARGET):
        [lock] = list(Path(f"{ledger.path}.locks").iterdir())
        assert set(json.loads(lock.read_text(encoding="utf-8"))) == {"pid", "host", "since"}
    assert lock.read_text(encoding="utf-8") == ""


def _two_entries(path: Path) -> LocalLedger:
    ledger = LocalLedger(path)
    ledger.append(entry(None, "https://a.blob.core.windows.net/m/a.ilearner"))
    ledger.append(entry("https://a.blob.core.windows.net/m/a.ilearner",
                        "https://a.blob.core.windows.net/m/b.ilearner"))
    return ledger


def test_repair_cuts_a_torn_tail_after_a_backup(tmp_path: Path) -> None:
    ledger = _two_entries(tmp_path / "ledger.jsonl")
    good = ledger.path.read_bytes()
    ledger.path.write_bytes(good + b'{"seq": 3, "tar')
    result = ledger.repair()
    assert (result["action"], result["removed_bytes"]) == ("truncated", 15)
    assert ledger.path.read_bytes() == good and result["verify"]["ok"]
    assert Path(result["backup"]).read_bytes() == good + b'{"seq": 3, "tar'
    ledger.append(entry(None, "https://a.blob.core.windows.net/m/c.ilearner"))
    assert ledger.verify().ok and ledger.last_seq() == 3


def test_repair_completes_a_sealed_entry_that_lost_its_newline(tmp_path: Path) -> None:
    ledger = _two_entries(tmp_path / "ledger.jsonl")
    whole = ledger.path.read_bytes()
    ledger.path.write_bytes(whole[:-1])
    result = ledger.repair()
    assert result["action"] == "completed" and ledger.path.read_bytes() == whole
    assert result["verify"] == {"ok": True, "count": 2, "problems": []}


def test_repair_of_a_sound_ledger_changes_nothing(tmp_path: Path) -> None:
    ledger = _two_entries(tmp_path / "ledger.jsonl")
    before = ledger.path.read_bytes()
    assert ledger.repair()["action"] == "none" and ledger.path.read_bytes() == before


def test_the_journal_starts_a_new_line_after_a_torn_one(tmp_path: Path) -> None:
    from aml_retrain.classic.journal import JobJournal, JournalEntry

    journal = JobJournal(tmp_path / "jobs.jsonl")
    journal.path.write_text('{"job_id": "j0", "web_service_id": "a", "endp', encoding="utf-8")
    journal.record(JournalEntry(job_id="j1", web_service_id="abc", endpoint="default",
                                api_location="https://x/y", workspace_id="ws", submitted_at="t"))
    assert journal.get("j1").web_service_id == "abc"


def _serve_failed_readback(adapter: FakeAdapter, read_back: str | None,
                           patch_status: int = 200) -> None:
    """read_state GET (a), service GET, PATCH (accepted or refused), read-back fails, re-read."""
    import requests

    from .promotion_fakes import EP, SVC, WS, endpoint_obj

    adapter.add("GET", EP, json=endpoint_obj("a"))
    adapter.add("GET", f"/workspaces/{WS}/webservices/{SVC}",
                json={"Id": SVC, "DefaultEndpointName": "default"})
    adapter.add("PATCH", EP, status=patch_status,
                json=None if patch_status < 400 else {"error": {"code": "BadArgument",
                                                                "message": "no"}})
    if patch_status < 400:
        adapter.add("GET", EP, exc=requests.ConnectionError("connection reset by peer"))
    if read_back is None:
        adapter.add("GET", EP, exc=requests.ConnectionError("connection reset by peer"))
    else:
        adapter.add("GET", EP, json=endpoint_obj(read_back))


@pytest.mark.parametrize(("read_back", "patch_status", "said"), [
    ("b", 200, "applied: "),
    ("a", 200, "unknown — "),  # accepted, then the read-back failed: it may still land
    ("a", 400, "not applied: "),  # the PATCH itself was refused
    ("c", 200, "unknown — "), (None, 200, "unknown — "),
])
def test_a_failed_write_is_reported_from_a_re_read(
        clients: Clients, ledger: LocalLedger, adapter: FakeAdapter,
        monkeypatch: pytest.MonkeyPatch, read_back: str | None, patch_status: int,
        said: str) -> None:
    from aml_retrain.errors import AmlRetrainError

    stub_storage(monkeypatch, adapter)
    _serve_failed_readback(adapter, read_back, patch_status)
    with pytest.raises(AmlRetrainError) as caught:
        call_promote(parse_target(TARGET), clients, ledger, actor="bob", model_url=model("b"))
    assert said in str(caught.value)
    assert caught.value.exit_code in (1, 2)  # the failure's own code
    assert ledger.entries() == []


def test_a_crashed_deploy_is_recorded_with_the_model_it_really_replaced(
        clients: Clients, ledger: LocalLedger, adapter: FakeAdapter,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from aml_retrain.promotion._locks import lock_name

    from .promotion_fakes import serve_read

    stub_storage(monkeypatch, adapter)
    # A run announced a -> b, deployed, and was killed before its ledger entry (kill -9).
    folder = Path(f"{ledger.path}.locks")
    folder.mkdir(parents=True)
    (folder / f"{lock_name(TARGET)}.lock").write_text(json.dumps(
        {"pid": 1, "host": "agent", "since": "2026-12-03T00:00:00+00:00",
         "intent": {"old_model": model("a"), "new_model": model("b")}}), encoding="utf-8")
    serve_read(adapter, "b")
    result = call_promote(parse_target(TARGET), clients, ledger, actor="bob", model_url=model("b"))
    [recorded] = ledger.entries()
    assert (recorded["old_model"], recorded["new_model"]) == (model("a"), model("b"))
    assert result.entry == recorded and [m for m, _ in adapter.calls()] == ["GET"]
    assert (folder / f"{lock_name(TARGET)}.lock").read_text(encoding="utf-8") == ""
