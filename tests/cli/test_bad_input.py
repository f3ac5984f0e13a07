"""Hostile input files (issue 12 item 16): nesting 10^5 deep is one ValidationError line, exit 2,
naming the file and the limit, with nothing sent; ``--debug`` keeps the exit code (item 9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aml_retrain.arm import webservices
from aml_retrain.errors import (
    AmlRetrainError,
    AuthError,
    NotFoundError,
    OperationTimeoutError,
    ValidationError,
)
from aml_retrain_cli.main import app
from tests.cli.offline import MODEL_URL, SVC, Attempts, offline  # noqa: F401 (fixture)

DEEP = 100_000
ARM = "arm:rg/ws"


def deep_array() -> str:
    return "[" * DEEP + "]" * DEEP


def deep_object() -> str:
    return '{"a":' * DEEP + "1" + "}" * DEEP


def run(args: list[str], stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, args, input=stdin)


# (command with {F} for the hostile file, its suffix, the document)
COMMANDS = {
    "webservice import": (["webservice", "import", "--file", "{F}"], ".json", deep_object),
    "webservice update": (["webservice", "update", "rg", "ws", "--file", "{F}"], ".json", deep_object),
    "webservice set-model --file": (
        ["webservice", "set-model", "--file", "{F}", "--model-url", MODEL_URL], ".json", deep_object),
    "apply": (["apply", "{F}"], ".json", deep_array),
    "classic score": (["classic", "score", SVC, "ep01", "--input", "{F}"], ".json", deep_array),
    "webservice score": (["webservice", "score", "rg", "ws", "--input", "{F}"], ".json", deep_object),
    "fanout run yaml": (["fanout", "run", "{F}"], ".yaml", deep_array),
    "fanout run json": (["fanout", "run", "{F}"], ".json", deep_object),
    "gate --candidate": (["gate", "--candidate", "{F}"], ".json", deep_object),
    "gate --policy": (["gate", "--candidate", "{OK}", "--policy", "{F}"], ".yaml", deep_array),
    "promote --policy": (["promote", ARM, "--model-url", MODEL_URL, "--gate", "--policy", "{F}"],
                         ".yaml", deep_array),
    "--profile": (["--profile", "{F}", "classic", "services", "list"], ".json", deep_object),
}


@pytest.mark.parametrize(("args", "suffix", "document"), COMMANDS.values(), ids=list(COMMANDS))
def test_a_file_nested_without_end_is_one_line_exit_2_and_nothing_sent(
    args: list[str], suffix: str, document: Any, tmp_path: Path, offline: Attempts,  # noqa: F811
) -> None:
    hostile = tmp_path / f"deep{suffix}"
    hostile.write_text(document(), encoding="utf-8")
    metrics = tmp_path / "metrics.json"
    metrics.write_text('{"AUC": 0.8}', encoding="utf-8")
    argv = [a.replace("{F}", str(hostile)).replace("{OK}", str(metrics)) for a in args]
    result = run(argv)
    assert not isinstance(result.exception, RecursionError), result.exception
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ValidationError: ") and str(hostile) in lines[0]
    assert "64 levels" in lines[0]
    assert offline == []


def test_nesting_at_the_limit_is_still_read(tmp_path: Path, offline: Attempts) -> None:  # noqa: F811
    # 64 levels parse, so the refusal above is the limit and not any nesting.
    metrics = tmp_path / "m.json"
    metrics.write_text('{"AUC": 0.8, "x": ' + "[" * 63 + "]" * 63 + "}", encoding="utf-8")
    result = run(["gate", "--candidate", str(metrics)])
    assert "64 levels" not in result.stderr
    over = tmp_path / "over.json"
    over.write_text('{"AUC": 0.8, "x": ' + "[" * 64 + "]" * 64 + "}", encoding="utf-8")
    assert "64 levels" in run(["gate", "--candidate", str(over)]).stderr


@pytest.mark.parametrize("document", [
    "a: &a [*a]",  # a list inside itself
    "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi")
    ),  # "billion laughs": 10^9 values from a few hundred bytes
], ids=["recursive alias", "alias bomb"])
def test_yaml_aliases_cannot_expand_a_manifest_without_end(
    document: str, tmp_path: Path, offline: Attempts,  # noqa: F811
) -> None:
    manifest = tmp_path / "sites.yaml"
    manifest.write_text(document, encoding="utf-8")
    result = run(["fanout", "run", str(manifest)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("ValidationError: manifest file ")
    assert len(result.stderr.splitlines()) == 1
    assert offline == []


ERRORS = {
    "not found 3": NotFoundError("no such web service", status_code=404, url="https://x/ws"),
    "auth 5": AuthError("token refused", status_code=401, url="https://x/ws"),
    "validation 2": ValidationError("bad definition"),
    "timeout 4": OperationTimeoutError("ran out of time"),
}


@pytest.mark.parametrize("error", ERRORS.values(), ids=list(ERRORS))
def test_debug_adds_the_traceback_and_keeps_the_exit_code(
    error: AmlRetrainError, monkeypatch: pytest.MonkeyPatch, offline: Attempts,  # noqa: F811
) -> None:
    def fail(*_: Any, **__: Any) -> None:
        raise error

    monkeypatch.setattr(webservices, "import_definition", fail)
    args = ["webservice", "import", "--file", "def.json"]
    plain, debug = run(args), run(["--debug", *args])
    assert plain.exit_code == error.exit_code
    assert debug.exit_code == error.exit_code, debug.output
    assert "Traceback (most recent call last)" in debug.stderr
    assert "Traceback" not in plain.stderr
    assert debug.stderr.rstrip().splitlines()[-1] == plain.stderr.strip()


def test_debug_traceback_redacts_a_signed_url_in_a_chained_cause(
    monkeypatch: pytest.MonkeyPatch, offline: Attempts,  # noqa: F811
) -> None:
    from aml_retrain.errors import ConnectionFailedError

    def fail(*_: Any, **__: Any) -> None:
        try:
            raise OSError(f"connection reset reading {MODEL_URL}?sv=1&sig=SECRETSIG")
        except OSError as cause:
            raise ConnectionFailedError("could not reach blob storage") from cause

    monkeypatch.setattr(webservices, "import_definition", fail)
    result = run(["--debug", "webservice", "import", "--file", "def.json"])
    assert result.exit_code == 1
    assert "connection reset reading" in result.stderr
    assert "SECRETSIG" not in result.stderr
