"""Health checks inside a fan-out: the manifest's ``rollout.probe`` scored before and after each switch.

``fanout run`` with ``rollout: {probe: rows.csv, bake: 120, every: 30}`` scores the probe on what
each target serves just before its switch (the baseline: the old model's answers), again right
after it, and on every switched target of the wave every ``every`` seconds until ``bake`` ends.
Each probe is measured against that target's baseline with the thresholds of its policy's
``health:`` section (``promote --probe``'s defaults when it has none). A failing probe makes the
target ``unhealthy``: the run rolls it back at once and counts it against the wave's budget.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from aml_retrain._json import JsonObject
from aml_retrain.promotion.health import DEFAULT_HEALTH, Health, HealthPolicy, Probe, compare
from aml_retrain.promotion.targets import kind_of

if TYPE_CHECKING:
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.health import ProbeResult
    from aml_retrain.promotion.manifest import Manifest, TargetSpec
    from aml_retrain.promotion.promote import PromotionResult

__all__ = ["WaveHealth", "wave_health"]


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
    return WaveHealth(read_probe(settings.probe))


class WaveHealth:
    """Implements ``rollout.HealthCheck`` with a probe: baseline before, compare after and during the bake."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe
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
        """Score the probe on the model about to be replaced: the baseline of this target."""
        baseline = kind_of(spec.target).probe(spec.target, context, self.probe)
        with self._lock:
            self._baselines[str(spec.target)] = baseline

    def after_switch(self, spec: TargetSpec, promoted: PromotionResult,
                     context: PromotionContext) -> str | None:
        """Probe the target just switched; None when healthy, else what failed."""
        if (promoted.deploy or {}).get("deployed_earlier"):
            return None  # an earlier run deployed it: the baseline already measured the new model
        return self._check(spec, context)

    def during_bake(self, wave: int, switched: Sequence[TargetSpec],
                    context: PromotionContext) -> Mapping[str, str]:
        """Probe each switched target of the wave once; return the unhealthy's ``{name: reason}``."""
        # One thread, one context (the run's context is per thread): rows x targets requests per
        # round, in order, which keeps the request rate a bake adds predictable.
        bad = {}
        for spec in switched:
            reason = self._check(spec, context)
            if reason:
                bad[spec.name] = reason
        return bad

    def _check(self, spec: TargetSpec, context: PromotionContext) -> str | None:
        key = str(spec.target)
        after = kind_of(spec.target).probe(spec.target, context, self.probe)
        with self._lock:
            baseline = self._baselines.get(key)
        health = compare(baseline, after, _policy(spec))
        with self._lock:
            self._figures[key] = health.to_dict()
            self._probes[key] = self._probes.get(key, 0) + 1
        return None if health.healthy else _reason(health)


def _policy(spec: TargetSpec) -> HealthPolicy:
    return spec.health or DEFAULT_HEALTH


def _reason(health: Health) -> str:
    text = "; ".join(health.failures)
    if health.errors:
        text += f" (first error: {health.errors[0]})"
    return text
