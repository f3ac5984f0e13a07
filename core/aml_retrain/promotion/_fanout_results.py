"""A fan-out's results (per target and for the run) and the run's shared model SAS."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aml_retrain._json import JsonObject
from aml_retrain.promotion.runs import RollbackOutcome
from aml_retrain.promotion.targets import kind_of

if TYPE_CHECKING:
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.manifest import TargetSpec

__all__ = ["STATUSES", "FanoutResult", "SasCache", "TargetResult"]

STATUSES = ("promoted", "skipped", "gated", "failed", "unhealthy", "not-run")


@dataclass(frozen=True)
class TargetResult:
    """What happened to one target; ``message`` is one line."""

    name: str
    target: str
    wave: int
    status: str
    model: str | None = None
    seconds: float = 0.0
    message: str = ""
    seq: int | None = None
    job_id: str | None = None
    health: JsonObject | None = None  # the last probe's figures, when a health check ran

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict with the attribute names as keys."""
        return {"name": self.name, "target": self.target, "wave": self.wave, "status": self.status,
                "model": self.model, "seconds": round(self.seconds, 3), "message": self.message,
                "seq": self.seq, "job_id": self.job_id, "health": self.health}


@dataclass(frozen=True)
class FanoutResult:
    """All targets' results in manifest order, and why the rollout stopped early (if it did)."""

    results: tuple[TargetResult, ...]
    concurrency: int
    keep_going: bool
    seconds: float
    stopped: str | None = None
    run_id: str = ""
    failed_wave: int | None = None  # the wave that exceeded its failure budget
    rollbacks: tuple[RollbackOutcome, ...] = ()
    resumed: bool = False
    shard: str | None = None  # "I/N" when this process ran one shard (results: its targets only)

    @property
    def counts(self) -> dict[str, int]:
        """Number of targets per status, every status present."""
        return {s: sum(1 for r in self.results if r.status == s) for s in STATUSES}

    @property
    def outcome(self) -> str:
        """``failed`` if a target failed, was unhealthy or rolled back, else ``gated`` or ``ok``."""
        counts = self.counts
        if counts["failed"] or counts["unhealthy"] or self.rollbacks:
            return "failed"
        return "gated" if counts["gated"] else "ok"

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict: outcome, counts, stop reason and per-target results."""
        return {"outcome": self.outcome, "run_id": self.run_id, "resumed": self.resumed,
                "shard": self.shard,
                "counts": self.counts, "stopped": self.stopped, "failed_wave": self.failed_wave,
                "concurrency": self.concurrency, "keep_going": self.keep_going,
                "seconds": round(self.seconds, 3), "results": [r.to_dict() for r in self.results],
                "rollbacks": [r.to_dict() for r in self.rollbacks]}



class SasCache:
    """One read SAS per model blob per run, re-minted when older than ``max_age`` seconds.

    A bare model URL gets a SAS minted per deploy otherwise, and minting builds a storage SDK
    client each time: with one model fanned out to many endpoints that is pure overhead. Only
    kinds that share one (``shares_sas``) get it: classic endpoints take the SAS apart from the
    URL, ARM definitions would store it.
    """

    def __init__(self, *, max_age: float = 900.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._urls: dict[str, tuple[float, str]] = {}

    def url(self, spec: TargetSpec, context: PromotionContext) -> str | None:
        """Return the spec's model URL with a shared SAS when one applies, else None."""
        url, conn = spec.model_url, context.clients.storage_connection_string
        if url is None or "?" in url or not conn or not kind_of(spec.target).shares_sas:
            return None
        with self._lock:
            hit = self._urls.get(url)
        if hit is not None and self._clock() - hit[0] < self.max_age:
            return hit[1]
        from aml_retrain.storage import make_read_sas_url

        minted = make_read_sas_url(conn, url)
        with self._lock:
            self._urls[url] = (self._clock(), minted)
        return minted

