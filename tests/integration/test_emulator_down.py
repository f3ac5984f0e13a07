"""Issue 13 item 9: with the emulator gone (its profile left behind), a command says the emulator
is not running and how to start it, for the management API and for its Azurite alike."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aml_retrain_cli.main import app
from tests.emulator_support import running_emulator

pytestmark = pytest.mark.integration


def test_a_stopped_emulator_is_named_with_the_command_that_starts_it(tmp_path: Path) -> None:
    left_behind = tmp_path / "left-behind.json"  # stopping removes the profile; a crash does not
    with contextmanager(running_emulator)(tmp_path / "emulator") as emulator:
        left_behind.write_text(emulator.profile_path.read_text(encoding="utf-8"), encoding="utf-8")
        url = json.loads(left_behind.read_text(encoding="utf-8"))["emulator"]["url"]
        up = CliRunner().invoke(app, ["--profile", str(left_behind), "classic", "services", "list"])
        assert up.exit_code == 0, up.output
    (tmp_path / "rows.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    expected = [f"ConnectionFailedError: the emulator at {url} is not running (connection refused): "
                "start it with: aml-retrain emulator start --detach"]
    for command in (["classic", "services", "list"],
                    ["storage", "upload", str(tmp_path / "rows.csv"), "--container", "models"]):
        down = CliRunner().invoke(app, ["--profile", str(left_behind), *command])
        assert down.exit_code == 1, down.output
        assert down.stderr.splitlines() == expected, command

