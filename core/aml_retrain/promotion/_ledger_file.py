"""The local ledger file's low-level parts: locking, reading the tail, repairing a torn tail, and
group-committing the appends of several threads."""

from __future__ import annotations

import copy
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from aml_retrain.errors import ConfigError, ValidationError
from aml_retrain.promotion._ledger_core import verify_text

__all__ = ["GroupCommit", "locked", "read_tail", "repair_file", "tail_of"]


def repair_file(path: Path, location: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Complete or cut a torn last line of the ledger file at ``path``, after a backup.

    A last line without its newline is kept, newline added, when it is a sealed entry that
    chains after the line before it (its write was cut after the JSON); anything else is cut.
    """
    moment = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    result: dict[str, Any] = {"ledger": location, "action": "none", "backup": None,
                              "removed_bytes": 0}
    if not path.exists():
        return result
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError as exc:  # a folder, or no write permission: say so, as reading does
        raise ConfigError(f"cannot open ledger {location}: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "r+b") as handle, locked(path, handle):
        data = handle.read()
        if not data or data.endswith(b"\n"):
            return result
        head, _, tail = data.rpartition(b"\n")
        head = head + b"\n" if head else b""
        backup = path.with_name(f"{path.name}.{moment}.torn.bak")
        _write_private(backup, data)
        result["backup"] = str(backup)
        if verify_text((head + tail + b"\n").decode("utf-8", "replace")).ok:
            handle.seek(0, os.SEEK_END)
            handle.write(b"\n")
            result["action"] = "completed"
        else:
            handle.truncate(len(head))
            result.update(action="truncated", removed_bytes=len(tail))
        handle.flush()
        os.fsync(handle.fileno())
    return result


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def read_tail(handle: IO[bytes] | int, location: str, end: int | None = None) -> bytes | None:
    """Return the file's last line (without newline), reading backwards; None if empty.

    ``handle`` may be a file descriptor (no buffered file object around it: fewer system calls);
    ``end`` is the file's size when the caller has just read it.
    """
    fd = handle if isinstance(handle, int) else handle.fileno()
    if end is None:
        end = os.fstat(fd).st_size
    position, buffer = end, b""
    while position > 0 and b"\n" not in buffer[:-1]:
        step = min(8192, position)
        position -= step
        os.lseek(fd, position, os.SEEK_SET)
        buffer = _read_exactly(fd, step) + buffer
    return tail_of(buffer, location) if end else None


def _read_exactly(fd: int, size: int) -> bytes:
    parts: list[bytes] = []
    while size > 0:
        part = os.read(fd, size)
        if not part:
            break
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def tail_of(content: bytes, location: str) -> bytes | None:
    if not content:
        return None
    if not content.endswith(b"\n"):
        raise ValidationError(f"ledger {location} ends in a partial line (an interrupted write); "
                              "nothing was changed: run `aml-retrain ledger repair`")
    return content[:-1].rsplit(b"\n", 1)[-1]


@contextmanager
def locked(path: Path, handle: IO[bytes] | int, *, shared: bool = False) -> Iterator[None]:
    """Hold an advisory lock on the ledger file (a sidecar ``.lock`` file on Windows)."""
    if sys.platform == "win32":
        import msvcrt

        # msvcrt locks are mandatory byte-range locks, so lock a sidecar rather than the data.
        with open(f"{path}.lock", "a+b") as lock:
            msvcrt.locking(lock.fileno(), msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                lock.seek(0)
                msvcrt.locking(lock.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fd = handle if isinstance(handle, int) else handle.fileno()
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


class _Pending:
    """One record waiting in a group commit, and what became of it."""

    __slots__ = ("done", "error", "record", "result")

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record
        self.done = False
        self.result: dict[str, Any] = {}
        self.error: BaseException | None = None


class GroupCommit:
    """Leader/follower batching: whoever finds no batch in flight writes everything queued.

    A thread whose record was written by another thread's batch gets that batch's result; if the
    batch failed, it raises its own copy of the error (callers add notes to the message).
    """

    def __init__(self, write: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
        self._write = write
        self._cond = threading.Condition()
        self._queue: list[_Pending] = []
        self._writing = False

    def submit(self, record: dict[str, Any]) -> dict[str, Any]:
        mine = _Pending(record)
        with self._cond:
            self._queue.append(mine)
            while self._writing and not mine.done:
                self._cond.wait()
            leader = not mine.done
            if leader:
                self._writing = True
                batch, self._queue = self._queue, []
        if leader:
            error: BaseException | None = None
            results: list[dict[str, Any]] = []
            try:
                results = self._write([p.record for p in batch])
            except BaseException as exc:
                error = exc
            with self._cond:
                for number, pending in enumerate(batch):
                    pending.done = True
                    if error is None:
                        pending.result = results[number]
                    else:
                        pending.error = error if pending is mine else _own_copy(error)
                self._writing = False
                self._cond.notify_all()
        if mine.error is not None:
            raise mine.error
        return mine.result


def _own_copy(error: BaseException) -> BaseException:
    """Return a copy of ``error`` for another thread to raise (and annotate) as its own."""
    try:
        clone = copy.copy(error)
    except Exception:  # an exception that cannot be rebuilt from its args: share it
        return error
    clone.__cause__ = error.__cause__
    return clone
