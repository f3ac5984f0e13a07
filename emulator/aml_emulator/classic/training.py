"""What the training experiment does: read a table, fit a linear model, evaluate it.

scikit-learn (``StandardScaler`` + ``LogisticRegression(C=Regularization)``, or ``Ridge`` for a
numeric label) on a 75/25 split with a fixed ``random_state``; the model is exported to the JSON
``.ilearner`` of :mod:`.model` (never pickled). scikit-learn is imported lazily: only training
needs it, scoring does not.

The evaluation CSV's header spelling is not documented (CLASSIC-API §6.6); ours follows the
Evaluate Model metric names: ``Accuracy,Precision,Recall,F-Score,AUC,Average Log Loss`` for a
two-class label, ``Mean Absolute Error,Root Mean Squared Error,Relative Absolute Error,
Relative Squared Error,Coefficient of Determination`` for a numeric one.

``degrade=True`` (the ``degrade_training`` setting) negates the fitted decision function before
evaluating and exporting it: a deliberately worse model whose metrics say so (see ``config``).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .model import LINEAR_FORMAT, LOGISTIC_FORMAT, TrainedModel

__all__ = [
    "CENSUS_COLUMNS",
    "CLASSIFICATION_METRICS",
    "REGRESSION_METRICS",
    "SPLIT_SEED",
    "Table",
    "TrainingError",
    "census_csv",
    "parse_table",
    "seed_model",
    "train",
]

CENSUS_COLUMNS = ("age", "education_num", "hours_per_week", "capital_gain", "income")
CLASSIFICATION_METRICS = ("Accuracy", "Precision", "Recall", "F-Score", "AUC", "Average Log Loss")
REGRESSION_METRICS = ("Mean Absolute Error", "Root Mean Squared Error", "Relative Absolute Error",
                      "Relative Squared Error", "Coefficient of Determination")
SPLIT_SEED = 42  # random_state of the 75/25 split and of the solver
SEED_DATA_SEED = 20240304
MIN_ROWS = 10
_REGRESSION_DISTINCT = 10  # a numeric label with more distinct values than this is regression
_MAX_INPUT_BYTES = 64 * 1024 * 1024


class TrainingError(Exception):
    """The experiment failed; the message becomes the job's ``Details``."""


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _parse_arff(text: str) -> Table:
    columns: list[str] = []
    lines = iter(text.splitlines())
    for line in lines:
        stripped = line.strip()
        if stripped.lower().startswith("@attribute"):
            name = stripped.split(None, 1)[1].rsplit(None, 1)[0].strip().strip("'\"")
            columns.append(name)
        elif stripped.lower() == "@data":
            break
    data = [row for row in csv.reader(lines) if row and not row[0].startswith("%")]
    return _table(columns, data)


def _table(header: Sequence[str], data: Sequence[Sequence[str]]) -> Table:
    columns = tuple(name.strip() for name in header)
    if not columns or any(not name for name in columns) or len(set(columns)) != len(columns):
        raise TrainingError("The dataset header must name every column once.")
    rows = []
    for number, row in enumerate(data, start=2):
        if len(row) != len(columns):
            raise TrainingError(f"Line {number} of the dataset has {len(row)} values; the header "
                                f"has {len(columns)} columns.")
        rows.append(tuple(value.strip() for value in row))
    return Table(columns, tuple(rows))


