"""Reading the evaluation gate's inputs: policy files and metrics files.

Returns plain values; ``gate.py`` turns them into rules, so this module does not depend on it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from aml_retrain._structured import json_loads, yaml_safe_load
from aml_retrain.errors import ValidationError
from aml_retrain.evaluation import CLASSIFICATION, REGRESSION, Metrics, normalise_header, parse_evaluation_csv

__all__ = ["ALIASES", "canonical_metric", "load_metrics", "read_policy"]

# Spelling → canonical name, shared with the Evaluate Model CSV parser.
ALIASES = {**CLASSIFICATION, **REGRESSION}
DIRECTIONS = ("higher", "lower")
# Policy-file key → Rule field.
RULE_FIELDS = {
    "metric": "metric",
    "direction": "direction",
    "min": "minimum",
    "minimum": "minimum",
    "max": "maximum",
    "maximum": "maximum",
    "min_improvement": "min_improvement",
    "min_relative_improvement": "min_relative_improvement",
    "tolerance": "tolerance",
}
_POLICY_KEYS = ("require_baseline", "rules", "health")


def canonical_metric(name: str) -> str:
    """Return the canonical spelling of a known metric (``f1`` → ``F-Score``), else ``name``."""
    normal = normalise_header(name)
    return ALIASES.get(normal) or ALIASES.get(normal.replace(" ", "")) or name.strip()


def read_policy(path: Path) -> tuple[bool, list[tuple[str, dict[str, Any]]], Any]:
    """Return ``(require_baseline, [(label, Rule keyword arguments)], health section)`` from a file.

    ``rules`` may be left out when ``health`` is given (a policy of health thresholds only); then
    the list of rules is empty.
    """
    data = _read_structured(path, "policy")
    where = f"policy {path}"
    if not isinstance(data, dict):
        raise ValidationError(f"{where}: expected an object with 'rules', not {type(data).__name__}")
    unknown = sorted(set(data) - set(_POLICY_KEYS))
    if unknown:
        raise ValidationError(f"{where}: unknown key {unknown[0]!r} (expected "
                              f"{', '.join(_POLICY_KEYS)})")
    require = data.get("require_baseline", False)
    if not isinstance(require, bool):
        raise ValidationError(f"{where}: 'require_baseline' must be true or false, not {require!r}")
    raw = data.get("rules")
    if raw is None and "health" in data:
        return require, [], data["health"]
    if isinstance(raw, list):
        items = [(f"rules[{i}]", item) for i, item in enumerate(raw)]
    elif isinstance(raw, dict):
        items = [(f"rules.{name}", _named_rule(where, str(name), item)) for name, item in raw.items()]
    else:
        raise ValidationError(f"{where}: 'rules' must be a list or a mapping of metric to rule")
    rules = [(f"{where}: {label}", _rule_kwargs(f"{where}: {label}", item)) for label, item in items]
    return require, rules, data.get("health")


def load_metrics(source: str | Path) -> Metrics:
    """Read metrics from a ``.json`` file (flat, ``{kind, values}`` or a retrain result) or a ``.csv``.

    :raises ValidationError: unknown extension, unreadable file or no numeric metrics.
    """
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return parse_evaluation_csv(_read_text(path, "metrics"))
    if suffix != ".json":
        raise ValidationError(
            f"metrics file {path}: expected .json or .csv (the Evaluate Model output), not {suffix!r}"
        )
    data = _read_structured(path, "metrics")
    if isinstance(data, dict) and "metrics" in data:  # a RetrainResult written with --output json
        data = data["metrics"]
        if data is None:
            raise ValidationError(f"metrics file {path}: the retrain result holds no metrics")
    if not isinstance(data, dict):
        raise ValidationError(f"metrics file {path}: expected a JSON object of metric values")
    values = data["values"] if isinstance(data.get("values"), dict) else {
        k: v for k, v in data.items() if k != "kind"
    }
    numbers: dict[str, float] = {}
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValidationError(f"metrics file {path}: {name!r} must be a finite number, not {value!r}")
        numbers[canonical_metric(str(name))] = float(value)
    if not numbers:
        raise ValidationError(f"metrics file {path}: no metric values")
    kind = data.get("kind")
    if kind is None:
        regression = sum(1 for n in numbers if n in REGRESSION.values())
        kind = "regression" if regression > sum(1 for n in numbers if n in CLASSIFICATION.values()) \
            else "classification"
    if kind not in ("classification", "regression"):
        raise ValidationError(f"metrics file {path}: kind must be classification or regression, not {kind!r}")
    return Metrics(str(kind), numbers)


def _named_rule(where: str, name: str, item: Any) -> dict[str, Any]:
    if item is None:
        return {"metric": name}
    if not isinstance(item, dict):
        raise ValidationError(f"{where}: rules.{name} must be a mapping, not {type(item).__name__}")
    if "metric" in item and item["metric"] != name:
        raise ValidationError(f"{where}: rules.{name} names another metric ({item['metric']!r})")
    return {**item, "metric": name}


def _rule_kwargs(where: str, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ValidationError(f"{where}: each rule must be a mapping, not {type(item).__name__}")
    kwargs: dict[str, Any] = {}
    for key, value in item.items():
        name = RULE_FIELDS.get(str(key))
        if name is None:
            raise ValidationError(f"{where}: unknown key {key!r} (expected {', '.join(RULE_FIELDS)})")
        if name in kwargs:
            raise ValidationError(f"{where}: {key!r} repeats another key for {name}")
        if name not in ("metric", "direction") and value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float))
        ):
            raise ValidationError(f"{where}: {key!r} must be a number, not {value!r}")
        kwargs[name] = value
    if not isinstance(kwargs.get("metric"), str) or not kwargs["metric"].strip():
        raise ValidationError(f"{where}: 'metric' must be a non-empty string")
    if kwargs.get("direction") is not None and kwargs["direction"] not in DIRECTIONS:
        raise ValidationError(f"{where}: 'direction' must be higher or lower, not {kwargs['direction']!r}")
    kwargs["metric"] = kwargs["metric"].strip()
    return kwargs


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValidationError(f"{what} file {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{what} file {path} cannot be read: {exc}") from None


def _read_structured(path: Path, what: str) -> Any:
    text = _read_text(path, what)
    if path.suffix.lower() == ".json":
        try:
            return json_loads(text, f"{what} file {path}")
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"{what} file {path} is not valid JSON (line {exc.lineno}, column {exc.colno})"
            ) from None
    import yaml  # only policy files need it; keeps `import aml_retrain` light

    try:
        return yaml_safe_load(text, f"{what} file {path}")
    except yaml.YAMLError as exc:
        raise ValidationError(f"{what} file {path} is not valid YAML: {exc}") from None
