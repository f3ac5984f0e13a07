"""Health probes through each kind against the emulator: scored rows, predictions, failures."""

from __future__ import annotations

from pathlib import Path

import pytest

import aml_retrain
from aml_retrain.promotion.health import ProbeResult, read_probe
from aml_retrain.promotion.targets import kind_of, parse_target
from tests.emulator_support import Emulator, census_data
from tests.integration.cli import classic_services, ok_json
from tests.integration.test_online_promotion import TARGET as ONLINE
from tests.integration.test_online_promotion import fast

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
