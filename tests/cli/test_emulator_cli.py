"""``aml-retrain emulator``: every launcher error is one stderr line with its documented exit code.

No emulator runs here except in the port test (real Azurite, skipped without it): the other
failures happen before anything starts, or with a fake ``azurite-blob``.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aml_emulator import azurite, services
from aml_emulator.azurite import AZURITE_VERSION
from aml_retrain_cli.main import app


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def assert_one_line_error(result: Any, code: int, *parts: str) -> str:
    """Exit *code*, one stderr line naming *parts*, no traceback, nothing on stdout."""
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output and "stop_services" not in result.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    assert result.stdout == ""
    return str(lines[0])


def fake_azurite(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "azurite-blob"
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    return tmp_path / "emu" / "profile.json"


@pytest.mark.parametrize("detach", [[], ["--detach"]])
def test_azurite_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, profile: Path,
                         detach: list[str]) -> None:
    monkeypatch.setenv("AML_EMULATOR_AZURITE", str(tmp_path / "nope"))
    result = run("emulator", "start", "--profile", str(profile), *detach)
    assert_one_line_error(result, 2, "EmulatorSetupError: AML_EMULATOR_AZURITE=",
                          "aml-retrain emulator install-azurite")
    assert not profile.exists()


def test_a_second_start_names_the_stop_command(profile: Path) -> None:
    # This process "is" the running emulator: is_running() trusts our own pid without /proc.
    profile.parent.mkdir(parents=True)
    profile.write_text(json.dumps({"emulator": {"pid": os.getpid()}}), encoding="utf-8")
    result = run("emulator", "start", "--detach", "--profile", str(profile))
    assert_one_line_error(result, 6, "already running",
                          f"aml-retrain emulator stop --profile {profile}")


def test_a_real_profile_is_never_overwritten(profile: Path) -> None:
    profile.parent.mkdir(parents=True)
    profile.write_text('{"workspace_id": "mine"}', encoding="utf-8")
    result = run("emulator", "start", "--detach", "--profile", str(profile))
    assert_one_line_error(result, 2, "is not an emulator profile", "--profile")
    assert profile.read_text(encoding="utf-8") == '{"workspace_id": "mine"}'


def test_a_folder_as_profile(tmp_path: Path) -> None:
    assert_one_line_error(run("emulator", "start", "--profile", str(tmp_path)), 2,
                          "is a directory")


def test_an_empty_storage_variable_is_refused(profile: Path) -> None:
    result = run("emulator", "start", "--detach", "--profile", str(profile),
                 "--storage-connection-string-env", "NOT_SET_ANYWHERE")
    assert_one_line_error(result, 2, "NOT_SET_ANYWHERE is empty")


def test_azurite_start_timeout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                               profile: Path) -> None:
    monkeypatch.setenv("AML_EMULATOR_AZURITE", str(fake_azurite(tmp_path, "exec sleep 30")))
    monkeypatch.setattr(services, "start_azurite", functools.partial(azurite.start_azurite,
                                                                     timeout=0.3))
    result = run("emulator", "start", "--profile", str(profile))
    assert_one_line_error(result, 4, "EmulatorTimeoutError: Azurite did not listen")
    assert not profile.exists()


def test_azurite_exiting_early(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                               profile: Path) -> None:
    monkeypatch.setenv("AML_EMULATOR_AZURITE", str(fake_azurite(tmp_path, "exit 3")))
    result = run("emulator", "start", "--profile", str(profile))
    assert_one_line_error(result, 1, "EmulatorError: Azurite", "exited with code 3",
                          "azurite.log")


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_port_in_use_is_refused_before_azurite_starts(busy_port: int, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path, profile: Path) -> None:
    marker = tmp_path / "azurite-started"
    monkeypatch.setenv("AML_EMULATOR_AZURITE", str(fake_azurite(tmp_path, f": > {marker}")))
    result = run("emulator", "start", "--port", str(busy_port), "--profile", str(profile))
    assert_one_line_error(result, 6, f"port {busy_port} on 127.0.0.1 is in use")
    assert not marker.exists() and not profile.exists()


def test_port_in_use_crosses_from_the_detached_child(busy_port: int, profile: Path) -> None:
    try:
        azurite.find_azurite()
    except azurite.AzuriteError:
        pytest.skip("Azurite is not installed (make setup runs npm ci)")
    result = run("emulator", "start", "--detach", "--port", str(busy_port),
                 "--profile", str(profile))
    assert_one_line_error(result, 6, "EmulatorConflictError: port", str(busy_port), "--port")
    assert not profile.exists()


def test_stop_json_is_snake_case(profile: Path) -> None:
    result = run("-o", "json", "emulator", "stop", "--profile", str(profile))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"profile": str(profile), "stopped": False}


def test_install_azurite_without_node(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert_one_line_error(run("emulator", "install-azurite"), 2, "EmulatorSetupError: node",
                          "Node.js 20")


def test_install_azurite_prints_where_it_went(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              clean_environ: Path) -> None:
    for name, body in (("node", "echo v20.0.0"), ("npm", 'p="$3"; /bin/mkdir -p '
                       '"$p/node_modules/.bin"; : > "$p/node_modules/.bin/azurite-blob"')):
        fake = tmp_path / name
        fake.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run("-o", "json", "emulator", "install-azurite")
    assert result.exit_code == 0, result.output
    prefix = clean_environ / ".aml-retrain" / "azurite"
    assert json.loads(result.stdout) == {
        "version": AZURITE_VERSION, "prefix": str(prefix),
        "azurite_blob": str(prefix / "node_modules" / ".bin" / "azurite-blob")}
    assert f"Installing Azurite {AZURITE_VERSION} into {prefix}" in result.stderr


def test_sample_data_writes_three_files_and_refuses_to_overwrite(tmp_path: Path) -> None:
    folder = tmp_path / "sample"
    result = run("-o", "json", "emulator", "sample-data", str(folder))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "dir": str(folder), "model": str(folder / "model.ilearner"),
        "train": str(folder / "train.csv"), "score": str(folder / "score.csv")}
    header = (folder / "score.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "age,education_num,hours_per_week,capital_gain"  # no label column
    assert (folder / "train.csv").read_text(encoding="utf-8").startswith(header + ",income\n")
    (folder / "train.csv").write_text("mine", encoding="utf-8")
    again = run("emulator", "sample-data", str(folder))
    assert_one_line_error(again, 6, "train.csv", "--force")
    assert (folder / "train.csv").read_text(encoding="utf-8") == "mine"
    forced = run("emulator", "sample-data", str(folder), "--force")
    assert forced.exit_code == 0, forced.output
    assert (folder / "train.csv").read_text(encoding="utf-8") != "mine"
