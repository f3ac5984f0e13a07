"""Azure ML v2 traffic rules: sums, names, readiness, mirroring, eventual consistency."""

from __future__ import annotations

import pytest

from .online_support import (
    OnlineApi,
    add_deployment,
    assert_ml_error,
    dep_path,
    deployment_body,
    endpoint_body,
    ep_path,
    set_traffic,
)


@pytest.mark.parametrize(("traffic", "fragment"), [
    ({"blue": 90}, "sum to 100"),
    ({"blue": 60, "green": 60}, "sum to 100"),
    ({"blue": 101, "green": -1}, "between 0 and 100"),
    ({"blue": 100, "purple": 0}, "does not have"),
])
def test_traffic_must_sum_to_100_over_existing_deployments(online: OnlineApi,
                                                           traffic: dict[str, int],
                                                           fragment: str) -> None:
    add_deployment(online)
    answer = online.call("PUT", ep_path(), json=endpoint_body(traffic))
    error = assert_ml_error(answer, 400, "UserError", fragment)
    assert error["target"] == "properties.traffic"
    assert online.ok("GET", ep_path())["properties"]["traffic"] == {"blue": 100}


def test_zero_traffic_is_allowed(online: OnlineApi) -> None:
    doc = set_traffic(online, {"blue": 0})
    assert doc["properties"]["traffic"] == {"blue": 0}


def test_a_deployment_still_creating_cannot_take_traffic(online: OnlineApi) -> None:
    answer = online.call("PUT", dep_path("green"), json=deployment_body())
    assert answer.status_code == 201
    refused = online.call("PUT", ep_path(), json=endpoint_body({"blue": 90, "green": 10}))
    assert_ml_error(refused, 400, "UserError", "Creating")
    online.wait(answer.headers["Azure-AsyncOperation"])
    assert set_traffic(online, {"blue": 90, "green": 10})["properties"]["traffic"] == {
        "blue": 90, "green": 10}


@pytest.mark.parametrize(("mirror", "fragment"), [
    ({"green": 51}, "between 0 and 50"),
    ({"green": 30, "red": 30}, "at most 50"),
    ({"blue": 10}, "cannot also be a mirror target"),
    ({"purple": 10}, "does not have"),
])
def test_mirror_rules(online: OnlineApi, mirror: dict[str, int], fragment: str) -> None:
    add_deployment(online, "green")
    add_deployment(online, "red")
    answer = online.call("PUT", ep_path(), json=endpoint_body({"blue": 100}, mirror))
    error = assert_ml_error(answer, 400, "UserError", fragment)
    assert error["target"] == "properties.mirrorTraffic"


def test_a_put_that_omits_mirror_traffic_clears_it(online: OnlineApi) -> None:
    add_deployment(online)
    assert set_traffic(online, {"blue": 100}, {"green": 20})["properties"]["mirrorTraffic"] == {
        "green": 20}
    assert set_traffic(online, {"blue": 100})["properties"]["mirrorTraffic"] == {}


def test_a_traffic_change_shows_after_the_lagging_reads(online: OnlineApi) -> None:
    online.configure(mlv2_traffic_lag_reads=2)
    add_deployment(online)
    answer = online.call("PUT", ep_path(), json=endpoint_body({"blue": 90, "green": 10}))
    assert answer.json()["properties"]["traffic"] == {"blue": 90, "green": 10}  # as requested
    assert online.wait(answer.headers["Azure-AsyncOperation"])["status"] == "Succeeded"
    reads = [online.ok("GET", ep_path())["properties"]["traffic"] for _ in range(3)]
    assert reads == [{"blue": 100}, {"blue": 100}, {"blue": 90, "green": 10}]
    assert online.stored()["traffic"] == {"blue": 90, "green": 10}


def test_no_lag_when_the_setting_is_zero_or_traffic_is_unchanged(online: OnlineApi) -> None:
    online.configure(mlv2_traffic_lag_reads=5)
    online.put_done(ep_path(), endpoint_body({"blue": 100}, description="same split"), 200)
    assert online.ok("GET", ep_path())["properties"]["description"] == "same split"
    online.configure(mlv2_traffic_lag_reads=0)
    add_deployment(online)
    doc = online.put_done(ep_path(), endpoint_body({"green": 100}), 200)
    assert doc["properties"]["traffic"] == {"green": 100}


def test_a_write_settles_the_pending_operation_first(online: OnlineApi) -> None:
    online.configure(mlv2_traffic_lag_reads=0)
    add_deployment(online)
    first = online.call("PUT", ep_path(), json=endpoint_body({"blue": 50, "green": 50}))
    second = online.call("PUT", ep_path(), json=endpoint_body({"green": 100}))
    assert online.ok("GET", first.headers["Azure-AsyncOperation"])["status"] == "Succeeded"
    assert online.wait(second.headers["Azure-AsyncOperation"])["status"] == "Succeeded"
    assert online.ok("GET", ep_path())["properties"]["traffic"] == {"green": 100}
