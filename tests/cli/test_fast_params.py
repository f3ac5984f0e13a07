"""The quick coercion answers exactly what Typer's own would, or leaves the value to Typer."""

from __future__ import annotations

import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer
from typer import _coercion
from typer.models import ArgumentInfo, OptionInfo

from aml_retrain_cli import _fast_params


class Colour(str, Enum):
    """A choice like --output's."""

    red = "red"
    blue = "blue"


def _typer_says(annotation: Any, info: Any, value: Any) -> tuple[str, Any]:
    descriptor = _coercion.resolve_type_descriptor(annotation, info)
    try:
        return "ok", _coercion.build_runtime_param(descriptor)._coerce_value(value, None, None)
    except Exception as exc:  # Typer's error, to compare
        return type(exc).__name__, str(exc)


def _quick_says(annotation: Any, info: Any, value: Any) -> tuple[str, Any] | None:
    quick = _fast_params._quick(annotation, info)
    if quick is None:
        return None
    try:
        return "ok", quick(value, None, None)
    except Exception:  # the installed param hands these to Typer
        return None


CASES: list[tuple[Any, Any, list[Any]]] = [
    (str, OptionInfo(), ["abc", "", " x ", "ü", "-", 5]),
    (int, OptionInfo(), ["5", "007", "-3", "+4", " 5", "5.0", "1_000", "x", 7, True, 2.0]),
    (int, OptionInfo(min=1, max=64), ["1", "64", "0", "65", 8]),
    (float, OptionInfo(min=0.0), ["30", "0.5", ".5", "5.", "1e3", "-1", "inf", "nan", 30.0, 3]),
    (Colour, OptionInfo(case_sensitive=False), ["red", "BLUE", "green", Colour.red, ""]),
    (Colour, OptionInfo(), ["red", "BLUE"]),
    (Path, OptionInfo(), ["a//b/", "", "-", "~/x", Path("p")]),
    (Path, OptionInfo(exists=True), ["/", "/nonexistent/x"]),
    (Path, OptionInfo(exists=True, dir_okay=False), ["/", "/etc/hostname"]),
    (Path, ArgumentInfo(resolve_path=True), ["."]),
    (list[str], OptionInfo(), [("a", "b"), ["c"], "d"]),
    (list[Path], OptionInfo(), [("a", "b")]),
]


@pytest.mark.parametrize(("annotation", "info", "values"), CASES,
                         ids=lambda c: getattr(c, "__name__", None) or repr(c)[:20])
def test_quick_answer_equals_typers(annotation: Any, info: Any, values: list[Any]) -> None:
    answered = 0
    for value in values:
        quick = _quick_says(annotation, info, value)
        if quick is not None:
            answered += 1
            assert quick == _typer_says(annotation, info, value), value
    assert answered  # the quick path is used for these kinds at all


def test_kinds_without_a_quick_path_go_to_typer() -> None:
    from datetime import datetime
    from typing import Literal

    for annotation in (datetime, Literal["a", "b"], bool, tuple[str, int]):
        assert _fast_params._quick(annotation, OptionInfo()) is None
    assert _fast_params._quick(str, OptionInfo(parser=str.upper)) is None
    assert _fast_params._quick(int, OptionInfo(clamp=True, min=0)) is None


def _run(*args: str) -> typer.testing.Result:
    app = typer.Typer()

    @app.command()
    def show(count: int = typer.Option(1, min=1), where: Path = typer.Option(None, exists=True),
             colour: Colour = Colour.red) -> None:
        typer.echo(f"{count!r} {where!r} {colour.value}")

    return typer.testing.CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_installed_coercion_keeps_values_and_typers_error_messages() -> None:
    assert _fast_params.install()  # idempotent: main installed it already
    assert _run("--count", "3", "--where", "/", "--colour", "blue").output.strip() == (
        "3 PosixPath('/') blue")
    bad = _run("--count", "0")
    assert bad.exit_code == 2 and "greater than or equal to 1" in bad.output  # Pydantic's words
    missing = _run("--where", "/nonexistent/x")
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_a_command_line_of_strings_paths_and_choices_imports_no_pydantic() -> None:
    code = ("import sys\n"
            "sys.argv = ['aml-retrain', '--profile', '/nonexistent.json', '-o', 'json', "
            "'webservice', 'show', 'rg', 'name']\n"
            "from aml_retrain_cli.main import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('pydantic' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})
    assert done.stdout.strip().splitlines()[-1] == "False", done.stderr
