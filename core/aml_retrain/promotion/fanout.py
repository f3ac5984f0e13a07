"""Fan-out: promote models to many targets from a manifest, in waves, with a concurrency cap.

Rules (the ``fanout run`` help repeats them):

* Waves run one after another; inside a wave at most ``concurrency`` targets run at once.
* A failed target stops the rollout: targets of its wave not yet started and all later waves are
  ``not-run``; running ones finish. ``keep_going`` runs everything regardless.
* A gated target in the canary wave (the first of several) stops the rollout the same way, since
  the canary exists to catch a bad model; gated targets elsewhere are reported and do not stop.
* A target already serving the wanted model, as the ledger also records, is ``skipped`` (re-runs).
* The manifest's ``rollout:`` section (:mod:`.rollout`) widens the stop rule to a failure budget per
  wave (``max_failures``); with ``on_failure: rollback`` a wave over budget rolls back every
  target this run switched, earlier waves included (:func:`.runs.rollback_switched`).
* Every ledger entry of the run carries its ``run_id``: ``resume`` continues an interrupted run.
* A health check (:mod:`.wave_health`, from ``rollout.probe``) that finds a target unhealthy after
  its switch or during the wave's bake has it rolled back at once (``run_rollback: target``); it
  counts against the wave's budget like a failure.

Every worker thread gets its own copy of the :class:`PromotionContext` with its own clients (one
HTTP session each: ``requests.Session`` is not documented as thread-safe) and the run's caches;
the ledger is shared, its appends are serialised.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from aml_retrain._json import JsonObject
from aml_retrain.errors import AmlRetrainError, GatedError, ValidationError
from aml_retrain.promotion._fanout_results import STATUSES, FanoutResult, SasCache, TargetResult
from aml_retrain.promotion._run_ledger import RunLedger
from aml_retrain.promotion.manifest import Manifest, TargetSpec, load_manifest, parse_manifest
from aml_retrain.promotion.rollout import HealthCheck, Healthy, new_run_id
from aml_retrain.promotion.runs import (
    RUN_SCOPE,
    TARGET_SCOPE,
    RollbackOutcome,
    done_targets,
    rollback_switched,
    stamper,
)
from aml_retrain.promotion.shards import DEFAULT_BARRIER_TIMEOUT, Barrier, Shard
from aml_retrain.promotion.targets import kind_of

if TYPE_CHECKING:
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.ledger import Ledger
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

SWITCHED = ("promoted", "unhealthy")  # what a rollback of the run undoes
DEFAULT_CONCURRENCY = 4
# One target's promotion, given the worker thread's context (whose ledger is the run's).
Worker = Callable[[TargetSpec, "PromotionContext"], "PromotionResult"]


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


def _retrain(spec: TargetSpec, context: PromotionContext, budget: float) -> tuple[str, Any]:
    # What retraining means (a BES job on a training service, a re-run v2 job) is the kind's.
    assert spec.data is not None  # checked by the manifest
    return kind_of(spec.target).retrain(spec.target, context, spec.data, spec.training_service,
                                        budget=budget)


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


class _Unhealthy(Exception):
    """The health check failed a target right after its switch (the switch did happen)."""

    def __init__(self, reason: str, done: PromotionResult) -> None:
        super().__init__(reason)
        self.done = done


class _Run:
    """State shared by the workers of one run: the stop flag, its first reason, failures per wave."""

    def __init__(self, manifest: Manifest, worker: Worker, contexts: _ThreadContexts,
                 keep_going: bool,
                 on_result: Callable[[TargetResult], None] | None,
                 clock: Callable[[], float], health: HealthCheck,
                 done: Mapping[str, JsonObject], run_id: str) -> None:
        self.manifest = manifest
        self.worker = worker
        self.contexts = contexts
        self.keep_going = keep_going
        self.on_result = on_result
        self.clock = clock
        self.health = health
        self.done = done  # target -> promote entry, of a resumed run
        self.run_id = run_id
        self.stop = threading.Event()
        self.reason: str | None = None
        self.failed_wave: int | None = None
        self.failures: dict[int, int] = {}
        self.budgets = {n: manifest.rollout.budget(len(specs)) for n, specs in manifest.waves()}
        self.queued: list[Future[TargetResult]] = []  # the current wave's futures
        self.scopes: dict[str, str] = {}  # target -> run_rollback of the rollback being written
        self.rolled_back: dict[str, RollbackOutcome] = {}  # unhealthy targets rolled back alone
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

    def failure(self, spec: TargetSpec, status: str) -> None:
        """Count a failure against the wave's budget; past it, stop the rollout."""
        if self.keep_going:
            return
        with self._lock:
            count = self.failures[spec.wave] = self.failures.get(spec.wave, 0) + 1
        budget = self.budgets.get(spec.wave, 0)
        if count > budget:
            with self._lock:
                self.failed_wave = spec.wave if self.failed_wave is None else self.failed_wave
            over = f" ({count} failures, budget {budget})" if budget else ""
            self.halt(f"{spec.name} {status} in wave {spec.wave}{over}")

    def one(self, spec: TargetSpec) -> TargetResult:
        """Run one target unless the rollout stopped; never raises (but lets an interrupt through)."""
        earlier = self.done.get(str(spec.target))
        if earlier is not None:
            return _done_before(spec, earlier, self.run_id)
        if self.stop.is_set():
            return _not_run(spec, self.reason)
        start = self.clock()
        result = _classify(spec, lambda: self.switch(spec, self.contexts.get()))
        result = replace(result, seconds=self.clock() - start,
                         health=self.health.figures(str(spec.target)))
        if result.status == "unhealthy":
            result = self.roll_back_one(spec, result, self.contexts.get())
        if result.status in ("failed", "unhealthy") or (
                result.status == "gated" and spec.wave == self.manifest.canary_wave):
            # Counted before returning so a free worker cannot start another target meanwhile.
            self.failure(spec, result.status)
        if self.on_result is not None:
            self.on_result(result)
        return result

    def roll_back_one(self, spec: TargetSpec, result: TargetResult,
                      context: PromotionContext) -> TargetResult:
        """Roll an unhealthy target back at once; its message says what became of it."""
        key = str(spec.target)
        self.scopes[key] = TARGET_SCOPE
        try:
            [outcome] = rollback_switched([(spec, result.model)], context,
                                          f"fanout run {self.run_id}: {result.message}"[:500],
                                          TARGET_SCOPE)
        finally:
            self.scopes.pop(key, None)
        with self._lock:
            self.rolled_back[key] = outcome
        said = ("rolled back" if outcome.status == "rolled-back"
                else f"rollback {outcome.status}: {outcome.message}")
        return replace(result, message=_line(f"{result.message}; {said}"))

    def switch(self, spec: TargetSpec, context: PromotionContext) -> PromotionResult:
        """Measure the baseline, promote one target, then ask the health check about it."""
        self.health.before_switch(spec, context)
        steps = self.manifest.rollout.traffic_steps()
        if steps is not None and kind_of(spec.target).traffic_steps:
            def at(deployment: str, _phase: str) -> tuple[str | None, JsonObject | None]:
                return self.health.at_step(spec, context, deployment)

            context = replace(context, traffic_steps=replace(steps, check=at))
        done = self.worker(spec, context)
        if not done.already_current and not done.dry_run:
            reason = self.health.after_switch(spec, done, context)
            if reason:
                raise _Unhealthy(reason, done)
        return done


