"""Fan-out: promote models to many targets from a manifest, in waves, with a concurrency cap.

Rules (the ``fanout run`` help repeats them):

* Waves run one after another; inside a wave at most ``concurrency`` targets run at once.
* A failed target stops the rollout: targets of its wave not yet started and all later waves are
  ``not-run``; running ones finish. ``keep_going`` runs everything regardless.
* A gated target in the canary wave (the first of several) stops the rollout the same way, since
  the canary exists to catch a bad model; gated targets elsewhere are reported and do not stop.
* A target already serving the wanted model, as the ledger also records, is ``skipped`` (re-runs).

Every worker thread gets its own copy of the :class:`PromotionContext` with its own clients (one
HTTP session each: ``requests.Session`` is not documented as thread-safe) and the run's caches;
the ledger is shared, its appends are serialised.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from aml_retrain._json import JsonObject
from aml_retrain.errors import AmlRetrainError, GatedError, ValidationError
from aml_retrain.promotion.manifest import Manifest, TargetSpec, load_manifest, parse_manifest
from aml_retrain.promotion.targets import kind_of

if TYPE_CHECKING:
    from aml_retrain.promotion._locks import TargetHold
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.ledger import Ledger, VerifyResult
    from aml_retrain.promotion.promote import PromotionResult

__all__ = [
    "STATUSES",
    "FanoutResult",
    "Manifest",
    "RunLedger",
    "SasCache",
    "TargetResult",
    "TargetSpec",
    "load_manifest",
    "parse_manifest",
    "promote_target",
    "run_fanout",
]

STATUSES = ("promoted", "skipped", "gated", "failed", "not-run")
DEFAULT_CONCURRENCY = 4
# One target's promotion, given the worker thread's context (whose ledger is the run's).
Worker = Callable[[TargetSpec, "PromotionContext"], "PromotionResult"]


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

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict with the attribute names as keys."""
        return {"name": self.name, "target": self.target, "wave": self.wave, "status": self.status,
                "model": self.model, "seconds": round(self.seconds, 3), "message": self.message,
                "seq": self.seq, "job_id": self.job_id}


@dataclass(frozen=True)
class FanoutResult:
    """All targets' results in manifest order, and why the rollout stopped early (if it did)."""

    results: tuple[TargetResult, ...]
    concurrency: int
    keep_going: bool
    seconds: float
    stopped: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Number of targets per status, every status present."""
        return {s: sum(1 for r in self.results if r.status == s) for s in STATUSES}

    @property
    def outcome(self) -> str:
        """``failed`` if any target failed, else ``gated`` if any was gated, else ``ok``."""
        counts = self.counts
        if counts["failed"]:
            return "failed"
        return "gated" if counts["gated"] else "ok"

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict: outcome, counts, stop reason and per-target results."""
        return {"outcome": self.outcome, "counts": self.counts, "stopped": self.stopped,
                "concurrency": self.concurrency, "keep_going": self.keep_going,
                "seconds": round(self.seconds, 3), "results": [r.to_dict() for r in self.results]}


def promote_target(spec: TargetSpec, context: PromotionContext, *, budget: float = 1800.0,
                   model_url: str | None = None) -> PromotionResult:
    """Retrain (for ``data`` targets) and promote one manifest target; errors propagate.

    ``model_url`` replaces the spec's (the run passes it with a SAS minted once per model).
    """
    from aml_retrain.promotion.context import ModelRef
    from aml_retrain.promotion.promote import promote

    job_id, candidate = spec.job_id, spec.candidate
    if spec.data is not None:
        job_id, metrics = _retrain(spec, context, budget)
        candidate = candidate or metrics
    model = ModelRef(url=model_url or spec.model_url, job_id=job_id,
                     training_service=spec.training_service)
    return promote(spec.target, context, model, spec.gating, candidate=candidate)


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


def _retrain(spec: TargetSpec, context: PromotionContext, budget: float) -> tuple[str, Any]:
    # What retraining means (a BES job on a training service, a re-run v2 job) is the kind's.
    assert spec.data is not None  # checked by the manifest
    return kind_of(spec.target).retrain(spec.target, context, spec.data, spec.training_service,
                                        budget=budget)


class RunLedger:
    """The run's ledger: read once, then answered from memory; appends go to the real store.

    ``promote`` asks the ledger for a target's current entry; a file ledger re-reads every line for
    that, which makes N targets cost O(N * ledger size). Within the run, duplicates are refused by
    the manifest; another process may still have promoted a target since the snapshot. A local
    ledger tells :meth:`lock` the highest ``seq`` it did not write itself: past the snapshot, the
    snapshot is read again (once per outside append seen, not once per target). A store that
    cannot tell (a blob ledger) has the held target re-read.
    """

    def __init__(self, inner: Ledger) -> None:
        self.inner = inner
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
        """Append to the real ledger and remember the entry as the target's current one."""
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


class _ThreadContexts:
    """One context per worker thread (own clients, the run's ledger and caches), all closed at the end.

    The run-wide caches (model fingerprints, web service objects) are shared by the threads: a
    model is downloaded and hashed once per run, not once per thread.
    """

    def __init__(self, context: PromotionContext, ledger: Ledger) -> None:
        self._context = context
        self._ledger = ledger
        self._local = threading.local()
        self._made: list[PromotionContext] = []
        self._lock = threading.Lock()

    def get(self) -> PromotionContext:
        made: PromotionContext | None = getattr(self._local, "context", None)
        if made is None:
            made = self._local.context = self._context.for_thread(self._ledger)
            with self._lock:
                self._made.append(made)
        return made

    def close(self) -> None:
        for made in self._made:
            made.close()


