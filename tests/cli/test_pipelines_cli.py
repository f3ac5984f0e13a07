"""Azure DevOps logging commands emitted by the CLI when TF_BUILD is set."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from aml_retrain_cli import pipelines
from aml_retrain_cli.main import app
from tests.cli.test_classic_cli import SVC, FakeClient


def run(*args: str, tf_build: bool = True) -> Any:
    env = {"TF_BUILD": "True"} if tf_build else {"TF_BUILD": ""}
    return CliRunner().invoke(app, list(args), env=env)


def test_outputs_only_on_an_agent(fake: FakeClient) -> None:
    on = run("classic", "endpoints", "patch-url", SVC, "ep01")
    off = run("classic", "endpoints", "patch-url", SVC, "ep01", tf_build=False)
    assert "##vso[task.setvariable variable=patchUrl;isOutput=true]https://" in on.stderr
    assert "##vso" not in off.stderr + off.stdout


def test_keys_are_set_as_secret_variables(fake: FakeClient) -> None:
    result = run("-o", "json", "classic", "endpoints", "patch-url", SVC, "ep01", "--show-keys")
    assert "variable=endpointKey;isOutput=true;issecret=true]pk-secret-ep01" in result.stderr
    json.loads(result.stdout)  # stdout stays one JSON document


def test_failure_becomes_a_logissue_error(fake: FakeClient) -> None:
    result = run("classic", "endpoints", "show", SVC, "nope")
    assert result.exit_code == 3
    assert "##vso[task.logissue type=error]NotFoundError: endpoint not found" in result.stderr


@pytest.mark.parametrize(("raw", "escaped"), [("a%b", "a%AZP25b"), ("x\ny", "x%0Ay"), ("r\rs", "r%0Ds")])
def test_values_are_escaped(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                            raw: str, escaped: str) -> None:
    monkeypatch.setenv("TF_BUILD", "True")
    pipelines.set_output("v", raw)
    assert capsys.readouterr().err.strip().endswith("]" + escaped)


def test_metric_variables() -> None:
    out = pipelines.metrics_outputs({"kind": "classification", "values": {"F-Score": 0.7, "AUC": 0.9}})
    assert out == {"metric_F_Score": 0.7, "metric_AUC": 0.9, "metricsKind": "classification"}


def test_a_new_run_id_is_printed_and_set_as_the_run_id_output() -> None:
    from aml_retrain.promotion.rollout import validate_run_id

    done = run("-o", "json", "fanout", "new-run-id")
    assert done.exit_code == 0, done.output
    made = json.loads(done.stdout)["run_id"]
    assert validate_run_id(made) == made
    assert f"##vso[task.setvariable variable=runId;isOutput=true]{made}" in done.stderr
    again = run("fanout", "new-run-id", tf_build=False)
    assert again.stdout.strip() != made and "##vso" not in again.stderr
