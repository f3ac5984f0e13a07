"""Rollout settings of a fan-out manifest (``rollout:``), run ids, failure budgets and the health seam.

Manifest section (every key optional)::

    rollout:
      max_failures: 2            # per wave: a whole number, or "10%" of the wave's targets (rounded down)
      on_failure: rollback       # rollback | stop (default stop: today's behaviour, nothing rolled back)
      pause_between_waves: 300   # seconds between one wave's end and the next wave's start
      bake: 120                  # seconds to watch each wave after its switches (health checks)
      every: 30                  # seconds between health checks during a bake
      probe: rows.csv            # scoring rows for the health checks
      steps: [10, 50, 100]       # online endpoints: traffic moved in steps, each baked (needs probe)
      mirror: 20                 # online endpoints: percent mirrored to the new deployment first

A wave exceeds its budget when more of its targets than ``max_failures`` failed, were gated in the
canary wave, or were reported unhealthy by the health check. ``bake``/``every``/``probe`` are
validated here; ``steps``/``mirror`` apply to the targets whose kind splits traffic (v2 online
endpoints), the others switch whole as before; what a health check does is
:class:`HealthCheck`'s business (the default says "healthy").
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from aml_retrain.errors import ValidationError

if TYPE_CHECKING:
    from aml_retrain._json import JsonObject
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.manifest import TargetSpec
    from aml_retrain.promotion.promote import PromotionResult
    from aml_retrain.promotion.steps import TrafficSteps

__all__ = ["ROLLOUT_KEYS", "HealthCheck", "Healthy", "RolloutSettings", "allowed_failures",
           "manifest_digest", "new_run_id", "parse_rollout", "validate_run_id"]

ROLLOUT_KEYS = ("max_failures", "on_failure", "pause_between_waves", "bake", "every", "probe",
                "steps", "mirror")
ON_FAILURE = ("stop", "rollback")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")


@dataclass(frozen=True)
class RolloutSettings:
    """A manifest's ``rollout:`` section, validated; the defaults are today's behaviour."""

    max_failures: int | str = 0  # an int, or "N%" of the wave
    on_failure: str = "stop"
    pause_between_waves: float = 0.0
    bake: float = 0.0
    every: float | None = None
    probe: Path | None = None
    steps: tuple[int, ...] = (100,)
    mirror: int = 0

    def traffic_steps(self) -> TrafficSteps | None:
        """The traffic steps each splitting target takes (None: switched whole)."""
        from aml_retrain.promotion.steps import TrafficSteps

        made = TrafficSteps(self.steps, self.mirror)
        return made if made.gradual else None

    def budget(self, wave_size: int) -> int:
        """How many failures a wave of ``wave_size`` targets may have without stopping the rollout."""
        return allowed_failures(self.max_failures, wave_size)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"max_failures": self.max_failures, "on_failure": self.on_failure,
                "pause_between_waves": self.pause_between_waves, "bake": self.bake,
                "every": self.every, "probe": str(self.probe) if self.probe else None,
                "steps": list(self.steps), "mirror": self.mirror}


def allowed_failures(max_failures: int | str, wave_size: int) -> int:
    """Return the failure budget of a wave: ``max_failures`` itself, or its percentage rounded down."""
    if isinstance(max_failures, int):
        return max_failures
    match = _PERCENT.match(max_failures)
    if match is None:
        raise ValidationError(f"max_failures must be a whole number or 'N%', not {max_failures!r}")
    # Integer maths on hundredths: 10% of 30 must be exactly 3, not 2.9999.
    hundredths = round(float(match.group(1)) * 100)
    return (hundredths * wave_size) // 10000


def parse_rollout(value: Any, error: Callable[[str, str], ValidationError],
                  resolve: Callable[[str], Path]) -> RolloutSettings:
    """Validate a ``rollout:`` mapping; ``error(where, why)`` builds the one-line error."""
    if value is None:
        return RolloutSettings()
    if not isinstance(value, Mapping):
        raise error("rollout", f"expected a mapping, not {type(value).__name__}")
    unknown = sorted(str(k) for k in value if k not in ROLLOUT_KEYS)
    if unknown:
        raise error("rollout", f"unknown key {unknown[0]!r} (expected one of {', '.join(ROLLOUT_KEYS)})")
    on_failure = value.get("on_failure", "stop")
    if on_failure not in ON_FAILURE:
        raise error("rollout.on_failure", f"expected rollback or stop, not {on_failure!r}")
    bake = _seconds(value, "bake", error) or 0.0
    every = _seconds(value, "every", error)
    if every is not None and every <= 0:
        raise error("rollout.every", f"expected seconds > 0, not {value['every']!r}")
    if every is not None and not bake:
        raise error("rollout.every", "'every' paces the health checks of a bake: set 'bake' too")
    probe = value.get("probe")
    if probe is not None and (not isinstance(probe, str) or not probe.strip()):
        raise error("rollout.probe", f"expected a file name, not {probe!r}")
    steps, mirror = _steps(value, error)
    if (mirror or len(steps) > 1) and probe is None:
        raise error("rollout.steps", "steps and mirror bake each phase with the health probe: "
                    "set 'probe' too")
    return RolloutSettings(
        max_failures=_max_failures(value.get("max_failures", 0), error),
        on_failure=str(on_failure),
        pause_between_waves=_seconds(value, "pause_between_waves", error) or 0.0,
        bake=bake, every=every, probe=resolve(probe.strip()) if probe else None,
        steps=steps, mirror=mirror)


def _steps(data: Mapping[str, Any],
           error: Callable[[str, str], ValidationError]) -> tuple[tuple[int, ...], int]:
    from aml_retrain.promotion.steps import parse_mirror, parse_steps

    try:
        steps = parse_steps(data["steps"], "rollout.steps") if "steps" in data else (100,)
        mirror = parse_mirror(data.get("mirror", 0), "rollout.mirror")
    except ValidationError as exc:
        where, why = str(exc).split(" ", 1)
        raise error(where, why) from None
    return steps, mirror


def _max_failures(value: Any, error: Callable[[str, str], ValidationError]) -> int | str:
    where = "rollout.max_failures"
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise error(where, f"expected a whole number >= 0 or 'N%', not {value!r}")
        return value
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if match is not None and float(match.group(1)) <= 100:
            return f"{match.group(1)}%"
    raise error(where, f"expected a whole number >= 0 or a percentage like '10%', not {value!r}")


def _seconds(data: Mapping[str, Any], key: str,
             error: Callable[[str, str], ValidationError]) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise error(f"rollout.{key}", f"expected seconds (a number >= 0), not {value!r}")
    return float(value)


def manifest_digest(data: Any) -> str:
    """Return ``sha256:<hex>`` of the manifest's content (canonical JSON), recorded with the run."""
    from aml_retrain.promotion._ledger_core import canonical_json

    return "sha256:" + hashlib.sha256(canonical_json({"m": data}).encode("utf-8")).hexdigest()


