"""Issue 12 item 17: small bad inputs refused locally, exit 2, nothing sent."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aml_retrain._blobs import parse_model_url
from aml_retrain.errors import ValidationError
from aml_retrain_cli.main import app
from tests.cli.offline import MODEL_URL, SVC, Attempts, offline  # noqa: F401 (fixture)


def run(args: list[str], stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, args, input=stdin)


def assert_refused(result: Any, attempts: Attempts, text: str) -> None:
    assert result.exit_code == 2, result.output
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert text in result.stderr
    assert attempts == []


@pytest.mark.parametrize(("query", "text"), [
    ("?sv=2020-02-10&se=2099-01-01T00:00:00Z&sr=b&sp=r", "no SAS signature (no sig parameter)"),
    ("?sv=2020-02-10&se=2099-01-01T00:00:00Z&sig=", "no SAS signature (no sig parameter)"),
    ("?foo=bar", "no SAS signature (no sig parameter)"),
    ("?sv=2020-02-10&se=tomorrow&sig=abc", "se='tomorrow' is not an ISO 8601 UTC time"),
    ("?sv=2020-02-10&se=2099-13-45&sig=abc", "is not an ISO 8601 UTC time"),
], ids=["no sig", "empty sig", "not a SAS", "se words", "se month 13"])
def test_a_sas_without_a_signature_or_with_an_unreadable_expiry_is_refused(
    query: str, text: str, offline: Attempts,  # noqa: F811
) -> None:
    with pytest.raises(ValidationError, match=re.escape(text)):
        parse_model_url(MODEL_URL + query)
    # From stdin, as a URL with its own SAS is given: refused before the endpoint is read.
    result = run(["classic", "endpoints", "set-model", SVC, "ep01", "--model-url", "-"],
                 stdin=MODEL_URL + query + "\n")
    assert_refused(result, offline, text)


def test_a_full_sas_still_passes() -> None:
    location = parse_model_url(MODEL_URL + "?sv=2020-02-10&se=2099-01-01T00:00:00Z&sr=b&sp=r&sig=a%2Bb")
    assert location.sas_token.startswith("?sv=") and "sig=" in location.sas_token
    assert parse_model_url(MODEL_URL + "?se=2099-01-01&sig=x").sas_token  # date-only expiry


@pytest.mark.parametrize("target", ["classic:", "classic:x", "arm:", "arm:rg/", "nope:x/y", ""])
def test_ledger_show_refuses_a_malformed_target(target: str, offline: Attempts) -> None:  # noqa: F811
    assert_refused(run(["ledger", "show", target]), offline, "invalid target")


def test_ledger_show_of_a_well_formed_target_still_lists(offline: Attempts) -> None:  # noqa: F811
    result = run(["-o", "json", "ledger", "show", f"classic:{SVC}/ep01"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("blob", ["/etc/x.csv", "models//x.csv", "a/../b.csv", "./x.csv", "x/",
                                  "x.", "", " ", "a\x01b", "x" * 1025])
def test_storage_upload_refuses_a_blob_name_that_is_not_one_plain_path(
    blob: str, tmp_path: Path, offline: Attempts,  # noqa: F811
) -> None:
    # Refused, not normalised: models//etc/x.csv is a different blob, one set-model refuses.
    model = tmp_path / "m.ilearner"
    model.write_bytes(b"model")
    result = run(["storage", "upload", str(model), "--container", "models", "--blob", blob])
    assert_refused(result, offline, "blob name")


def test_blob_name_refusal_suggests_the_relative_name() -> None:
    from aml_retrain.storage import validate_blob_name

    with pytest.raises(ValidationError, match=re.escape("e.g. 'etc/x.csv'")):
        validate_blob_name("/etc/x.csv")
    assert validate_blob_name("models/site-a/model.ilearner") == "models/site-a/model.ilearner"


@pytest.mark.parametrize("args", [
    ["classic", "services", "show", ""],
    ["classic", "services", "show", " "],
    ["classic", "endpoints", "list", ""],
    ["classic", "endpoints", "show", SVC, " "],
], ids=["services show ''", "services show blank", "endpoints list ''", "endpoints show blank"])
def test_an_empty_id_is_refused_before_the_list_request(
    args: list[str], offline: Attempts,  # noqa: F811
) -> None:
    result = run(args)
    assert result.exit_code == 2, (result.output, offline)
    assert offline == []
    assert "is empty" in result.stderr or "invalid endpoint name" in result.stderr


@pytest.mark.parametrize("stdin", ["", "\n", "   \n"], ids=["no input", "empty line", "blank"])
def test_token_file_stdin_that_is_empty_is_refused_not_replaced_by_the_profile_token(
    stdin: str, offline: Attempts,  # noqa: F811
) -> None:
    # offline sets AML_RETRAIN_WORKSPACE_TOKEN: today that token is used silently instead.
    result = run(["--token-file", "-", "classic", "services", "list"], stdin=stdin)
    assert_refused(result, offline, "stdin is empty")


def test_an_empty_token_file_is_refused(tmp_path: Path, offline: Attempts) -> None:  # noqa: F811
    empty = tmp_path / "token"
    empty.write_text("\n", encoding="utf-8")
    result = run(["--token-file", str(empty), "classic", "services", "list"])
    assert_refused(result, offline, "is empty")


@pytest.mark.parametrize("workspace", ["ws", "5e1c0a7b-9d2f-4c3e-8a6b-1d0f2e4c6a8b", "g" * 32])
def test_a_workspace_id_not_of_32_hex_digits_is_refused_locally(
    workspace: str, offline: Attempts,  # noqa: F811
) -> None:
    result = run(["--workspace", workspace, "classic", "services", "list"])
    assert_refused(result, offline, "is not 32 hex digits")
