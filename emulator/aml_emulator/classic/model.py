"""The emulator's ``.ilearner`` format: a linear model as plain UTF-8 JSON, scored in pure Python.

The real ``.ilearner`` is an opaque binary (CLASSIC-API §6.6: "not documented"); the emulator
writes its own format. It is **never pickle**: a blob read from storage is data and must not be
able to run code, so loading parses JSON and validates every field, refusing anything else.

Logistic regression (a label with two classes)::

    {"format": "aml-emulator/logistic-regression@1",
     "label": "income",                  # the label column it was trained on
     "classes": ["<=50K", ">50K"],       # sorted; classes[1] is the positive class
     "features": ["age", ...],           # input columns used, in coefficient order
     "mean": [...], "scale": [...],      # StandardScaler: x' = (x - mean) / scale, scale > 0
     "coef": [...], "intercept": 0.0,    # z = intercept + sum(coef * x')
     "rows": 1500}                       # training rows (the 75 % split)

``P(classes[1]) = 1 / (1 + exp(-z))``; the scored label is ``classes[1]`` when ``z > 0`` (as
scikit-learn predicts). Linear regression (a numeric label): ``"format":
"aml-emulator/linear-regression@1"``, ``"classes": null``, prediction ``z`` itself.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "LINEAR_FORMAT",
    "LOGISTIC_FORMAT",
    "MAX_MODEL_BYTES",
    "ModelFormatError",
    "Prediction",
    "TrainedModel",
    "load_model",
]

LOGISTIC_FORMAT = "aml-emulator/logistic-regression@1"
LINEAR_FORMAT = "aml-emulator/linear-regression@1"
MAX_MODEL_BYTES = 1024 * 1024  # a linear model over a few columns is a few hundred bytes
_KEYS = {"format", "label", "classes", "features", "mean", "scale", "coef", "intercept", "rows"}


class ModelFormatError(ValueError):
    """The bytes are not a model in the emulator's ``.ilearner`` format."""


@dataclass(frozen=True)
class Prediction:
    """``label`` as the service prints it; ``probability`` of the positive class (or ``None``)."""

    label: str
    probability: float | None


@dataclass(frozen=True)
class TrainedModel:
    format: str
    label: str
    classes: tuple[str, str] | None
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    rows: int

    @property
    def is_classifier(self) -> bool:
        return self.format == LOGISTIC_FORMAT

    def to_json(self) -> dict[str, Any]:
        return {"format": self.format, "label": self.label,
                "classes": list(self.classes) if self.classes else None,
                "features": list(self.features), "mean": list(self.mean),
                "scale": list(self.scale), "coef": list(self.coef),
                "intercept": self.intercept, "rows": self.rows}

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_json(), indent=1) + "\n").encode("utf-8")

    def decision(self, values: Sequence[float]) -> float:
        z = self.intercept
        for x, mean, scale, coef in zip(values, self.mean, self.scale, self.coef, strict=True):
            z += coef * (x - mean) / scale
        return z

    def predict(self, values: Sequence[float]) -> Prediction:
        """Score one row of feature values (in :attr:`features` order)."""
        z = self.decision(values)
        if self.classes is None:
            return Prediction(_number_text(z), None)
        probability = _sigmoid(z)
        return Prediction(self.classes[1] if z > 0 else self.classes[0], probability)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)  # no overflow for very negative z
    return e / (1.0 + e)


def _number_text(value: float) -> str:
    return repr(float(value))


def _numbers(raw: Mapping[str, Any], key: str, length: int) -> tuple[float, ...]:
    values = raw.get(key)
    if not isinstance(values, list) or len(values) != length:
        raise ModelFormatError(f"'{key}' must be a list of {length} numbers.")
    return tuple(_finite(value, key) for value in values)


def _finite(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ModelFormatError(f"'{key}' must hold finite numbers.")
    return float(value)


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ModelFormatError(f"'{key}' must be a non-empty string.")
    return value


def _classes(raw: Mapping[str, Any], fmt: str) -> tuple[str, str] | None:
    classes = raw.get("classes")
    if fmt == LINEAR_FORMAT:
        if classes is not None:
            raise ModelFormatError("a linear-regression model has \"classes\": null.")
        return None
    if not isinstance(classes, list) or len(classes) != 2 or classes[0] == classes[1]:
        raise ModelFormatError("'classes' must list two different class labels.")
    return _text(classes[0], "classes"), _text(classes[1], "classes")


def load_model(data: bytes) -> TrainedModel:
    """Parse and validate an ``.ilearner`` blob; :class:`ModelFormatError` for anything else."""
    if len(data) > MAX_MODEL_BYTES:
        raise ModelFormatError(f"the blob is larger than {MAX_MODEL_BYTES} bytes.")
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ModelFormatError("the blob is not UTF-8 JSON.") from None
    if not isinstance(raw, dict):
        raise ModelFormatError("the blob is not a JSON object.")
    fmt = raw.get("format")
    if fmt not in (LOGISTIC_FORMAT, LINEAR_FORMAT):
        raise ModelFormatError(f"unknown model format {str(fmt)[:80]!r}; expected "
                               f"{LOGISTIC_FORMAT!r} or {LINEAR_FORMAT!r}.")
    if set(raw) != _KEYS:
        raise ModelFormatError(f"the model must have exactly the keys {sorted(_KEYS)}.")
    features = raw["features"]
    if not isinstance(features, list) or not features or len(set(map(str, features))) != len(
            features):
        raise ModelFormatError("'features' must be a non-empty list of distinct column names.")
    names = tuple(_text(name, "features") for name in features)
    scale = _numbers(raw, "scale", len(names))
    if any(value <= 0 for value in scale):
        raise ModelFormatError("'scale' must hold positive numbers.")
    rows = raw["rows"]
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
        raise ModelFormatError("'rows' must be a non-negative integer.")
    return TrainedModel(format=fmt, label=_text(raw["label"], "label"), classes=_classes(raw, fmt),
                        features=names, mean=_numbers(raw, "mean", len(names)), scale=scale,
                        coef=_numbers(raw, "coef", len(names)),
                        intercept=_finite(raw["intercept"], "intercept"), rows=rows)
