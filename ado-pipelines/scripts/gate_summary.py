"""Render `aml-retrain -o json gate` output (stdin) as markdown for the run's summary page.

Usage: gate_summary.py TARGET CANDIDATE. Exits 1 (prints nothing) when stdin holds no gate result,
e.g. when the CLI failed before deciding.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def cell(value: Any) -> str:
    """A table cell: numbers to 4 significant digits, pipes escaped, empty for missing values."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def render(result: dict[str, Any], target: str, candidate: str) -> str:
    """The markdown: outcome, what was compared, one row per rule, notices."""
    outcome = str(result.get("outcome", "?"))
    lines = [f"### aml-retrain gate: **{outcome}**", "",
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
    lines += [f"- {cell(n)}" for n in result.get("notices") or []]
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    """Read the gate JSON from stdin and print its markdown; 1 when there is none."""
    text = sys.stdin.read().strip()
    try:
        result = json.loads(text) if text else None
    except json.JSONDecodeError:
        result = None
    if not isinstance(result, dict) or "outcome" not in result:
        return 1
    sys.stdout.write(render(result, sys.argv[1], sys.argv[2]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