def new_run_id(now: datetime | None = None) -> str:
    """Return a fresh run id: UTC time plus 8 random hex digits (sortable, unique enough)."""
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return f"{stamp:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def validate_run_id(text: str) -> str:
    """Return ``text`` if it looks like a run id, else raise a one-line ValidationError."""
    if not _RUN_ID.match(text.strip()):
        raise ValidationError(f"{text!r} is not a fan-out run id (like 20261203T183000Z-1a2b3c4d): "
                              "copy it from the run's output or `aml-retrain ledger show`")
    return text.strip()


class HealthCheck(Protocol):
    """The seam a health module plugs into: called by the run around each switch and during a bake.

    ``after_switch`` and ``during_bake`` return None / nothing for healthy, else a one-line reason:
    the run rolls that target back at once and counts it against its wave's failure budget.
    """

    def before_switch(self, spec: TargetSpec, context: PromotionContext) -> None:
        """Measure what the target serves before its switch (in its worker thread): the baseline."""
        ...

    def after_switch(self, spec: TargetSpec, promoted: PromotionResult,
                     context: PromotionContext) -> str | None:
        """Check one target right after its switch (in its worker thread)."""
        ...

    def during_bake(self, wave: int, switched: Sequence[TargetSpec],
                    context: PromotionContext) -> Mapping[str, str]:
        """Check a wave's switched targets once during its bake; return the unhealthy's ``{name: reason}``."""
        ...

    def at_step(self, spec: TargetSpec, context: PromotionContext,
                deployment: str) -> tuple[str | None, JsonObject | None]:
        """Bake one traffic step on the new ``deployment``: (None or the reason, the figures)."""
        ...

    def figures(self, target: str) -> JsonObject | None:
        """The last health figures measured on ``target`` (None: never probed)."""
        ...


class Healthy:
    """The default health check: every target is healthy (no probe configured)."""

    def before_switch(self, spec: TargetSpec, context: PromotionContext) -> None:
        """Nothing to measure."""

    def after_switch(self, spec: TargetSpec, promoted: PromotionResult,
                     context: PromotionContext) -> str | None:
        """Always healthy."""
        return None

    def during_bake(self, wave: int, switched: Sequence[TargetSpec],
                    context: PromotionContext) -> Mapping[str, str]:
        """Always healthy."""
        return {}

    def at_step(self, spec: TargetSpec, context: PromotionContext,
                deployment: str) -> tuple[str | None, JsonObject | None]:
        """Always healthy, nothing measured."""
        return None, None

    def figures(self, target: str) -> JsonObject | None:
        """Never probed."""
        return None
