"""Health checks inside a fan-out: the manifest's ``rollout.probe`` scored before and after each switch.

``fanout run`` with ``rollout: {probe: rows.csv, bake: 120, every: 30}`` scores the probe on what
each target serves just before its switch (the baseline: the old model's answers), again right
after it, and on every switched target of the wave every ``every`` seconds until ``bake`` ends.
Each probe is measured against that target's baseline with the thresholds of its policy's
``health:`` section (``promote --probe``'s defaults when it has none). A failing probe makes the
target ``unhealthy``: the run rolls it back at once and counts it against the wave's budget.

A bake round probes the wave's targets concurrently, at most ``concurrency`` (8) at a time, each
thread with its own clients; a target the ledger already shows on this spec's model gets no
baseline (the promotion will not switch it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import TYPE_CHECKING

from aml_retrain._json import JsonObject
from aml_retrain.errors import AmlRetrainError
from aml_retrain.promotion.bake import DEFAULT_EVERY, HealthCheck, bake, reason_of
from aml_retrain.promotion.health import DEFAULT_HEALTH, HealthPolicy, Probe, compare
from aml_retrain.promotion.targets import kind_of

if TYPE_CHECKING:
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.health import ProbeResult
    from aml_retrain.promotion.manifest import Manifest, TargetSpec
    from aml_retrain.promotion.promote import PromotionResult

__all__ = ["DEFAULT_CONCURRENCY", "WaveHealth", "wave_health"]

DEFAULT_CONCURRENCY = 8  # probes in flight per bake round: bounds the request rate a bake adds


def wave_health(manifest: Manifest) -> WaveHealth | None:
    """Return the fan-out health check the manifest asks for (None: no ``rollout.probe``).

    :raises ValidationError: a ``bake`` without a ``probe`` (nothing would be checked), or an
        unreadable or empty probe file.
    """
    from aml_retrain.errors import ValidationError
    from aml_retrain.promotion.health import read_probe

    settings = manifest.rollout
    if settings.probe is None:
        if settings.bake:
            raise ValidationError(f"{manifest.source}: rollout.bake has nothing to check without "
                                  "rollout.probe: add a probe file, or use pause_between_waves "
                                  "to only wait")
        return None
    return WaveHealth(read_probe(settings.probe), step_bake=settings.bake,
                      step_every=settings.every or settings.bake or None)


class WaveHealth:
    """Implements ``rollout.HealthCheck`` with a probe: baseline before, compare after and during the bake.

    ``concurrency`` caps the targets a bake round probes at once (each probe is rows requests);
    ``step_bake``/``step_every`` time the bake of each traffic step (``rollout.steps``/``mirror``).
    """

    def __init__(self, probe: Probe, *, concurrency: int = DEFAULT_CONCURRENCY,
                 step_bake: float = 0.0, step_every: float | None = None) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self.probe = probe
        self.concurrency = concurrency
        self.step_bake = step_bake
        self.step_every = step_every
        self._baselines: dict[str, ProbeResult] = {}
        self._figures: dict[str, JsonObject] = {}
        self._probes: dict[str, int] = {}
        self._lock = threading.Lock()  # workers of a wave record concurrently

    def figures(self, target: str) -> JsonObject | None:
        """The last health figures of ``target`` (``Health.to_dict()`` plus ``probes``), if probed."""
        with self._lock:
            found = self._figures.get(target)
            return None if found is None else {**found, "probes": self._probes.get(target, 0)}

    def before_switch(self, spec: TargetSpec, context: PromotionContext) -> None:
        """Score the probe on the model about to be replaced: the baseline of this target.

        Skipped when the ledger's current entry of the target already names this spec's model:
        the promotion is then a no-op and the probe would be wasted. Should the promotion switch
        anyway (the target drifted from what the ledger says), ``after_switch`` has no baseline
        and measures only the absolute thresholds (success rate), as ``compare(None, ...)`` does.
        """
        key = str(spec.target)
        if _already_current(spec, context):
            with self._lock:
                self._baselines.pop(key, None)  # never compare against an older measurement
            return
        baseline = kind_of(spec.target).probe(spec.target, context, self.probe)
        with self._lock:
            self._baselines[key] = baseline

    def after_switch(self, spec: TargetSpec, promoted: PromotionResult,
                     context: PromotionContext) -> str | None:
        """Probe the target just switched; None when healthy, else what failed."""
        if (promoted.deploy or {}).get("deployed_earlier"):
            return None  # an earlier run deployed it: the baseline already measured the new model
        return self._check(spec, context)

    def during_bake(self, wave: int, switched: Sequence[TargetSpec],
                    context: PromotionContext) -> Mapping[str, str]:
        """Probe the wave's switched targets once, concurrently; return the unhealthy's ``{name: reason}``.

        At most ``concurrency`` targets are probed at once, each worker thread with its own
        ``context.for_thread()`` copy (HTTP sessions are per thread), all closed when the round
        ends. The result is in ``switched`` order whatever order the probes finish in. A probe
        that raises makes only its own target unhealthy (``unexpected <Type>: <message>``).
        """
        workers = min(len(switched), self.concurrency)
        if workers <= 1:  # nothing to overlap: the calling thread probes with its own context
            reasons = [self._guarded(spec, lambda: context) for spec in switched]
        else:
            with _RoundContexts(context) as contexts, \
                    ThreadPoolExecutor(workers, thread_name_prefix=f"bake-w{wave}") as pool:
                reasons = list(pool.map(lambda spec: self._guarded(spec, contexts.get), switched))
        return {spec.name: reason for spec, reason in zip(switched, reasons, strict=True) if reason}

    def at_step(self, spec: TargetSpec, context: PromotionContext,
                deployment: str) -> tuple[str | None, JsonObject | None]:
        """Bake one traffic step: the probe on the new ``deployment`` against the target's baseline."""
        key = str(spec.target)
        with self._lock:
            baseline = self._baselines.get(key)
        check = HealthCheck(self.probe, _policy(spec), self.step_bake,
                            self.step_every or DEFAULT_EVERY)
        kind = kind_of(spec.target)
        done = bake(lambda: kind.probe(spec.target, context, self.probe, deployment=deployment),
                    baseline, check)
        with self._lock:
            self._figures[key] = done.health.to_dict()
            self._probes[key] = self._probes.get(key, 0) + done.rounds
        return (None if done.healthy else reason_of(done.health)), done.to_dict()

    def _guarded(self, spec: TargetSpec, context: Callable[[], PromotionContext]) -> str | None:
        # Kinds turn service errors into failed rows; anything else is a bug or an outage of one
        # target, and must not drop the results of the round's other targets.
        try:
            return self._check(spec, context())
        except Exception as exc:
            return f"unexpected {type(exc).__name__}: {exc}"

    def _check(self, spec: TargetSpec, context: PromotionContext) -> str | None:
        key = str(spec.target)
        after = kind_of(spec.target).probe(spec.target, context, self.probe)
        with self._lock:
            baseline = self._baselines.get(key)
        health = compare(baseline, after, _policy(spec))
        with self._lock:
            self._figures[key] = health.to_dict()
            self._probes[key] = self._probes.get(key, 0) + 1
        return None if health.healthy else reason_of(health)


