"""Generate the demo's census-like datasets: two training sets with different relationships.

``python scripts/make_census_data.py OUT_DIR`` writes ``census-2025.csv`` (income follows education
and age), ``census-2026.csv`` (the relationship shifted: hours and capital gain matter, age less), and
``score-rows.csv`` (a fixed set of people to score). Deterministic: the same files every run.
"""

from __future__ import annotations

import csv
import math
import random
import sys
from pathlib import Path

COLUMNS = ["age", "education_num", "hours_per_week", "capital_gain", "income"]
FEATURES = COLUMNS[:-1]
# Weights on standardized features; the second set is the "shifted" world.
WEIGHTS = {
    "census-2025.csv": ({"age": 1.2, "education_num": 1.8, "hours_per_week": 0.3, "capital_gain": 0.2}, -0.8),
    "census-2026.csv": ({"age": -0.6, "education_num": 0.4, "hours_per_week": 1.9, "capital_gain": 1.4}, 0.2),
}
CENTERS = {
    "age": (40, 12), "education_num": (10, 3), "hours_per_week": (40, 10), "capital_gain": (1500, 2500),
}


def person(rng: random.Random) -> dict[str, int]:
    """One random person (features only)."""
    return {
        "age": max(17, min(90, int(rng.gauss(40, 12)))),
        "education_num": max(1, min(16, int(rng.gauss(10, 3)))),
        "hours_per_week": max(1, min(99, int(rng.gauss(40, 10)))),
        "capital_gain": max(0, int(rng.expovariate(1 / 1500))),
    }


def label(row: dict[str, int], weights: dict[str, float], bias: float, rng: random.Random) -> str:
    """Draw the income class from a logistic model of the standardized features."""
    z = bias + sum(w * (row[f] - CENTERS[f][0]) / CENTERS[f][1] for f, w in weights.items())
    return ">50K" if rng.random() < 1 / (1 + math.exp(-z)) else "<=50K"


def write(path: Path, rows: list[dict[str, object]], columns: list[str]) -> None:
    """Write rows as CSV with a header."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def main(out: Path, rows: int = 3000) -> None:
    """Write the two training sets and the rows to score into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for seed, (name, (weights, bias)) in enumerate(WEIGHTS.items(), start=1):
        rng = random.Random(seed)
        data: list[dict[str, object]] = []
        for _ in range(rows):
            p = person(rng)
            data.append({**p, "income": label(p, weights, bias, rng)})
        write(out / name, data, COLUMNS)
    rng = random.Random(99)
    write(out / "score-rows.csv", [dict(person(rng)) for _ in range(6)], FEATURES)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
