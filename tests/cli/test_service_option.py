"""`--service SERVICE` on every command that takes a job reaches the core job lookup (issue 13.5).

Core is stubbed: each stub records the training service it was given for the job, then stops.
The emulator test (tests/integration/test_jobs_outside_journal.py) runs the same commands for real.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aml_retrain_cli.main import app

SERVICE = "arm:rg1/train-ws"
JOB = "job-1"


class Stop(Exception):
    """Raised by a stub once it has seen what the command passed."""


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    from aml_retrain.classic import endpoints, retrain
    from aml_retrain.promotion import plan, promote
    from aml_retrain_cli import context

    got: list[Any] = []

    def record(key: str) -> Any:
        def stub(*_a: Any, **kw: Any) -> Any:
            got.append(kw.get(key))
            raise Stop
        return stub

    monkeypatch.setattr(retrain, "model_url_from_job", record("service_id"))
    monkeypatch.setattr(retrain, "job_status", record("service_id"))
    monkeypatch.setattr(endpoints, "set_model_from_job", record("training_service_id"))
    def record_model(_target: Any, _context: Any, model: Any, *_a: Any, **_kw: Any) -> Any:
        got.append(model.training_service)  # the ModelRef names the job's training service
        raise Stop

    monkeypatch.setattr(promote, "promote", record_model)
    monkeypatch.setattr(plan, "make_plan", record_model)
    for name in ("classic_client", "arm_client", "ledger"):
        monkeypatch.setattr(context.State, name, lambda self, *a, **k: object())
    from aml_retrain.promotion.targets import Clients

    # No factory: a job lookup that got past the stubs would fail here, not reach a service.
    monkeypatch.setattr(context.State, "promotion_clients", lambda self, *a, **k: Clients())
    return got


COMMANDS = {
    "classic endpoints set-model": ["classic", "endpoints", "set-model", "a" * 32, "ep1",
                                    "--from-job", JOB],
    "webservice set-model": ["webservice", "set-model", "rg1", "ws1", "--from-job", JOB],
    "promote": ["promote", "arm:rg1/ws1", "--from-job", JOB],
    "plan": ["plan", "arm:rg1/ws1", "--from-job", JOB, "--out", "p.json"],
    "gate": ["gate", "--candidate", f"job:{JOB}"],
}


@pytest.mark.parametrize("args", COMMANDS.values(), ids=list(COMMANDS))
def test_service_reaches_the_job_lookup(seen: list[Any], args: list[str], tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "AML_RETRAIN_SUBSCRIPTION_ID": "sub"}
    with_service = CliRunner().invoke(app, [*args, "--service", SERVICE], env=env)
    without = CliRunner().invoke(app, args, env=env)
    assert isinstance(with_service.exception, Stop), with_service.output
    assert isinstance(without.exception, Stop), without.output
    assert seen == [SERVICE, None]


@pytest.mark.parametrize("args", [
    ["webservice", "set-model", "rg1", "ws1", "--model-url", "https://a.blob.core.windows.net/c/m"],
    ["classic", "endpoints", "set-model", "a" * 32, "ep1", "--model-url", "https://a/c/m"],
    ["promote", "arm:rg1/ws1", "--model-url", "https://a.blob.core.windows.net/c/m.ilearner"],
    ["gate", "--candidate", "metrics.json"],
], ids=["webservice", "classic", "promote", "gate"])
def test_service_without_a_job_is_refused_before_any_call(seen: list[Any], args: list[str],
                                                          tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [*args, "--service", SERVICE], env={"HOME": str(tmp_path)})
    assert result.exit_code == 2, result.output
    assert "--service names the training service" in result.stderr and seen == []
