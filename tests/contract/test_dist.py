"""`make dist`'s wheel is what a user without a clone installs: complete, runnable, nothing extra."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # The Makefile's own command (make would also bootstrap a venv): keep the two in step.
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "-m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir dist ." in makefile
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                    "--no-deps", "--wheel-dir", str(out), str(REPO)], check=True, capture_output=True)
    (found,) = out.glob("aml_retrain-*-py3-none-any.whl")
    return found


def test_the_wheel_holds_the_three_packages_their_data_and_the_command(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("aml_retrain", "aml_retrain_cli", "aml_emulator"):
        assert f"{package}/__init__.py" in names and f"{package}/py.typed" in names
    # Every data file the emulator reads at run time ships in the wheel.
    shipped = {n for n in names if n.startswith("aml_emulator/data/")}
    on_disk = {f"aml_emulator/data/{p.name}" for p in (REPO / "emulator/aml_emulator/data").iterdir()
               if p.is_file() and not p.name.startswith(".")}
    assert on_disk <= shipped
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "aml-retrain = aml_retrain_cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not any(n.startswith(("tests/", "bench/", "scripts/", "cassettes/")) for n in names)


def test_the_wheel_runs_from_its_own_files(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    # The unpacked wheel goes first on sys.path (before the editable install's finder): a module or
    # data file missing from the wheel fails here instead of being found in the source tree.
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "import aml_retrain_cli, aml_emulator, aml_retrain; "
            "mods = (aml_retrain_cli, aml_emulator, aml_retrain); "
            "assert all(m.__file__.startswith(sys.argv[1]) for m in mods), [m.__file__ for m in mods]; "
            "from aml_retrain_cli.main import main; sys.argv = ['aml-retrain', '--version']; main()")
    proc = subprocess.run([sys.executable, "-c", code, str(site)], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "0.1.0" in proc.stdout, proc.stdout


def test_every_install_hint_names_an_install_that_works_today() -> None:
    # `pip install aml-retrain` fails until the package is published: a hint may name it only as "once
    # published", and must give the clone or `make dist` wheel route, which the Makefile really has.
    assert "\ndist:" in (REPO / "Makefile").read_text(encoding="utf-8")
    hint = (REPO / "pwsh-module/AmlRetrain/Private/Resolve-AmlRetrainCli.ps1").read_text(encoding="utf-8")
    assert "pip install ." in hint and "make dist" in hint
    assert "pip install aml-retrain" not in hint
    for doc in ("README.md", "pwsh-module/README.md"):
        text = (REPO / doc).read_text(encoding="utf-8")
        for line_no, line in enumerate(text.splitlines(), 1):
            if "pip install aml-retrain" in line or "pip install 'aml-retrain" in line:
                context = " ".join(text.splitlines()[max(0, line_no - 2):line_no])
                assert "published" in context, f"{doc}:{line_no} names the registry install as if it worked"
        assert "make dist" in text
