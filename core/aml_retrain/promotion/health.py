"""Health of a switched target: a probe of rows scored before and after the switch, compared.

A :class:`Probe` is a file of rows. Each row is scored in its own request (so success rate and
latency are per request) by the target's kind (``TargetKind.probe``), giving a
:class:`ProbeResult`. :func:`compare` measures the probe after the switch against the same probe
on the model it replaced (scored before the switch, the *baseline*) and judges it under a
:class:`HealthPolicy`, read from the policy file's ``health:`` section::

    health: {min_success_rate: 0.99, max_latency_p95_ratio: 1.5, min_agreement: 0.7}

Pure: no request here; the kinds send them, ``bake.py`` repeats the probe.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aml_retrain._json import JsonObject
from aml_retrain.errors import AmlRetrainError, ValidationError

__all__ = [
    "DEFAULT_HEALTH",
    "Health",
    "HealthPolicy",
    "Probe",
    "ProbeResult",
    "compare",
    "health_policy",
    "read_probe",
    "run_probe",
]

Row = Mapping[str, Any]
MAX_ERRORS = 3  # distinct scoring errors kept per probe: enough to say what failed


@dataclass(frozen=True)
class Probe:
    """Rows to score, one request each, from ``path``."""

    path: str
    rows: tuple[Row, ...]


def read_probe(path: str | Path) -> Probe:
    """Read a probe: a CSV with a header, a JSON list of records, or an ``input_data`` body."""
    from aml_retrain._scoring import read_rows

    found = read_rows(path)
    if isinstance(found, Mapping):  # {columns, data}: one record per row
        columns = [str(c) for c in found.get("columns") or []]
        found = [dict(zip(columns, row, strict=False)) for row in found.get("data") or []]
    rows = tuple(r for r in found if isinstance(r, Mapping))
    if not rows:
        raise ValidationError(f"probe {path} holds no rows: pass a CSV with a header and rows")
    return Probe(str(path), rows)


@dataclass(frozen=True)
class ProbeResult:
    """One probe's outcome: per row a prediction (None when its request failed) and latency."""

    predictions: tuple[Any, ...]
    ok: tuple[bool, ...]
    latencies_ms: tuple[float, ...]  # of the requests that succeeded
    errors: tuple[str, ...] = ()

    @classmethod
    def failed(cls, rows: int, error: AmlRetrainError) -> ProbeResult:
        """A probe that could not start (e.g. the scoring key could not be read): every row failed."""
        return cls((None,) * rows, (False,) * rows, (), (_error_text(error),))

    @property
    def rows(self) -> int:
        """How many rows were scored (or tried)."""
        return len(self.ok)

    @property
    def success_rate(self) -> float:
        """The share of rows whose request answered a prediction."""
        return sum(self.ok) / len(self.ok) if self.ok else 0.0

    def latency(self, quantile: float) -> float | None:
        """The ``quantile`` (0..1) of successful requests' latency in ms (nearest rank); None if none."""
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        rank = max(math.ceil(quantile * len(ordered)), 1)
        return ordered[rank - 1]


def run_probe(send: Callable[[Row], Any], probe: Probe, *,
              clock: Callable[[], float] = time.perf_counter) -> ProbeResult:
    """Score each row through ``send`` (one request, returns its prediction); time each one."""
    predictions: list[Any] = []
    ok: list[bool] = []
    latencies: list[float] = []
    errors: list[str] = []
    for row in probe.rows:
        start = clock()
        try:
            answer = send(row)
        except AmlRetrainError as exc:
            predictions.append(None)
            ok.append(False)
            text = _error_text(exc)
            if text not in errors and len(errors) < MAX_ERRORS:
                errors.append(text)
            continue
        latencies.append((clock() - start) * 1000.0)
        predictions.append(answer)
        ok.append(True)
    return ProbeResult(tuple(predictions), tuple(ok), tuple(latencies), tuple(errors))


def _error_text(exc: AmlRetrainError) -> str:
    return f"{type(exc).__name__}: {exc}"


_FRACTIONS = ("min_success_rate", "min_agreement")
_POSITIVE = ("max_latency_p95_ratio",)
_NON_NEGATIVE = ("max_mean_abs_change", "latency_floor_ms")


