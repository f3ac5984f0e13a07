"""Run the CLI in-process the way the integration tests do: raw result, or parsed -o json."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from aml_retrain_cli.main import app


def run(*args: str) -> Any:
    """Invoke ``aml-retrain ARGS`` and return the click result (exit code, stdout, stderr)."""
    return CliRunner().invoke(app, list(args))


def ok_json(*args: str) -> Any:
    """Invoke ``aml-retrain -o json ARGS``, require exit 0 and return the parsed JSON."""
    result = run("-o", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def classic_services() -> dict[str, str]:
    """The emulator's classic web service ids: {"Training": id, "Predictive": id}."""
    listed = ok_json("classic", "services", "list")
    return {kind: next(s["Id"] for s in listed if f"[{kind} Exp.]" in s["Name"])
            for kind in ("Training", "Predictive")}
