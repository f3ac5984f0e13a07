"""Shards of one fan-out run: every N-th target of each wave, the shared ledger as the wave barrier.

``fanout run MANIFEST --shard I/N --run-id RUN_ID`` runs shard I of N (1-based, as Azure
Pipelines numbers parallel jobs: ``System.JobPositionInPhase`` of ``System.TotalJobsInPhase``).
Of each wave's targets, in manifest order, shard I takes positions I-1, I-1+N, I-1+2N, …

All shards write one ledger (an ``az://`` blob, appended under its lease). When a shard ends a
wave it appends a *wave mark* (``action: "wave"``, ``target: "fanout-run:RUN_ID"``) with its
failure count and whether it stopped, then polls the ledger until every shard marked that
wave. Only then does it start the next wave, and only if the wave's failures over all shards
stay within the wave's budget and no shard stopped; otherwise every shard stops (and, with
``on_failure: rollback``, rolls back what it switched). Marks are ordinary hash-chained
entries; ``current``/``history`` of real targets never see them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from aml_retrain._json import JsonObject
from aml_retrain.errors import OperationTimeoutError, ValidationError

if TYPE_CHECKING:
    from aml_retrain.promotion.ledger import Ledger

__all__ = ["DEFAULT_BARRIER_TIMEOUT", "MARK", "Barrier", "Shard", "WaveTotals", "mark_target"]

MARK = "wave"  # the ledger action of a shard's wave mark
DEFAULT_BARRIER_TIMEOUT = 3600.0
MAX_SHARDS = 256
T = TypeVar("T")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """Parse ``I/N`` (1 <= I <= N <= 256); ValidationError with an example otherwise."""
        parts = text.strip().split("/")
        try:
            index, count = (int(p) for p in parts)
        except ValueError:
            index = count = 0
        if len(parts) != 2 or not 1 <= index <= count <= MAX_SHARDS:
            raise ValidationError(f"--shard takes I/N, shard I of N counted from 1 (like 2/4, at "
                                  f"most {MAX_SHARDS} shards), not {text!r}")
        return cls(index, count)

    def take(self, items: Sequence[T]) -> list[T]:
        """Every ``count``-th item starting at position ``index - 1``."""
        return list(items[self.index - 1::self.count])

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def mark_target(run_id: str) -> str:
    """The ``target`` of a run's wave marks (never a real target: no kind has this prefix)."""
    return f"fanout-run:{run_id}"


@dataclass(frozen=True)
class WaveTotals:
    """A wave over all shards: failures summed, the shards that stopped in it."""

    wave: int
    failures: int
    stopped: tuple[str, ...]


class Barrier:
    """Marks this shard's end of a wave in the ledger and waits for the other shards' marks."""

    def __init__(self, ledger: Ledger, run_id: str, shard: Shard, manifest_digest: str, *,
                 actor: str, timeout: float = DEFAULT_BARRIER_TIMEOUT, every: float = 2.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.ledger, self.run_id, self.shard = ledger, run_id, shard
        self.digest, self.actor = manifest_digest, actor
        self.timeout, self.every, self.clock, self.sleep = timeout, every, clock, sleep

    def arrive(self, wave: int, *, failures: int, stopped: bool,
               counts: dict[str, int]) -> JsonObject:
        """Append this shard's mark for ``wave``."""
        return self.ledger.append({
            "actor": self.actor, "action": MARK, "target": mark_target(self.run_id),
            "run_id": self.run_id, "run_manifest": self.digest, "run_wave": wave,
            "shard": str(self.shard), "failures": failures, "stopped": stopped, "counts": counts,
        })

    def wait(self, wave: int) -> WaveTotals:
        """Poll until every shard marked ``wave``; sum their failures.

        :raises OperationTimeoutError: not every shard marked it within ``timeout`` (exit 4).
        :raises ValidationError: a shard ran another manifest.
        """
        start = self.clock()
        while True:
            marks = self._marks(wave)
            if len(marks) == self.shard.count:
                return WaveTotals(wave, sum(int(m.get("failures") or 0) for m in marks.values()),
                                  tuple(sorted(s for s, m in marks.items() if m.get("stopped"))))
            waited = self.clock() - start
            if waited >= self.timeout:
                missing = [str(i) for i in range(1, self.shard.count + 1)
                           if f"{i}/{self.shard.count}" not in marks]
                raise OperationTimeoutError(
                    f"fanout run {self.run_id} shard {self.shard}: after {waited:.0f} s shard(s) "
                    f"{', '.join(missing)} of {self.shard.count} have not finished wave {wave}: "
                    f"check their jobs, then run them (or this one) again with --resume "
                    f"{self.run_id} --shard I/{self.shard.count}")
            self.sleep(min(self.every, self.timeout - waited))

    def _marks(self, wave: int) -> dict[str, dict[str, Any]]:
        marks: dict[str, dict[str, Any]] = {}
        for entry in self.ledger.entries(mark_target(self.run_id)):
            if entry.get("action") != MARK or entry.get("run_wave") != wave:
                continue
            shard = str(entry.get("shard"))
            if entry.get("run_manifest") != self.digest:
                raise ValidationError(
                    f"fanout run {self.run_id}: shard {shard} ran another manifest than this "
                    f"shard ({self.shard}): every shard of a run takes the same manifest")
            if not shard.endswith(f"/{self.shard.count}"):
                continue  # an earlier attempt split in another N (a resume may re-split)
            marks[shard] = entry  # a re-run shard marks again: its latest mark counts
        return marks
