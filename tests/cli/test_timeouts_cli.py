"""`--timeout SECONDS` reaches the ARM write budget; a bad AML_RETRAIN_TIMEOUT is one line, exit 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aml_retrain_cli.main import app

TARGET = "arm:rg1/ws1"


class Stop(Exception):
    """Raised by a stub once it has seen what the command passed."""


def run(args: list[str], env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, args, env=env)


@pytest.mark.parametrize("value", ["1e309", "nan", "-1", "0", "inf", "ten"])
def test_a_bad_timeout_variable_is_one_line_exit_2(value: str, tmp_path: Path) -> None:
    result = run(["classic", "services", "list"],
                 env={"AML_RETRAIN_TIMEOUT": value, "HOME": str(tmp_path)})
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ConfigError" in lines[0] and "AML_RETRAIN_TIMEOUT" in lines[0]
    assert "Traceback" not in result.output and "Overflow" not in result.output


@pytest.fixture
def budgets(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Stubs for the core calls: each records the ARM write budget it was given, then stops."""
    from aml_retrain.arm import webservices
    from aml_retrain.promotion import fanout, plan, promote, rollback
    from aml_retrain_cli import context

    seen: list[float] = []

    def via_clients(context: Any, *_a: Any, **_k: Any) -> Any:
        seen.append(context.operation_timeout)
        raise Stop

    def via_kwarg(*_a: Any, timeout: float, **_k: Any) -> Any:
        seen.append(timeout)
        raise Stop

    def fanout_stub(_manifest: Any, context: Any, *_a: Any, **_k: Any) -> Any:
        seen.append(context.operation_timeout)
        raise Stop

    monkeypatch.setattr(promote, "promote", lambda _t, context, *a, **k: via_clients(context))
    monkeypatch.setattr(rollback, "rollback", lambda _t, context, *a, **k: via_clients(context))
    monkeypatch.setattr(plan, "apply_plan", lambda _p, context, *a, **k: via_clients(context))
    monkeypatch.setattr(fanout, "run_fanout", fanout_stub)
    monkeypatch.setattr(fanout, "load_manifest", lambda _p: object())
    monkeypatch.setattr(webservices, "set_model_live", via_kwarg)
    monkeypatch.setattr(webservices, "update_webservice", via_kwarg)
    monkeypatch.setattr(context.State, "arm_client", lambda self: object())
    monkeypatch.setattr(context.State, "ledger", lambda self: object())
    return seen


COMMANDS = {
    "promote": ["promote", TARGET, "--model-url", "https://a.blob.core.windows.net/c/m.ilearner"],
    "rollback": ["rollback", TARGET],
    "apply": ["apply", "MANIFEST"],  # any existing file: the stub reads no plan
    "fanout run": ["fanout", "run", "MANIFEST"],
    "webservice set-model": ["webservice", "set-model", "rg1", "ws1", "--model-url",
                             "https://a.blob.core.windows.net/c/m.ilearner"],
    "webservice update": ["webservice", "update", "rg1", "ws1"],
}


@pytest.mark.parametrize("args", COMMANDS.values(), ids=list(COMMANDS))
def test_timeout_option_is_the_arm_write_budget(
    budgets: list[float], args: list[str], tmp_path: Path
) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text("targets: []\n", encoding="utf-8")
    args = [str(manifest) if a == "MANIFEST" else a for a in args]
    env = {"HOME": str(tmp_path), "AML_RETRAIN_SUBSCRIPTION_ID": "sub"}
    run([*args, "--timeout", "42"], env=env)
    run(args, env=env)
    assert budgets == [42.0, 900.0]


@pytest.mark.parametrize("value", ["0", "86401", "nan"])
def test_a_timeout_option_out_of_range_is_a_usage_error(value: str, tmp_path: Path) -> None:
    result = run(["promote", TARGET, "--model-url", "https://a/m.ilearner", "--timeout", value],
                 env={"HOME": str(tmp_path)})
    assert result.exit_code == 2, result.output