def _classify(spec: TargetSpec, call: Callable[[], PromotionResult]) -> TargetResult:
    base = TargetResult(spec.name, str(spec.target), spec.wave, "failed", job_id=spec.job_id)
    try:
        done = call()
    except _Unhealthy as exc:
        switched = _promoted(base, exc.done)
        return replace(switched, status="unhealthy", message=_line(f"unhealthy after the switch: {exc}"))
    except GatedError as exc:
        return replace(base, status="gated", message=_line(str(exc)))
    except AmlRetrainError as exc:
        return replace(base, message=_line(f"{type(exc).__name__}: {exc}"))
    except Exception as exc:  # one target's bug must not hide the other targets' results
        return replace(base, message=_line(f"unexpected {type(exc).__name__}: {exc}"))
    return _promoted(base, done)


def _promoted(base: TargetResult, done: PromotionResult) -> TargetResult:
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


def _done_before(spec: TargetSpec, entry: Mapping[str, Any], run_id: str) -> TargetResult:
    seq = entry.get("seq") if isinstance(entry.get("seq"), int) else None
    model = entry.get("new_model")
    return TargetResult(spec.name, str(spec.target), spec.wave, "promoted",
                        model=str(model) if model else None, seq=seq, job_id=spec.job_id,
                        message=f"promoted before the resume of run {run_id} (ledger #{seq})")


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
    sleep: Callable[[float], None] = time.sleep,
    run_id: str | None = None,
    resume: str | None = None,
    health: HealthCheck | None = None,
    shard: Shard | None = None,
    barrier: Barrier | None = None,
    barrier_timeout: float = DEFAULT_BARRIER_TIMEOUT,
) -> FanoutResult:
    """Promote every manifest target wave by wave; see the module docstring for the rules.

    :param context: copied per worker thread (own clients; shared ledger, journal and caches).
    :param on_result: called from the worker thread as each target ends (progress).
    :param worker: replaces :func:`promote_target` (tests).
    :param run_id: this run's id (default: a new one); ``resume`` continues that run instead,
        promoting only the targets its ledger entries do not show as promoted.
    :param health: checks each target around its switch and during a bake (default: the
        manifest's ``rollout.probe`` as :class:`.wave_health.WaveHealth`, else always healthy).
    :param shard: run only this shard's targets of each wave; every wave ends at ``barrier``
        (default: one on the context's ledger waiting ``barrier_timeout`` seconds), where all
        shards of ``run_id`` meet.
    :raises ValidationError: bad concurrency; a resume of an unknown, rolled back or other run;
        a bake without a probe; a shard without a run id.
    :raises OperationTimeoutError: a shard did not reach a wave's barrier in time (exit 4).
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 256:
        raise ValidationError(f"concurrency must be between 1 and 256, not {concurrency!r}")
    if health is None:
        from aml_retrain.promotion.wave_health import wave_health

        health = wave_health(manifest)
    sas = SasCache()

    def default(spec: TargetSpec, ctx: PromotionContext) -> PromotionResult:
        return promote_target(spec, ctx, budget=budget, model_url=sas.url(spec, ctx))

    inner = context.the_ledger()
    if shard is not None and not (resume or run_id):
        raise ValidationError("--shard needs --run-id RUN_ID, the same for every shard of the run "
                              "(make one with `aml-retrain fanout new-run-id`)")
    run_id = resume or run_id or new_run_id()
    if shard is not None and barrier is None:
        barrier = Barrier(inner, run_id, shard, manifest.digest, actor=context.who(),
                          timeout=barrier_timeout)
    done = done_targets(manifest, inner, run_id) if resume else {}
    scopes: dict[str, str] = {}
    contexts = _ThreadContexts(context, RunLedger(inner, stamper(run_id, manifest, scopes)))
    run = _Run(manifest, worker or default, contexts, keep_going, on_result, clock,
               health or Healthy(), done, run_id)
    run.scopes = scopes
    results: dict[int, TargetResult] = {}
    rollbacks: tuple[RollbackOutcome, ...] = ()
    start = clock()
    try:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="fanout") as pool:
            for position, (number, specs) in enumerate(manifest.waves()):
                mine = shard.take(specs) if shard is not None else specs
                if run.stop.is_set():
                    results.update((s.index, _not_run(s, run.reason)) for s in mine)
                    continue
                if position and manifest.rollout.pause_between_waves:
                    sleep(manifest.rollout.pause_between_waves)
                results.update(_wave(pool, run, mine))
                _bake(run, mine, results, sleep)
                if barrier is not None:
                    _meet(run, barrier, number, [results[s.index] for s in mine])
        rollbacks = _roll_back(run, results)
    finally:
        contexts.close()
    ordered = tuple(results[s.index] for s in manifest.targets if s.index in results)
    alone = tuple(run.rolled_back[str(s.target)] for s in manifest.targets
                  if str(s.target) in run.rolled_back)
    return FanoutResult(ordered, concurrency, keep_going, clock() - start, run.reason, run_id,
                        run.failed_wave, alone + rollbacks, resumed=resume is not None,
                        shard=str(shard) if shard is not None else None)


def _meet(run: _Run, barrier: Barrier, wave: int, mine: list[TargetResult]) -> None:
    """Mark this shard's end of ``wave``, wait for the others, stop if the wave failed anywhere."""
    counts = {s: n for s in STATUSES if (n := sum(1 for r in mine if r.status == s))}
    barrier.arrive(wave, failures=run.failures.get(wave, 0), stopped=run.stop.is_set(),
                   counts=counts)
    totals = barrier.wait(wave)
    if run.keep_going or run.stop.is_set():
        return
    budget = run.budgets.get(wave, 0)
    if totals.stopped or totals.failures > budget:
        with run._lock:
            run.failed_wave = wave if run.failed_wave is None else run.failed_wave
        where = f"shard(s) {', '.join(totals.stopped)}" if totals.stopped else "its shards"
        run.halt(f"wave {wave} failed on {where} ({totals.failures} failures over all shards, "
                 f"budget {budget})")


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


