"""Sample files to start with: a trained ``.ilearner``, its training CSV and rows to score.

``model.ilearner`` is what the emulator's own trainer (:func:`.classic.training.train`, the BES
training experiment's defaults: label ``income``, Regularization 1.0) fits on ``train.csv``, so the
emulator's RRS/BES score with it once an endpoint points at it. ``train.csv`` follows a slightly
different world from the seed model's data (hours count more), so swapping to it changes scores.
``score.csv`` has the feature columns only. All three are deterministic.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from .classic.training import census_csv, parse_table, train
from .errors import SampleDataExistsError

__all__ = ["SAMPLE_FILES", "write_sample_data"]

SAMPLE_FILES = {"model": "model.ilearner", "train": "train.csv", "score": "score.csv"}
_LABEL = "income"
_TRAIN_SEED, _SCORE_SEED = 20250101, 20250202
_WEIGHTS = (0.02, 0.30, 0.09, 0.0005)  # age, education_num, hours_per_week, capital_gain
_BIAS = -9.0


def _without_label(data: bytes) -> bytes:
    table = parse_table(data, ".csv")
    keep = [i for i, name in enumerate(table.columns) if name != _LABEL]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([table.columns[i] for i in keep])
    writer.writerows([row[i] for i in keep] for row in table.rows)
    return out.getvalue().encode("utf-8")


def sample_bytes() -> dict[str, bytes]:
    """``{"model","train","score"}`` → file contents (trains the model: about a second)."""
    training = census_csv(1000, _TRAIN_SEED, weights=_WEIGHTS, bias=_BIAS)
    model, _evaluation = train(parse_table(training, ".csv"), _LABEL, 1.0)
    scoring = _without_label(census_csv(20, _SCORE_SEED, weights=_WEIGHTS, bias=_BIAS))
    return {"model": model.to_bytes(), "train": training, "score": scoring}


def write_sample_data(folder: str | os.PathLike[str], *, force: bool = False) -> dict[str, Path]:
    """Write the sample files into *folder* (created if missing); return their paths by kind.

    :param force: overwrite files that exist; without it nothing is written when one exists.
    :raises SampleDataExistsError: a file exists and *force* is false.
    """
    target = Path(folder).expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise SampleDataExistsError(f"{target} is a file, not a folder: choose a folder")
    paths = {kind: target / name for kind, name in SAMPLE_FILES.items()}
    existing = [str(path) for path in paths.values() if path.exists()]
    if existing and not force:
        raise SampleDataExistsError(f"{', '.join(existing)} exist(s) already: pass --force to "
                                    "overwrite, or choose another folder")
    contents = sample_bytes()
    target.mkdir(parents=True, exist_ok=True)
    for kind, path in paths.items():
        path.write_bytes(contents[kind])
    return paths
