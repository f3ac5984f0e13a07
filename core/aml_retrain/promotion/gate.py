"""Evaluation gate: compare a candidate model's metrics with the deployed baseline under a policy.

A :class:`Policy` is a list of :class:`Rule` objects, one per metric. Each rule may set absolute
thresholds (``minimum``, ``maximum``) and one baseline comparison: a required improvement
(``min_improvement`` absolute, ``min_relative_improvement`` as a fraction of the baseline) or, when no
improvement is required, the regression it tolerates (``tolerance``, default 0: "must not get worse";
``None`` switches the baseline comparison off). The direction ("higher" or "lower" is better) is
inferred from the name when not given: names with "error" or "loss" are lower-is-better.

Policy file (YAML or JSON)::

    require_baseline: false
    rules:
      - {metric: AUC, direction: higher, min: 0.7, min_relative_improvement: 0.01}
      - {metric: Accuracy, tolerance: 0.005}
    # or the mapping form:  rules: {AUC: {min: 0.7}, Accuracy: {tolerance: 0.005}}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aml_retrain.errors import ValidationError
from aml_retrain.evaluation import Metrics, normalise_header
from aml_retrain.promotion._gate_files import (
    DIRECTIONS,
    canonical_metric,
    load_metrics,
    read_policy,
)

if TYPE_CHECKING:
    from aml_retrain.promotion.health import HealthPolicy

__all__ = [
    "GateResult",
    "Policy",
    "Rule",
    "RuleResult",
    "default_policy",
    "evaluate_gate",
    "infer_direction",
    "load_metrics",
    "load_policies",
    "load_policy",
    "metric_key",
]

FIRST_PROMOTION = "no baseline: first promotion"


def metric_key(name: str) -> str:
    """Return the comparison key of a metric name (case, spaces and known aliases folded)."""
    return normalise_header(canonical_metric(name)).replace(" ", "")


def infer_direction(metric: str) -> str:
    """Return "lower" for error and loss metrics, else "higher"."""
    key = normalise_header(canonical_metric(metric))
    return "lower" if ("error" in key or "loss" in key) else "higher"


@dataclass(frozen=True)
class Rule:
    """One metric's thresholds; see the module docstring for the meaning of each field."""

    metric: str
    direction: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_improvement: float | None = None
    min_relative_improvement: float | None = None
    tolerance: float | None = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.metric, str) or not self.metric.strip():
            raise ValidationError("a gate rule needs a metric name")
        if self.direction is not None and self.direction not in DIRECTIONS:
            raise ValidationError(
                f"rule {self.metric}: direction must be 'higher' or 'lower', not {self.direction!r}"
            )
        for name in ("minimum", "maximum", "min_improvement", "min_relative_improvement", "tolerance"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not math.isfinite(value)):
                raise ValidationError(f"rule {self.metric}: {name} must be a finite number, not {value!r}")
        if self.tolerance is not None and self.tolerance < 0:
            raise ValidationError(f"rule {self.metric}: tolerance must be 0 or more, not {self.tolerance:g}")

    @property
    def resolved_direction(self) -> str:
        """The direction given, or the one inferred from the metric name."""
        return self.direction or infer_direction(self.metric)

    @property
    def requires_improvement(self) -> bool:
        """True when the rule asks for an improvement over the baseline."""
        return self.min_improvement is not None or self.min_relative_improvement is not None

    def threshold_text(self) -> str:
        """Return the rule's conditions as short text, e.g. ``>= 0.7; +1% vs baseline``."""
        parts = []
        if self.minimum is not None:
            parts.append(f">= {_fmt(self.minimum)}")
        if self.maximum is not None:
            parts.append(f"<= {_fmt(self.maximum)}")
        if self.min_improvement is not None:
            parts.append(f"+{_fmt(self.min_improvement)} vs baseline")
        if self.min_relative_improvement is not None:
            parts.append(f"+{_fmt(self.min_relative_improvement * 100)}% vs baseline")
        if not self.requires_improvement and self.tolerance is not None:
            parts.append(f"no regression beyond {_fmt(self.tolerance)}")
        return "; ".join(parts) or "none"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict in the policy-file spelling."""
        return {
            "metric": self.metric,
            "direction": self.resolved_direction,
            "min": self.minimum,
            "max": self.maximum,
            "min_improvement": self.min_improvement,
            "min_relative_improvement": self.min_relative_improvement,
            "tolerance": self.tolerance,
        }


@dataclass(frozen=True)
class Policy:
    """The rules a candidate must pass; ``require_baseline`` gates a first promotion."""

    rules: tuple[Rule, ...]
    require_baseline: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        if not self.rules:
            raise ValidationError("a gate policy needs at least one rule")
        seen: set[str] = set()
        for rule in self.rules:
            key = metric_key(rule.metric)
            if key in seen:
                raise ValidationError(f"the gate policy has two rules for {rule.metric!r}: merge them")
            seen.add(key)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict in the policy-file format."""
        return {"require_baseline": self.require_baseline, "rules": [r.to_dict() for r in self.rules]}


