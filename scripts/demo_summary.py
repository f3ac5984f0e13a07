"""Print the demo's before/after table from the JSON the CLI wrote (metrics and predictions)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def load(path: Path) -> dict:  # type: ignore[type-arg]
    """Read one JSON result file."""
    return json.loads(path.read_text(encoding="utf-8"))


def predictions(score: dict) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    """(label, probability) per scored row."""
    cols = score["columns"]
    li, pi = cols.index("Scored Labels"), cols.index("Scored Probabilities")
    return [(row[li], f"{float(row[pi]):.3f}") for row in score["rows"]]


def main(folder: Path) -> None:
    """Print metrics per retraining run and predictions per model for the fixed rows."""
    runs = [("model 2025", load(folder / "job1.json")), ("model 2026", load(folder / "job2.json"))]
    names = sorted({k for _, job in runs for k in (job.get("metrics") or {}).get("values", {})})
    print(f"{'metric':<22}" + "".join(f"{label:>14}" for label, _ in runs))
    for name in names:
        cells = "".join(f"{job['metrics']['values'].get(name, float('nan')):>14.3f}" for _, job in runs)
        print(f"{name:<22}{cells}")
    print()
    scores = [("seed model", load(folder / "score0.json")), ("model 2025", load(folder / "score1.json")),
              ("model 2026", load(folder / "score2.json"))]
    rows = load(folder / "score0.json")["rows"]
    cols = load(folder / "score0.json")["columns"]
    feats = [c for c in ("age", "education_num", "hours_per_week", "capital_gain") if c in cols]
    print(f"{'row (age/edu/hours/gain)':<26}" + "".join(f"{label:>20}" for label, _ in scores))
    preds = [predictions(s) for _, s in scores]
    for i, row in enumerate(rows):
        who = "/".join(str(row[cols.index(f)]) for f in feats)
        print(f"{who:<26}" + "".join(f"{p[i][0] + ' ' + p[i][1]:>20}" for p in preds))
    changed = sum(preds[1][i] != preds[2][i] for i in range(len(rows)))
    print(f"\nPredictions that changed between the two retrained models: {changed} of {len(rows)}")
    if changed == 0:
        sys.exit("the endpoint did not change its predictions: the swap did not take effect")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
