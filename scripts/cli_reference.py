"""Generate the README's command reference from the Typer app (``--write`` updates README.md).

A test compares the README with this output, so the reference cannot drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

BEGIN = "<!-- cli-reference:begin -->"
END = "<!-- cli-reference:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"


# Typer may bundle its own click: read the command tree by duck typing, not isinstance.
def _usage(cmd: Any, path: list[str]) -> str:
    ctx = typer.Context(cmd)
    parts = list(path)
    for param in cmd.params:
        if param.param_type_name == "argument":
            parts.append(param.metavar or param.name.upper())
        elif param.param_type_name == "option" and not param.hidden and param.name != "help":
            record = param.get_help_record(ctx)
            text = record[0].split(", ")[-1] if record else max(param.opts, key=len)
            parts.append(text if param.required else f"[{text}]")
    return " ".join(parts)


def _walk(cmd: Any, path: list[str]) -> list[tuple[str, str]]:
    if hasattr(cmd, "commands"):
        rows: list[tuple[str, str]] = []
        for name in sorted(cmd.commands):
            rows += _walk(cmd.commands[name], [*path, name])
        return rows
    summary = (cmd.help or "").strip().splitlines()[0] if cmd.help else ""
    return [(_usage(cmd, path), summary)]


def render() -> str:
    """The reference section as Markdown, generated from the Click tree."""
    from aml_retrain_cli.main import app

    root = typer.main.get_command(app)
    lines = [BEGIN, "", f"Global options: `{_usage(root, ['aml-retrain'])} COMMAND`", "",
             "(all but `--version` may also follow the command, as with az: "
             "`aml-retrain classic services list -o json`)", "",
             "| command | what it does |", "|---|---|"]
    for usage, summary in _walk(root, ["aml-retrain"]):
        if usage.split()[:2] == ["aml-retrain", "aml-retrain"]:
            continue
        usage = usage.replace("|", "\\|")  # a bare pipe would split the Markdown table cell
        lines.append(f"| `{usage}` | {summary} |")
    lines += ["", END]
    return "\n".join(lines)


def current() -> str:
    """The reference section as it stands in README.md."""
    text = README.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[start:end]


def write() -> None:
    """Replace the README's reference section with a freshly generated one."""
    text = README.read_text(encoding="utf-8")
    README.write_text(text.replace(current(), render()), encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        write()
    else:
        print(render())