@dataclass(frozen=True)
class RuleResult:
    """How one rule went: values compared, the threshold text and a message."""

    metric: str
    direction: str
    candidate: float | None
    baseline: float | None
    threshold: str
    passed: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "metric": self.metric,
            "direction": self.direction,
            "candidate": self.candidate,
            "baseline": self.baseline,
            "threshold": self.threshold,
            "passed": self.passed,
            "message": self.message,
        }


@dataclass(frozen=True)
class GateResult:
    """The gate's verdict: ``outcome`` is pass, gated or error."""

    outcome: str
    rules: tuple[RuleResult, ...]
    notices: tuple[str, ...] = ()
    forced: bool = False
    reason: str | None = None
    baseline_present: bool = True
    gated_reasons: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        """True when the candidate may be promoted (possibly forced)."""
        return self.outcome == "pass"

    @property
    def summary(self) -> str:
        """One line: the outcome, then failures (or the pass count) and notices."""
        failed = [f"{r.metric}: {r.message}" for r in self.rules if not r.passed]
        parts = [*self.gated_reasons, *failed] or [f"{len(self.rules)} of {len(self.rules)} rules passed"]
        parts += [n for n in self.notices if n not in parts]
        head = f"pass (forced: {self.reason})" if self.forced else self.outcome
        return f"{head}: {'; '.join(parts)}"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (stored in the ledger's ``gate`` field)."""
        return {
            "outcome": self.outcome,
            "forced": self.forced,
            "reason": self.reason,
            "baseline": self.baseline_present,
            "notices": list(self.notices),
            # One string for renderers that show a single line under the table.
            "notice": "; ".join(self.notices) or None,
            "gated_reasons": list(self.gated_reasons),
            "rules": [r.to_dict() for r in self.rules],
            "summary": self.summary,
        }


def default_policy(kind: str) -> Policy:
    """Return the policy used when none is given: the main metrics must not regress."""
    if kind == "classification":
        return Policy((Rule("AUC", "higher"), Rule("Accuracy", "higher")))
    if kind == "regression":
        return Policy((Rule("Root Mean Squared Error", "lower"),))
    raise ValidationError(f"no default gate policy for metrics of kind {kind!r}: pass a policy file")


def evaluate_gate(
    candidate: Metrics,
    baseline: Metrics | None,
    policy: Policy,
    *,
    force: bool = False,
    reason: str | None = None,
) -> GateResult:
    """Check ``candidate`` against ``policy`` (and ``baseline`` when there is one).

    :raises ValidationError: ``force`` without a non-empty ``reason``.
    """
    reason = reason.strip() if reason else None
    if force and not reason:
        raise ValidationError("--force needs a --reason: it is recorded in the ledger")
    notices: list[str] = []
    gated: list[str] = []
    if baseline is None:
        if policy.require_baseline:
            gated.append("no baseline: the policy requires one (use --force with a --reason to "
                         "promote the first model)")
        else:
            notices.append(FIRST_PROMOTION)
    elif baseline.kind != candidate.kind:
        notices.append(f"candidate metrics are {candidate.kind}, the baseline's are {baseline.kind}")
    cand_values = _keyed(candidate.values)
    base_values = _keyed(baseline.values) if baseline is not None else None
    results = []
    for rule in policy.rules:
        result, note = _check(rule, cand_values, base_values)
        results.append(result)
        if note:
            notices.append(note)
    if any(r.candidate is None for r in results):
        outcome = "error"
    elif gated or not all(r.passed for r in results):
        outcome = "gated"
    else:
        outcome = "pass"
    forced = force and outcome == "gated"
    return GateResult(
        outcome="pass" if forced else outcome,
        rules=tuple(results),
        notices=tuple(notices),
        forced=forced,
        reason=reason,
        baseline_present=baseline is not None,
        gated_reasons=tuple(gated),
    )


def load_policy(path: str | Path) -> Policy:
    """Read a gate policy from a YAML or JSON file.

    :raises ValidationError: unreadable file, unknown keys or values of the wrong type.
    """
    policy, _health = load_policies(path)
    if policy is None:
        raise ValidationError(f"policy {path}: a gate policy needs at least one rule (the file "
                              "holds only health thresholds)")
    return policy


def load_policies(path: str | Path) -> tuple[Policy | None, HealthPolicy]:
    """Read a policy file's gate rules (None when it has none) and health thresholds (``health:``).

    :raises ValidationError: unreadable file, unknown keys or values of the wrong type.
    """
    from aml_retrain.promotion.health import health_policy

    source = Path(path)
    require, items, health = read_policy(source)
    if not items:
        return None, health_policy(health, f"policy {source}")
    rules = []
    for label, kwargs in items:
        try:
            rules.append(Rule(**kwargs))
        except ValidationError as exc:
            raise ValidationError(f"{label}: {exc}") from None
    try:
        policy = Policy(tuple(rules), require)
    except ValidationError as exc:
        raise ValidationError(f"policy {source}: {exc}") from None
    return policy, health_policy(health, f"policy {source}")


def _check(
    rule: Rule, candidate: Mapping[str, float], baseline: Mapping[str, float] | None
) -> tuple[RuleResult, str | None]:
    direction = rule.resolved_direction
    key = metric_key(rule.metric)
    value = candidate.get(key)
    base = baseline.get(key) if baseline is not None else None

    def result(passed: bool, message: str) -> RuleResult:
        return RuleResult(rule.metric, direction, value, base, rule.threshold_text(), passed, message)

    if value is None:
        return result(False, "missing from the candidate metrics"), None
    failures = []
    if rule.minimum is not None and not _at_least(value, rule.minimum):
        failures.append(f"{_fmt(value)} is below the minimum {_fmt(rule.minimum)}")
    if rule.maximum is not None and not _at_least(rule.maximum, value):
        failures.append(f"{_fmt(value)} is above the maximum {_fmt(rule.maximum)}")
    note = None
    compares = rule.requires_improvement or rule.tolerance is not None
    if compares and baseline is not None and base is None:
        note = f"{rule.metric} is not in the baseline metrics: baseline comparison skipped"
    elif compares and base is not None:
        failures += _baseline_failures(rule, direction, value, base)
    if failures:
        return result(False, "; ".join(failures)), note
    return result(True, "ok" if note is None else "ok (baseline comparison skipped)"), note


def _baseline_failures(rule: Rule, direction: str, value: float, base: float) -> list[str]:
    # gain > 0 means "better", whichever way the metric points.
    gain = value - base if direction == "higher" else base - value
    against = f"{_fmt(value)} vs baseline {_fmt(base)}"
    failures = []
    if rule.min_improvement is not None and not _at_least(gain, rule.min_improvement):
        failures.append(f"{against}: improvement {_fmt(gain)} < required {_fmt(rule.min_improvement)}")
    if rule.min_relative_improvement is not None:
        needed = rule.min_relative_improvement * abs(base)
        if not _at_least(gain, needed):
            failures.append(
                f"{against}: improvement {_fmt(gain)} < required "
                f"{_fmt(rule.min_relative_improvement * 100)}% ({_fmt(needed)})"
            )
    if not rule.requires_improvement and rule.tolerance is not None and not _at_least(gain, -rule.tolerance):
        failures.append(f"{against}: regressed by {_fmt(-gain)} (tolerance {_fmt(rule.tolerance)})")
    return failures


def _at_least(value: float, bound: float) -> bool:
    # Metrics come through CSV text and subtraction; 0.71 - 0.70 must count as 0.01.
    return value >= bound - 1e-9 * max(1.0, abs(value), abs(bound))


def _keyed(values: Mapping[str, float]) -> dict[str, float]:
    return {metric_key(name): value for name, value in values.items()}


def _fmt(value: float) -> str:
    return f"{value:.6g}"