def parse_table(data: bytes, extension: str) -> Table:
    """``.csv`` / ``.tsv`` with a header row, or ``.arff``; :class:`TrainingError` if unparsable."""
    if len(data) > _MAX_INPUT_BYTES:
        raise TrainingError(f"The input dataset is larger than {_MAX_INPUT_BYTES} bytes.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TrainingError("The input dataset is not UTF-8 text.") from None
    if extension == ".arff":
        return _parse_arff(text)
    try:
        records = [row for row in csv.reader(io.StringIO(text),
                                             delimiter="\t" if extension == ".tsv" else ",")
                   if row]
    except csv.Error as exc:
        raise TrainingError(f"The input dataset could not be parsed: {exc}.") from None
    if not records:
        raise TrainingError("The input dataset is empty.")
    return _table(records[0], records[1:])


def _as_float(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _numeric_columns(table: Table, skip: str) -> list[str]:
    numeric = []
    for index, name in enumerate(table.columns):
        if name != skip and all(_as_float(row[index]) is not None for row in table.rows):
            numeric.append(name)
    return numeric


def train(table: Table, label: str, regularization: float, *,
          degrade: bool = False) -> tuple[TrainedModel, bytes]:
    """Fit on 75 % of the rows, evaluate on the rest: (model, evaluation CSV bytes).

    *degrade*: negate the fitted model (a worse one, on purpose) before evaluating it."""
    import numpy as np

    if label not in table.columns:
        raise TrainingError(f"Column '{label}' not found in the input dataset (columns: "
                            f"{', '.join(table.columns)}). Set the 'Label column' global "
                            "parameter to one of them.")
    if len(table.rows) < MIN_ROWS:
        raise TrainingError(f"The input dataset has {len(table.rows)} rows; training needs at "
                            f"least {MIN_ROWS}.")
    features = _numeric_columns(table, label)
    if not features:
        raise TrainingError("The input dataset has no numeric feature column besides the label.")
    indexes = [table.columns.index(name) for name in features]
    x = np.array([[float(row[i]) for i in indexes] for row in table.rows], dtype=float)
    labels = [row[table.columns.index(label)] for row in table.rows]
    numeric = [_as_float(value) for value in labels]
    if all(v is not None for v in numeric) and len(set(labels)) > _REGRESSION_DISTINCT:
        return _regression(x, np.array(numeric, dtype=float), label, features, regularization,
                           degrade)
    return _classification(x, labels, label, features, regularization, degrade)


def _split(x: Any, y: Any, stratify: Any) -> Any:
    from sklearn.model_selection import train_test_split

    return train_test_split(x, y, test_size=0.25, random_state=SPLIT_SEED, stratify=stratify)


def _classification(x: Any, labels: list[str], label: str, features: list[str],
                    regularization: float, degrade: bool) -> tuple[TrainedModel, bytes]:
    import numpy as np
    from sklearn import metrics
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    classes = sorted(set(labels))
    if len(classes) != 2:
        raise TrainingError(f"The label column '{label}' has {len(classes)} distinct value(s); "
                            "this experiment trains a two-class model and needs exactly 2.")
    if min(labels.count(c) for c in classes) < 4:
        raise TrainingError(f"Too few rows of one class in '{label}' to split into training "
                            "and evaluation sets (at least 4 of each class are needed).")
    y = np.array([classes.index(value) for value in labels])
    x_train, x_test, y_train, y_test = _split(x, y, y)
    scaler = StandardScaler().fit(x_train)
    fitted = LogisticRegression(C=regularization, random_state=SPLIT_SEED, max_iter=1000)
    fitted.fit(scaler.transform(x_train), y_train)
    if degrade:  # z → -z: every label flips, P → 1 - P (Accuracy and AUC → 1 - normal)
        fitted.coef_, fitted.intercept_ = -fitted.coef_, -fitted.intercept_
    probability = fitted.predict_proba(scaler.transform(x_test))[:, 1]
    predicted = (probability > 0.5).astype(int)
    values = [metrics.accuracy_score(y_test, predicted),
              metrics.precision_score(y_test, predicted, zero_division=0),
              metrics.recall_score(y_test, predicted, zero_division=0),
              metrics.f1_score(y_test, predicted, zero_division=0),
              metrics.roc_auc_score(y_test, probability),
              metrics.log_loss(y_test, probability, labels=[0, 1])]
    model = _export(LOGISTIC_FORMAT, label, (classes[0], classes[1]), features, scaler,
                    fitted.coef_[0], float(fitted.intercept_[0]), len(y_train))
    return model, _csv(CLASSIFICATION_METRICS, values)


def _regression(x: Any, y: Any, label: str, features: list[str],
                regularization: float, degrade: bool) -> tuple[TrainedModel, bytes]:
    import numpy as np
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import StandardScaler

    x_train, x_test, y_train, y_test = _split(x, y, None)
    scaler = StandardScaler().fit(x_train)
    # Regularization is the inverse strength, as C is for the classifier: alpha = 1 / C.
    fitted = Ridge(alpha=1.0 / regularization).fit(scaler.transform(x_train), y_train)
    if degrade:  # predictions mirror around the training mean: R² falls below 0
        fitted.coef_ = -fitted.coef_
    error = fitted.predict(scaler.transform(x_test)) - y_test
    spread = y_test - y_test.mean()
    squares = float(np.sum(spread ** 2)) or 1.0
    values = [float(np.mean(np.abs(error))), math.sqrt(float(np.mean(error ** 2))),
              float(np.sum(np.abs(error))) / (float(np.sum(np.abs(spread))) or 1.0),
              float(np.sum(error ** 2)) / squares, 1.0 - float(np.sum(error ** 2)) / squares]
    model = _export(LINEAR_FORMAT, label, None, features, scaler, fitted.coef_,
                    float(fitted.intercept_), len(y_train))
    return model, _csv(REGRESSION_METRICS, values)


def _export(fmt: str, label: str, classes: tuple[str, str] | None, features: list[str],
            scaler: Any, coef: Any, intercept: float, rows: int) -> TrainedModel:
    scale = [float(s) if s > 0 else 1.0 for s in scaler.scale_]
    return TrainedModel(format=fmt, label=label, classes=classes, features=tuple(features),
                        mean=tuple(float(m) for m in scaler.mean_), scale=tuple(scale),
                        coef=tuple(float(c) for c in coef), intercept=intercept, rows=rows)


def _csv(header: Sequence[str], values: Sequence[float]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerow([f"{float(v):.10g}" for v in values])
    return out.getvalue().encode("utf-8")


def census_csv(rows: int = 2000, seed: int = SEED_DATA_SEED, *,
               weights: Sequence[float] = (0.045, 0.38, 0.045, 0.0004),
               bias: float = -10.0) -> bytes:
    """A deterministic synthetic census CSV (header + *rows*): ``P(>50K)`` is logistic in the
    features with *weights* (age, education_num, hours_per_week, capital_gain) and *bias*."""
    import numpy as np

    rng = np.random.RandomState(seed)
    age = rng.randint(17, 91, rows)
    education = rng.randint(1, 17, rows)
    hours = np.clip(rng.normal(40, 12, rows).round(), 1, 99).astype(int)
    gain = np.where(rng.uniform(size=rows) < 0.08, rng.exponential(6000, rows).round(), 0)
    z = bias + weights[0] * age + weights[1] * education + weights[2] * hours + weights[3] * gain
    positive = rng.uniform(size=rows) < 1.0 / (1.0 + np.exp(-z))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CENSUS_COLUMNS)
    for i in range(rows):
        writer.writerow([int(age[i]), int(education[i]), int(hours[i]), int(gain[i]),
                         ">50K" if positive[i] else "<=50K"])
    return out.getvalue().encode("utf-8")


def seed_model() -> TrainedModel:
    """The predictive default endpoint's model: trained on :func:`census_csv` with defaults."""
    model, _evaluation = train(parse_table(census_csv(), ".csv"), "income", 1.0)
    return model
