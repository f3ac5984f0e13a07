"""Health probes through each kind against the emulator: scored rows, predictions, failures."""

from __future__ import annotations

from pathlib import Path

import pytest

import aml_retrain
from aml_retrain.promotion.health import ProbeResult, read_probe
from aml_retrain.promotion.targets import kind_of, parse_target
from tests.emulator_support import Emulator, census_data
from tests.integration.cli import classic_services, ok_json, run
from tests.integration.test_online_promotion import ENDPOINT, fast, online_client
from tests.integration.test_online_promotion import TARGET as ONLINE

pytestmark = pytest.mark.integration


@pytest.fixture
def rows(tmp_path: Path) -> Path:
    return census_data(tmp_path / "data")["score-rows"]


def probe(target: str, rows: Path) -> ProbeResult:
    parsed = parse_target(target)
    with aml_retrain.connect() as context:
        return kind_of(parsed).probe(parsed, context, read_probe(rows))


def test_classic_and_arm_probes_score_every_row_on_rrs(emulator: Emulator, rows: Path) -> None:
    ids = classic_services()
    ok_json("classic", "endpoints", "create", ids["Predictive"], "probe01")
    for target in (f"classic:{ids['Predictive']}/probe01", "arm:aml-retrain-demo/census-model-ws"):
        done = probe(target, rows)
        count = len(rows.read_text(encoding="utf-8").strip().splitlines()) - 1
        assert done.rows == count and done.success_rate == 1.0, done.errors
        assert len(done.latencies_ms) == count and all(p is not None for p in done.predictions)


def test_online_probe_scores_through_the_scoring_uri(emulator: Emulator, rows: Path) -> None:
    fast(emulator)
    done = probe(ONLINE, rows)
    assert done.success_rate == 1.0 and set(done.predictions) <= {"<=50K", ">50K"}, done.predictions
    emulator.fault("POST", r"/score$", count=2, status=500)
    failed = probe(ONLINE, rows)
    assert failed.success_rate < 1.0 and "500" in failed.errors[0]


# --- promote --probe: a healthy switch passes, an unhealthy one is rolled back -------------------

def agreement_policy(tmp_path: Path) -> Path:
    path = tmp_path / "health.yaml"
    path.write_text("health:\n  min_success_rate: 1.0\n  min_agreement: 0.7\n", encoding="utf-8")
    return path


@pytest.fixture
def classic(emulator: Emulator, tmp_path: Path) -> dict[str, object]:
    ids = classic_services()
    ok_json("classic", "endpoints", "create", ids["Predictive"], "probe01")
    return {"target": f"classic:{ids['Predictive']}/probe01", "data": census_data(tmp_path / "d"),
            "training": ids["Training"], "emulator": emulator}


def classic_job(env: dict[str, object], name: str) -> str:
    data = env["data"]
    assert isinstance(data, dict)
    return str(ok_json("classic", "retrain", str(env["training"]), "--data", str(data[name]))["job_id"])


def test_classic_healthy_promotion_passes_with_its_health_figures(
    classic: dict[str, object], rows: Path, tmp_path: Path,
) -> None:
    target = str(classic["target"])
    ok_json("promote", target, "--from-job", classic_job(classic, "census-2025"))
    # Retrained on the same data: a new model blob that answers as the old one did.
    done = ok_json("promote", target, "--from-job", classic_job(classic, "census-2025"),
                   "--probe", str(rows), "--policy", str(agreement_policy(tmp_path)))
    health = done["health"]
    assert health["healthy"] is True and health["success_rate"] == 1.0 and health["probes"] == 1
    assert health["agreement"] == 1.0 and health["compared_rows"] == 6
    assert [e["action"] for e in ok_json("ledger", "show", target)] == ["promote", "promote"]


