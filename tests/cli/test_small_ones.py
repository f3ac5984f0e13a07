"""Issue 13 item 9, the small ones: global options anywhere, flags without a type in help, a
refused connection under an emulator profile names the emulator, Ctrl-C while waiting says how
to resume."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from aml_retrain.errors import ConnectionFailedError
from aml_retrain_cli.main import app, hoist_global_options
from tests.cli.test_classic_cli import FakeClient

JOB = "job-0001"


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def hoisted(*args: str) -> list[str]:
    return hoist_global_options(typer.main.get_command(app), list(args))


# (a) Global options after the command, as az accepts --output anywhere.

def test_output_after_the_subcommand_between_groups_and_in_its_joined_forms(fake: FakeClient) -> None:
    for args in (["classic", "services", "list", "-o", "json"],
                 ["classic", "-o", "json", "services", "list"],
                 ["classic", "services", "list", "--output=json"],
                 ["classic", "services", "list", "-ojson"]):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
        assert json.loads(result.stdout)[0]["Name"] == "Census Model [Predictive Exp.]", args


def test_the_last_one_typed_wins(fake: FakeClient) -> None:
    result = run("-o", "json", "classic", "services", "list", "-o", "table")
    assert result.exit_code == 0, result.output
    assert not result.stdout.lstrip().startswith("[")


@pytest.mark.parametrize("args", [
    # the subcommand's own --profile (the profile to write) is not the global one
    ["emulator", "start", "--profile", "/tmp/p.json"],
    ["emulator", "stop", "--profile", "/tmp/p.json"],
    # a value of the subcommand's option that looks like a global option stays its value
    ["promote", "classic:s/e", "--reason", "-o"],
    ["gate", "--candidate", "m.csv", "--reason", "--debug"],
    # `--` ends option processing
    ["classic", "services", "show", "--", "-o", "json"],
    # nothing after the command, or unknown words: left for click to judge
    ["-o", "json", "classic", "services", "list"],
    ["classic", "nope", "-o", "json"],
])
def test_what_is_not_a_global_option_is_not_moved(args: list[str]) -> None:
    assert hoisted(*args) == args


def test_global_options_move_with_their_values_and_keep_their_order() -> None:
    assert hoisted("emulator", "start", "--profile", "p.json", "--debug") == [
        "--debug", "emulator", "start", "--profile", "p.json"]
    assert hoisted("--profile", "a", "classic", "jobs", "wait", "J", "--workspace", "w",
                   "--token-file", "-", "--ledger", "l", "--subscription", "s", "--timeout", "5") == [
        "--profile", "a", "--workspace", "w", "--token-file", "-", "--ledger", "l",
        "--subscription", "s", "classic", "jobs", "wait", "J", "--timeout", "5"]


def test_a_global_option_that_cannot_move_says_where_it_goes() -> None:
    result = run("classic", "services", "list", "-o")  # its value is missing
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "aml-retrain: error: No such option: -o (global options go before the command: "
        "aml-retrain -o json classic services list)"]


# (b) A flag takes no value: help shows it as just --flag.

def _leaves(cmd: Any, path: list[str]) -> list[list[str]]:
    if not hasattr(cmd, "commands"):
        return [path]
    return [path] + [p for name, sub in sorted(cmd.commands.items()) for p in _leaves(sub, [*path, name])]


def test_no_help_page_labels_a_flag_bool() -> None:
    pages = _leaves(typer.main.get_command(app), [])
    assert len(pages) > 40
    for path in pages:
        result = run(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert "<bool>" not in result.stdout, path
    gate = run("gate", "--help").stdout
    assert "--force" in gate and "<str>" in gate  # flags lose the label, valued options keep it


# (c) The workspace id check (32 hex digits, before any request) keeps the ids we ship valid.

def test_the_emulator_and_cassette_workspace_ids_pass_the_check() -> None:
    from aml_retrain.config import Settings

    repo = Path(__file__).resolve().parents[2]
    seed = json.loads((repo / "emulator/aml_emulator/data/seed.json").read_text(encoding="utf-8"))
    replay = json.loads((repo / "cassettes/replay-settings.json").read_text(encoding="utf-8"))
    ids = [w["Id"] for w in seed["workspaces"]] + [replay["workspace_id"]]
    for workspace_id in ids:
        assert Settings(workspace_id=workspace_id, workspace_token="t").require_workspace()[0] == workspace_id


# The refusal itself (exit 2, one line, nothing sent): tests/cli/test_small_inputs.py.

# (d) A refused connection under an emulator profile: the emulator is not running.

def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _profile(tmp_path: Path, *, emulator: bool) -> Path:
    url = f"https://127.0.0.1:{_closed_port()}"
    data: dict[str, Any] = {"management_url": url, "workspace_id": "5e1c0a7b9d2f4c3e8a6b1d0f2e4c6a8b",
                            "workspace_token": "not-a-real-token"}
    if emulator:
        data["emulator"] = {"pid": 1, "url": url, "state_dir": str(tmp_path)}
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def no_retry_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    from urllib3.util.retry import Retry

    monkeypatch.setattr(Retry, "sleep", lambda self, response=None: None)


def test_a_refused_connection_under_an_emulator_profile_names_the_emulator(
    tmp_path: Path, no_retry_wait: None,
) -> None:
    profile = _profile(tmp_path, emulator=True)
    url = json.loads(profile.read_text())["emulator"]["url"]
    result = run("--profile", str(profile), "classic", "services", "list")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"ConnectionFailedError: the emulator at {url} is not running (connection refused): "
        "start it with: aml-retrain emulator start --detach"]


def test_without_an_emulator_profile_the_message_is_the_general_one(
    tmp_path: Path, no_retry_wait: None,
) -> None:
    result = run("--profile", str(_profile(tmp_path, emulator=False)), "classic", "services", "list")
    assert result.exit_code == 1
    assert "could not reach https://127.0.0.1:" in result.stderr and "emulator" not in result.stderr


def test_a_dead_endpoint_set_outside_the_emulator_profile_is_not_blamed_on_it(
    tmp_path: Path, no_retry_wait: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The emulator may be running: only the management URL set in the environment is dead.
    monkeypatch.setenv("AML_RETRAIN_MANAGEMENT_URL", f"https://127.0.0.1:{_closed_port()}")
    result = run("--profile", str(_profile(tmp_path, emulator=True)), "classic", "services", "list")
    assert result.exit_code == 1
    assert "could not reach https://127.0.0.1:" in result.stderr and "emulator" not in result.stderr


def _failed(cause: BaseException, host: str = "127.0.0.1", port: int = 10000) -> ConnectionFailedError:
    wrapper = OSError(cause)  # wrapped with its connection's address, as urllib3 does
    wrapper.conn = SimpleNamespace(host=host, port=port)  # type: ignore[attr-defined]
    error = ConnectionFailedError("could not reach it")
    error.__cause__ = wrapper
    return error


def test_only_a_refusal_by_the_profiles_own_endpoints_is_explained_as_the_emulator_down(
    tmp_path: Path,
) -> None:
    from aml_retrain.config import Settings

    settings = Settings.resolve(profile=_azurite_profile(tmp_path), env={})
    assert settings.emulator_addresses == {("127.0.0.1", 8443), ("127.0.0.1", 10000)}
    assert "is not running" in str(settings.explain(_failed(ConnectionRefusedError())))
    for other in (_failed(ConnectionResetError()), _failed(ConnectionRefusedError(), port=10001),
                  _failed(ConnectionRefusedError(), host="acct.blob.core.windows.net", port=443)):
        assert settings.explain(other) is other
    refused = _failed(ConnectionRefusedError())
    assert Settings().explain(refused) is refused  # not an emulator profile


def _azurite_profile(folder: Path) -> Path:
    path = folder / "emulator.json"
    path.write_text(json.dumps({
        "management_url": "https://127.0.0.1:8443", "arm_url": "https://127.0.0.1:8443",
        "storage_connection_string": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
                                     "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
        "emulator": {"pid": 1, "url": "https://127.0.0.1:8443", "state_dir": str(folder)},
    }), encoding="utf-8")
    return path


# (e) Ctrl-C while waiting: the job keeps running; say how to pick it up again.

def _interrupt(*_: Any, on_update: Any = None, **__: Any) -> Any:
    if on_update is not None:
        on_update(SimpleNamespace(job_id=JOB, status="Running"))
    raise KeyboardInterrupt


def test_ctrl_c_during_jobs_wait_names_the_resume_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("aml_retrain.classic.retrain.wait_for_job", _interrupt)
    result = run("jobs", "wait", JOB)
    assert result.exit_code == 130
    [line] = result.stderr.splitlines()
    assert f"job {JOB} keeps running" in line and f"aml-retrain jobs wait {JOB}" in line
    # a job from elsewhere (not in the journal) is resumed with the same --service
    line = run("jobs", "wait", JOB, "--service", "arm:rg/train").stderr.strip()
    assert f"aml-retrain jobs wait {JOB} --service arm:rg/train" in line


def test_ctrl_c_while_retrain_waits_names_the_job(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AML_RETRAIN_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true")
    monkeypatch.setattr("aml_retrain.classic.retrain.retrain", _interrupt)
    result = run("classic", "retrain", "svc", "--data", "d.csv")
    assert result.exit_code == 130
    [line] = result.stderr.splitlines()
    assert f"aml-retrain jobs wait {JOB}" in line and "keeps running" in line


def test_ctrl_c_before_a_job_exists_is_a_plain_interrupt(monkeypatch: pytest.MonkeyPatch) -> None:
    def upload_interrupted(*_: Any, **__: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setenv("AML_RETRAIN_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true")
    monkeypatch.setattr("aml_retrain.classic.retrain.retrain", upload_interrupted)
    result = run("classic", "retrain", "svc", "--data", "d.csv")
    assert result.exit_code == 130
    assert result.stderr.splitlines() == ["Interrupted."]
