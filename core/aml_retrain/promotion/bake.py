"""Bake a switched target: repeat its health probe for a while; roll it back when it turns unhealthy.

``promote --probe FILE --bake SECONDS`` scores the probe on the model about to be replaced (the
baseline, before the switch), switches, then probes right away and every ``every`` seconds until
the bake ends, each time against the baseline (``health.compare``). The first unhealthy probe
ends the bake: the target is rolled back through ``rollback.py`` (a ledger entry, read-back) and
:class:`HealthCheckError` says which threshold failed, measured against allowed, and whether the
rollback happened. The clock and sleep are injected: tests bake without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from aml_retrain._json import JsonObject
from aml_retrain.errors import AmlRetrainError, HealthCheckError, ValidationError
from aml_retrain.promotion.health import DEFAULT_HEALTH, Health, HealthPolicy, Probe, compare
from aml_retrain.promotion.targets import kind_of

if TYPE_CHECKING:
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.health import ProbeResult
    from aml_retrain.promotion.promote import PromotionResult
    from aml_retrain.promotion.steps import StepCheck
    from aml_retrain.promotion.targets import Target

__all__ = ["DEFAULT_EVERY", "BakeResult", "HealthCheck", "bake", "baseline_of", "step_check",
           "watch"]

DEFAULT_EVERY = 30.0


@dataclass(frozen=True)
class HealthCheck:
    """What ``promote --probe`` asks for: the probe, its thresholds, how long and how often."""

    probe: Probe
    policy: HealthPolicy = DEFAULT_HEALTH
    bake_seconds: float = 0.0
    every_seconds: float = DEFAULT_EVERY
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    @classmethod
    def from_file(cls, path: str | Path, policy: HealthPolicy | None = None, *,
                  bake_seconds: float = 0.0,
                  every_seconds: float | None = None) -> HealthCheck:
        """Read the probe file; ``policy`` None means the default thresholds."""
        from aml_retrain.promotion.health import read_probe

        made = cls(read_probe(path), policy or DEFAULT_HEALTH, bake_seconds,
                   DEFAULT_EVERY if every_seconds is None else every_seconds)
        made.check()
        return made

    def check(self) -> None:
        """Refuse a negative bake or a non-positive interval before any request."""
        if not self.bake_seconds >= 0:
            raise ValidationError(f"--bake must be 0 or more seconds, not {self.bake_seconds:g}")
        if not self.every_seconds > 0:
            raise ValidationError(f"--probe-every must be above 0 seconds, not "
                                  f"{self.every_seconds:g}")


@dataclass(frozen=True)
class BakeResult:
    """How a bake went: the last probe's health (the failing one when unhealthy), rounds, time."""

    health: Health
    rounds: int
    elapsed_seconds: float
    bake_seconds: float

    @property
    def healthy(self) -> bool:
        """True when every probe of the bake was healthy."""
        return self.health.healthy

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict: the health figures plus the bake's rounds and times."""
        return {**self.health.to_dict(), "probes": self.rounds,
                "elapsed_seconds": round(self.elapsed_seconds, 1),
                "bake_seconds": self.bake_seconds}


def bake(probe_once: Callable[[], ProbeResult], baseline: ProbeResult | None,
         check: HealthCheck) -> BakeResult:
    """Probe now and every ``check.every_seconds`` until ``check.bake_seconds``; stop at the first failure."""
    start = check.clock()
    rounds = 0
    while True:
        health = compare(baseline, probe_once(), check.policy)
        rounds += 1
        elapsed = check.clock() - start
        remaining = check.bake_seconds - elapsed
        if not health.healthy or remaining <= 0:
            return BakeResult(health, rounds, elapsed, check.bake_seconds)
        check.sleep(min(check.every_seconds, remaining))


def baseline_of(target: Target, context: PromotionContext, check: HealthCheck) -> ProbeResult:
    """Score the probe on what ``target`` serves now, before the switch: the old model's answers."""
    return kind_of(target).probe(target, context, check.probe)


def step_check(target: Target, context: PromotionContext, baseline: ProbeResult | None,
               check: HealthCheck) -> StepCheck:
    """The check of a traffic step: bake the probe on the new deployment (by name) against ``baseline``."""
    kind = kind_of(target)

    def at(deployment: str, _phase: str) -> tuple[str | None, JsonObject | None]:
        done = bake(lambda: kind.probe(target, context, check.probe, deployment=deployment),
                    baseline, check)
        return (None if done.healthy else reason_of(done.health)), done.to_dict()

    return at


def reason_of(health: Health) -> str:
    """One line: the failed thresholds, and the first error when requests failed."""
    text = "; ".join(health.failures)
    if health.errors:
        text += f" (first error: {health.errors[0]})"
    return text


def watch(target: Target, context: PromotionContext, result: PromotionResult,
          baseline: ProbeResult, check: HealthCheck) -> PromotionResult:
    """Bake a promotion just made; healthy: the result with its health; else roll back and raise.

    A promotion that switched nothing (already in place, or deployed by an earlier run) is not
    probed: the baseline already measured the new model.

    :raises HealthCheckError: the target turned unhealthy (rolled back, or the message says how
        to check when the rollback failed or was not attempted).
    """
    if result.already_current or (result.deploy or {}).get("deployed_earlier"):
        return replace(result, notices=(*result.notices, "probe: nothing was switched by this run, "
                                        "so there is nothing to compare; not probed"))
    kind = kind_of(target)
    done = bake(lambda: kind.probe(target, context, check.probe), baseline, check)
    if done.healthy:
        return replace(result, health=done.to_dict())
    when = (f"{done.elapsed_seconds:.0f}s into the {check.bake_seconds:g}s bake"
            if done.rounds > 1 else "right after the switch")
    failed = reason_of(done.health)
    head = f"{result.target} turned unhealthy {when}: {failed}"
    rolled_back, outcome = _roll_back(target, context, result, failed)
    raise HealthCheckError(f"{head}; {outcome}", rolled_back=rolled_back,
                           health=done.to_dict())


def _roll_back(target: Target, context: PromotionContext, result: PromotionResult,
               failed: str) -> tuple[bool, str]:
    """Roll back to the model the promotion replaced; return (done, what to tell the user)."""
    from aml_retrain.promotion.rollback import rollback

    key = result.target
    ours = (result.entry or {}).get("seq")
    check_it = (f"check with `aml-retrain target show {key}` and `aml-retrain ledger show {key}`,"
                f" then `aml-retrain rollback {key} --reason \"health check failed\"`")
    current = context.the_ledger().current(key)
    if ours is None or current is None or current.get("seq") != ours:
        # Another promotion was recorded since ours: rolling back now would undo theirs.
        return False, (f"NOT rolled back: the ledger moved on since entry #{ours} "
                       f"(now #{(current or {}).get('seq')}); {check_it}")
    try:
        rolled = rollback(target, context, reason=f"health check failed: {failed}"[:500])
    except AmlRetrainError as exc:
        return False, (f"state unknown, not rolled back ({type(exc).__name__}: {exc}); "
                       f"{check_it}")
    entry = rolled.entry or {}
    return True, (f"rolled back to {rolled.new_model} (ledger entry #{entry.get('seq')})")
