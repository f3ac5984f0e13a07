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


# --- watch: healthy keeps the result, unhealthy rolls back or says why it did not ----------------

class FakeKind:
    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers

    def probe(self, target: Any, context: Any, probe: Probe, **_kw: Any) -> ProbeResult:
        return ProbeResult(tuple(self.answers), tuple(a is not None for a in self.answers),
                           tuple(5.0 for a in self.answers if a is not None))


class FakeLedger:
    def __init__(self, seq: int) -> None:
        self.seq = seq

    def current(self, key: str) -> dict[str, Any]:
        return {"seq": self.seq}


class FakeContext:
    def __init__(self, seq: int) -> None:
        self.ledger = FakeLedger(seq)

    def the_ledger(self) -> FakeLedger:
        return self.ledger


def watch_with(monkeypatch: pytest.MonkeyPatch, answers: list[Any], *, ledger_seq: int = 4,
               rollback: Callable[..., Any] | None = None) -> Any:
    from aml_retrain.promotion import bake as bake_module
    from aml_retrain.promotion import rollback as rollback_module
    from aml_retrain.promotion.promote import PromotionResult

    monkeypatch.setattr(bake_module, "kind_of", lambda target: FakeKind(answers))
    if rollback is not None:
        monkeypatch.setattr(rollback_module, "rollback", rollback)
    result = PromotionResult("promote", "classic:s/ep", "OLD", "NEW", entry={"seq": 4})
    time = FakeTime()
    return bake_module.watch("classic:s/ep", FakeContext(ledger_seq), result,  # type: ignore[arg-type]
                             BASELINE, check(time, 0, 30, min_agreement=0.7))


def test_watch_returns_the_result_with_its_health_when_healthy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    done = watch_with(monkeypatch, ["a", "b"])
    assert done.health["healthy"] is True and done.health["probes"] == 1


def test_watch_rolls_back_an_unhealthy_target_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from aml_retrain.errors import HealthCheckError
    from aml_retrain.promotion.promote import PromotionResult

    seen: list[dict[str, Any]] = []

    def rollback(target: Any, context: Any, **kw: Any) -> PromotionResult:
        seen.append(kw)
        return PromotionResult("rollback", "classic:s/ep", "NEW", "OLD", entry={"seq": 5})

    with pytest.raises(HealthCheckError) as info:
        watch_with(monkeypatch, ["b", "a"], rollback=rollback)
    assert str(info.value) == ("classic:s/ep turned unhealthy right after the switch: agreement 0 "
                               "with the old model < min_agreement 0.7 (2 rows); rolled back to "
                               "OLD (ledger entry #5)")
    assert info.value.rolled_back is True and info.value.exit_code == 1
    assert seen[0]["reason"].startswith("health check failed: agreement 0")


def test_a_failed_rollback_says_not_rolled_back_and_how_to_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from aml_retrain.errors import HealthCheckError, ServiceError

    def rollback(target: Any, context: Any, **kw: Any) -> Any:
        raise ServiceError("the PATCH failed", status_code=500)

    with pytest.raises(HealthCheckError) as info:
        watch_with(monkeypatch, [None, None], rollback=rollback)
    text = str(info.value)
    assert "success rate 0 < min_success_rate 0.99" in text
    assert "state unknown, not rolled back (ServiceError: the PATCH failed" in text
    assert "aml-retrain target show classic:s/ep" in text and info.value.rolled_back is False


def test_no_rollback_when_the_ledger_moved_on(monkeypatch: pytest.MonkeyPatch) -> None:
    from aml_retrain.errors import HealthCheckError

    def rollback(target: Any, context: Any, **kw: Any) -> Any:
        raise AssertionError("must not roll back another run's promotion")

    with pytest.raises(HealthCheckError) as info:
        watch_with(monkeypatch, ["b", "a"], ledger_seq=6, rollback=rollback)
    assert "NOT rolled back: the ledger moved on since entry #4 (now #6)" in str(info.value)


def test_a_promotion_that_switched_nothing_is_not_probed(monkeypatch: pytest.MonkeyPatch) -> None:
    from aml_retrain.promotion import bake as bake_module
    from aml_retrain.promotion.promote import PromotionResult

    def no_probe(target: Any) -> Any:
        raise AssertionError("nothing was switched: nothing to probe")

    monkeypatch.setattr(bake_module, "kind_of", no_probe)
    same = PromotionResult("promote", "classic:s/ep", "NEW", "NEW", already_current=True)
    done = bake_module.watch("classic:s/ep", FakeContext(1), same,  # type: ignore[arg-type]
                             BASELINE, check(FakeTime(), 60, 30))
    assert done.health is None and "not probed" in done.notices[-1]
