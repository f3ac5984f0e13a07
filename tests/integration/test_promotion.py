"""Gate, promote, ledger, plan/apply and rollback through the CLI against the emulator + Azurite."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.emulator_support import Emulator, census_data
from tests.integration.cli import classic_services, ok_json, run

pytestmark = pytest.mark.integration
EP = "retrained01"


@pytest.fixture
def env(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    ids = classic_services()
    ok_json("classic", "endpoints", "create", ids["Predictive"], EP)
    data = census_data(tmp_path / "data")
    return {**ids, "data": data, "target": f"classic:{ids['Predictive']}/{EP}",
            "ledger": tmp_path / "ledger.jsonl", "emulator": emulator}


def retrain(env: dict[str, Any], name: str) -> str:
    job = ok_json("classic", "retrain", env["Training"], "--data", str(env["data"][name]))
    return str(job["job_id"])


def location(env: dict[str, Any]) -> str:
    shown = ok_json("classic", "endpoints", "show", env["Predictive"], EP)
    return str(shown["Resources"][0]["Location"]["RelativeLocation"])


def test_first_promotion_passes_with_notice_and_is_recorded(env: dict[str, Any]) -> None:
    job = retrain(env, "census-2025")
    result = ok_json("promote", env["target"], "--from-job", job, "--gate")
    assert result["gate"]["outcome"] == "pass"
    assert any("baseline" in n for n in result["gate"]["notices"])
    [entry] = ok_json("ledger", "show", env["target"])
    assert entry["job_id"] == job and entry["blob"]["sha256"] and "sig=" not in json.dumps(entry)
    assert ok_json("ledger", "verify")["ok"] is True
    again = ok_json("promote", env["target"], "--from-job", job, "--gate")
    assert again["already_current"] is True
    assert len(ok_json("ledger", "show", env["target"])) == 1


def test_worse_model_is_gated_and_the_endpoint_keeps_serving(env: dict[str, Any]) -> None:
    good = retrain(env, "census-2025")
    ok_json("promote", env["target"], "--from-job", good, "--gate")
    before = location(env)
    env["emulator"].config(degrade_training=True)
    worse = retrain(env, "census-2025")
    gated = run("promote", env["target"], "--from-job", worse, "--gate")
    assert gated.exit_code == 8, gated.output
    assert location(env) == before
    assert len(ok_json("ledger", "show", env["target"])) == 1
    standalone = run("gate", "--candidate", f"job:{worse}", "--target", env["target"])
    assert standalone.exit_code == 8
    forced = ok_json("promote", env["target"], "--from-job", worse, "--gate", "--force",
                     "--reason", "accepted by the data team")
    assert forced["gate"]["forced"] is True and location(env) != before


def test_rollback_returns_to_the_previous_model(env: dict[str, Any]) -> None:
    first, second = retrain(env, "census-2025"), retrain(env, "census-2026")
    ok_json("promote", env["target"], "--from-job", first)
    model1 = location(env)
    ok_json("promote", env["target"], "--from-job", second)
    assert location(env) != model1
    result = ok_json("rollback", env["target"], "--reason", "smoke test failed")
    assert location(env) == model1
    entries = ok_json("ledger", "show", env["target"])
    assert [e["action"] for e in entries] == ["promote", "promote", "rollback"]
    assert result["new_model"].endswith(model1)


def test_plan_apply_and_stale_plan(env: dict[str, Any], tmp_path: Path) -> None:
    first, second = retrain(env, "census-2025"), retrain(env, "census-2026")
    plan = tmp_path / "plan.json"
    ok_json("plan", env["target"], "--from-job", first, "--out", str(plan))
    applied = ok_json("apply", str(plan))
    assert applied["plan_hash"] and location(env).endswith(".ilearner")
    stale = tmp_path / "stale.json"
    ok_json("plan", env["target"], "--from-job", second, "--out", str(stale))
    ok_json("classic", "endpoints", "set-model", env["Predictive"], EP, "--from-job", first,
            "--resource-name", "Census Model [trained model]")
    ok_json("promote", env["target"], "--from-job", retrain(env, "census-2025"))
    before = location(env)
    result = run("apply", str(stale))
    assert result.exit_code == 9, result.output
    assert location(env) == before


def test_ledger_verify_detects_an_edit(env: dict[str, Any]) -> None:
    ok_json("promote", env["target"], "--from-job", retrain(env, "census-2025"))
    path: Path = env["ledger"]
    path.write_text(path.read_text().replace('"promote"', '"rollback"'))
    result = run("ledger", "verify")
    assert result.exit_code == 1


def test_arm_promote_and_rollback(env: dict[str, Any]) -> None:
    target = "arm:aml-retrain-demo/census-model-ws"

    def uri() -> str:
        assets = ok_json("webservice", "show", "aml-retrain-demo", "census-model-ws")["properties"]["assets"]
        return next(a["locationInfo"]["uri"] for a in assets.values() if a["type"] == "Resource")

    seed = uri()
    ok_json("promote", target, "--from-job", retrain(env, "census-2025"))
    first = uri()
    ok_json("promote", target, "--from-job", retrain(env, "census-2026"))
    assert uri() not in (seed, first)
    ok_json("rollback", target)
    assert uri() == first


def test_two_writers_share_a_blob_ledger(env: dict[str, Any]) -> None:
    from aml_retrain.promotion.ledger import BlobLedger

    conn = env["emulator"].profile["storage_connection_string"]
    writers = [BlobLedger(conn, "ledgers", "shared.jsonl") for _ in range(2)]
    errors: list[BaseException] = []

    def write(ledger: BlobLedger, who: int) -> None:
        try:
            for i in range(10):
                ledger.append({"action": "promote", "target": f"classic:{'a' * 32}/w{who}",
                               "new_model": f"https://acct.blob.core.windows.net/m/{who}-{i}.ilearner"})
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w, n)) for n, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    check = BlobLedger(conn, "ledgers", "shared.jsonl").verify()
    assert check.ok and check.count == 20
