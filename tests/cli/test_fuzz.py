"""Property-based fuzz of every command's arguments and input files (issue 12 item 16).

For each command of the app (but ``emulator``, which starts servers), hypothesis draws global
options, arguments, options, flags and stdin from well-formed and hostile values (tests/cli/
fuzz_inputs.py) and runs the CLI in-process against settings whose hosts must never be contacted
(tests/cli/offline.py stops the first request). Every run must:

- raise no exception but SystemExit (no traceback), or stop at the network guard;
- exit with a code from the README's exit-code table;
- when it fails, end stderr with exactly one error line, ``ErrorName: message`` or
  ``aml-retrain: error: message``;
- when it exits 2 ("nothing was sent"), have sent nothing;
- refuse an empty or blank positional argument locally (exit 2), never send it.

Deterministic (``derandomize``) and bounded, so CI is stable: AML_RETRAIN_FUZZ_EXAMPLES raises the
examples per command for a longer local run.
"""

from __future__ import annotations

import os
import re
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aml_retrain_cli.main import app
from tests.cli.fuzz_inputs import STDIN, STRINGS, write_inputs
from tests.cli.offline import Attempts, NetworkReached, offline  # noqa: F401 (fixture)

DOCUMENTED_EXIT_CODES = {0, 1, 2, 3, 4, 5, 6, 8, 9}  # README "Exit codes"
ERROR_LINE = re.compile(r"^(aml-retrain: error: |[A-Z][A-Za-z]*(Error|Exception): ).")
# Their exit 1 is a verdict (the ledger's hash chain is broken) printed on stdout, not an error.
VERDICTS = {"ledger verify", "ledger repair"}
EXAMPLES = int(os.environ.get("AML_RETRAIN_FUZZ_EXAMPLES", "20"))
SKIPPED_GROUPS = ("emulator",)  # starts HTTPS servers and Azurite: not an input check

VALUES = st.one_of(
    st.sampled_from(STRINGS),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=24),
)
GLOBALS: dict[str, Any] = {
    "--workspace": VALUES,
    "--token-file": st.sampled_from(["-", "token.txt", "missing.txt", "folder", "binary.json"]),
    "--ledger": st.sampled_from(["ledger.jsonl", "deep.json", "folder", "az://", "az://c/l.jsonl",
                                 "missing/ledger.jsonl", ""]),
    "--profile": st.sampled_from(["profile.json", "deep.json", "deepobj.json", "empty.json",
                                  "list.json", "binary.json", "folder", "missing.json"]),
    "--output": st.sampled_from(["json", "table"]),
}


def leaf_commands() -> Iterator[tuple[list[str], Any]]:
    """Every runnable command of the app with its path, e.g. (["classic", "score"], command)."""
    def walk(cmd: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        if hasattr(cmd, "commands"):
            for name, sub in sorted(cmd.commands.items()):
                yield from walk(sub, [*path, name])
        else:
            yield path, cmd

    for path, cmd in walk(typer.main.get_command(app), []):
        if path[0] not in SKIPPED_GROUPS:
            yield path, cmd


COMMANDS = dict((" ".join(path), (path, cmd)) for path, cmd in leaf_commands())


def draw_argv(data: st.DataObject, path: list[str], command: Any) -> tuple[list[str], list[str]]:
    """Global options, the command path, its arguments and options; also the positional values."""
    argv: list[str] = []
    for option, values in GLOBALS.items():
        if data.draw(st.booleans()):
            argv += [option, data.draw(values)]
    argv += path
    positionals: list[str] = []
    for param in command.params:
        if param.param_type_name == "argument":
            if param.required or data.draw(st.booleans()):
                positionals.append(data.draw(VALUES))
        elif getattr(param, "is_flag", False):
            if data.draw(st.booleans()):
                argv.append(param.opts[0])
        else:
            most = 2 if param.multiple else 1
            for _ in range(1 if param.required else data.draw(st.integers(0, most))):
                argv += [param.opts[0], data.draw(VALUES)]
    return [*argv, *positionals], positionals


def check(result: Any, attempts: Attempts, positionals: list[str], name: str) -> None:
    """The properties of the module docstring for one run (``result`` None: the network guard)."""
    if result is None or isinstance(result.exception, NetworkReached):
        # No local check refused the input before the first request: fine, unless it was blank.
        assert all(v.strip() for v in positionals), f"a blank argument reached {attempts[0]}"
        return
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), (
        "traceback:\n" + "".join(traceback.format_exception(exc)) + f"stderr:\n{result.stderr}"
    )
    code = result.exit_code
    assert code in DOCUMENTED_EXIT_CODES, (code, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    if code != 0 and not (code == 1 and name in VERDICTS and result.stdout.strip()):
        lines = result.stderr.splitlines()
        errors = [n for n, line in enumerate(lines) if ERROR_LINE.match(line)]
        assert errors and errors[0] == len(lines) - 1, f"not one last error line:\n{result.stderr}"
    if code == 2:
        assert attempts == [], f"exit 2 ('nothing was sent') after {attempts}"
    if any(not v.strip() for v in positionals):
        assert code == 2, f"a blank argument was not refused (exit {code}):\n{result.stderr}"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_command_has_a_traceback_a_stray_exit_code_or_sends_before_refusing(
    name: str, offline: Attempts, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    path, command = COMMANDS[name]

    # No shrinking: the failing argv is printed as drawn, and a failure costs no extra minutes.
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run_one(data: st.DataObject) -> None:
        argv, positionals = draw_argv(data, path, command)
        stdin = data.draw(st.sampled_from(STDIN))
        offline.clear()
        with tempfile.TemporaryDirectory() as folder:
            write_inputs(Path(folder))
            monkeypatch.chdir(folder)  # relative file names are the inputs; restored at teardown
            try:
                result = CliRunner().invoke(app, argv, input=stdin)
            except NetworkReached:  # CliRunner passes BaseExceptions on
                result = None
        try:
            check(result, offline, positionals, name)
        except AssertionError as failure:
            raise AssertionError(f"aml-retrain {argv!r} (stdin {stdin!r}): {failure}") from None

    run_one()
