"""Traffic steps inside one endpoint: an optional mirror phase, then shares of live traffic, baked.

``promote --steps 10,50,100 --mirror 20`` (or a manifest's ``rollout: {steps: [...], mirror: 20}``)
moves an online endpoint to a new deployment gradually. The mirror phase copies 20 % of the
requests to the new deployment (its answers are discarded: no user sees them); each step then
gives the new deployment that percentage of the replaced deployment's share. After every phase
but the last the health check runs (the probe baked against the old model's baseline, scored on
the new deployment by name); the last step (100) is the switch that ``promote --bake`` watches.

An unhealthy phase puts the traffic back as it was (live split and mirroring) and raises
:class:`HealthCheckError` with ``rolled_back=True``: the target serves what it served before,
so nothing is recorded. Only kinds whose ``traffic_steps`` is True split traffic; the others
(classic and ARM web services) refuse the options before any request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from aml_retrain._json import JsonObject
from aml_retrain.errors import AmlRetrainError, HealthCheckError, ValidationError

__all__ = ["MIRROR_LIMIT", "StepCheck", "TrafficSteps", "parse_mirror", "parse_steps",
           "share_at", "walk"]

# Azure ML: "mirrorTraffic … values need to sum to utmost 50" (online endpoints swagger).
MIRROR_LIMIT = 50

# (deployment, phase label) -> None when healthy, else a one-line reason and the figures.
StepCheck = Callable[[str, str], "tuple[str | None, JsonObject | None]"]


@dataclass(frozen=True)
class TrafficSteps:
    """Percentages of the replaced deployment's share, rising to 100; mirror: percent mirrored first."""

    steps: tuple[int, ...] = (100,)
    mirror: int = 0
    check: StepCheck | None = None  # set by promote / fanout from the probe and its baseline

    @property
    def gradual(self) -> bool:
        """True when anything happens before the full switch (a mirror phase or a partial step)."""
        return bool(self.mirror) or len(self.steps) > 1

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict (the check is not data)."""
        return {"steps": list(self.steps), "mirror": self.mirror}


def parse_steps(value: Any, where: str = "--steps") -> tuple[int, ...]:
    """Validate steps: ``"10,50,100"`` or a list; whole percentages, rising, ending at 100."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")]
        try:
            steps = [int(p.rstrip("%")) for p in parts]
        except ValueError:
            raise ValidationError(f"{where} takes rising percentages ending at 100, like "
                                  f"10,50,100, not {value!r}") from None
    elif isinstance(value, Sequence) and all(isinstance(v, int) and not isinstance(v, bool)
                                             for v in value):
        steps = list(value)
    else:
        raise ValidationError(f"{where} takes rising percentages ending at 100, like "
                              f"[10, 50, 100], not {value!r}")
    if not steps or steps[-1] != 100 or any(not 1 <= s <= 100 for s in steps) \
            or any(b <= a for a, b in pairwise(steps)):
        raise ValidationError(f"{where} must rise from 1 to 100 and end at 100 (like 10,50,100), "
                              f"not {','.join(map(str, steps)) or 'nothing'}")
    return tuple(steps)


def parse_mirror(value: Any, where: str = "--mirror") -> int:
    """Validate a mirror percentage: a whole number from 0 to 50 (Azure ML's limit)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MIRROR_LIMIT:
        raise ValidationError(f"{where} is the percent of requests mirrored to the new deployment "
                              f"first: a whole number from 0 to {MIRROR_LIMIT}, not {value!r}")
    return value


def share_at(before: Mapping[str, int], source: str, chosen: str, percent: int) -> dict[str, int]:
    """The live split with ``percent`` of ``source``'s share moved to ``chosen`` (at least 1 point)."""
    split = {n: s for n, s in before.items() if s}
    share = split.get(source, 0) if chosen != source else 0
    moved = share if percent >= 100 else min(share, max(1, share * percent // 100))
    if share:
        split[source] = share - moved
        split[chosen] = split.get(chosen, 0) + moved
    return {n: s for n, s in split.items() if s}


def walk(plan: TrafficSteps, *, endpoint: str, before: Mapping[str, int],
         mirror_before: Mapping[str, int], mirror_after: Mapping[str, int], source: str,
         chosen: str,
         apply: Callable[[Mapping[str, int], Mapping[str, int]], object]) -> list[JsonObject]:
    """Run the mirror phase and every step but the last; return what each phase did and measured.

    ``apply(traffic, mirror)`` sets the endpoint's split (it reads back). The last step is the
    caller's own switch. An unhealthy phase, or a failed write during one, restores ``before`` and
    ``mirror_before``.

    :raises HealthCheckError: a phase was unhealthy (``rolled_back`` says whether traffic was put back).
    """
    phases: list[tuple[str, int, dict[str, int], dict[str, int]]] = []
    if plan.mirror:
        phases.append(("mirror", plan.mirror, {n: s for n, s in before.items() if s},
                       {**dict(mirror_after), chosen: plan.mirror}))
    for percent in plan.steps[:-1]:
        phases.append(("step", percent, share_at(before, source, chosen, percent),
                       dict(mirror_after)))
    done: list[JsonObject] = []
    for label, percent, traffic, mirror in phases:
        name = f"{label} {percent}%"
        try:
            apply(traffic, mirror)
        except AmlRetrainError as exc:
            _restore(apply, endpoint, before, mirror_before,
                     f"{endpoint} at {name}: {type(exc).__name__}: {exc}")
        reason, figures = plan.check(chosen, name) if plan.check else (None, None)
        done.append({"phase": label, "percent": percent, "traffic": traffic, "mirror": mirror,
                     "health": figures})
        if reason:
            _restore(apply, endpoint, before, mirror_before, f"{endpoint} unhealthy at {name}: {reason}",
                     figures=figures)
    return done


def _restore(apply: Callable[[Mapping[str, int], Mapping[str, int]], object], endpoint: str,
             before: Mapping[str, int], mirror_before: Mapping[str, int], why: str, *,
             figures: JsonObject | None = None) -> None:
    """Put the traffic back as it was and raise HealthCheckError saying whether that worked."""
    shown = ", ".join(f"{n} {s}%" for n, s in before.items() if s) or "no traffic"
    try:
        apply(before, mirror_before)
    except AmlRetrainError as exc:
        split = " ".join(f"{n}={s}" for n, s in before.items() if s)
        mirrored = " ".join(f"{n}={s}" for n, s in mirror_before.items() if s)
        raise HealthCheckError(
            f"{why}; traffic NOT restored ({type(exc).__name__}: {exc}): set it back to {shown} "
            f"with az ml online-endpoint update --name {endpoint} --traffic \"{split}\" "
            f"--mirror-traffic \"{mirrored}\"", rolled_back=False, health=figures) from None
    raise HealthCheckError(f"{why}; not applied: traffic restored to {shown}", rolled_back=True,
                           health=figures)