def test_classic_degraded_model_is_rolled_back_automatically(
    classic: dict[str, object], rows: Path, tmp_path: Path,
) -> None:
    target = str(classic["target"])
    good = ok_json("promote", target, "--from-job", classic_job(classic, "census-2025"))
    emulator = classic["emulator"]
    assert isinstance(emulator, Emulator)
    emulator.config(degrade_training=True)
    worse = classic_job(classic, "census-2025")
    result = run("promote", target, "--from-job", worse, "--probe", str(rows),
                 "--policy", str(agreement_policy(tmp_path)))
    assert result.exit_code == 1, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("HealthCheckError: ") and "< min_agreement 0.7" in line
    assert "rolled back to " + good["new_model"] in line
    entries = ok_json("ledger", "show", target)
    assert [e["action"] for e in entries] == ["promote", "promote", "rollback"]
    assert entries[-1]["new_model"] == good["new_model"] and "health" in entries[-1]["reason"]
    assert ok_json("target", "show", target)["model_url"] == good["new_model"]


def test_online_healthy_promotion_bakes_and_passes(emulator: Emulator, rows: Path) -> None:
    fast(emulator)
    version = online_version()
    done = ok_json("promote", ONLINE, "--model-url", version, "--probe", str(rows),
                   "--bake", "0")
    assert done["health"]["healthy"] is True and done["health"]["agreement"] == 1.0


def test_online_target_failing_to_score_after_the_switch_is_rolled_back(
    emulator: Emulator, rows: Path,
) -> None:
    fast(emulator)
    version = online_version()
    count = len(rows.read_text(encoding="utf-8").strip().splitlines()) - 1
    # The baseline's rows score; every row after the switch answers 500.
    emulator.fault("POST", r"/score$", count=100, status=500, skip=count)
    result = run("promote", ONLINE, "--model-url", version, "--probe", str(rows))
    assert result.exit_code == 1, result.output
    [line] = result.stderr.strip().splitlines()
    assert "success rate 0 < min_success_rate 0.99" in line
    assert "rolled back to azureml:census-model:1" in line
    entries = ok_json("ledger", "show", ONLINE)
    assert [e["action"] for e in entries] == ["promote", "rollback"]
    traffic = online_client().get_endpoint(ENDPOINT).traffic
    assert {k: v for k, v in traffic.items() if v} == {"blue": 100}


def online_version() -> str:
    found = online_client().register_model_from_job("census-model", "census-train-1")
    return f"azureml:census-model:{found.version}"


def degraded_online_model(emulator: Emulator, tmp_path: Path) -> str:
    """Retrain the online endpoint's job with the emulator's labels flipped: a model that disagrees."""
    fast(emulator)
    emulator.config(degrade_training=True)
    data = census_data(tmp_path / "online-data")["census-2025"]
    return str(ok_json("online", "retrain", "aml-retrain-demo", "census-workspace", "--endpoint",
                       ENDPOINT, "--data", str(data))["model"])


def test_online_degraded_model_is_rolled_back_on_agreement(
    emulator: Emulator, rows: Path, tmp_path: Path,
) -> None:
    worse = degraded_online_model(emulator, tmp_path)
    result = run("promote", ONLINE, "--model-url", worse, "--probe", str(rows),
                 "--policy", str(agreement_policy(tmp_path)))
    assert result.exit_code == 1, result.output
    [line] = result.stderr.strip().splitlines()
    assert "< min_agreement 0.7" in line and "rolled back to azureml:census-model:1" in line
    assert [e["action"] for e in ok_json("ledger", "show", ONLINE)] == ["promote", "rollback"]
    traffic = online_client().get_endpoint(ENDPOINT).traffic
    assert {k: v for k, v in traffic.items() if v} == {"blue": 100}


def test_arm_promotion_with_a_probe_reports_its_health(classic: dict[str, object], rows: Path) -> None:
    target = "arm:aml-retrain-demo/census-model-ws"
    done = ok_json("promote", target, "--from-job", classic_job(classic, "census-2025"),
                   "--probe", str(rows))
    assert done["health"]["healthy"] is True and done["health"]["success_rate"] == 1.0
    assert done["health"]["compared_rows"] == 6
