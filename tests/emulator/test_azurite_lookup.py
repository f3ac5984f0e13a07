"""Azurite lookup order, the pinned version and ``install_azurite`` (fake npm/node: no network)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from aml_emulator import azurite
from aml_emulator.azurite import AZURITE_VERSION, find_azurite, install_azurite
from aml_emulator.errors import AzuriteNotFoundError, InstallError, NodeNotFoundError

REPO = Path(__file__).resolve().parents[2]
BIN = "azurite-blob"


def _executable(path: Path, body: str = "exit 0") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def outside(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clean_environ: Path) -> Path:
    """Run as a pip user would: cwd and package outside any checkout, nothing on PATH."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(azurite, "_PACKAGE_DIR", tmp_path / "site-packages" / "aml_emulator")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    monkeypatch.delenv("AML_EMULATOR_AZURITE", raising=False)
    return work


def test_the_pinned_version_is_package_json_s() -> None:
    package = REPO / "package.json"
    if not package.exists():
        pytest.skip("no package.json (not a source checkout)")
    pinned = json.loads(package.read_text(encoding="utf-8"))["devDependencies"]["azurite"]
    assert pinned == AZURITE_VERSION
    lock = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/azurite"]["version"] == AZURITE_VERSION


def test_nothing_found_is_one_line_naming_the_lookup_and_the_install(outside: Path) -> None:
    with pytest.raises(AzuriteNotFoundError) as caught:
        find_azurite()
    message = str(caught.value)
    assert "\n" not in message
    for part in ("$AML_EMULATOR_AZURITE", "node_modules/.bin", "~/.aml-retrain/azurite", "PATH",
                 "aml-retrain emulator install-azurite", AZURITE_VERSION, "Node.js 20"):
        assert part in message, part


def test_lookup_order(outside: Path, clean_environ: Path, tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    on_path = _executable(tmp_path / "empty-path" / BIN)
    assert find_azurite() == on_path
    home = _executable(clean_environ / ".aml-retrain" / "azurite" / "node_modules" / ".bin" / BIN)
    assert find_azurite() == home  # the install-azurite folder before PATH
    local = _executable(outside / "node_modules" / ".bin" / BIN)
    assert find_azurite() == local  # the working directory's npm ci before the home install
    explicit = _executable(tmp_path / "mine" / BIN)
    monkeypatch.setenv("AML_EMULATOR_AZURITE", str(explicit))
    assert find_azurite() == explicit  # the variable before everything


def test_a_missing_explicit_path_says_so(outside: Path, monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    _executable(outside / "node_modules" / ".bin" / BIN)  # not used instead of what was asked
    monkeypatch.setenv("AML_EMULATOR_AZURITE", str(tmp_path / "nope"))
    with pytest.raises(AzuriteNotFoundError, match=r"AML_EMULATOR_AZURITE=.*nope does not exist"
                                                   r".*aml-retrain emulator install-azurite"):
        find_azurite()


def fake_node(folder: Path, npm_body: str) -> Path:
    """``node`` and an ``npm`` that logs its arguments to ``npm.args`` then runs *npm_body*."""
    _executable(folder / "node", "echo v20.0.0")
    _executable(folder / "npm", f'printf "%s\\n" "$@" > "{folder}/npm.args"\n{npm_body}')
    return folder


def test_install_runs_npm_into_the_home_prefix_and_lookup_finds_it(
        outside: Path, tmp_path: Path, clean_environ: Path) -> None:
    # The fake npm does what npm install does for us: create node_modules/.bin/azurite-blob.
    folder = fake_node(tmp_path / "empty-path", 'p="$3"; /bin/mkdir -p "$p/node_modules/.bin"; '
                       'printf "#!/bin/sh\\n" > "$p/node_modules/.bin/azurite-blob"; '
                       '/bin/chmod +x "$p/node_modules/.bin/azurite-blob"')
    binary = install_azurite()
    prefix = clean_environ / ".aml-retrain" / "azurite"
    assert binary == prefix / "node_modules" / ".bin" / BIN
    args = (folder / "npm.args").read_text(encoding="utf-8").split("\n")[:-1]
    assert args == ["install", "--prefix", str(prefix), "--no-audit", "--no-fund",
                    f"azurite@{AZURITE_VERSION}"]
    assert find_azurite() == binary


def test_install_failure_quotes_npm_s_last_line(outside: Path, tmp_path: Path) -> None:
    fake_node(tmp_path / "empty-path", 'echo "npm ERR! network request failed" >&2; exit 1')
    with pytest.raises(InstallError, match=r"failed \(exit 1\): npm ERR! network request failed"):
        install_azurite()


def test_install_without_node_names_node_20(outside: Path) -> None:
    with pytest.raises(NodeNotFoundError, match=r"install Node\.js 20"):
        install_azurite()
    assert not (Path.home() / ".aml-retrain" / "azurite").exists()


def test_install_needs_npm_besides_node(outside: Path, tmp_path: Path) -> None:
    _executable(tmp_path / "empty-path" / "node")
    with pytest.raises(NodeNotFoundError, match=r"^npm was not found on PATH"):
        install_azurite()
