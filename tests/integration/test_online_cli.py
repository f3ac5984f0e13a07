"""Every ``aml-retrain online`` command against the v2 emulator (seed: census-online, blue 100 %)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.emulator_support import Emulator, census_data
from tests.integration.cli import ok_json, run
from tests.integration.test_online_promotion import ENDPOINT, RG, WS, fast, online_client

pytestmark = pytest.mark.integration


@pytest.fixture
def data(tmp_path: Path) -> dict[str, Path]:
    return census_data(tmp_path / "data")


def test_endpoints_list_and_show_give_the_contract_rows(emulator: Emulator) -> None:
    fast(emulator)
    listed = ok_json("online", "endpoints", "list", RG, WS)
    assert [e["name"] for e in listed] == [ENDPOINT]
    row = listed[0]
    assert set(row) == {"name", "provisioning_state", "auth_mode", "scoring_uri", "traffic",
                        "mirror_traffic"}
    assert row["traffic"] == {"blue": 100} and row["auth_mode"] == "Key"
    shown = ok_json("online", "endpoints", "show", RG, WS, ENDPOINT)
    assert set(shown) == set(row) | {"id", "location"}
    assert shown["id"].endswith(f"/onlineEndpoints/{ENDPOINT}")
    assert "primaryKey" not in json.dumps(shown)


def test_deployments_and_models_list_what_the_workspace_holds(emulator: Emulator) -> None:
    fast(emulator)
    (blue,) = ok_json("online", "deployments", "list", RG, WS, ENDPOINT)
    assert blue["name"] == "blue" and blue["traffic"] == 100
    assert blue["model_ref"] == "azureml:census-model:1"
    assert blue["model"].endswith("/models/census-model/versions/1")
    assert ok_json("online", "deployments", "show", RG, WS, ENDPOINT, "blue") == blue
    assert ok_json("online", "models", "list", RG, WS) == [
        {"name": "census-model", "latest_version": "1"}]
    (version,) = ok_json("online", "models", "list", RG, WS, "--name", "census-model")
    assert version["model_ref"] == "azureml:census-model:1"
    assert version["job_name"] == "census-train-1" and version["created"]


def test_unknown_resources_exit_3_and_bad_names_exit_2(emulator: Emulator) -> None:
    fast(emulator)
    missing = run("online", "deployments", "show", RG, WS, ENDPOINT, "nosuch")
    assert missing.exit_code == 3, missing.output
    bad = run("online", "endpoints", "list", RG, "x")  # workspace names have 3+ characters
    assert bad.exit_code == 2, bad.output
    assert emulator.writes() == []


def test_retrain_reruns_the_serving_job_on_a_local_file_and_registers_version_2(
    emulator: Emulator, data: dict[str, Path],
) -> None:
    fast(emulator)
    result = ok_json("online", "retrain", RG, WS, "--endpoint", ENDPOINT,
                     "--data", str(data["census-2026"]))
    assert result["status"] == "Completed"
    assert result["model"] == "azureml:census-model:2" and result["model_version"] == "2"
    assert result["metrics"]["Accuracy"] > 0.5 and "AUC" in result["metrics"]
    client = online_client()
    job = client.get_job(result["job_id"])
    assert job.raw["properties"]["tags"]["aml-retrain.resubmitted-from"] == "census-train-1"
    assert "sig=" not in json.dumps(result)  # the upload's SAS stays out of the output
    versions = ok_json("online", "models", "list", RG, WS, "--name", "census-model")
    assert {v["version"]: v["job_name"] for v in versions}["2"] == result["job_id"]


def test_retrain_from_a_job_spec_registers_under_model_name(
    emulator: Emulator, data: dict[str, Path], tmp_path: Path,
) -> None:
    fast(emulator)
    spec = tmp_path / "job.yaml"
    spec.write_text(
        "command: python train.py --data ${{inputs.training_data}}\n"
        "environment: azureml:sklearn-env:1\ncompute: azureml:cpu-cluster\n"
        "inputs:\n  training_data:\n    type: uri_file\n    path: https://placeholder/x.csv\n"
        "outputs:\n  model_output:\n    type: custom_model\n", encoding="utf-8")
    result = ok_json("online", "retrain", RG, WS, "--job", str(spec), "--model-name",
                     "census-spec", "--data", str(data["census-2026"]))
    assert result["model"] == "azureml:census-spec:1", result


def test_retrain_without_endpoint_or_job_is_usage_and_sends_nothing(
    emulator: Emulator, data: dict[str, Path],
) -> None:
    fast(emulator)
    result = run("online", "retrain", RG, WS, "--data", str(data["census-2026"]))
    assert result.exit_code == 2, result.output
    assert "--endpoint" in result.output
    assert emulator.writes() == []


def test_a_failed_job_exits_1_with_its_status_printed(
    emulator: Emulator, tmp_path: Path,
) -> None:
    fast(emulator)
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n", encoding="utf-8")  # no label column: training fails
    result = run("-o", "json", "online", "retrain", RG, WS, "--endpoint", ENDPOINT,
                 "--data", str(junk))
    assert result.exit_code == 1, result.output
    printed = json.loads(result.stdout)
    assert printed["status"] == "Failed" and printed["model"] is None
    assert [v.version for v in online_client().list_model_versions("census-model")] == ["1"]


def test_score_answers_from_blue_or_from_the_named_deployment(
    emulator: Emulator, data: dict[str, Path],
) -> None:
    fast(emulator)
    scored = ok_json("online", "score", RG, WS, ENDPOINT, "--input", str(data["score-rows"]))
    assert scored["endpoint"] == ENDPOINT and scored["deployment"] == "blue"
    rows = len(data["score-rows"].read_text(encoding="utf-8").strip().splitlines()) - 1
    assert len(scored["predictions"]) == rows and scored["latency_ms"] >= 0
    missing = run("online", "score", RG, WS, ENDPOINT, "--input", str(data["score-rows"]),
                  "--deployment", "green")
    assert missing.exit_code == 3, missing.output
    table = run("online", "score", RG, WS, ENDPOINT, "--input", str(data["score-rows"]))
    assert table.exit_code == 0 and "blue" in table.stdout
