"""The bake loop with a fake clock: probes now and every N seconds, stops at the first failure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aml_retrain.errors import ValidationError
from aml_retrain.promotion.bake import HealthCheck, bake
from aml_retrain.promotion.health import HealthPolicy, Probe, ProbeResult


class FakeTime:
    """A clock that only moves when slept on (plus ``probe_cost`` seconds per probe)."""

    def __init__(self, probe_cost: float = 0.0) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.probe_cost = probe_cost

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def answers(time: FakeTime, *rounds: list[Any]) -> tuple[Callable[[], ProbeResult], list[float]]:
    """A probe answering ``rounds`` in turn (then the last one again); records when it ran."""
    when: list[float] = []

    def probe_once() -> ProbeResult:
        when.append(time.now)
        time.now += time.probe_cost
        found = rounds[min(len(when) - 1, len(rounds) - 1)]
        return ProbeResult(tuple(found), tuple(p is not None for p in found),
                           tuple(5.0 for p in found if p is not None))
    return probe_once, when


def check(time: FakeTime, seconds: float, every: float, **policy: Any) -> HealthCheck:
    return HealthCheck(Probe("p", ({"x": 1}, {"x": 2})), HealthPolicy(**policy), seconds, every,
                       clock=time.clock, sleep=time.sleep)


BASELINE = ProbeResult(("a", "b"), (True, True), (5.0, 5.0))


def test_a_healthy_bake_probes_at_the_start_every_interval_and_at_the_end() -> None:
    time = FakeTime()
    probe_once, when = answers(time, ["a", "b"])
    done = bake(probe_once, BASELINE, check(time, 70, 30))
    assert done.healthy and done.rounds == 4 and when == [0, 30, 60, 70]
    assert time.slept == [30, 30, 10] and done.elapsed_seconds == 70
    assert done.to_dict()["probes"] == 4 and done.to_dict()["agreement"] == 1.0


def test_bake_zero_probes_once_and_never_sleeps() -> None:
    time = FakeTime()
    probe_once, when = answers(time, ["a", "b"])
    done = bake(probe_once, BASELINE, check(time, 0, 30))
    assert done.healthy and when == [0] and time.slept == []


def test_the_first_unhealthy_probe_ends_the_bake() -> None:
    time = FakeTime()
    probe_once, when = answers(time, ["a", "b"], ["a", None])
    done = bake(probe_once, BASELINE, check(time, 300, 60))
    assert not done.healthy and when == [0, 60] and done.rounds == 2
    assert done.health.failures == ("success rate 0.5 < min_success_rate 0.99",)


def test_time_spent_probing_counts_toward_the_bake() -> None:
    time = FakeTime(probe_cost=8)
    probe_once, when = answers(time, ["b", "a"])
    done = bake(probe_once, BASELINE, check(time, 20, 10, min_agreement=None))
    assert done.healthy and when == [0, 18] and time.slept == [10]


def test_a_negative_bake_or_a_zero_interval_is_refused() -> None:
    time = FakeTime()
    with pytest.raises(ValidationError, match="--bake"):
        check(time, -1, 10).check()
    with pytest.raises(ValidationError, match="--probe-every"):
        check(time, 10, 0).check()
