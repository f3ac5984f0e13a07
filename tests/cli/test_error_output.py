"""The CLI's error lines as scripts, the PowerShell module and agent logs read them.

Off a terminal every usage error is the single line ``aml-retrain: error: <message>`` (Typer's Rich box
only on a terminal); library errors stay ``ErrorName: message``; exit codes do not change.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

from aml_retrain_cli import main
from aml_retrain_cli.main import app
from tests.cli.test_classic_cli import FakeClient

SVC = "c7d1e3f5a2b44c6d8e0f1a3b5c7d9e2f"
BOX = ("╭", "│", "╰", "Usage:", "Try '")

USAGE_ERRORS = {
    "bad global option value": (["--output", "jsonl", "ledger", "show", "x"],
                                "Invalid value for '--output' / '-o'"),
    "unknown global option": (["--nope", "ledger", "show", "x"], "No such option: --nope"),
    "unknown command": (["classic", "nosuch"], "No such command 'nosuch'."),
    "missing argument": (["classic", "endpoints", "show"], "Missing argument"),
    "unknown subcommand option": (["classic", "endpoints", "show", SVC, "ep01", "--nope"],
                                  "No such option: --nope"),
    "bad choice": (["classic", "endpoints", "create", SVC, "ep01", "--throttle-level", "Max"],
                   "Invalid value for '--throttle-level'"),
}


def run(args: list[str]) -> Any:
    return CliRunner().invoke(app, args)


@pytest.mark.parametrize(("args", "expected"), USAGE_ERRORS.values(), ids=list(USAGE_ERRORS))
def test_a_usage_error_off_a_terminal_is_one_plain_line(args: list[str], expected: str) -> None:
    result = run(args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"aml-retrain: error: {expected}")
    assert not any(mark in result.stderr for mark in BOX)


def test_a_usage_error_on_a_terminal_keeps_the_rich_box(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(main, "_stderr_is_terminal", lambda: True)
    result = run(["classic", "endpoints", "show", SVC, "ep01", "--nope"])
    assert result.exit_code == 2
    assert "╭" in result.stderr and "No such option: --nope" in result.stderr
    assert "aml-retrain: error:" not in result.stderr


def test_a_library_error_keeps_its_one_line_and_exit_code(fake: FakeClient) -> None:
    result = run(["classic", "endpoints", "create", SVC, "Bad_Name"])
    assert result.exit_code == 2
    assert result.stderr.startswith("ValidationError: ")
    assert len(result.stderr.splitlines()) == 1
    assert fake.calls == []


def test_help_is_not_an_error() -> None:
    result = run(["classic", "endpoints", "show", "--help"])
    assert result.exit_code == 0
    assert "aml-retrain: error:" not in result.stderr + result.stdout


def test_a_real_process_with_piped_stderr_prints_exactly_one_line() -> None:
    # Not CliRunner: the console entry point with stderr a pipe, as the module and scripts run it.
    done = subprocess.run(
        [sys.executable, "-c", "from aml_retrain_cli.main import main; main()",
         "classic", "endpoints", "show", SVC, "ep01", "--nope"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "aml-retrain: error: No such option: --nope\n"
