"""``aml-retrain online``: each command makes its one core call, renders it, exits as documented."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aml_retrain.errors import NotFoundError, OperationTimeoutError, ValidationError
from aml_retrain.online import workflows
from aml_retrain.online.workflows import OnlineRetrainResult, OnlineScoreResult
from aml_retrain_cli.main import app
from tests.cli.offline import SETTINGS


class FakeOnline:
    """Stands in for OnlineClient: records how it was built and closed; never sends."""

    def __init__(self, rg: str, ws: str) -> None:
        self.scope = (rg, ws)
        self.closed = False

    def __enter__(self) -> FakeOnline:
        return self

    def __exit__(self, *args: object) -> None:
        self.closed = True


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    from aml_retrain.online import client

    seen: list[tuple[str, Any]] = []
    for name, value in SETTINGS.items():
        monkeypatch.setenv(name, value)

    def build(cls: Any, settings: Any, rg: str, ws: str, **_k: Any) -> FakeOnline:
        made = FakeOnline(rg, ws)
        seen.append(("client", made))
        return made

    monkeypatch.setattr(client.OnlineClient, "from_settings", classmethod(build))
    return seen


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


ROW = {"name": "census-online", "provisioning_state": "Succeeded", "auth_mode": "Key",
       "scoring_uri": "https://x/score", "traffic": {"blue": 90, "census-model-v2": 10},
       "mirror_traffic": {}}


def test_endpoints_list_passes_the_workspace_and_prints_rows(
    calls: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workflows, "endpoint_rows", lambda client: [ROW])
    result = run("-o", "json", "online", "endpoints", "list", "rg1", "ws-one")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [ROW]
    (_, client), = calls
    assert client.scope == ("rg1", "ws-one") and client.closed
    table = run("online", "endpoints", "list", "rg1", "ws-one")
    assert table.exit_code == 0 and "census-model-v2=10" in table.stdout


@pytest.mark.parametrize(("error", "code"), [
    (ValidationError("bad"), 2), (NotFoundError("gone", status_code=404), 3),
    (OperationTimeoutError("slow"), 4),
])
def test_core_errors_map_to_the_documented_exit_codes(
    calls: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch, error: Exception, code: int,
) -> None:
    def fail(*_a: Any, **_k: Any) -> Any:
        raise error

    monkeypatch.setattr(workflows, "deployment_row", fail)
    result = run("online", "deployments", "show", "rg1", "ws-one", "ep", "blue")
    assert result.exit_code == code, result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_models_list_with_name_lists_versions(
    calls: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[Any] = []

    def rows(client: Any, name: str | None = None) -> list[dict[str, Any]]:
        asked.append(name)
        return [{"name": "m", "version": "2", "model_ref": "azureml:m:2", "model_uri": "u",
                 "job_name": "j", "created": "t"}]

    monkeypatch.setattr(workflows, "model_rows", rows)
    result = run("online", "models", "list", "rg1", "ws-one", "--name", "m")
    assert result.exit_code == 0 and "azureml:m:2" in result.stdout
    assert asked == ["m"]


def _retrain(monkeypatch: pytest.MonkeyPatch, result: OnlineRetrainResult) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def fake(client: Any, data: str, **kw: Any) -> OnlineRetrainResult:
        seen.update(kw, data=data)
        return result

    monkeypatch.setattr(workflows, "retrain_online", fake)
    return seen


def test_retrain_passes_its_options_and_prints_the_contract_json(
    calls: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _retrain(monkeypatch, OnlineRetrainResult("job1", "Completed", "census-model", "2",
                                                     {"Accuracy": 0.8}, "classification"))
    result = run("-o", "json", "online", "retrain", "rg1", "ws-one", "--data", "https://a/b.csv",
                 "--endpoint", "ep", "--model-name", "census-model", "--timeout", "60")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"job_id": "job1", "status": "Completed",
                                         "model_name": "census-model", "model_version": "2",
                                         "model": "azureml:census-model:2",
                                         "metrics": {"Accuracy": 0.8}}
    assert (seen["data"], seen["endpoint"], seen["timeout"]) == ("https://a/b.csv", "ep", 60.0)
    assert seen["storage_connection_string"] == SETTINGS["AML_RETRAIN_STORAGE_CONNECTION_STRING"]


def test_a_failed_job_prints_its_status_then_exits_1(
    calls: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    _retrain(monkeypatch, OnlineRetrainResult("job1", "Failed", "census-model",
                                              error="no label column"))
    result = run("-o", "json", "online", "retrain", "rg1", "ws-one", "--data", "x.csv",
                 "--endpoint", "ep")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["status"] == "Failed"
    assert "no label column" in result.stderr


def test_retrain_refuses_a_missing_job_file_before_any_core_call(
    calls: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    seen = _retrain(monkeypatch, OnlineRetrainResult("j", "Completed", "m", "1"))
    result = run("online", "retrain", "rg1", "ws-one", "--data", "x.csv",
                 "--job", str(tmp_path / "none.yaml"))
    assert result.exit_code == 2 and seen == {} and calls == []


def test_score_passes_the_deployment_and_prints_who_answered(
    calls: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("a\n1\n", encoding="utf-8")
    seen: dict[str, Any] = {}

    def fake(client: Any, endpoint: str, path: Path, *, deployment: str | None) -> Any:
        seen.update(endpoint=endpoint, path=path, deployment=deployment)
        return OnlineScoreResult(endpoint, "green", [1], 12.34)

    monkeypatch.setattr(workflows, "score_file", fake)
    result = run("-o", "json", "online", "score", "rg1", "ws-one", "ep", "--input", str(rows),
                 "--deployment", "green")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"endpoint": "ep", "deployment": "green",
                                         "predictions": [1], "latency_ms": 12.3}
    assert seen == {"endpoint": "ep", "path": rows, "deployment": "green"}


def test_ctrl_c_while_waiting_names_the_job_that_keeps_running(
    calls: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    def fake(client: Any, data: str, *, on_update: Any, **_k: Any) -> Any:
        on_update(SimpleNamespace(name="aml-retrain-20260101000000-abcdef", status="Running"))
        raise KeyboardInterrupt

    monkeypatch.setattr(workflows, "retrain_online", fake)
    result = run("online", "retrain", "rg1", "ws-one", "--data", "x.csv", "--endpoint", "ep")
    assert result.exit_code == 130
    assert "aml-retrain-20260101000000-abcdef keeps running" in result.stderr
