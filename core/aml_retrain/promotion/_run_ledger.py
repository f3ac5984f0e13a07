"""The ledger as a fan-out run sees it: read once, answered from memory, every append stamped with the run."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from aml_retrain._json import JsonObject

if TYPE_CHECKING:
    from aml_retrain.promotion._locks import TargetHold
    from aml_retrain.promotion.ledger import Ledger, VerifyResult

__all__ = ["RunLedger"]


class RunLedger:
    """The run's ledger: read once, then answered from memory; appends go to the real store.

    ``promote`` asks the ledger for a target's current entry; a file ledger re-reads every line for
    that, which makes N targets cost O(N * ledger size). Within the run, duplicates are refused by
    the manifest; another process may still have promoted a target since the snapshot. A local
    ledger tells :meth:`lock` the highest ``seq`` it did not write itself: past the snapshot, the
    snapshot is read again (once per outside append seen, not once per target). A store that
    cannot tell (a blob ledger) has the held target re-read.
    """

    def __init__(self, inner: Ledger, stamp: Callable[[str], Mapping[str, Any]] | None = None) -> None:
        self.inner = inner
        self._stamp = stamp  # the run's fields (run id, manifest digest, wave) for each entry
        self.location = inner.location
        self._lock = threading.Lock()
        self._current: dict[str, JsonObject] | None = None
        self._seen = 0  # every entry up to this seq is in the snapshot

    def _snapshot(self) -> dict[str, JsonObject]:
        with self._lock:
            if self._current is None:
                self._current = {}
                self._merge(self.inner.entries())
            return self._current

    def _merge(self, entries: list[JsonObject]) -> None:
        """Fold a full read into the snapshot (lock held); a later seq wins, so appends made
        while reading are kept."""
        from aml_retrain.promotion.ledger import ACTIONS

        assert self._current is not None
        for entry in entries:
            seq = entry.get("seq")
            if isinstance(seq, int):
                self._seen = max(self._seen, seq)
            if entry.get("action") not in ACTIONS or not entry.get("target"):
                continue
            had = self._current.get(str(entry["target"]))
            if not _newer(had, entry):  # file order, unless seqs say our append came later
                self._current[str(entry["target"])] = entry

    def append(self, entry: Mapping[str, Any]) -> JsonObject:
        """Append (with the run's fields) to the real ledger; remember it as the target's current entry."""
        if self._stamp is not None:
            entry = {**self._stamp(str(entry.get("target"))), **entry}
        sealed = self.inner.append(entry)
        current = self._snapshot()
        with self._lock:
            if not _newer(current.get(str(sealed["target"])), sealed):
                current[str(sealed["target"])] = sealed
        return sealed

    def repair(self) -> dict[str, Any]:
        """Delegate to the real ledger."""
        return self.inner.repair()

    @contextmanager
    def lock(self, target: str) -> Iterator[TargetHold]:
        """Hold the target in the real ledger; re-read it if someone appended since we looked."""
        with self.inner.lock(target) as hold:
            current = self._snapshot()
            outside = hold.outside_seq  # set by the inner lock when it can tell (local ledgers)
            if outside is None:
                fresh = self.inner.current(target)
                with self._lock:
                    if fresh is None:
                        current.pop(target, None)
                    else:
                        current[target] = fresh
            elif outside > self._seen:
                entries = self.inner.entries()
                with self._lock:
                    self._merge(entries)
            yield hold

    def current(self, target: str) -> JsonObject | None:
        """Return the target's latest entry as of the start of the run plus our appends."""
        return self._snapshot().get(target)

    def entries(self, target: str | None = None) -> list[JsonObject]:
        """Delegate to the real ledger."""
        return self.inner.entries(target)

    def verify(self) -> VerifyResult:
        """Delegate to the real ledger."""
        return self.inner.verify()

    def previous(self, target: str) -> JsonObject | None:
        """Delegate to the real ledger."""
        return self.inner.previous(target)

    def get(self, target: str, seq: int) -> JsonObject:
        """Delegate to the real ledger."""
        return self.inner.get(target, seq)


def _newer(had: Mapping[str, Any] | None, entry: Mapping[str, Any]) -> bool:
    """True if ``had`` has a higher seq than ``entry`` (a re-read that raced one of our appends)."""
    mine, theirs = (had or {}).get("seq"), entry.get("seq")
    return isinstance(mine, int) and isinstance(theirs, int) and mine > theirs
