"""promotion.steps: parsing, the split at each step, and putting traffic back."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from aml_retrain.errors import HealthCheckError, ServiceError, ValidationError
from aml_retrain.promotion.steps import TrafficSteps, parse_mirror, parse_steps, share_at, walk


def test_steps_parse_from_text_and_lists_and_must_rise_to_100() -> None:
    assert parse_steps("10, 50%,100") == (10, 50, 100)
    assert parse_steps([25, 100]) == (25, 100)
    for bad in ("10,50", "0,100", "50,50,100", "10,150", "", [True, 100], "a,100"):
        with pytest.raises(ValidationError):
            parse_steps(bad)
    assert parse_mirror(50) == 50
    for bad in (51, -1, True, "20"):
        with pytest.raises(ValidationError):
            parse_mirror(bad)


def test_each_step_moves_a_share_of_the_replaced_deployment_only() -> None:
    before = {"blue": 80, "canary": 20}
    assert share_at(before, "blue", "green", 10) == {"blue": 72, "canary": 20, "green": 8}
    assert share_at(before, "blue", "green", 100) == {"canary": 20, "green": 80}
    # A tiny share still moves at least one point, never more than the share.
    assert share_at({"blue": 3, "red": 97}, "blue", "green", 1) == {"blue": 2, "red": 97, "green": 1}
    assert share_at({"blue": 100}, "blue", "blue", 50) == {"blue": 100}


class Endpoint:
    """Records each split set; fails the write numbered ``fail_at`` (1-based) when given."""

    def __init__(self, fail_at: set[int] | None = None) -> None:
        self.calls: list[tuple[dict[str, int], dict[str, int]]] = []
        self.fail_at = fail_at or set()

    def apply(self, traffic: Mapping[str, int], mirror: Mapping[str, int]) -> None:
        self.calls.append((dict(traffic), dict(mirror)))
        if len(self.calls) in self.fail_at:
            raise ServiceError("PUT refused", status_code=409, method="PUT")


def run(plan: TrafficSteps, endpoint: Endpoint) -> list[dict[str, object]]:
    return walk(plan, endpoint="ep", before={"blue": 100}, mirror_before={"old": 5},
                mirror_after={"old": 5}, source="blue", chosen="green", apply=endpoint.apply)


def test_walk_applies_mirror_then_every_step_but_the_last_checking_each() -> None:
    checked: list[tuple[str, str]] = []

    def check(deployment: str, phase: str) -> tuple[str | None, dict[str, object]]:
        checked.append((deployment, phase))
        return None, {"healthy": True}

    endpoint = Endpoint()
    done = run(TrafficSteps((10, 50, 100), 20, check), endpoint)
    assert endpoint.calls == [({"blue": 100}, {"old": 5, "green": 20}),
                              ({"blue": 90, "green": 10}, {"old": 5}),
                              ({"blue": 50, "green": 50}, {"old": 5})]
    assert checked == [("green", "mirror 20%"), ("green", "step 10%"), ("green", "step 50%")]
    assert [d["percent"] for d in done] == [20, 10, 50]


def test_an_unhealthy_step_restores_the_old_split_and_mirror() -> None:
    endpoint = Endpoint()
    plan = TrafficSteps((10, 50, 100), 0,
                        lambda _d, phase: ("p95 too slow" if phase == "step 50%" else None, None))
    with pytest.raises(HealthCheckError) as caught:
        run(plan, endpoint)
    assert caught.value.rolled_back is True
    assert endpoint.calls[-1] == ({"blue": 100}, {"old": 5}) and len(endpoint.calls) == 3
    assert "ep unhealthy at step 50%: p95 too slow; not applied" in str(caught.value)


def test_a_failed_restore_says_traffic_was_not_restored_and_how_to_set_it() -> None:
    endpoint = Endpoint(fail_at={1, 2})  # the step's write fails, then the restore fails too
    with pytest.raises(HealthCheckError) as caught:
        run(TrafficSteps((10, 100)), endpoint)
    assert caught.value.rolled_back is False
    text = str(caught.value)
    assert "NOT restored" in text and '--traffic "blue=100" --mirror-traffic "old=5"' in text
