"""Markdown for the run's summary page (##vso[task.uploadsummary]), so reviewers see the decision.

Usage:
  summary.py gate TARGET CANDIDATE < gate.json   (`aml-retrain -o json gate` output)
  summary.py plan PLAN_FILE                      (the plan an approval sits in front of)
Exits 1 (prints nothing) when there is nothing to show, e.g. the CLI failed before deciding.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def cell(value: Any) -> str:
    """A table cell: numbers to 4 significant digits, pipes escaped, empty for missing values."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def url(value: Any) -> str:
    """A model URL without its query (a SAS is never shown)."""
    return f"`{str(value).split('?', 1)[0]}`" if value else "(none)"


def gate(result: dict[str, Any], target: str, candidate: str) -> list[str]:
    """The gate: outcome, what was compared, one row per rule, notices."""
    lines = [f"### aml-retrain gate: **{result.get('outcome', '?')}**", "",
             f"Candidate `{candidate}` against what `{target}` serves now.", ""]
    if result.get("summary"):
        lines += [cell(result["summary"]), ""]
    rules = result.get("rules") or []
    if rules:
        lines += ["| metric | direction | candidate | baseline | threshold | passed |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {cell(r.get('metric'))} | {cell(r.get('direction'))} | {cell(r.get('candidate'))}"
                  f" | {cell(r.get('baseline'))} | {cell(r.get('threshold'))}"
                  f" | {'yes' if r.get('passed') else 'no'} |" for r in rules]
        lines.append("")
    return lines + [f"- {cell(n)}" for n in result.get("notices") or []]


def plan(data: dict[str, Any]) -> list[str]:
    """The plan: target, the model it serves now and the one it will serve, the gate's outcome."""
    change = data.get("change") or {}
    before = change.get("before_uri") or "/".join(
        str(v).strip("/") for v in (change.get("before") or {}).values() if v) or data.get("old_model")
    lines = [f"### aml-retrain plan for `{data.get('target')}`", "",
             "| | |", "|---|---|",
             f"| serves now | {url(before)} |",
             f"| will serve | {url(data.get('model_url'))} |",
             f"| from job | {cell(data.get('job_id'))} |",
             f"| already current | {'yes' if data.get('already_current') else 'no'} |"]
    if data.get("gate"):
        lines.append(f"| gate | {cell(data['gate'].get('outcome'))}: {cell(data['gate'].get('summary'))} |")
    return lines + ["", "Approve the Apply stage to deploy exactly this plan; a target changed since "
                    "refuses it."] + [f"- {cell(n)}" for n in data.get("notices") or []]


def main(argv: list[str]) -> int:
    """Print the markdown for ``argv``; 1 when there is nothing to render."""
    try:
        if argv[0] == "gate":
            text = sys.stdin.read().strip()
            result = json.loads(text) if text else None
            ok = isinstance(result, dict) and "outcome" in result
            lines = gate(result, argv[1], argv[2]) if ok else []
        else:
            data = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
            lines = plan(data) if isinstance(data, dict) and "target" in data else []
    except (OSError, json.JSONDecodeError):
        lines = []
    if not lines:
        return 1
    sys.stdout.write("\n".join(lines).rstrip() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
