"""Health probes: reading a probe, timing it, comparing it with the old model, the policy's section."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.errors import ServiceError, ValidationError
from aml_retrain.promotion.gate import load_policies, load_policy
from aml_retrain.promotion.health import (
    DEFAULT_HEALTH,
    HealthPolicy,
    Probe,
    ProbeResult,
    compare,
    read_probe,
    run_probe,
)


def ticking(step_ms: float) -> Iterator[float]:
    now = 0.0
    while True:
        yield now
        now += step_ms / 1000.0


def result(predictions: list[Any], latencies: list[float] | None = None) -> ProbeResult:
    ok = tuple(p is not None for p in predictions)
    lat = tuple(latencies if latencies is not None else [10.0] * sum(ok))
    return ProbeResult(tuple(predictions), ok, lat)


def test_read_probe_takes_csv_and_an_input_data_table(tmp_path: Path) -> None:
    csv = tmp_path / "rows.csv"
    csv.write_text("age,education_num\n39,13\n50,9\n", encoding="utf-8")
    assert read_probe(csv).rows == ({"age": 39, "education_num": 13}, {"age": 50, "education_num": 9})
    body = tmp_path / "rows.json"
    body.write_text(json.dumps({"input_data": {"columns": ["a", "b"], "data": [[1, 2]]}}))
    assert read_probe(body).rows == ({"a": 1, "b": 2},)


def test_read_probe_refuses_a_file_without_rows(tmp_path: Path) -> None:
    empty = tmp_path / "rows.json"
    empty.write_text(json.dumps({"input_data": {"columns": ["a"], "data": []}}))
    with pytest.raises(ValidationError, match="no rows"):
        read_probe(empty)


def test_run_probe_times_each_row_and_counts_failures() -> None:
    probe = Probe("p", ({"x": 1}, {"x": 2}, {"x": 3}))
    clock = ticking(4.0)

    def send(row: Any) -> Any:
        if row["x"] == 2:
            raise ServiceError("boom", status_code=500)
        return row["x"] * 10

    done = run_probe(send, probe, clock=lambda: next(clock))
    assert done.predictions == (10, None, 30) and done.ok == (True, False, True)
    assert done.latencies_ms == pytest.approx((4.0, 4.0))
    assert done.success_rate == pytest.approx(2 / 3)
    assert done.errors == ("ServiceError: boom (HTTP 500)",)


def test_latency_quantiles_are_nearest_rank() -> None:
    done = result(list(range(20)), [float(v) for v in range(1, 21)])
    assert done.latency(0.5) == 10.0 and done.latency(0.95) == 19.0
    assert result([None]).latency(0.95) is None


def test_the_same_labels_are_healthy_and_every_figure_is_reported() -> None:
    before = result(["<=50K", ">50K", "<=50K"])
    after = result(["<=50K", ">50K", "<=50K"])
    health = compare(before, after, HealthPolicy(min_agreement=0.7))
    assert health.healthy and health.agreement == 1.0 and health.compared_rows == 3
    assert health.mean_abs_change is None  # labels: no numeric change
    data = health.to_dict()
    assert data["success_rate"] == 1.0 and data["latency_p95_ms"] == 10.0
    assert data["latency_p95_ratio"] == 1.0 and data["failures"] == []


def test_flipped_labels_fail_min_agreement_with_measured_and_allowed() -> None:
    before = result(["a", "b", "a", "b"])
    after = result(["b", "a", "b", "b"])
    health = compare(before, after, HealthPolicy(min_agreement=0.7))
    assert not health.healthy and health.agreement == 0.25
    assert health.failures == ("agreement 0.25 with the old model < min_agreement 0.7 (4 rows)",)


def test_classic_text_numbers_compare_as_numbers_and_give_the_mean_abs_change() -> None:
    before = result(["1.5", "2.0"])
    after = result([1.5, 3.0])
    health = compare(before, after, HealthPolicy(max_mean_abs_change=0.4))
    assert health.agreement == 0.5 and health.mean_abs_change == pytest.approx(0.5)
    assert health.failures == ("mean absolute change 0.5 > max_mean_abs_change 0.4",)


def test_failed_rows_lower_the_success_rate_and_are_left_out_of_agreement() -> None:
    before = result(["a"] * 10)
    after = result(["a"] * 9 + [None])
    health = compare(before, after, DEFAULT_HEALTH)
    assert health.success_rate == 0.9 and health.compared_rows == 9 and health.agreement == 1.0
    assert health.failures == ("success rate 0.9 < min_success_rate 0.99",)


def test_latency_ratio_is_judged_above_the_floor_only() -> None:
    fast = result(["a"] * 4, [2.0] * 4)
    slower = result(["a"] * 4, [6.0] * 4)  # 3x, but both under the 50 ms floor: noise
    assert compare(fast, slower, DEFAULT_HEALTH).healthy
    slow = result(["a"] * 4, [200.0] * 4)
    health = compare(fast, slow, DEFAULT_HEALTH)
    assert health.latency_p95_ratio == 4.0
    assert health.failures == ("latency p95 200.0 ms is 4x the old model's 2.0 ms > "
                               "max_latency_p95_ratio 1.5",)


def test_without_a_baseline_only_absolute_checks_run() -> None:
    health = compare(None, result(["a", "b"]), HealthPolicy(min_agreement=0.9))
    assert health.healthy and health.agreement is None and health.latency_p95_ratio is None
    failed_baseline = compare(result([None, None]), result(["a", "b"]),
                              HealthPolicy(min_agreement=0.9))
    assert failed_baseline.healthy and failed_baseline.compared_rows == 0


def test_a_probe_that_could_not_start_fails_every_row() -> None:
    done = ProbeResult.failed(3, ServiceError("no key", status_code=403))
    assert done.success_rate == 0.0 and done.errors == ("ServiceError: no key (HTTP 403)",)
    assert compare(None, done, DEFAULT_HEALTH).failures[0].startswith("success rate 0 <")


# --- the policy file's health section -------------------------------------------------------------

def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_health_sits_next_to_the_rules(tmp_path: Path) -> None:
    path = write(tmp_path, {"rules": {"AUC": {"min": 0.7}},
                            "health": {"min_success_rate": 0.95, "min_agreement": 0.7}})
    gate, health = load_policies(path)
    assert gate is not None and [r.metric for r in gate.rules] == ["AUC"]
    assert health == HealthPolicy(min_success_rate=0.95, min_agreement=0.7)
    assert load_policy(path) == gate


def test_a_health_only_policy_has_no_gate(tmp_path: Path) -> None:
    path = write(tmp_path, {"health": {"max_latency_p95_ratio": None}})
    gate, health = load_policies(path)
    assert gate is None and health.max_latency_p95_ratio is None
    with pytest.raises(ValidationError, match="at least one rule"):
        load_policy(path)


def test_no_health_section_means_the_defaults(tmp_path: Path) -> None:
    assert load_policies(write(tmp_path, {"rules": [{"metric": "AUC"}]}))[1] \
        == DEFAULT_HEALTH


@pytest.mark.parametrize(("health", "needle"), [
    ({"min_sucess_rate": 0.9}, "unknown key 'min_sucess_rate'"),
    ({"min_agreement": 1.5}, "min_agreement is a share between 0 and 1"),
    ({"max_latency_p95_ratio": 0}, "max_latency_p95_ratio must be above 0"),
    ({"latency_floor_ms": None}, "latency_floor_ms must be a finite number"),
    ({"max_mean_abs_change": "big"}, "max_mean_abs_change must be a finite number"),
    ([0.99], "'health' must be a mapping"),
])
def test_bad_health_sections_are_refused_in_one_line(tmp_path: Path, health: Any,
                                                     needle: str) -> None:
    path = write(tmp_path, {"rules": [{"metric": "AUC"}], "health": health})
    with pytest.raises(ValidationError) as info:
        load_policies(path)
    message = str(info.value)
    assert needle in message and str(path) in message and "\n" not in message
