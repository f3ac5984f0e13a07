"""One promotion per target at a time: a lock held from the first read of the target to its ledger entry.

Without it, two promotions of one target both read the same "old model", both deploy, and both
record it: one deploy is silently overwritten and the chain of the target's entries breaks. The
second one is refused (BusyError, exit 6) before it reads or sends anything.

- Local ledger: an exclusive, non-blocking ``flock`` on ``<ledger>.locks/<target hash>.lock``
  (the kernel drops it when the process dies, so a crash leaves no stale lock).
- Blob ledger: a 60 s lease on the block blob ``<ledger blob>.locks/<target hash>``, renewed every
  15 s while held; a crashed holder's lease expires within a minute.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from aml_retrain.errors import BusyError, ConfigError, ConflictError, ServiceError

__all__ = ["TargetHold", "blob_target_lock", "file_target_lock", "lock_name"]

LEASE_SECONDS = 60
RENEW_SECONDS = 15.0


def lock_name(target: str) -> str:
    """Return the lock's file/blob name for ``target`` (a hash: target strings hold '/', ':', '#')."""
    return hashlib.sha256(target.encode("utf-8")).hexdigest()[:32]


class TargetHold:
    """A held target: remembers the deploy in flight so a crashed run's deploy is recorded truly.

    ``leftover`` is the deploy a previous holder announced and never finished (killed between its
    deploy and its ledger entry): its ``old_model`` is the model that served before it.
    """

    def __init__(self, store: Callable[[str], None] | None = None,
                 leftover: Mapping[str, Any] | None = None) -> None:
        self._store = store
        self.since = _now()  # when the hold began: what a refused second holder is told
        self.leftover = dict(leftover) if leftover else None
        self.finished = False
        self.last_seq: int | None = None  # the ledger's last seq when the lock was taken, if read
        # The highest seq the ledger object knows it did not write itself (None: cannot tell).
        self.outside_seq: int | None = None

    def intend(self, old_model: str | None, new_model: str) -> None:
        """Record, before deploying, what is about to change."""
        self._save({"old_model": old_model, "new_model": new_model})

    def done(self) -> None:
        """The deploy is recorded in the ledger (or did not happen): forget it."""
        self.finished = True
        self.leftover = None
        self._save(None)

    def _save(self, intent: Mapping[str, Any] | None) -> None:
        if self._store is not None:
            self._store(_holder(intent, self.since))


_HOST: list[str] = []  # gethostname() is a system call: a fan-out asks three times per target


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _holder(intent: Mapping[str, Any] | None = None, since: str | None = None) -> str:
    if not _HOST:
        _HOST.append(socket.gethostname())
    record: dict[str, Any] = {"pid": os.getpid(), "host": _HOST[0], "since": since or _now()}
    if intent:
        record["intent"] = dict(intent)
    return json.dumps(record)


def _intent(content: str | None) -> dict[str, Any] | None:
    try:
        intent = json.loads(content or "{}").get("intent")
    except (ValueError, AttributeError):
        return None
    return intent if isinstance(intent, dict) and intent.get("new_model") else None


def _busy(target: str, holder: str | None) -> BusyError:
    try:
        info = json.loads(holder or "{}")
        who = f" (pid {info['pid']} on {info['host']} since {info['since']})"
    except (ValueError, KeyError, TypeError):
        who = ""
    return BusyError(
        f"another promotion or rollback of {target} is in progress{who}; nothing was changed: "
        "retry when it has finished"
    )


@contextmanager
def file_target_lock(ledger_path: Path, target: str) -> Iterator[TargetHold]:
    """Hold the local lock of ``target`` next to the ledger file, or raise BusyError."""
    folder = Path(f"{ledger_path}.locks")
    path = folder / f"{lock_name(target)}.lock"
    try:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except FileNotFoundError:  # the first lock beside this ledger
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot create the lock {path}: {exc.strerror or exc}") from exc

    stored = [-1]  # bytes in the file after our last store (-1: not known yet)

    def store(text: str) -> None:
        # No fsync: a killed process's writes survive in the page cache; only a machine crash
        # loses the note, and then the ledger's own last entry is the fallback. Cut only what a
        # longer note left behind (a half-done store reads as no note at all: not JSON).
        data = text.encode("utf-8")
        _write_at_start(fd, data)
        if stored[0] < 0 or stored[0] > len(data):
            os.ftruncate(fd, len(data))
        stored[0] = len(data)

    try:
        if not _try_lock(fd):
            raise _busy(target, _read(fd))
        hold = TargetHold(store, _intent(_read(fd)))
        try:
            store(_holder(hold.leftover, hold.since))  # a leftover stays until someone records it
            yield hold
        finally:
            if hold.finished or (hold.leftover is None and _intent(_read(fd)) is None):
                os.ftruncate(fd, 0)
            _unlock(fd)
    finally:
        os.close(fd)


def _read(fd: int) -> str | None:
    try:
        return _read_start(fd).decode("utf-8", errors="replace")
    except OSError:
        return None


def _write_at_start(fd: int, data: bytes) -> None:
    if hasattr(os, "pwrite"):
        os.pwrite(fd, data, 0)
        return
    # Windows has no pwrite: seek, write, and seek back to 0, where msvcrt.locking locked.
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)


def _read_start(fd: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, 4096, 0)
    os.lseek(fd, 0, os.SEEK_SET)  # Windows has no pread (see _write_at_start)
    try:
        return os.read(fd, 4096)
    finally:
        os.lseek(fd, 0, os.SEEK_SET)


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def blob_target_lock(container_client: Any, ledger_blob: str, target: str,
                     location: str) -> Iterator[TargetHold]:
    """Hold a lease on the lock blob of ``target`` beside the ledger blob, or raise BusyError."""
    from azure.storage.blob import BlobLeaseClient

    from aml_retrain.storage import storage_errors

    blob = container_client.get_blob_client(f"{ledger_blob}.locks/{lock_name(target)}")
    try:
        with storage_errors(location):
            blob.upload_blob(b"", overwrite=False)
    except ConflictError:
        pass  # made by an earlier promotion: leases are what count
    lease = BlobLeaseClient(blob)
    try:
        with storage_errors(location):
            lease.acquire(lease_duration=LEASE_SECONDS)
    except ConflictError:  # LeaseAlreadyPresent
        raise _busy(target, None) from None

    def store(text: str) -> None:
        with storage_errors(location):
            blob.upload_blob(text.encode("utf-8"), overwrite=True, lease=lease)

    stop = threading.Event()
    renewer = threading.Thread(target=_renew, args=(lease, stop), name="ledger-lease",
                               daemon=True)
    renewer.start()
    try:
        with storage_errors(location):
            previous = bytes(blob.download_blob(lease=lease).readall()).decode("utf-8", "replace")
        hold = TargetHold(store, _intent(previous))
        yield hold
        if hold.finished and previous:
            store("")
    finally:
        stop.set()
        renewer.join(timeout=5)
        try:
            with storage_errors(location):
                lease.release()
        except ServiceError:
            pass  # it expires by itself within LEASE_SECONDS


def _renew(lease: Any, stop: threading.Event) -> None:
    while not stop.wait(RENEW_SECONDS):
        # A failed renewal is retried at the next tick; the lease's expiry is the fallback.
        with suppress(Exception):
            lease.renew()
