"""Progress goes to stderr only, only on a terminal, and never into `-o json` (issue 13 item 6).

The CLI runs as a subprocess with stderr on a pseudo-terminal and stdout on a pipe, as in
`aml-retrain -o json ... > out.json` typed at a terminal.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.emulator_support import Emulator, census_data
from tests.integration.cli import ok_json

pytestmark = pytest.mark.integration


def cli(*args: str, tty: bool) -> tuple[Any, str]:
    """Run ``aml-retrain -o json ARGS``; return the parsed stdout and what stderr received."""
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    command = [sys.executable, "-m", "aml_retrain_cli", "-o", "json", *args]
    if not tty:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout), done.stderr
    master, slave = pty.openpty()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=slave, env=env) as child:
        os.close(slave)
        drawn = bytearray()
        while True:  # drain the terminal side, or a chatty child blocks on a full pty buffer
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not chunk:
                break
            drawn += chunk
        os.close(master)
        out = child.stdout.read() if child.stdout else b""
        assert child.wait(60) == 0, drawn.decode(errors="replace")
    return json.loads(out), drawn.decode("utf-8", errors="replace")


def test_upload_bar_is_drawn_on_a_terminal_and_knows_the_size(
    emulator: Emulator, tmp_path: Path
) -> None:
    big = tmp_path / "model.ilearner"
    big.write_bytes(os.urandom(1_000_000))
    data, drawn = cli("storage", "upload", str(big), "--container", "progress", tty=True)
    assert data["size"] == 1_000_000 and data["url"].endswith("/progress/model.ilearner")
    assert "Uploading model.ilearner" in drawn
    assert "0.0/1.0 MB" in drawn and "1.0/1.0 MB" in drawn  # the total from the first frame
    assert "? bytes" not in drawn


def test_no_progress_when_stderr_is_not_a_terminal(emulator: Emulator, tmp_path: Path) -> None:
    big = tmp_path / "model.ilearner"
    big.write_bytes(os.urandom(200_000))
    data, stderr = cli("storage", "upload", str(big), "--container", "progress", tty=False)
    assert data["blob"] == "model.ilearner" and stderr == ""


def test_retrain_draws_the_bar_then_the_spinner_on_stderr_only(
    emulator: Emulator, tmp_path: Path
) -> None:
    rows = census_data(tmp_path / "data")["census-2026"]
    training = next(s["Id"] for s in ok_json("classic", "services", "list")
                    if "[Training Exp.]" in s["Name"])
    job, drawn = cli("classic", "retrain", training, "--data", str(rows), tty=True)
    assert job["status"] == "Finished" and job["job_id"]
    assert "Uploading" in drawn and "Retraining" in drawn
    # One live display at a time: the bar is gone before the spinner's first frame.
    assert drawn.rindex("Uploading") < drawn.index("Retraining")

