"""The README's Azure ML v2 block, run as it is with bash against the emulator (retrain → rollback)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.emulator_support import Emulator
from tests.integration.test_online_promotion import ENDPOINT, fast, online_client

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
BEGIN, END = "<!-- online-v2:begin -->", "<!-- online-v2:end -->"


def online_block() -> str:
    """The bash code between the online-v2 markers (without the fence lines)."""
    section = (REPO / "README.md").read_text(encoding="utf-8").split(BEGIN, 1)[1].split(END, 1)[0]
    lines = section.strip().splitlines()
    assert lines[0] == "```bash" and lines[-1] == "```", "the v2 example must be one ```bash block"
    return "\n".join(lines[1:-1]) + "\n"


def test_the_v2_block_retrains_promotes_verifies_and_rolls_back(
    emulator: Emulator, tmp_path: Path,
) -> None:
    if shutil.which("bash") is None:
        pytest.skip("the README block is bash")
    fast(emulator)  # the block itself is unchanged; the emulator's operations just finish sooner
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent),
                                                  os.environ.get("PATH", "")])}
    script = "set -euo pipefail\n" + online_block()
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    client = online_client()
    assert {k: v for k, v in client.get_endpoint(ENDPOINT).traffic.items() if v} == {"blue": 100}
    assert {d.name for d in client.list_deployments(ENDPOINT)} == {"blue", "census-model-v2"}
    assert "rollback" in done.stdout and "census-model:2" in done.stdout
