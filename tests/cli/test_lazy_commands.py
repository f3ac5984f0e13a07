"""Top-level commands load on first use: the registry lists them all, as the eager tree did."""

from __future__ import annotations

import contextlib
import inspect
import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from aml_retrain_cli import lazy
from aml_retrain_cli.main import COMMANDS, app


def _root() -> typer.core.TyperGroup:
    return typer.main.get_command(app)  # type: ignore[return-value]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_summary_is_the_first_paragraph_of_the_real_help(name: str) -> None:
    built = lazy.build(name, COMMANDS[name])
    assert built.name == name
    assert inspect.cleandoc(built.help or "").split("\n\n")[0] == COMMANDS[name].summary


def test_root_help_from_summaries_equals_root_help_from_the_built_commands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = CliRunner()
    from_summaries = runner.invoke(app, ["--help"], env={"COLUMNS": "100"}).output
    # Without the listing mode the root's help builds every command and lists the real ones.
    monkeypatch.setattr(lazy.LazyCommands, "listing", lambda self: contextlib.nullcontext())
    from_built = runner.invoke(app, ["--help"], env={"COLUMNS": "100"}).output
    assert from_summaries == from_built
    assert all(name in from_summaries for name in COMMANDS)


def test_walking_the_tree_builds_every_command() -> None:
    root = _root()
    assert list(root.commands) == list(COMMANDS)
    groups = {name: cmd for name, cmd in root.commands.items() if hasattr(cmd, "commands")}
    assert {"classic", "webservice", "jobs", "ledger"} <= set(groups)
    assert "endpoints" in groups["classic"].commands


def test_unknown_names_behave_as_a_dict() -> None:
    commands = lazy.LazyCommands(COMMANDS)
    assert "nosuch" not in commands and "gate" in commands
    assert commands.get("nosuch") is None
    with pytest.raises(KeyError):
        del commands["nosuch"]
    del commands["gate"]
    assert "gate" not in list(commands)


def test_a_typo_is_still_answered_with_the_closest_command() -> None:
    result = CliRunner().invoke(app, ["webservi"])
    assert result.exit_code == 2
    assert "Did you mean 'webservice'?" in result.output


def _modules_after(*argv: str) -> set[str]:
    code = ("import sys, atexit\n"
            "atexit.register(lambda: print(' '.join(sorted(sys.modules)), file=sys.stderr))\n"
            f"sys.argv = ['aml-retrain', *{list(argv)!r}]\n"
            "from aml_retrain_cli.main import main\nmain()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent",
                               "AML_RETRAIN_SUBSCRIPTION_ID": ""})
    return set(done.stderr.strip().splitlines()[-1].split())


def test_one_command_imports_only_its_own_module() -> None:
    loaded = _modules_after("webservice", "show", "--help")
    commands = {m for m in loaded if m.startswith("aml_retrain_cli.commands.")}
    # webservice reuses classic_jobs' job options; nothing else of the CLI is imported.
    assert commands == {"aml_retrain_cli.commands.webservice", "aml_retrain_cli.commands.classic_jobs"}


def test_root_help_imports_no_command_module_and_no_pydantic() -> None:
    loaded = _modules_after("--help")
    assert not {m for m in loaded if m.startswith("aml_retrain_cli.commands.")}
    assert "pydantic" not in loaded


def _shape(cmd: Any) -> Any:
    """A command tree as names, help and parameters: what Typer built, whenever it built it."""
    commands = getattr(cmd, "commands", None)
    params = [(p.name, tuple(p.opts), p.required, repr(p.default)) for p in cmd.params]
    if commands is None:
        return (cmd.name, cmd.help, params)
    return (cmd.name, cmd.help, params, [(n, _shape(commands[n])) for n in commands])


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_group_built_on_use_is_the_group_typer_builds_at_once(
    name: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    on_use = _shape(lazy.build(name, COMMANDS[name]))
    monkeypatch.setattr(lazy, "_commands_pending", contextlib.nullcontext)  # Typer, all at once
    assert on_use == _shape(lazy.build(name, COMMANDS[name]))


def test_a_command_line_builds_only_the_command_it_names() -> None:
    group = lazy.build("webservice", COMMANDS["webservice"])
    assert isinstance(group.commands, lazy.BuiltOnUse)
    names = list(group.commands)
    assert set(group.commands.pending()) == set(names)  # nothing built by building the group
    assert group.commands["show"].name == "show"
    assert set(group.commands.pending()) == set(names) - {"show"}
    assert "nosuch" not in group.commands and group.commands.get("nosuch") is None
