"""An append-blob ledger as this process has read it, kept current by ranged reads of what is new.

A fan-out asks the ledger for a target's entries, takes the target's lock and appends, for every
target; downloading the whole blob for each of those makes N targets cost O(N * ledger size) bytes
and parses. Append blobs only grow, so :class:`BlobCopy` keeps the bytes read so far (and each
line, indexed by target) and reads from the start of its last line on: that line coming back
unchanged shows the blob is the one already read; anything else (a blob deleted and made again,
shorter or different) is read again whole.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aml_retrain.errors import ValidationError
from aml_retrain.promotion._ledger_core import VERIFY_HINT, parse_line

__all__ = ["BlobCopy", "End", "PastEnd"]

# Reads the blob from an offset to its end; None when there is no blob. Raises PastEnd when the
# blob is shorter than the offset.
Fetch = Callable[[int], "bytes | None"]


class PastEnd(Exception):
    """The blob ends before the offset asked for (HTTP 416): it is not the blob read before."""


@dataclass(frozen=True)
class End:
    """How the blob ends, as of one read: its size and last line (what an append chains after)."""

    exists: bool
    size: int
    ending: bytes  # the last line, with its newline if it has one (empty: an empty blob)


class BlobCopy:
    """The bytes of one append blob read so far, their lines and which lines belong to which target."""

    def __init__(self, location: str) -> None:
        self.location = location
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._exists = False
        self._data = bytearray()
        self._lines: list[str] = []  # complete lines, decoded
        self._by_target: dict[str, list[int]] = {}
        self._parsed = 0  # bytes of _data split into _lines (always just after a newline)
        self._bad: int | None = None  # the first line number that is not an entry
        self._undecodable = False  # some line is not UTF-8

    def refresh(self, fetch: Fetch) -> End:
        """Read what was appended since the last read (or all of it) and return how the blob ends."""
        with self._lock:
            start = self._last_line_start()  # 0 when nothing was read yet
        try:
            data = fetch(start)
        except PastEnd:
            self._reread(fetch)
            return self._end()
        with self._lock:
            if data is None:
                self._reset()
                return self._end_locked()
            if self._merge(start, data):
                return self._end_locked()
        # The last line we had did not come back: another blob has the name now.
        self._reread(fetch)
        return self._end()

    def _reread(self, fetch: Fetch) -> None:
        data = fetch(0)
        with self._lock:
            self._reset()
            if data is not None:
                self._merge(0, data)

    def appended(self, size: int, line: bytes) -> None:
        """Record ``line``, just appended by us at offset ``size`` (a no-op if a read got further)."""
        with self._lock:
            if self._exists and len(self._data) == size:
                self._data += line
                self._split()

    def holds_at(self, offset: int, line: bytes) -> bool:
        """True if the blob, as last read, is ``line`` from ``offset`` to its end."""
        with self._lock:
            return len(self._data) == offset + len(line) and self._data[offset:] == line

    def entries(self, target: str | None) -> list[dict[str, Any]]:
        """Parse (afresh: callers may change what they get) all lines, or those of ``target``."""
        with self._lock:
            if self._undecodable:
                raise self._not_text()
            if self._bad is not None:
                raise ValidationError(
                    f"ledger {self.location} line {self._bad} is not a valid entry: {VERIFY_HINT}"
                )
            if target is None:
                chosen = list(self._lines)
            else:
                chosen = [self._lines[i] for i in self._by_target.get(target, ())]
            partial = bytes(self._data[self._parsed:])
            number = len(self._lines) + 1
        found = [entry for entry in map(parse_line, chosen) if entry is not None]
        if partial:  # a last line without its newline (not ours: we append whole lines)
            entry = parse_line(self._decode(partial))
            if entry is None:
                raise ValidationError(f"ledger {self.location} line {number} is not a valid entry: "
                                      f"{VERIFY_HINT}")
            if target is None or entry.get("target") == target:
                found.append(entry)
        return found

    def text(self) -> str:
        """Return the blob's text as last read."""
        with self._lock:
            if self._undecodable:
                raise self._not_text()
            return self._decode(bytes(self._data))

    def end(self) -> End:
        """How the blob ended when last read (no request)."""
        return self._end()

    def _end(self) -> End:
        with self._lock:
            return self._end_locked()

    def _end_locked(self) -> End:
        return End(self._exists, len(self._data), bytes(self._data[self._last_line_start():]))

    def _last_line_start(self) -> int:
        if not self._data:
            return 0
        return self._data.rfind(b"\n", 0, len(self._data) - 1) + 1

    def _merge(self, offset: int, data: bytes) -> bool:
        """Fold bytes read from ``offset`` in (lock held); False if they contradict what we had."""
        known = len(self._data)
        if offset > known:
            return False
        overlap = min(known - offset, len(data))
        if self._data[offset:offset + overlap] != data[:overlap]:
            return False
        self._exists = True
        if offset + len(data) > known:
            self._data += data[known - offset:]
            self._split()
        return True

    def _split(self) -> None:
        end = self._data.rfind(b"\n") + 1
        if end <= self._parsed:
            return
        for raw in bytes(self._data[self._parsed:end - 1]).split(b"\n"):
            number = len(self._lines) + 1
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                self._undecodable, line = True, raw.decode("utf-8", errors="replace")
            self._lines.append(line)
            entry = parse_line(line)
            if entry is None:
                self._bad = number if self._bad is None else self._bad
            elif isinstance(entry.get("target"), str):
                self._by_target.setdefault(entry["target"], []).append(number - 1)
        self._parsed = end

    def _decode(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self._not_text() from None

    def _not_text(self) -> ValidationError:
        return ValidationError(f"ledger {self.location} is not UTF-8 text: {VERIFY_HINT}")
