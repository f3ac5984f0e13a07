"""Top-level commands imported and built on first use, so one command line pays for one command.

Typer builds the whole click tree before parsing a word: every command module imported, every
signature turned into parameters. Here the root group's ``commands`` is a mapping whose keys are
all the command names (``--help``, "did you mean", the hoisting of global options see them all)
and whose values are built by Typer itself on first access, exactly as ``add_typer`` /
``app.command`` would have built them. Walking the tree (``scripts/cli_reference.py``, the hint
checker) simply builds everything. While the root prints its own help, commands not built yet
are listed from their one-line summaries instead (checked against the real ones by a test).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
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
    return typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]


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
