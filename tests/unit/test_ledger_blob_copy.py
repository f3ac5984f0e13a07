"""A blob ledger reads only what was appended since it last looked, and notices a blob made anew."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.errors import ValidationError
from aml_retrain.promotion.ledger import LocalLedger
from tests.unit.test_ledger import MODEL, T1, T2, FakeAppendBlob, blob_ledger, entry


def model(ledger: Any, target: str) -> str:
    current = ledger.current(target)
    assert current is not None
    return str(current["new_model"]).rsplit("/", 1)[-1].removesuffix(".ilearner")


def _filled(blob: FakeAppendBlob, count: int) -> None:
    writer = blob_ledger(blob)
    for number in range(count):
        writer.append(entry(T1 if number % 2 else T2, new=f"m{number}"))


def test_a_reader_fetches_each_new_line_about_once() -> None:
    blob = FakeAppendBlob()
    writer, reader = blob_ledger(blob), blob_ledger(blob)
    for number in range(200):
        writer.append(entry(T1 if number % 2 else T2, new=f"m{number}"))
        before = blob.bytes_read
        assert model(reader, T1 if number % 2 else T2) == f"m{number}"
        # What the reader fetched: its last line again (to see it is the same blob) and the new one.
        assert blob.data is not None
        assert blob.bytes_read - before <= sum(len(line) + 1 for line in blob.data.split(b"\n")[-3:])
    fresh = blob_ledger(blob)
    assert reader.entries() == fresh.entries() and reader.entries(T1) == fresh.entries(T1)
    assert len(reader.entries(T1)) == 100 and reader.verify().ok


def test_a_writer_that_reads_and_appends_per_target_reads_little() -> None:
    blob = FakeAppendBlob()
    ledger = blob_ledger(blob)
    for number in range(300):
        target = f"classic:ws/ep{number}"
        assert ledger.current(target) is None
        ledger.append(entry(target, new=f"m{number}"))
    assert blob.data is not None
    # A whole download per read would fetch about 300 ledgers' worth; this is the last line read
    # again by each of the 2 reads per target.
    assert blob.bytes_read < 3 * len(blob.data)
    assert ledger.verify().ok and ledger.verify().count == 300


def test_a_blob_made_again_shorter_is_read_whole() -> None:
    blob = FakeAppendBlob()
    _filled(blob, 10)
    reader = blob_ledger(blob)
    assert len(reader.entries()) == 10
    blob.data = None  # deleted ...
    assert reader.entries() == [] and reader.current(T1) is None
    _filled(blob, 2)  # ... and made again, shorter: a range past its end answers 416
    assert [e["new_model"] for e in reader.entries()] == [MODEL.format("m0"), MODEL.format("m1")]
    assert model(reader, T1) == "m1"


def test_a_blob_made_again_longer_with_other_lines_is_read_whole() -> None:
    blob = FakeAppendBlob()
    _filled(blob, 3)
    reader = blob_ledger(blob)
    assert model(reader, T1) == "m1"
    other = FakeAppendBlob()
    _filled(other, 3)
    blob_ledger(other).append(entry(T1, new="other-1"))
    for number in range(5):
        blob_ledger(other).append(entry(T2, new=f"other-{number + 2}"))
    blob.data = other.data  # the same name, other content, longer than what the reader had
    assert model(reader, T1) == "other-1"
    assert reader.entries() == blob_ledger(blob).entries() and reader.verify().ok


def test_entries_are_fresh_objects() -> None:
    blob = FakeAppendBlob()
    _filled(blob, 2)
    ledger = blob_ledger(blob)
    ledger.entries(T2)[0]["new_model"] = "edited by a caller"
    ledger.entries()[0]["target"] = "elsewhere"
    assert ledger.entries(T2)[0]["new_model"] == MODEL.format("m0") and ledger.entries()[0]["target"] == T2


def test_a_bad_line_is_reported_by_number_for_every_read() -> None:
    blob = FakeAppendBlob()
    _filled(blob, 2)
    assert blob.data is not None
    blob.data += b"not json\n"
    ledger = blob_ledger(blob)
    for read in (lambda: ledger.entries(), lambda: ledger.entries(T1), lambda: ledger.current(T1)):
        with pytest.raises(ValidationError, match="line 3 is not a valid entry"):
            read()
    assert ledger.verify().problems[0].startswith("line 3")


def test_a_line_that_is_not_utf8_is_refused() -> None:
    blob = FakeAppendBlob()
    _filled(blob, 1)
    assert blob.data is not None
    blob.data += b'{"seq": 2, "target": "\xff"}\n'
    with pytest.raises(ValidationError, match="not UTF-8 text"):
        blob_ledger(blob).entries()


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x1c"])
def test_a_reason_with_a_unicode_line_separator_keeps_the_ledger_readable(
    separator: str, tmp_path: Path
) -> None:
    # Canonical JSON leaves these unescaped; str.splitlines would cut the entry in two.
    for ledger in (LocalLedger(tmp_path / f"ledger-{ord(separator)}.jsonl"), blob_ledger(FakeAppendBlob())):
        written = ledger.append({**entry(new="a"), "reason": f"pasted{separator}text"})
        assert ledger.verify().ok and ledger.entries() == [written]
        assert ledger.current(T1) == written


class LockedBlob(FakeAppendBlob):
    """The fake, made safe for threads as the service is."""

    def __init__(self) -> None:
        super().__init__()
        self.guard = threading.Lock()

    def download_blob(self, *, offset: int = 0) -> Any:
        with self.guard:
            return super().download_blob(offset=offset)

    def append_block(self, data: bytes, *, appendpos_condition: int) -> None:
        with self.guard:
            super().append_block(data, appendpos_condition=appendpos_condition)


def test_threads_sharing_one_blob_ledger_keep_one_chain_and_a_true_copy() -> None:
    blob = LockedBlob()
    shared, other = blob_ledger(blob, max_attempts=200), blob_ledger(blob, max_attempts=200)

    def work(index: int) -> None:
        for number in range(15):
            target = f"classic:ws/t{index}-{number}"
            ledger = shared if index % 3 else other
            ledger.append(entry(target, new="m"))
            assert ledger.current(target) is not None

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fresh = blob_ledger(blob)
    assert fresh.verify().ok and fresh.verify().count == 90
    assert shared.entries() == fresh.entries() == other.entries()


def test_threads_of_one_process_share_append_blocks() -> None:
    # While one thread's block is in flight, the others queue; the next block carries all of them.
    blob = LockedBlob()
    ledger = blob_ledger(blob)
    first_in_flight, queued = threading.Event(), threading.Event()
    real = blob.append_block

    def append_block(data: bytes, *, appendpos_condition: int) -> None:
        if not first_in_flight.is_set():
            first_in_flight.set()
            assert queued.wait(30), "the other threads never queued"
        real(data, appendpos_condition=appendpos_condition)

    blob.append_block = append_block  # type: ignore[method-assign]
    threads = [threading.Thread(target=ledger.append, args=(entry(f"classic:ws/e{i}", new="m"),))
               for i in range(8)]
    threads[0].start()
    assert first_in_flight.wait(30)
    for thread in threads[1:]:
        thread.start()
    while len(ledger._group._queue) < 7:  # poll until all seven wait behind the first block
        threading.Event().wait(0.001)
    queued.set()
    for thread in threads:
        thread.join()
    assert blob.appends == 2  # one block for the first entry, one for the seven queued behind it
    fresh = blob_ledger(blob)
    assert fresh.verify().ok and fresh.verify().count == 8
