"""The verify step (ado-pipelines/scripts/verify.sh) against a fake CLI: it reads the target back
through ``aml-retrain -o json target show`` and never parses a target itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.ado_pipelines import parse_vso
from tests.contract.test_pipeline_agent import run_script

MODEL = "https://acct.blob.core.windows.net/models/census/2026.ilearner"
CLASSIC_DETAIL = {"workspace_id": "w" * 32, "service_id": "s" * 32, "endpoint": "retrained01",
                  "resource": "census.ilearner"}
ARM_DETAIL = {"resource_id": "/subscriptions/sub/resourceGroups/ml-rg/providers/"
                             "Microsoft.MachineLearning/webServices/census-ws", "asset_id": "asset3"}
# What the online kind prints (core promotion/kinds/online.py: endpoint_id, the serving deployment).
ONLINE_DETAIL = {"endpoint_id": "/subscriptions/sub/resourceGroups/ml-rg/providers/"
                                "Microsoft.MachineLearningServices/workspaces/census-ws/onlineEndpoints/census-online",
                 "deployment": "census-model-3", "traffic": {"blue": 0, "census-model-3": 100},
                 "mirror_traffic": {}, "deployments": {"blue": "azureml:census-model:1"}}


def run_verify(tmp_path: Path, target: str, detail: dict[str, Any], *, smoke: str = "",
               expected: str = MODEL, cli: str = "") -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """verify.sh against a CLI that answers `target show` with ``detail`` (as the CLI prints it)."""
    shown = tmp_path / "shown.json"
    shown.write_text(json.dumps({"target": target, "model_url": MODEL, "state_hash": "ab" * 32,
                                 "detail": detail}))
    (tmp_path / "bin").mkdir(exist_ok=True)
    (tmp_path / "bin" / "python3").symlink_to(sys.executable)  # the scripts' python3 -c readers
    fake = cli or f'echo "aml-retrain $*" >> "$CALLS"; [[ "$3" != target ]] || cat {shown}'
    env = {"AML_STEP_TARGET": target, "AML_STEP_EXPECTED_MODEL_URL": expected,
           "AML_STEP_SMOKE_INPUT": smoke}
    done = run_script("verify.sh", env, tmp_path, cli=fake)
    calls = (tmp_path / "calls").read_text().splitlines() if (tmp_path / "calls").exists() else []
    return done, calls


@pytest.mark.parametrize(("target", "detail", "score"), [
    ("classic:" + "s" * 32 + "/retrained01", CLASSIC_DETAIL, f"classic score {'s' * 32} retrained01"),
    ("arm:ml-rg/census-ws#asset3", ARM_DETAIL, "webservice score ml-rg census-ws"),
    # The deployment that serves now answers the smoke score (the one the promotion created).
    ("online:ml-rg/census-ws/census-online", ONLINE_DETAIL,
     "online score ml-rg census-ws census-online --input rows.csv --deployment census-model-3"),
], ids=["classic", "arm", "online"])
def test_verify_reads_the_target_back_through_target_show_and_scores_it(
        target: str, detail: dict[str, Any], score: str, tmp_path: Path) -> None:
    done, calls = run_verify(tmp_path, target, detail, smoke="rows.csv", expected=MODEL + "?sv=1&sig=x")
    assert done.returncode == 0, done.stdout + done.stderr
    # One read, by the CLI, of the target text as given; the score's arguments come from its detail.
    score = score if "--input" in score else f"{score} --input rows.csv"
    assert calls == [f"aml-retrain -o json target show {target}", f"aml-retrain {score}"]
    assert parse_vso(done.stdout).outputs == {"servingModelUrl": MODEL}


def test_verify_takes_a_kind_it_has_never_heard_of(tmp_path: Path) -> None:
    # A kind the CLI learns later needs no edit here: the CLI parses it.
    target = "batch:ml-rg/census-ws/census-batch#blue"
    done, calls = run_verify(tmp_path, target, {"deployment": "blue"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls == [f"aml-retrain -o json target show {target}"]
    assert parse_vso(done.stdout).outputs["servingModelUrl"] == MODEL


def test_verify_fails_when_the_target_serves_another_model(tmp_path: Path) -> None:
    done, calls = run_verify(tmp_path, "arm:ml-rg/census-ws", ARM_DETAIL, smoke="rows.csv",
                             expected="https://acct.blob.core.windows.net/models/census/2025.ilearner")
    vso = parse_vso(done.stdout)
    assert done.returncode == 1 and vso.outputs == {"servingModelUrl": MODEL}
    [(kind, message)] = vso.issues
    assert kind == "error" and message.startswith("read-back: arm:ml-rg/census-ws serves " + MODEL)
    assert len(calls) == 1, "no smoke score after a failed read-back"


def test_verify_passes_on_the_cli_usage_error_for_a_malformed_target(tmp_path: Path) -> None:
    cli = ('echo "aml-retrain $*" >> "$CALLS"; '
           "echo \"aml-retrain: error: invalid target 'classic:nope': accepted forms are ...\" >&2; exit 2")
    done, calls = run_verify(tmp_path, "classic:nope", {}, smoke="rows.csv", cli=cli)
    assert done.returncode == 2 and calls == ["aml-retrain -o json target show classic:nope"]
    message = "invalid target 'classic:nope': accepted forms are ..."
    assert parse_vso(done.stdout + done.stderr).issues == [
        ("error", f"aml-retrain target failed (exit 2): {message}")]
    assert "servingModelUrl" not in parse_vso(done.stdout).outputs


def test_verify_scores_an_online_endpoint_without_a_serving_deployment_by_its_traffic(
        tmp_path: Path) -> None:
    detail = {k: v for k, v in ONLINE_DETAIL.items() if k != "deployment"}
    done, calls = run_verify(tmp_path, "online:ml-rg/census-ws/census-online", detail, smoke="rows.csv")
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls[1] == "aml-retrain online score ml-rg census-ws census-online --input rows.csv"


def test_verify_refuses_a_smoke_input_it_cannot_score(tmp_path: Path) -> None:
    # A kind whose detail names no service the CLI can score (the next one, say).
    done, calls = run_verify(tmp_path, "batch:rg/ws/ep", {"deployment": "blue"}, smoke="rows.csv")
    [(kind, message)] = parse_vso(done.stdout).issues
    assert done.returncode == 1 and kind == "error" and "no score command" in message
    assert len(calls) == 1


def test_verify_without_an_applied_model_reads_nothing(tmp_path: Path) -> None:
    done, calls = run_verify(tmp_path, "arm:ml-rg/census-ws", ARM_DETAIL, expected="$(Apply.modelUrl)")
    assert done.returncode == 1 and calls == []
    assert [t for t, _ in parse_vso(done.stdout).issues] == ["error"]


@pytest.mark.parametrize(("shown", "words"), [
    ({"detail": {"endpoint_id": ONLINE_DETAIL["endpoint_id"].lower()}},
     "online ml-rg census-ws census-online"),
    ({"detail": ARM_DETAIL}, "webservice ml-rg census-ws"),
    ({"detail": {"resource_id": "/subscriptions/sub/resourceGroups/ml-rg"}}, ""),
    ({"detail": None}, ""),
    ([], ""),
])
def test_the_service_reader_takes_the_ids_the_cli_printed(shown: Any, words: str) -> None:
    # ARM ids are case-insensitive; a detail that names no service prints nothing and exits 1.
    done = subprocess.run([sys.executable, str(Path(__file__).parents[2] / "ado-pipelines" / "scripts" /
                                               "service.py")], input=json.dumps(shown), capture_output=True,
                          text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout.strip()) == ((0, words) if words else (1, ""))
