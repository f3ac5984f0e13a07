"""Top-level commands imported and built on first use, so one command line pays for one command.

Typer builds the whole click tree before parsing a word: every command module imported, every
signature turned into parameters. Here the root group's ``commands`` is a mapping whose keys are
all the command names (``--help``, "did you mean", the hoisting of global options see them all)
and whose values are built by Typer itself on first access, exactly as ``add_typer`` /
``app.command`` would have built them. Walking the tree (``scripts/cli_reference.py``, the hint
checker) simply builds everything. While the root prints its own help, commands not built yet
are listed from their one-line summaries instead (checked against the real ones by a test).
Inside a group the same holds one level down: Typer builds the group, and each of its commands
is built by Typer's own ``get_command_from_info`` when first looked up (``webservice show`` does
not turn the other eight ``webservice`` signatures into parameters; ``webservice --help`` lists
them, so it builds them all).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import typer


@dataclass(frozen=True)
class Entry:
    """Where a top-level command lives and how the root's help lists it."""

    module: str  # under aml_retrain_cli.commands
    attribute: str  # a typer.Typer (a group) or a function (a command)
    summary: str  # the first paragraph of its help, as the root's --help shows it


def build(name: str, entry: Entry) -> Any:
    """Import ``entry`` and let Typer build its click command, named ``name``."""
    target = getattr(importlib.import_module(f"aml_retrain_cli.commands.{entry.module}"),
                     entry.attribute)
    # A group of one with a callback: Typer then keeps the child under its own name, built with
    # the same defaults (markup mode, pretty exceptions) as the root's children were.
    holder = typer.Typer(add_completion=False)
    holder.callback()(_no_options)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    with _commands_pending():
        built = typer.main.get_command(holder)
    _build_on_use(built)
    return built.commands[name]  # type: ignore[attr-defined]


class _Pending:
    """A command Typer has not built yet: its name (as Typer names it) and how to build it."""

    def __init__(self, name: str, make: Callable[[], Any]) -> None:
        self.name = name
        self.make = make


@contextmanager
def _commands_pending() -> Iterator[None]:
    """While Typer builds a tree, its commands (not its groups) are left as ``_Pending``."""
    original = getattr(typer.main, "get_command_from_info", None)
    name_of = getattr(typer.main, "get_command_name", None)
    if original is None or name_of is None:  # another Typer: everything is built at once
        yield
        return

    def pending(command_info: Any, **options: Any) -> _Pending:
        name = command_info.name or name_of(command_info.callback.__name__)
        return _Pending(name, lambda: original(command_info=command_info, **options))

    typer.main.get_command_from_info = pending  # type: ignore[assignment]
    try:
        yield
    finally:
        typer.main.get_command_from_info = original


def _build_on_use(command: Any) -> None:
    """Give every group of the tree a mapping that builds a pending command when looked up."""
    commands = getattr(command, "commands", None)
    if not isinstance(commands, dict):
        return
    for child in commands.values():
        _build_on_use(child)
    if any(isinstance(child, _Pending) for child in commands.values()):
        command.commands = BuiltOnUse(commands)


class BuiltOnUse(MutableMapping[str, Any]):
    """A group's commands in Typer's order; a pending one is built on its first lookup."""

    def __init__(self, commands: dict[str, Any]) -> None:
        self._commands = dict(commands)

    def __getitem__(self, name: str) -> Any:
        command = self._commands[name]
        if isinstance(command, _Pending):
            command = self._commands[name] = command.make()
        return command

    def __setitem__(self, name: str, command: Any) -> None:
        self._commands[name] = command

    def __delitem__(self, name: str) -> None:
        del self._commands[name]

    def __contains__(self, name: object) -> bool:  # without building anything
        return name in self._commands

    def __iter__(self) -> Iterator[str]:
        return iter(self._commands)

    def __len__(self) -> int:
        return len(self._commands)

    def pending(self) -> list[str]:
        """Names of the commands not built yet."""
        return [n for n, c in self._commands.items() if isinstance(c, _Pending)]


def _no_options() -> None:
    """Placeholder group callback."""


def stub(name: str, entry: Entry) -> Any:
    """A command carrying only a name and a summary, for the root's list of commands."""
    from typer.core import TyperCommand

    return TyperCommand(name=name, help=entry.summary)


class LazyCommands(MutableMapping[str, Any]):
    """Command name -> click command, each built on first access; the names are known up front."""

    def __init__(self, entries: dict[str, Entry]) -> None:
        self._entries = dict(entries)
        self._built: dict[str, Any] = {}
        self._listing = False

    def __getitem__(self, name: str) -> Any:
        if name in self._built:
            return self._built[name]
        entry = self._entries[name]  # KeyError for an unknown name, as a dict
        if self._listing:
            return stub(name, entry)
        command = self._built[name] = build(name, entry)
        return command

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._entries.pop(name, None)
        self._built.pop(name, None)

    def __contains__(self, name: object) -> bool:  # without building anything
        return name in self._entries or name in self._built

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._entries, *self._built]))

    def __len__(self) -> int:
        return len(set(self._entries) | set(self._built))

    @contextmanager
    def listing(self) -> Iterator[None]:
        """While active, a command not built yet is looked up as its summary stub."""
        self._listing = True
        try:
            yield
        finally:
            self._listing = False
