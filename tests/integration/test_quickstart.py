"""The README's quickstart, run verbatim as a newcomer pastes it: fresh copy, empty HOME, no venv.

As sqlite-utils tests its documentation, this runs the fenced block between the
``<!-- quickstart:begin -->`` / ``<!-- quickstart:end -->`` markers with bash, in a copy of the
repository's files (what a clone has: tracked and new files, no .venv, no node_modules), so every
command, file and JSON field it names must really exist. It installs the package into a new virtual
environment from PyPI (pip's cache makes a re-run take ~30 s) and Azurite from npm.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REAL_HOME = Path.home()  # read at import, before the autouse fixture swaps HOME
BEGIN, END = "<!-- quickstart:begin -->", "<!-- quickstart:end -->"

pytestmark = pytest.mark.integration


def quickstart_block(readme: str) -> str:
    """The bash code between the quickstart markers (without the fence lines)."""
    section = readme.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    lines = section.splitlines()
    assert lines[0] == "```bash" and lines[-1] == "```", "the quickstart must be one ```bash block"
    return "\n".join(lines[1:-1]) + "\n"


def _fresh_copy(dest: Path) -> None:
    """Copy what a clone would contain (tracked plus new, not ignored, files)."""
    names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=REPO, check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, names):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def _newcomer_env(home: Path) -> dict[str, str]:
    """A login-like environment: no AML_RETRAIN_*, no project venv on PATH, an empty HOME."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AML_RETRAIN_", "AML_EMULATOR_", "VIRTUAL_ENV", "AZURE_", "PYTHON"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and not p.startswith(str(REPO)) and "/.venv/" not in p)
    env["HOME"] = str(home)
    # Keep the machine's download caches (not records of ours) so a re-run is not a full download.
    env.setdefault("PIP_CACHE_DIR", str(REAL_HOME / ".cache" / "pip"))
    env.setdefault("npm_config_cache", str(REAL_HOME / ".npm"))
    return env


def _stop_leftovers(home: Path) -> None:
    """If the block failed midway, stop the detached emulator and its Azurite by the profile's pids."""
    profile = home / ".aml-retrain" / "emulator.json"
    try:
        pids = json.loads(profile.read_text(encoding="utf-8")).get("emulator", {})
    except (OSError, ValueError):
        return
    for pid in (pids.get("pid"), pids.get("azurite_pid")):
        if isinstance(pid, int):
            try:
                os.kill(pid, 15)
            except OSError:
                pass


def test_the_quickstart_block_runs_verbatim(tmp_path: Path, clean_environ: Path) -> None:
    if shutil.which("npm") is None or shutil.which("python3") is None:
        pytest.skip("the quickstart needs python3 and npm on the PATH, as the README says")
    block = quickstart_block((REPO / "README.md").read_text(encoding="utf-8"))
    clone, home = tmp_path / "aml-retrain", clean_environ  # the empty HOME conftest made
    clone.mkdir()
    _fresh_copy(clone)
    try:
        proc = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=clone,
                              env=_newcomer_env(home), capture_output=True, text=True, timeout=900)
    finally:
        _stop_leftovers(home)
    log = f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0, log
    assert "Traceback" not in proc.stderr, log
    # The swap really happened and was scored: the endpoint reports the retrained model, rows came back.
    assert "retrained01" in proc.stdout, log
    # The emulator kept its records out of the files used against Azure.
    assert not (home / ".aml-retrain" / "ledger.jsonl").exists()
    assert not (home / ".aml-retrain" / "jobs.jsonl").exists()
    assert not (home / ".aml-retrain" / "emulator.json").exists(), "emulator stop removes its profile"


def test_the_quickstart_block_is_found_and_uses_no_bare_python() -> None:
    block = quickstart_block((REPO / "README.md").read_text(encoding="utf-8"))
    assert "aml-retrain emulator start" in block and "aml-retrain emulator stop" in block
    # `python` may not exist where only `python3` does (Debian, macOS): the block must not need it.
    words = {w for line in block.splitlines() for w in line.split()}
    assert "python" not in words
