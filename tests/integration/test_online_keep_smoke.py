"""Online promotions keep N previous deployments (never a busy or rollback one) and smoke-score first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.emulator_support import Emulator, census_data
from tests.integration.cli import ok_json, run
from tests.integration.test_online_promotion import ENDPOINT, TARGET, fast, online_client

pytestmark = pytest.mark.integration


def versions(count: int) -> list[str]:
    client = online_client()
    return [f"azureml:census-model:{client.register_model_from_job('census-model', 'census-train-1').version}"
            for _ in range(count)]


def names() -> set[str]:
    return {d.name for d in online_client().list_deployments(ENDPOINT)}


def live() -> dict[str, int]:
    return {k: v for k, v in online_client().get_endpoint(ENDPOINT).traffic.items() if v}


def test_keep_one_deletes_only_what_rollback_does_not_need_and_rollback_still_switches(
    emulator: Emulator,
) -> None:
    fast(emulator)
    v2, v3 = versions(2)
    first = ok_json("promote", TARGET, "--model-url", v2)
    assert first["deploy"]["pruned"] == [] and names() == {"blue", "census-model-v2"}
    second = ok_json("promote", TARGET, "--model-url", v3)
    # blue is idle and older than the deployment v3 replaced (census-model-v2, the rollback's)
    assert second["deploy"]["pruned"] == ["blue"]
    assert names() == {"census-model-v2", "census-model-v3"}
    assert live() == {"census-model-v3": 100}
    rolled = ok_json("rollback", TARGET, "--reason", "test")
    assert rolled["new_model"] == v2 and live() == {"census-model-v2": 100}
    assert names() == {"census-model-v2", "census-model-v3"}  # v3 is the next rollback's


def test_a_deployment_taking_mirror_or_live_traffic_is_never_deleted(emulator: Emulator) -> None:
    fast(emulator)
    v2, v3, v4 = versions(3)
    ok_json("promote", TARGET, "--model-url", v2)
    client = online_client()
    client.set_traffic(ENDPOINT, {"census-model-v2": 100}, mirror_traffic={"blue": 10})
    ok_json("promote", TARGET, "--model-url", v3)
    assert names() == {"blue", "census-model-v2", "census-model-v3"}  # blue is mirrored
    client.set_traffic(ENDPOINT, {"census-model-v3": 90, "census-model-v2": 10}, mirror_traffic={})
    pinned = f"{TARGET}#census-model-v3"
    done = ok_json("promote", pinned, "--model-url", v4)
    # v2 takes 10 % live: kept; v3 was replaced: kept for rollback; blue is idle and goes
    assert done["deploy"]["pruned"] == ["blue"]
    assert names() == {"census-model-v2", "census-model-v3", "census-model-v4"}
    assert live() == {"census-model-v2": 10, "census-model-v4": 90}


def test_keep_two_keeps_the_newest_idle_one_as_well(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast(emulator)
    monkeypatch.setenv("AML_RETRAIN_ONLINE_KEEP", "2")
    v2, v3, v4 = versions(3)
    for model in (v2, v3):
        assert ok_json("promote", TARGET, "--model-url", model)["deploy"]["pruned"] == []
    assert ok_json("promote", TARGET, "--model-url", v4)["deploy"]["pruned"] == ["blue"]
    assert names() == {"census-model-v2", "census-model-v3", "census-model-v4"}


def test_smoke_scores_the_new_deployment_before_traffic_moves(
    emulator: Emulator, tmp_path: Path,
) -> None:
    fast(emulator)
    (v2,) = versions(1)
    rows = census_data(tmp_path / "data")["score-rows"]
    done = ok_json("promote", TARGET, "--model-url", v2, "--smoke", str(rows))
    count = len(rows.read_text(encoding="utf-8").strip().splitlines()) - 1
    assert done["deploy"]["smoke"] == {"deployment": "census-model-v2", "rows": count}
    assert live() == {"census-model-v2": 100}
    scored = [r for r in emulator.requests() if r["path"].endswith("/score")]
    assert scored, "the smoke score never reached the scoring URI"


def test_a_failed_smoke_leaves_traffic_and_the_new_deployment_for_inspection(
    emulator: Emulator, tmp_path: Path,
) -> None:
    fast(emulator)
    (v2,) = versions(1)
    rows = census_data(tmp_path / "data")["score-rows"]
    emulator.fault("POST", r"/score$", count=5, status=500)
    result = run("promote", TARGET, "--model-url", v2, "--smoke", str(rows))
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SmokeTestError" in lines[0] and "traffic was not moved" in lines[0]
    assert "--deployment census-model-v2" in lines[0]
    assert live() == {"blue": 100} and names() == {"blue", "census-model-v2"}
    assert json.loads(run("-o", "json", "ledger", "show", TARGET).stdout or "[]") == []


def test_smoke_on_a_classic_target_is_refused_before_any_request(
    emulator: Emulator, tmp_path: Path,
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("a\n1\n", encoding="utf-8")
    result = run("promote", "classic:" + "a" * 32 + "/ep", "--model-url",
                 "https://acct.blob.core.windows.net/models/m.ilearner", "--smoke", str(rows))
    assert result.exit_code == 2, result.output
    assert "--smoke" in result.stderr and emulator.writes() == []


def test_the_replaced_deployment_and_the_ledgers_rollback_target_are_both_kept(
    emulator: Emulator,
) -> None:
    fast(emulator)
    v2, v3 = versions(2)
    ok_json("promote", TARGET, "--model-url", v2)
    online_client().set_traffic(ENDPOINT, {"blue": 100})  # moved back by hand, not in the ledger
    done = ok_json("promote", TARGET, "--model-url", v3)
    assert done["old_model"] == "azureml:census-model:1"
    # blue was replaced; v2 is what `rollback` returns to (the ledger's previous model): with
    # keep 1 both stay, as neither may go
    assert done["deploy"]["pruned"] == []
    assert {"blue", "census-model-v2"} <= set(done["deploy"]["kept"])
    assert names() == {"blue", "census-model-v2", "census-model-v3"}
    writes = len(emulator.writes())
    rolled = ok_json("rollback", TARGET, "--reason", "test")
    assert rolled["new_model"] == v2 and live() == {"census-model-v2": 100}
    assert rolled["deploy"]["creates"] is False  # a traffic switch, not a redeploy
    assert len(emulator.writes()) > writes