def _bake(run: _Run, specs: list[TargetSpec], results: dict[int, TargetResult],
          sleep: Callable[[float], None]) -> None:
    """Watch the wave's fresh switches for ``bake`` seconds; unhealthy ones count as failures."""
    settings = run.manifest.rollout
    watched = [s for s in specs if results[s.index].status == "promoted"
               and str(s.target) not in run.done]
    if not settings.bake or not watched or run.stop.is_set():
        return
    end = run.clock() + settings.bake
    while watched:
        context = run.contexts.get()
        bad = run.health.during_bake(specs[0].wave, watched, context)
        for spec in watched:
            results[spec.index] = replace(results[spec.index],
                                          health=run.health.figures(str(spec.target)))
        for spec in [s for s in watched if s.name in bad]:
            unhealthy = replace(results[spec.index], status="unhealthy",
                                message=_line(f"unhealthy during the bake: {bad[spec.name]}"))
            results[spec.index] = run.roll_back_one(spec, unhealthy, context)
            watched.remove(spec)
            run.failure(spec, "unhealthy")
        left = end - run.clock()
        if run.stop.is_set() or left <= 0:
            return
        sleep(min(settings.every or settings.bake, left))


def _roll_back(run: _Run, results: dict[int, TargetResult]) -> tuple[RollbackOutcome, ...]:
    """With ``on_failure: rollback`` and a wave over budget, undo the run's switches, latest wave first."""
    if run.failed_wave is None or run.manifest.rollout.on_failure != "rollback":
        return ()
    specs = sorted(run.manifest.targets, key=lambda s: (-s.wave, s.index))
    done_alone = {t for t, o in run.rolled_back.items() if o.status == "rolled-back"}
    switched = [(s, results[s.index].model) for s in specs
                if s.index in results and results[s.index].status in SWITCHED
                and str(s.target) not in done_alone]
    reason = f"fanout run {run.run_id}: wave {run.failed_wave} exceeded its failure budget"
    run.scopes.update((str(s.target), RUN_SCOPE) for s, _ in switched)
    try:
        return rollback_switched(switched, run.contexts.get(), reason)
    finally:
        run.scopes.clear()
