"""The collector pauses while the CLI's own process builds clients, and only there."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest

from aml_retrain_cli import _gc


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    calls: list[bool] = []
    monkeypatch.setattr(_gc.gc, "freeze", lambda: calls.append(gc.isenabled()))
    return calls


def test_a_host_process_keeps_its_collector(monkeypatch: pytest.MonkeyPatch,
                                            frozen: list[bool]) -> None:
    monkeypatch.setattr(_gc, "_owned", False)
    with _gc.paused():
        assert gc.isenabled()
    assert frozen == []


def test_the_cli_process_builds_with_the_collector_off_then_freezes_and_resumes(
    monkeypatch: pytest.MonkeyPatch, frozen: list[bool],
) -> None:
    monkeypatch.setattr(_gc, "_owned", True)
    with _gc.paused():
        assert not gc.isenabled()
        with _gc.paused():  # nested: the outer block resumes
            assert not gc.isenabled()
        assert not gc.isenabled() and frozen == []
    assert gc.isenabled() and frozen == [False]


def test_it_resumes_when_the_build_fails(monkeypatch: pytest.MonkeyPatch, frozen: list[bool]) -> None:
    monkeypatch.setattr(_gc, "_owned", True)
    with pytest.raises(ValueError), _gc.paused():
        raise ValueError("bad settings")
    assert gc.isenabled() and frozen == [False]


def test_a_collector_turned_off_by_the_host_stays_off(monkeypatch: pytest.MonkeyPatch,
                                                     frozen: list[bool]) -> None:
    monkeypatch.setattr(_gc, "_owned", True)
    gc.disable()
    try:
        with _gc.paused():
            pass
        assert not gc.isenabled() and frozen == []
    finally:
        gc.enable()


@pytest.mark.parametrize("entry", ["aml_retrain_cli", "aml_retrain_cli.main"])
def test_the_console_script_collects_again_once_the_client_is_built(entry: str) -> None:
    # The real entry points on a command that builds the ARM client from settings (token auth; the
    # unreachable ARM URL is never contacted: the check exits once the client is built).
    code = "\n".join([
        "import gc, sys",
        "counts = [gc.get_freeze_count()]",
        f"from {entry} import main",
        "from aml_retrain_cli import context",
        "built = context.State.arm_client",
        "def check(self):",
        "    counts.append(gc.get_freeze_count())",
        "    built(self)",
        "    print(gc.isenabled(), *(n > 0 for n in counts), gc.get_freeze_count() > counts[-1])",
        "    raise SystemExit(0)",
        "context.State.arm_client = check",
        "sys.argv = ['aml-retrain', 'webservice', 'show', 'rg', 'ws']",
        "main()",
    ])
    env = {**os.environ, "AML_RETRAIN_AUTH": "token", "AML_RETRAIN_ARM_TOKEN": "t",
           "AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000",
           "AML_RETRAIN_ARM_URL": "https://127.0.0.1:9"}
    env.pop("AML_RETRAIN_PROFILE", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    # Collecting once built; nothing frozen at start; the package's entry point also imported the
    # app paused (something frozen before the build); the build froze what it imported.
    imported_paused = entry == "aml_retrain_cli"
    assert proc.stdout.split() == ["True", "False", str(imported_paused), "True"], proc.stderr
