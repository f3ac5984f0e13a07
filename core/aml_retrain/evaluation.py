"""Read the metrics table that an Evaluate Model web service output writes as CSV."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from typing import Any

from aml_retrain.errors import ValidationError

__all__ = ["CLASSIFICATION", "REGRESSION", "Metrics", "normalise_header", "parse_evaluation_csv"]

# Normalised header -> canonical name; the CSV header spelling is not documented (§6.6).
CLASSIFICATION = {
    "accuracy": "Accuracy",
    "precision": "Precision",
    "recall": "Recall",
    "f score": "F-Score",
    "fscore": "F-Score",
    "f1 score": "F-Score",
    "f1": "F-Score",
    "f measure": "F-Score",
    "auc": "AUC",
    "area under curve": "AUC",
    "average log loss": "Average Log Loss",
    "training log loss": "Training Log Loss",
}
REGRESSION = {
    "mean absolute error": "Mean Absolute Error",
    "mae": "Mean Absolute Error",
    "root mean squared error": "Root Mean Squared Error",
    "root mean square error": "Root Mean Squared Error",
    "rmse": "Root Mean Squared Error",
    "relative absolute error": "Relative Absolute Error",
    "rae": "Relative Absolute Error",
    "relative squared error": "Relative Squared Error",
    "rse": "Relative Squared Error",
    "mean zero one error": "Mean Zero One Error",
    "coefficient of determination": "Coefficient of Determination",
    "r squared": "Coefficient of Determination",
    "r2": "Coefficient of Determination",
}


@dataclass(frozen=True)
class Metrics:
    """Evaluation metrics: ``kind`` is classification or regression; extra columns are kept."""

    kind: str
    values: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"kind": self.kind, "values": dict(self.values)}


def normalise_header(header: str) -> str:
    """Return a metric header lowercased, unquoted, with runs of spaces, ``_`` and ``-`` as one space."""
    text = header.strip().strip('"').lower()
    return " ".join(re.split(r"[\s_\-]+", text)).strip()


def _number(cell: str) -> float | None:
    try:
        value = float(cell.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_evaluation_csv(text: str) -> Metrics:
    """Parse header + first row of an evaluation CSV; raise ValidationError if no metric is known."""
    text = text.lstrip("\ufeff")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # Evaluation outputs may be written as .tsv too.
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise ValidationError("the evaluation output has no data row under its header")
    header, row = rows[0], rows[1]  # Evaluate Model with two models writes a second row; use the first
    values: dict[str, float] = {}
    classification = regression = 0
    for name, cell in zip(header, row, strict=False):  # short rows: missing cells are not metrics
        key = normalise_header(name)
        number = _number(cell)
        if number is None:
            continue  # labels such as "Positive Label" or "Scored dataset": not metrics
        if key in CLASSIFICATION:
            values[CLASSIFICATION[key]] = number
            classification += 1
        elif key in REGRESSION:
            values[REGRESSION[key]] = number
            regression += 1
        else:
            values[name.strip()] = number
    if not classification and not regression:
        raise ValidationError(
            "no known evaluation metric in the CSV header (expected e.g. Accuracy, AUC or "
            f"Mean Absolute Error); found {', '.join(repr(h) for h in header) or 'nothing'}"
        )
    return Metrics("classification" if classification >= regression else "regression", values)