@dataclass(frozen=True)
class HealthPolicy:
    """Thresholds a switched target must keep; None switches a check off.

    ``latency_floor_ms``: p95 latencies below it count as it, so the ratio of two fast answers
    (2 ms vs 3 ms) is not judged: below the floor a difference is noise, not a regression.
    ``min_agreement`` compares predictions exactly (labels); a regression's numbers change a
    little with every retrain, so judge them by ``max_mean_abs_change`` instead.
    """

    min_success_rate: float | None = 0.99
    max_latency_p95_ratio: float | None = 1.5
    min_agreement: float | None = None
    max_mean_abs_change: float | None = None
    latency_floor_ms: float = 50.0

    def __post_init__(self) -> None:
        for name in (*_FRACTIONS, *_POSITIVE, *_NON_NEGATIVE):
            value = getattr(self, name)
            if value is None and name != "latency_floor_ms":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value):
                raise ValidationError(f"health: {name} must be a finite number, not {value!r}")
            if name in _FRACTIONS and not 0 <= value <= 1:
                raise ValidationError(f"health: {name} is a share between 0 and 1, not {value:g}")
            if name in _POSITIVE and value <= 0:
                raise ValidationError(f"health: {name} must be above 0, not {value:g}")
            if name in _NON_NEGATIVE and value < 0:
                raise ValidationError(f"health: {name} must be 0 or more, not {value:g}")

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict in the policy-file spelling."""
        return {name: getattr(self, name) for name in HEALTH_KEYS}


HEALTH_KEYS = ("min_success_rate", "max_latency_p95_ratio", "min_agreement",
               "max_mean_abs_change", "latency_floor_ms")
DEFAULT_HEALTH = HealthPolicy()


def health_policy(section: Any, where: str) -> HealthPolicy:
    """Return the policy of a policy file's ``health:`` section (None or absent: the defaults).

    :raises ValidationError: not a mapping, an unknown key, or a value out of range.
    """
    if section is None:
        return DEFAULT_HEALTH
    if not isinstance(section, Mapping):
        raise ValidationError(f"{where}: 'health' must be a mapping of threshold: value")
    unknown = sorted(str(k) for k in section if k not in HEALTH_KEYS)
    if unknown:
        raise ValidationError(f"{where}: health: unknown key {unknown[0]!r} (expected "
                              f"{', '.join(HEALTH_KEYS)})")
    try:
        return HealthPolicy(**{str(k): v for k, v in section.items()})
    except ValidationError as exc:
        raise ValidationError(f"{where}: {exc}") from None


@dataclass(frozen=True)
class Health:
    """The probe after the switch measured against the baseline; ``failures`` says what broke."""

    rows: int
    success_rate: float
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    baseline_latency_p95_ms: float | None
    latency_p95_ratio: float | None
    compared_rows: int  # rows both probes scored: agreement is over these
    agreement: float | None
    mean_abs_change: float | None
    failures: tuple[str, ...]
    errors: tuple[str, ...] = ()

    @property
    def healthy(self) -> bool:
        """True when every threshold held."""
        return not self.failures

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict (snake_case keys; latencies in ms, rounded to 0.1)."""
        def ms(value: float | None) -> float | None:
            return None if value is None else round(value, 1)

        def share(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {"healthy": self.healthy, "rows": self.rows,
                "success_rate": share(self.success_rate),
                "latency_p50_ms": ms(self.latency_p50_ms), "latency_p95_ms": ms(self.latency_p95_ms),
                "baseline_latency_p95_ms": ms(self.baseline_latency_p95_ms),
                "latency_p95_ratio": share(self.latency_p95_ratio),
                "compared_rows": self.compared_rows, "agreement": share(self.agreement),
                "mean_abs_change": None if self.mean_abs_change is None
                else round(self.mean_abs_change, 6),
                "failures": list(self.failures), "errors": list(self.errors)}


def compare(baseline: ProbeResult | None, after: ProbeResult, policy: HealthPolicy) -> Health:
    """Measure ``after`` against ``baseline`` (None: no baseline, only absolute checks) under ``policy``."""
    failures: list[str] = []
    if policy.min_success_rate is not None and after.success_rate < policy.min_success_rate - 1e-9:
        failures.append(f"success rate {after.success_rate:.4g} < min_success_rate "
                        f"{policy.min_success_rate:g}")
    p95 = after.latency(0.95)
    base_p95 = baseline.latency(0.95) if baseline is not None else None
    ratio = None
    if p95 is not None and base_p95 is not None:
        ratio = max(p95, policy.latency_floor_ms) / max(base_p95, policy.latency_floor_ms)
        if policy.max_latency_p95_ratio is not None and ratio > policy.max_latency_p95_ratio + 1e-9:
            failures.append(f"latency p95 {p95:.1f} ms is {ratio:.3g}x the old model's "
                            f"{base_p95:.1f} ms > max_latency_p95_ratio "
                            f"{policy.max_latency_p95_ratio:g}")
    pairs = _pairs(baseline, after)
    agreement = sum(1 for old, new in pairs if _same(old, new)) / len(pairs) if pairs else None
    change = _mean_abs_change(pairs)
    if policy.min_agreement is not None and agreement is not None \
            and agreement < policy.min_agreement - 1e-9:
        failures.append(f"agreement {agreement:.4g} with the old model < min_agreement "
                        f"{policy.min_agreement:g} ({len(pairs)} rows)")
    if policy.max_mean_abs_change is not None and change is not None \
            and change > policy.max_mean_abs_change + 1e-9:
        failures.append(f"mean absolute change {change:.6g} > max_mean_abs_change "
                        f"{policy.max_mean_abs_change:g}")
    return Health(after.rows, after.success_rate, after.latency(0.5), p95, base_p95, ratio,
                  len(pairs), agreement, change, tuple(failures), after.errors)


def _pairs(baseline: ProbeResult | None, after: ProbeResult) -> list[tuple[Any, Any]]:
    if baseline is None or baseline.rows != after.rows:
        return []
    return [(_plain(old), _plain(new)) for old, new, a, b in
            zip(baseline.predictions, after.predictions, baseline.ok, after.ok, strict=True)
            if a and b]


def _plain(value: Any) -> Any:
    # The classic table format answers every value as text: "0.7" and 0.7 are the same prediction.
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return number if math.isfinite(number) else value
    if isinstance(value, (Mapping, list, tuple)):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def _same(old: Any, new: Any) -> bool:
    return bool(old == new)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _mean_abs_change(pairs: Sequence[tuple[Any, Any]]) -> float | None:
    """The mean |new - old| when every compared prediction is a number (a regression), else None."""
    numbers = [(_number(old), _number(new)) for old, new in pairs]
    if not numbers or any(a is None or b is None for a, b in numbers):
        return None
    return sum(abs(b - a) for a, b in numbers if a is not None and b is not None) / len(numbers)
