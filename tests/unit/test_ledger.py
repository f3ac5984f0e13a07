"""Promotion ledger: hash chain, tamper detection, queries, secret refusal, concurrent appends."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import random
import stat
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

from aml_retrain.config import Settings
from aml_retrain.errors import ConfigError, ConflictError, ValidationError, VerificationError
from aml_retrain.promotion.ledger import (
    BlobLedger,
    LocalLedger,
    canonical_json,
    entry_hash,
    model_fingerprint,
    open_ledger,
)

T1 = "classic:" + "a" * 32 + "/ep1"
T2 = "arm:rg/svc"
MODEL = "https://acct.blob.core.windows.net/models/{}.ilearner"
CONN = ("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=QUNDVEtFWQ==;"
        "EndpointSuffix=core.windows.net")
FIXED = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def entry(target: str = T1, new: str = "m1", old: str | None = None, action: str = "promote",
          **extra: Any) -> dict[str, Any]:
    return {
        "action": action, "target": target, "actor": "alice@contoso.com",
        "new_model": MODEL.format(new), "old_model": MODEL.format(old) if old else None,
        "blob": {"size": 3, "etag": '"0x1"', "sha256": "ab" * 32}, "job_id": None,
        "metrics": {"kind": "classification", "values": {"AUC": 0.8}}, "gate": None,
        "plan_hash": None, "reason": "retrained", "target_detail": {"endpoint": "ep1"}, **extra,
    }


@pytest.fixture
def ledger(tmp_path: Path) -> LocalLedger:
    return LocalLedger(tmp_path / "nested" / "dir" / "ledger.jsonl", clock=lambda: FIXED)


def fill(ledger: LocalLedger, n: int) -> list[dict[str, Any]]:
    return [ledger.append(entry(new=f"m{i}")) for i in range(1, n + 1)]


def seq_of(found: dict[str, Any] | None) -> int:
    assert found is not None
    return int(found["seq"])


def rewrite(path: Path, change: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text().splitlines()
    path.write_text("".join(line + "\n" for line in change(lines)))


# --- chain ------------------------------------------------------------------------------------

def test_canonical_json_and_entry_hash() -> None:
    data = {"b": 1, "a": {"z": "é", "y": [1, 2]}, "hash": "ignored"}
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'
    expected = hashlib.sha256('{"a":{"y":[1,2],"z":"é"},"b":1}'.encode()).hexdigest()
    assert entry_hash(data) == expected
    assert entry_hash({**data, "hash": "other"}) == expected  # hash never hashes itself


def test_appends_form_a_chain(ledger: LocalLedger) -> None:
    written = fill(ledger, 3)
    assert [e["seq"] for e in written] == [1, 2, 3]
    assert written[0]["prev_hash"] == ""
    assert written[1]["prev_hash"] == written[0]["hash"] and written[2]["prev_hash"] == written[1]["hash"]
    assert all(e["hash"] == entry_hash(e) for e in written)
    assert written[0]["time"] == "2025-01-02T03:04:05+00:00"
    assert ledger.entries() == written
    lines = ledger.path.read_text().splitlines()
    assert lines[0] == canonical_json(written[0])
    assert ledger.verify().ok and ledger.verify().count == 3


def test_ledger_fields_set_by_the_ledger_win(ledger: LocalLedger) -> None:
    first = ledger.append(entry(seq=99, prev_hash="forged", hash="forged", time="2020-01-01T00:00:00+00:00"))
    assert (first["seq"], first["prev_hash"]) == (1, "")
    assert first["hash"] == entry_hash(first)
    assert first["time"] == "2020-01-01T00:00:00+00:00"  # a caller's time is kept


def test_file_is_private_and_parents_created(ledger: LocalLedger) -> None:
    fill(ledger, 1)
    assert stat.S_IMODE(ledger.path.stat().st_mode) == 0o600
    assert ledger.path.parent.is_dir()


# --- verify ----------------------------------------------------------------------------------

def test_verify_detects_an_edited_value(ledger: LocalLedger) -> None:
    fill(ledger, 3)

    def edit(lines: list[str]) -> list[str]:
        second = json.loads(lines[1])
        second["new_model"] = MODEL.format("evil")
        lines[1] = canonical_json(second)
        return lines

    rewrite(ledger.path, edit)
    result = ledger.verify()
    assert not result.ok and result.count == 3
    assert result.problems == ["seq 2 (line 2): hash mismatch: the entry was edited"]


def test_verify_detects_an_edit_with_recomputed_hash(ledger: LocalLedger) -> None:
    fill(ledger, 3)

    def edit(lines: list[str]) -> list[str]:
        second = json.loads(lines[1])
        second["actor"] = "mallory"
        second["hash"] = entry_hash(second)
        lines[1] = canonical_json(second)
        return lines

    rewrite(ledger.path, edit)
    problems = ledger.verify().problems
    assert problems == ["seq 3 (line 3): prev_hash does not match the entry before it"]


def test_verify_detects_a_removed_line(ledger: LocalLedger) -> None:
    fill(ledger, 4)
    rewrite(ledger.path, lambda lines: [lines[0], *lines[2:]])
    result = ledger.verify()
    assert not result.ok and result.count == 3
    assert any(p.startswith("seq 3 (line 2): expected seq 2") for p in result.problems)
    assert "seq 3 (line 2): prev_hash does not match the entry before it" in result.problems


def test_verify_detects_swapped_lines(ledger: LocalLedger) -> None:
    fill(ledger, 4)
    rewrite(ledger.path, lambda lines: [lines[0], lines[2], lines[1], lines[3]])
    problems = ledger.verify().problems
    assert any(p.startswith("seq 3 (line 2): expected seq 2") for p in problems)
    assert any(p.startswith("seq 2 (line 3)") for p in problems)
    assert not any("hash mismatch" in p for p in problems)  # entries intact, order broken


def test_verify_detects_a_bad_json_line(ledger: LocalLedger) -> None:
    fill(ledger, 3)
    rewrite(ledger.path, lambda lines: [lines[0], lines[1][:-5], lines[2]])
    result = ledger.verify()
    assert result.problems == ["line 2 (expected seq 2): not a valid JSON entry"]
    assert result.count == 2
    with pytest.raises(ValidationError, match=r"line 2 is not a valid entry.*ledger verify"):
        ledger.entries()


def test_verify_reports_a_torn_last_line_and_append_refuses(ledger: LocalLedger) -> None:
    fill(ledger, 2)
    with ledger.path.open("a") as handle:
        handle.write('{"seq": 3, "trunc')
    assert any("no newline" in p for p in ledger.verify().problems)
    with pytest.raises(ValidationError, match="partial line"):
        ledger.append(entry())


def test_verify_empty_ledger_is_ok(ledger: LocalLedger) -> None:
    result = ledger.verify()
    assert result.ok and result.count == 0 and result.to_dict() == {"ok": True, "count": 0, "problems": []}


# --- queries --------------------------------------------------------------------------------

def test_current_and_previous_with_interleaved_targets(ledger: LocalLedger) -> None:
    assert ledger.current(T1) is None and ledger.previous(T1) is None
    ledger.append(entry(T1, "a"))                       # 1
    ledger.append(entry(T2, "x"))                       # 2
    ledger.append(entry(T1, "b", old="a"))              # 3
    ledger.append(entry(T2, "y", old="x"))              # 4
    ledger.append(entry(T1, "b", old="b"))              # 5 re-promotion of the same model
    current, previous = ledger.current(T1), ledger.previous(T1)
    assert current is not None and previous is not None
    assert current["seq"] == 5 and previous["seq"] == 1  # skips 3: same model as deployed
    assert [seq_of(ledger.current(T2)), seq_of(ledger.previous(T2))] == [4, 2]
    ledger.append(entry(T1, "a", old="b", action="rollback"))  # 6
    assert seq_of(ledger.current(T1)) == 6
    assert seq_of(ledger.previous(T1)) == 5
    assert [e["seq"] for e in ledger.entries(T2)] == [2, 4]
    assert ledger.current("arm:rg/other") is None


def test_previous_is_none_when_every_entry_has_the_same_model(ledger: LocalLedger) -> None:
    ledger.append(entry(T1, "a"))
    ledger.append(entry(T1, "a"))
    assert ledger.previous(T1) is None


def test_get_by_seq(ledger: LocalLedger) -> None:
    ledger.append(entry(T1, "a"))
    ledger.append(entry(T2, "x"))
    assert ledger.get(T2, 2)["new_model"] == MODEL.format("x")
    with pytest.raises(ValidationError, match="is for"):
        ledger.get(T1, 2)
    with pytest.raises(ValidationError, match="no entry 7"):
        ledger.get(T1, 7)


# --- refusals -------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [
    ("new_model", MODEL.format("m") + "?sv=2020&sig=SECRETSIG&sp=r"),
    ("reason", "copied DefaultEndpointsProtocol=https;AccountName=a;AccountKey=S3CR3T=="),
    ("target_detail", {"endpoint": "ep1", "auth": "Bearer eyJhbGciOi.secret"}),
    ("old_model", "https://user:pw@acct.blob.core.windows.net/m/x.ilearner"),
    ("metrics", {"values": {"AUC": 0.9}, "urls": ["https://a/b?sig=X"]}),
])
def test_refuses_credentials(ledger: LocalLedger, field: str, value: Any) -> None:
    with pytest.raises(ValidationError, match="credential") as info:
        ledger.append(entry(**{field: value}))
    assert "SECRETSIG" not in str(info.value) and "S3CR3T" not in str(info.value)
    assert field in str(info.value)
    assert not ledger.path.exists()  # nothing was written


@pytest.mark.parametrize("bad", [
    {"action": "deploy", "target": T1}, {"action": "promote"}, {"action": "promote", "target": ""},
    {"action": "promote", "target": T1, "x": float("nan")}, {"action": "promote", "target": T1, "x": {1, 2}},
])
def test_refuses_malformed_entries(ledger: LocalLedger, bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ledger.append(bad)


# --- concurrency ----------------------------------------------------------------------------

def _append_many(path: str, writer: str, count: int) -> None:
    own = LocalLedger(path)  # one instance per writer: separate file descriptions, real lock contention
    for i in range(count):
        own.append(entry(new=f"{writer}-{i}", actor=writer))


def test_threads_with_separate_instances_keep_one_chain(tmp_path: Path) -> None:
    path = str(tmp_path / "ledger.jsonl")
    barrier = threading.Barrier(2)

    def run(name: str) -> None:
        barrier.wait()
        _append_many(path, name, 50)

    threads = [threading.Thread(target=run, args=(name,)) for name in ("t1", "t2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = LocalLedger(path).verify()
    assert result.ok, result.problems[:5]
    assert result.count == 100
    actors = [e["actor"] for e in LocalLedger(path).entries()]
    assert actors.count("t1") == 50 and actors.count("t2") == 50


def test_an_append_chains_after_a_file_put_in_place_of_the_ledger(
    ledger: LocalLedger, tmp_path: Path,
) -> None:
    fill(ledger, 1)
    other = LocalLedger(tmp_path / "other.jsonl", clock=lambda: FIXED)
    theirs = other.append(entry(new="m9"))  # the same size as ours, another hash
    assert other.path.stat().st_size == ledger.path.stat().st_size
    os.replace(other.path, ledger.path)
    assert ledger.append(entry(new="m2"))["prev_hash"] == theirs["hash"]
    assert ledger.verify().ok


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_processes_keep_one_chain(tmp_path: Path) -> None:
    path = str(tmp_path / "ledger.jsonl")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(path, name, 50)) for name in ("p1", "p2")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    result = LocalLedger(path).verify()
    assert result.ok and result.count == 100


# --- blob ledger ----------------------------------------------------------------------------

def _http_error(status: int) -> HttpResponseError:
    error = HttpResponseError(message=f"HTTP {status}")
    error.status_code = status
    return error


class FakeAppendBlob:
    """An append blob: create with If-None-Match, append with an append-position condition."""

    def __init__(self) -> None:
        self.data: bytes | None = None
        self.container_exists = False
        self.after_read: list[Callable[[], None]] = []  # run once each, right after a read
        self.land_then_412 = 0  # appends that land but answer 412 (a lost response, retried)
        self.appends = 0
        self.bytes_read = 0  # what downloads returned: a ledger should not re-read what it has
        self._in_hook = False

    def download_blob(self, *, offset: int = 0) -> Any:
        if self.data is None:
            raise ResourceNotFoundError(message="BlobNotFound")
        if offset and offset >= len(self.data):
            raise _http_error(416)  # InvalidRange, as the service answers a range past the end
        read = self.data[offset:]
        self.bytes_read += len(read)
        if self.after_read and not self._in_hook:
            # The hook's own reads and appends must not trigger the next hook.
            self._in_hook = True
            try:
                self.after_read.pop(0)()
            finally:
                self._in_hook = False
        return SimpleNamespace(readall=lambda: read)

    def create_append_blob(self, *, match_condition: Any) -> None:
        assert match_condition is not None  # never an unconditional (clobbering) create
        if not self.container_exists:
            raise ResourceNotFoundError(message="ContainerNotFound")
        if self.data is not None:
            raise ResourceExistsError(message="BlobAlreadyExists")
        self.data = b""

    def append_block(self, data: bytes, *, appendpos_condition: int) -> None:
        assert self.data is not None
        self.appends += 1
        if len(self.data) != appendpos_condition:
            raise _http_error(412)
        self.data += data
        if self.land_then_412:
            self.land_then_412 -= 1
            raise _http_error(412)


class FakeContainer:
    def __init__(self, blob: FakeAppendBlob) -> None:
        self.blob = blob

    def create_container(self) -> None:
        if self.blob.container_exists:
            raise ResourceExistsError(message="ContainerAlreadyExists")
        self.blob.container_exists = True

    def get_blob_client(self, name: str) -> FakeAppendBlob:
        assert name == "audit/ledger.jsonl"
        return self.blob


def blob_ledger(blob: FakeAppendBlob, sleeps: list[float] | None = None, **kwargs: Any) -> BlobLedger:
    return BlobLedger(CONN, "ledgers", "audit/ledger.jsonl", container_client=FakeContainer(blob),
                      rng=random.Random(7), sleep=(sleeps.append if sleeps is not None else lambda _s: None),
                      clock=lambda: FIXED, **kwargs)


def test_blob_ledger_creates_container_and_blob_and_chains() -> None:
    blob = FakeAppendBlob()
    ledger = blob_ledger(blob)
    first, second = ledger.append(entry(new="a")), ledger.append(entry(new="b"))
    assert blob.container_exists and second["prev_hash"] == first["hash"]
    assert ledger.verify().ok and ledger.entries() == [first, second]
    assert blob.data == (canonical_json(first) + "\n" + canonical_json(second) + "\n").encode()


def test_blob_ledger_retries_after_a_concurrent_append() -> None:
    blob = FakeAppendBlob()
    other = blob_ledger(blob)
    other.append(entry(new="a"))
    sleeps: list[float] = []
    ours = blob_ledger(blob, sleeps)
    # Another writer appends after we read the blob but before our append: ours gets a 412.
    blob.after_read.append(lambda: other.append(entry(T2, new="x")))
    written = ours.append(entry(new="b"))
    assert blob.appends == 4  # a, x, our 412, our retry
    assert len(sleeps) == 1 and 0.025 <= sleeps[0] <= 0.075  # jittered backoff
    seqs = [(e["seq"], e["target"]) for e in ours.entries()]
    assert seqs == [(1, T1), (2, T2), (3, T1)]
    assert written["prev_hash"] == ours.entries()[1]["hash"]
    assert ours.verify().ok


def test_blob_ledger_does_not_duplicate_an_append_that_landed() -> None:
    blob = FakeAppendBlob()
    ledger = blob_ledger(blob)
    ledger.append(entry(new="a"))
    blob.land_then_412 = 1
    written = ledger.append(entry(new="b"))
    assert [e["seq"] for e in ledger.entries()] == [1, 2]
    assert ledger.entries()[-1] == written and ledger.verify().ok


def test_blob_ledger_gives_up_after_max_attempts() -> None:
    blob = FakeAppendBlob()
    ledger = blob_ledger(blob, max_attempts=3)
    ledger.append(entry(new="a"))
    intruder = blob_ledger(blob)
    blob.after_read.extend([lambda: intruder.append(entry(T2, new="x"))] * 3)
    with pytest.raises(ConflictError, match="3 append attempts"):
        ledger.append(entry(new="b"))
    assert intruder.verify().ok  # the intruder's entries are intact


def test_blob_ledger_repr_and_refusal_hide_secrets() -> None:
    blob = FakeAppendBlob()
    ledger = blob_ledger(blob)
    assert repr(ledger) == "BlobLedger('az://ledgers/audit/ledger.jsonl')"
    assert "AccountKey" not in repr(ledger)
    with pytest.raises(ValidationError):
        ledger.append(entry(new="m?sig=abc"))
    assert blob.data is None  # refused before any request


# --- open_ledger, fingerprint, settings ------------------------------------------------------

def test_open_ledger(tmp_path: Path) -> None:
    local = open_ledger(tmp_path / "l.jsonl")
    assert isinstance(local, LocalLedger) and local.location == str(tmp_path / "l.jsonl")
    remote = open_ledger("az://ledgers/team/ledger.jsonl", storage_connection_string=CONN)
    assert isinstance(remote, BlobLedger) and remote.location == "az://ledgers/team/ledger.jsonl"
    with pytest.raises(ConfigError, match="AML_RETRAIN_STORAGE_CONNECTION_STRING"):
        open_ledger("az://ledgers/ledger.jsonl")
    for bad in ("az://ledgers", "az://ledgers/", "az://Bad_Name/x.jsonl"):
        with pytest.raises(ValidationError):
            open_ledger(bad, storage_connection_string=CONN)


class FakeDownloader:
    def __init__(self, data: bytes, size: int | None = None) -> None:
        self._data = data
        self.properties = SimpleNamespace(size=len(data) if size is None else size, etag='"0xETAG"')
        self.chunk_count = 0

    def chunks(self) -> Iterator[bytes]:
        for start in range(0, len(self._data), 1000):
            self.chunk_count += 1
            yield self._data[start:start + 1000]

    def readall(self) -> bytes:
        raise AssertionError("model_fingerprint must stream, not read the whole blob")


def test_model_fingerprint_streams_chunks() -> None:
    data = os.urandom(4500)
    downloader = FakeDownloader(data)
    calls: list[dict[str, Any]] = []

    def download_blob(**kwargs: Any) -> FakeDownloader:
        calls.append(kwargs)
        return downloader

    fake = SimpleNamespace(download_blob=download_blob)
    result = model_fingerprint(None, MODEL.format("m") + "?sig=SECRET", blob_client=fake)
    assert result == {"size": 4500, "etag": '"0xETAG"', "sha256": hashlib.sha256(data).hexdigest()}
    assert downloader.chunk_count == 5 and calls == [{"max_concurrency": 1}]


def test_model_fingerprint_detects_a_short_read() -> None:
    fake = SimpleNamespace(download_blob=lambda **_k: FakeDownloader(b"abc", size=10))
    with pytest.raises(VerificationError, match="read 3 bytes") as info:
        model_fingerprint(CONN, MODEL.format("m") + "?sig=SECRET", blob_client=fake)
    assert "SECRET" not in str(info.value)


def test_settings_ledger_precedence(tmp_path: Path, clean_environ: Path) -> None:
    assert Settings.resolve(env={}).ledger == str(clean_environ / ".aml-retrain" / "ledger.jsonl")
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"ledger": "az://team/ledger.jsonl"}))
    assert Settings.resolve(profile=profile, env={}).ledger == "az://team/ledger.jsonl"
    env = {"AML_RETRAIN_LEDGER": "~/custom.jsonl"}
    assert Settings.resolve(profile=profile, env=env).ledger == str(clean_environ / "custom.jsonl")
    assert Settings.resolve(profile=profile, env=env, ledger=tmp_path / "x.jsonl").ledger == str(
        tmp_path / "x.jsonl")


@pytest.mark.parametrize(("explicit", "env", "expected"), [
    ("cli-user", {"AML_RETRAIN_ACTOR": "env-actor", "USER": "u"}, "cli-user"),
    (None, {"AML_RETRAIN_ACTOR": "env-actor", "BUILD_REQUESTEDFOREMAIL": "a@b.c"}, "env-actor"),
    (None, {"BUILD_REQUESTEDFOREMAIL": "a@b.c", "BUILD_REQUESTEDFOR": "Ann B", "GITHUB_ACTOR": "g"}, "a@b.c"),
    (None, {"BUILD_REQUESTEDFOR": "Ann  B", "GITHUB_ACTOR": "gh", "USER": "u"}, "Ann B"),
    (None, {"GITHUB_ACTOR": "gh", "USER": "u"}, "gh"),
    (None, {"USER": "u", "USERNAME": "w"}, "u"),
    (None, {"USERNAME": "w"}, "w"),
    (None, {"SYSTEM_ACCESSTOKEN": "t", "GITHUB_TOKEN": "t", "AML_RETRAIN_WORKSPACE_TOKEN": "t"}, "unknown"),
])
def test_settings_actor_precedence(explicit: str | None, env: dict[str, str], expected: str) -> None:
    assert Settings.resolve(actor=explicit, env=env).actor == expected


def test_threads_sharing_one_instance_are_group_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = LocalLedger(tmp_path / "ledger.jsonl")
    syncs: list[int] = []
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        syncs.append(fd)
        threading.Event().wait(0.002)  # long enough for the other threads to queue
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    barrier = threading.Barrier(8)
    returned: list[dict[str, Any]] = []

    def run(name: str) -> None:
        barrier.wait()
        for i in range(25):
            returned.append(shared.append(entry(new=f"{name}-{i}", actor=name)))

    threads = [threading.Thread(target=run, args=(f"t{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = shared.verify()
    assert result.ok and result.count == 200, result.problems[:5]
    assert sorted(e["seq"] for e in returned) == list(range(1, 201))
    assert sorted(returned, key=lambda e: e["seq"]) == shared.entries()  # each got its own entry
    assert len(syncs) < 200  # one fsync covered several appends, each returned after its fsync


def test_group_commit_gives_each_waiting_thread_its_own_error() -> None:
    from aml_retrain.promotion._ledger_file import GroupCommit

    release = threading.Event()
    batches: list[list[dict[str, Any]]] = []

    def write(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        batches.append(records)
        if len(batches) == 1:
            release.wait(5)
            return [dict(r, seq=1) for r in records]
        raise ConfigError("cannot write ledger: disk full")

    group = GroupCommit(write)
    outcomes: dict[str, Any] = {}

    def submit(name: str) -> None:
        try:
            outcomes[name] = group.submit({"n": name})
        except ConfigError as exc:
            outcomes[name] = exc

    first = threading.Thread(target=submit, args=("a",))
    first.start()
    while not batches:
        threading.Event().wait(0.001)
    others = [threading.Thread(target=submit, args=(n,)) for n in ("b", "c")]
    for thread in others:
        thread.start()
    while len(group._queue) < 2:
        threading.Event().wait(0.001)
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert outcomes["a"] == {"n": "a", "seq": 1}
    assert [sorted(r["n"] for r in b) for b in batches] == [["a"], ["b", "c"]]
    b, c = outcomes["b"], outcomes["c"]
    assert isinstance(b, ConfigError) and isinstance(c, ConfigError) and b is not c
    assert str(b) == str(c) == "cannot write ledger: disk full"