class _Run:
    """State shared by the workers of one run: the stop flag and its first reason."""

    def __init__(self, manifest: Manifest, worker: Worker, contexts: _ThreadContexts,
                 keep_going: bool,
                 on_result: Callable[[TargetResult], None] | None,
                 clock: Callable[[], float]) -> None:
        self.manifest = manifest
        self.worker = worker
        self.contexts = contexts
        self.keep_going = keep_going
        self.on_result = on_result
        self.clock = clock
        self.stop = threading.Event()
        self.reason: str | None = None
        self.queued: list[Future[TargetResult]] = []  # the current wave's futures
        self._lock = threading.Lock()

    def halt(self, reason: str) -> None:
        with self._lock:
            if self.reason is None:
                self.reason = reason
            self.stop.set()
        self.cancel_queued()

    def cancel_queued(self) -> None:
        """Cancel the wave's futures not started yet: they never start; running ones finish."""
        for future in list(self.queued):
            future.cancel()

    def one(self, spec: TargetSpec) -> TargetResult:
        """Run one target unless the rollout stopped; never raises."""
        if self.stop.is_set():
            return _not_run(spec, self.reason)
        start = self.clock()
        result = _classify(spec, lambda: self.worker(spec, self.contexts.get()))
        result = replace(result, seconds=self.clock() - start)
        stops = result.status == "failed" or (
            result.status == "gated" and spec.wave == self.manifest.canary_wave)
        if stops and not self.keep_going:
            # Set before returning so a free worker cannot start another target meanwhile.
            self.halt(f"{spec.name} {result.status} in wave {spec.wave}")
        if self.on_result is not None:
            self.on_result(result)
        return result


def _classify(spec: TargetSpec, call: Callable[[], PromotionResult]) -> TargetResult:
    base = TargetResult(spec.name, str(spec.target), spec.wave, "failed", job_id=spec.job_id)
    try:
        done = call()
    except GatedError as exc:
        return replace(base, status="gated", message=_line(str(exc)))
    except AmlRetrainError as exc:
        return replace(base, message=_line(f"{type(exc).__name__}: {exc}"))
    except Exception as exc:  # one target's bug must not hide the other targets' results
        return replace(base, message=_line(f"unexpected {type(exc).__name__}: {exc}"))
    entry = done.entry or {}
    seq = entry.get("seq") if isinstance(entry.get("seq"), int) else None
    job = done.entry.get("job_id") if done.entry else None
    if done.already_current:
        return replace(base, status="skipped", model=done.new_model, seq=seq,
                       message=f"already serves this model (ledger #{seq})", job_id=job)
    notes = "; ".join(done.notices)
    old = f"was {done.old_model}" if done.old_model else "no model before"
    return replace(base, status="promoted", model=done.new_model, seq=seq, job_id=job,
                   message=_line(f"{old}; {notes}" if notes else old))


def _not_run(spec: TargetSpec, reason: str | None) -> TargetResult:
    return TargetResult(spec.name, str(spec.target), spec.wave, "not-run", job_id=spec.job_id,
                        message=f"not started: {reason or 'the rollout stopped'}")


def _line(text: str) -> str:
    return " ".join(text.split())


def run_fanout(
    manifest: Manifest,
    context: PromotionContext,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    keep_going: bool = False,
    budget: float = 1800.0,
    on_result: Callable[[TargetResult], None] | None = None,
    worker: Worker | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> FanoutResult:
    """Promote every manifest target wave by wave; see the module docstring for the rules.

    :param context: copied per worker thread (own clients; shared ledger, journal and caches).
    :param on_result: called from the worker thread as each target ends (progress).
    :param worker: replaces :func:`promote_target` (tests).
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 256:
        raise ValidationError(f"concurrency must be between 1 and 256, not {concurrency!r}")
    sas = SasCache()

    def default(spec: TargetSpec, ctx: PromotionContext) -> PromotionResult:
        return promote_target(spec, ctx, budget=budget, model_url=sas.url(spec, ctx))

    contexts = _ThreadContexts(context, RunLedger(context.the_ledger()))
    run = _Run(manifest, worker or default, contexts, keep_going, on_result, clock)
    results: dict[int, TargetResult] = {}
    start = clock()
    try:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="fanout") as pool:
            for _number, specs in manifest.waves():
                if run.stop.is_set():
                    results.update((s.index, _not_run(s, run.reason)) for s in specs)
                    continue
                results.update(_wave(pool, run, specs))
    finally:
        contexts.close()
    ordered = tuple(results[s.index] for s in manifest.targets)
    return FanoutResult(ordered, concurrency, keep_going, clock() - start, run.reason)


def _wave(pool: ThreadPoolExecutor, run: _Run, specs: list[TargetSpec]) -> dict[int, TargetResult]:
    futures: dict[Future[TargetResult], TargetSpec] = {}
    for spec in specs:
        future = pool.submit(run.one, spec)
        futures[future] = spec
        run.queued.append(future)
    if run.stop.is_set():
        run.cancel_queued()  # the stop came while submitting
    # One wait for the whole wave: waiting for the first completed, again and again, re-registers
    # on every pending future each time (O(targets²) under the GIL the workers need).
    wait(futures)
    run.queued.clear()
    out: dict[int, TargetResult] = {}
    for future, spec in futures.items():
        out[spec.index] = _not_run(spec, run.reason) if future.cancelled() else future.result()
    return out