class _RoundContexts:
    """One context per probing thread of a bake round, made on its first probe, all closed at the end."""

    def __init__(self, context: PromotionContext) -> None:
        self._context = context
        self._local = threading.local()
        self._closing = ExitStack()  # closes every context even when one close raises
        self._lock = threading.Lock()

    def get(self) -> PromotionContext:
        """This thread's context (made with ``for_thread`` on first use)."""
        made: PromotionContext | None = getattr(self._local, "context", None)
        if made is None:
            made = self._local.context = self._context.for_thread()
            with self._lock:
                self._closing.callback(made.close)
        return made

    def __enter__(self) -> _RoundContexts:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._closing.close()


def _already_current(spec: TargetSpec, context: PromotionContext) -> bool:
    """True when the ledger shows ``spec.target`` serving the model this spec deploys."""
    from aml_retrain.promotion.promote import model_key

    if spec.model_url is None or context.ledger is None:
        return False  # a job's model is known only once promote resolves it
    try:
        current = context.the_ledger().current(str(spec.target))
        return current is not None and current.get("new_model") == model_key(spec.target,
                                                                             spec.model_url)
    except AmlRetrainError:
        return False  # unreadable ledger or bad reference: probe, and let promote report it


def _policy(spec: TargetSpec) -> HealthPolicy:
    return spec.health or DEFAULT_HEALTH
