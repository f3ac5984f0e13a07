"""An ``online:`` target through promote → target show → re-run → rollback, against the v2 emulator."""

from __future__ import annotations

from typing import Any

import aml_retrain
from tests.emulator_support import Emulator
from tests.integration.cli import ok_json, run

RG, WS, ENDPOINT = "aml-retrain-demo", "census-workspace", "census-online"
TARGET = f"online:{RG}/{WS}/{ENDPOINT}"


def online_client() -> Any:
    return aml_retrain.connect().clients.get("online").workspace(RG, WS)


def fast(emulator: Emulator) -> None:
    # Operations finish on the first status poll and answer Retry-After 0: tests wait on states.
    emulator.config(mlv2_retry_after=0, mlv2_polls_before_done=1)


def test_promote_moves_traffic_to_a_new_deployment_and_rollback_moves_it_back(
    emulator: Emulator,
) -> None:
    fast(emulator)
    client = online_client()
    version = client.register_model_from_job("census-model", "census-train-1")
    model = f"azureml:census-model:{version.version}"

    before = ok_json("target", "show", TARGET)
    assert before["model_url"] == "azureml:census-model:1"

    promoted = ok_json("promote", TARGET, "--model-url", model)
    assert promoted["new_model"] == model and promoted["old_model"] == "azureml:census-model:1"
    endpoint = client.get_endpoint(ENDPOINT)
    new = promoted["deploy"]["deployment"]
    assert _live(endpoint.traffic) == {new: 100}
    assert {d.name for d in client.list_deployments(ENDPOINT)} == {"blue", new}  # old one kept
    shown = ok_json("target", "show", TARGET)
    assert shown["model_url"] == model and shown["state_hash"] != before["state_hash"]

    again = ok_json("promote", TARGET, "--model-url", model)
    assert again["already_current"] is True
    assert {d.name for d in client.list_deployments(ENDPOINT)} == {"blue", new}

    rolled = ok_json("rollback", TARGET, "--reason", "test")
    assert rolled["new_model"] == "azureml:census-model:1"
    assert _live(client.get_endpoint(ENDPOINT).traffic) == {"blue": 100}
    entries = ok_json("ledger", "show", TARGET)
    assert [e["action"] for e in entries][-2:] == ["promote", "rollback"]


def test_a_model_version_that_is_not_registered_is_refused_and_nothing_changes(
    emulator: Emulator,
) -> None:
    fast(emulator)
    result = run("promote", TARGET, "--model-url", "azureml:census-model:99")
    assert result.exit_code == 2, result.output
    assert "not registered" in result.output
    client = online_client()
    assert _live(client.get_endpoint(ENDPOINT).traffic) == {"blue": 100}
    assert [d.name for d in client.list_deployments(ENDPOINT)] == ["blue"]


def _live(split: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in split.items() if v}


def test_plan_apply_moves_traffic_and_a_changed_endpoint_makes_the_plan_stale(
    emulator: Emulator, tmp_path: Any,
) -> None:
    fast(emulator)
    client = online_client()
    model = f"azureml:census-model:{client.register_model_from_job('census-model', 'census-train-1').version}"
    plan = tmp_path / "plan.json"
    planned = ok_json("plan", TARGET, "--model-url", model, "--out", str(plan))
    change = planned["change"]
    assert change["kind"] == "online" and change["creates"] is True
    assert change["traffic_before"] == {"blue": 100}
    assert change["traffic_after"] == {change["deployment"]: 100}
    assert [d.name for d in client.list_deployments(ENDPOINT)] == ["blue"]  # a plan writes nothing

    applied = ok_json("apply", str(plan))
    assert _live(client.get_endpoint(ENDPOINT).traffic) == {change["deployment"]: 100}
    assert applied["new_model"] == model

    stale = tmp_path / "stale.json"
    ok_json("plan", TARGET, "--model-url", "azureml:census-model:1", "--out", str(stale))
    client.set_traffic(ENDPOINT, {"blue": 50, change["deployment"]: 50})
    result = run("apply", str(stale))
    assert result.exit_code != 0 and "stale" in result.output.lower(), result.output
    assert _live(client.get_endpoint(ENDPOINT).traffic) == {"blue": 50, change["deployment"]: 50}


def test_gate_reads_a_v2_jobs_mlflow_metrics_through_the_online_kind(emulator: Emulator) -> None:
    fast(emulator)
    gate = ok_json("gate", "--candidate", "job:census-train-1", "--target", TARGET)
    assert gate["outcome"] == "pass" and gate["baseline"] is False
    # The default classification policy's rules ran on the run's MLflow metrics.
    assert {r["metric"] for r in gate["rules"]} == {"AUC", "Accuracy"}


def test_a_traffic_put_whose_answer_is_lost_is_reported_unknown_while_traffic_settles(
    emulator: Emulator,
) -> None:
    fast(emulator)
    client = online_client()
    model = f"azureml:census-model:{client.register_model_from_job('census-model', 'census-train-1').version}"
    # The endpoint PUT is served, then the connection drops before every answer (retries too).
    emulator.fault("PUT", r"/onlineEndpoints/census-online$", count=10, drop=True, after=True)
    result = run("promote", TARGET, "--model-url", model)
    assert result.exit_code != 0, result.output
    # promote's own re-read still sees the old split (traffic is eventually consistent): it must
    # say "unknown", never "not applied", since the change was sent and does land.
    assert f"unknown — {TARGET} still serves azureml:census-model:1" in result.output, result.output
    assert _live(client.get_endpoint(ENDPOINT).traffic) == {"census-model-v2": 100}


def test_rollback_redeploys_the_previous_model_when_its_deployment_is_gone(
    emulator: Emulator,
) -> None:
    fast(emulator)
    client = online_client()
    version = client.register_model_from_job("census-model", "census-train-1")
    promoted = ok_json("promote", TARGET, "--model-url", f"azureml:census-model:{version.version}")
    new = promoted["deploy"]["deployment"]
    client.delete_deployment(ENDPOINT, "blue")  # idle now; someone cleaned it up by hand
    assert {d.name for d in client.list_deployments(ENDPOINT)} == {new}

    rolled = ok_json("rollback", TARGET, "--reason", "test")
    assert rolled["new_model"] == "azureml:census-model:1"
    back = rolled["deploy"]["deployment"]
    assert back != new and rolled["deploy"]["creates"] is True
    assert _live(client.get_endpoint(ENDPOINT).traffic) == {back: 100}
    serving = {d.name: d.model for d in client.list_deployments(ENDPOINT)}[back]
    assert serving.lower().endswith("/models/census-model/versions/1")
    assert ok_json("target", "show", TARGET)["model_url"] == "azureml:census-model:1"
