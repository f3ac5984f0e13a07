"""promote --steps/--mirror on the emulator's v2 online endpoint: phases baked, traffic put back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.emulator_support import Emulator, census_data
from tests.integration.cli import classic_services, ok_json, run
from tests.integration.test_health_probe import (
    agreement_policy,
    degraded_online_model,
    online_version,
)
from tests.integration.test_online_promotion import ENDPOINT, fast, online_client
from tests.integration.test_online_promotion import TARGET as ONLINE

pytestmark = pytest.mark.integration


@pytest.fixture
def rows(tmp_path: Path) -> Path:
    return census_data(tmp_path / "data")["score-rows"]


def live(split: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in split.items() if v}


def test_mirror_then_steps_then_full_switch_each_baked_and_recorded(
    emulator: Emulator, rows: Path,
) -> None:
    fast(emulator)
    version = online_version()
    done = ok_json("promote", ONLINE, "--model-url", version, "--probe", str(rows), "--bake", "0",
                   "--steps", "10,50,100", "--mirror", "20")
    phases = done["deploy"]["steps"]
    new = done["deploy"]["deployment"]
    assert [(p["phase"], p["percent"]) for p in phases] == [("mirror", 20), ("step", 10),
                                                            ("step", 50)]
    assert phases[0]["traffic"] == {"blue": 100} and phases[0]["mirror"] == {new: 20}
    assert phases[1]["traffic"] == {"blue": 90, new: 10} and phases[1]["mirror"] == {}
    assert phases[2]["traffic"] == {"blue": 50, new: 50}
    assert all(p["health"]["healthy"] and p["health"]["probes"] == 1 for p in phases)
    endpoint = online_client().get_endpoint(ENDPOINT)
    assert live(endpoint.traffic) == {new: 100} and live(endpoint.mirror_traffic) == {}
    [entry] = ok_json("ledger", "show", ONLINE)
    assert entry["new_model"] == version and [p["percent"] for p in entry["steps"]] == [20, 10, 50]
    assert ok_json("ledger", "verify")["ok"] is True


def test_an_unhealthy_mirror_phase_puts_traffic_back_and_records_nothing(
    emulator: Emulator, rows: Path, tmp_path: Path,
) -> None:
    worse = degraded_online_model(emulator, tmp_path)
    result = run("promote", ONLINE, "--model-url", worse, "--probe", str(rows), "--policy",
                 str(agreement_policy(tmp_path)), "--steps", "10,100", "--mirror", "20")
    assert result.exit_code == 1, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("HealthCheckError: ") and "unhealthy at mirror 20%" in line
    assert "< min_agreement 0.7" in line and "not applied: traffic restored to blue 100%" in line
    endpoint = online_client().get_endpoint(ENDPOINT)
    assert live(endpoint.traffic) == {"blue": 100} and live(endpoint.mirror_traffic) == {}
    assert ok_json("ledger", "show", ONLINE) == []


def test_a_step_failing_to_score_puts_the_split_back(emulator: Emulator, rows: Path) -> None:
    fast(emulator)
    version = online_version()
    count = len(rows.read_text(encoding="utf-8").strip().splitlines()) - 1
    # The baseline and the first step score; the second step's rows answer 500.
    emulator.fault("POST", r"/score$", count=100, status=500, skip=2 * count)
    result = run("promote", ONLINE, "--model-url", version, "--probe", str(rows),
                 "--steps", "10,50,100")
    assert result.exit_code == 1, result.output
    [line] = result.stderr.strip().splitlines()
    assert "unhealthy at step 50%" in line and "success rate 0 < min_success_rate" in line
    assert "not applied: traffic restored to blue 100%" in line
    assert live(online_client().get_endpoint(ENDPOINT).traffic) == {"blue": 100}
    assert ok_json("ledger", "show", ONLINE) == []


def test_classic_and_arm_refuse_steps_before_any_request(emulator: Emulator, rows: Path) -> None:
    ids = classic_services()
    for target in (f"classic:{ids['Predictive']}/default", "arm:aml-retrain-demo/census-model-ws"):
        result = run("promote", target, "--model-url",
                     "https://acct.blob.core.windows.net/models/m.ilearner", "--probe", str(rows),
                     "--steps", "10,100")
        assert result.exit_code == 2, result.output
        assert "serves one model at a time" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert ok_json("ledger", "show", target) == []


@pytest.mark.parametrize(("args", "said"), [
    (["--steps", "10,50"], "end at 100"),
    (["--steps", "50,10,100"], "must rise"),
    (["--steps", "ten"], "rising percentages"),
    (["--mirror", "60"], "from 0 to 50"),
])
def test_bad_steps_are_refused_with_exit_2(emulator: Emulator, rows: Path, args: list[str],
                                           said: str) -> None:
    result = run("promote", ONLINE, "--model-url", "azureml:census-model:1", "--probe", str(rows),
                 *args)
    assert result.exit_code == 2 and said in result.stderr, result.output
    assert ok_json("ledger", "show", ONLINE) == []


def test_steps_need_a_probe(emulator: Emulator) -> None:
    result = run("promote", ONLINE, "--model-url", "azureml:census-model:1", "--steps", "10,100")
    assert result.exit_code == 2 and "pass --probe FILE" in result.stderr, result.output
