"""Render results as a table (people) or JSON (scripts, the PowerShell module)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import typer

from aml_retrain_cli.context import State

Column = tuple[str, Callable[[dict[str, Any]], Any]]


def field(name: str) -> Column:
    """A column showing one top-level field of the service's object."""
    return (name, lambda row: row.get(name))


def emit(st: State, data: Any, columns: Sequence[Column] = (), *, title: str | None = None) -> None:
    """Write ``data`` to stdout: JSON as the service spells it, or a table of ``columns``."""
    if st.json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    from rich.table import Table
    from rich.text import Text  # plain Text: names like "[trained model]" are not markup

    rows = data if isinstance(data, list) else [data]
    if not columns:
        columns = [field(k) for k, v in (rows[0] if rows else {}).items() if _scalar(v)]
    table = Table(title=title, show_lines=False)
    for header, _ in columns:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(Text(_cell(get(row))) for _, get in columns))
    _console().print(table)


def emit_pairs(st: State, data: dict[str, Any], *, title: str | None = None) -> None:
    """Write one object: JSON, or a two-column name/value table."""
    if st.json:
        emit(st, data)
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in data.items():
        table.add_row(Text(key), Text(_cell(value)))
    _console().print(table)


def brief(value: Any, limit: int = 72) -> str | None:
    """A one-line summary of a nested value for a table cell (``{"kind", "values"}`` metrics too)."""
    if value is None or value == {} or value == []:
        return None
    if isinstance(value, dict) and isinstance(value.get("values"), dict):
        kind = f"{value['kind']}: " if value.get("kind") else ""
        value = value["values"]
        text = kind + ", ".join(f"{k} {_number(v)}" for k, v in value.items())
    elif isinstance(value, dict):
        text = ", ".join(f"{k}={_cell(v) if _scalar(v) else '…'}" for k, v in value.items())
    elif isinstance(value, list):
        text = _cell(value) if all(_scalar(v) for v in value) else f"{len(value)} items"
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1].rstrip(", ") + "…"


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _console() -> Any:
    from rich.console import Console

    # Piped into a log, keep rows on one line instead of folding them at 80 columns; an explicit
    # COLUMNS (a CI log viewer's width, a test) is honoured as on a terminal.
    wide = sys.stdout.isatty() or bool(os.environ.get("COLUMNS"))
    return Console() if wide else Console(width=240)


def notice(message: str) -> None:
    """A diagnostic line on stderr, so stdout stays parseable."""
    typer.echo(message, err=True)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if all(_scalar(v) for v in value):
            return ", ".join(_cell(v) for v in value)
        return "\n".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
