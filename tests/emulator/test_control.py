"""Control plane: health, faults (status, delay, drop), request log, state and reset."""

from __future__ import annotations

import time

import pytest
import requests

from .conftest import TOKEN, Api, assert_error


def _fault(api: Api, **body: object) -> None:
    answer = api.call("POST", "/_emulator/faults", token=None, json=body)
    assert answer.status_code == 200, answer.text


def test_health(api: Api) -> None:
    answer = api.call("GET", "/_emulator/health", token=None)
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


def test_503_with_retry_after_then_success(api: Api) -> None:
    _fault(api, method="GET", path=r"/webservices$", count=2, status=503, retry_after=7)
    for _ in range(2):
        answer = api.call("GET", api.ws())
        assert_error(answer, 503, "ServiceUnavailable")
        assert answer.headers["Retry-After"] == "7"
    assert api.call("GET", api.ws()).status_code == 200
    log = api.call("GET", "/_emulator/requests", token=None).json()
    assert [entry["status"] for entry in log] == [503, 503, 200]
    assert {entry["path"] for entry in log} == {api.ws()}


def test_429_fault_only_hits_matching_method(api: Api) -> None:
    _fault(api, method="PUT", path=r"/endpoints/", status=429)
    assert api.call("GET", api.ep("default")).status_code == 200
    answer = api.create("ep01")
    assert_error(answer, 429, "RequestThrottled")
    assert answer.headers["Retry-After"] == "0"
    assert api.create("ep01").status_code == 200


def test_dropped_connection_then_normal_answer(api: Api) -> None:
    _fault(api, method="GET", path=r"/webservices$", drop=True)
    with pytest.raises(requests.ConnectionError):
        api.call("GET", api.ws())
    assert api.call("GET", api.ws()).status_code == 200
    statuses = [e["status"] for e in api.call("GET", "/_emulator/requests", token=None).json()]
    assert statuses == [None, 200]


def test_delay_then_normal_answer(api: Api) -> None:
    _fault(api, path=r"/webservices$", delay=0.4, status=None)
    started = time.monotonic()
    assert api.call("GET", api.ws()).status_code == 200
    assert time.monotonic() - started >= 0.4


def test_bad_fault_body_is_400(api: Api) -> None:
    answer = api.call("POST", "/_emulator/faults", token=None, json={"path": "("})
    assert_error(answer, 400, "RequestBodyInvalid")
    answer = api.call("POST", "/_emulator/faults", token=None, json={"status": 200})
    assert_error(answer, 400, "RequestBodyInvalid")


def test_state_exposes_keys_and_token(api: Api) -> None:
    state = api.call("GET", "/_emulator/state", token=None).json()
    workspace = state["workspaces"][0]
    assert workspace["AuthorizationToken"] == TOKEN
    endpoint = workspace["WebServices"][1]["Endpoints"][0]
    assert endpoint["PrimaryKey"] == api.get_endpoint("default")["PrimaryKey"]


def test_reset_restores_seed_and_clears_faults_and_log(api: Api) -> None:
    old_key = api.get_endpoint("default")["PrimaryKey"]
    api.create("ep01")
    _fault(api, path=r"/webservices$", count=5)
    assert api.call("POST", "/_emulator/reset", token=None).status_code == 200
    assert api.call("GET", "/_emulator/requests", token=None).json() == []
    assert api.call("GET", api.ws()).status_code == 200  # fault gone
    assert_error(api.call("GET", api.ep("ep01")), 404, "EndpointNotFound")
    assert api.get_endpoint("default")["PrimaryKey"] != old_key


def test_config_is_validated_shown_in_state_and_reset(api: Api) -> None:
    defaults = {"bes_job_seconds": 3.0, "propagation_seconds": 1.0, "result_sas_seconds": 86400.0,
                "status_format": "string", "arm_polls_before_done": 2, "arm_fail_next": 0,
                "arm_page_size": 20, "degrade_training": False, "mlv2_polls_before_done": 2,
                "mlv2_fail_next": 0, "mlv2_retry_after": 10, "mlv2_traffic_lag_reads": 1,
                "mlv2_job_polls": 2}
    assert api.call("GET", "/_emulator/config", token=None).json() == defaults
    answer = api.call("POST", "/_emulator/config", token=None,
                      json={"propagation_seconds": 0, "status_format": "numeric"})
    assert answer.json() == {**defaults, "propagation_seconds": 0.0, "status_format": "numeric"}
    for bad in ({"bes_job_seconds": -1}, {"status_format": "Numeric"}, {"job_seconds": 1},
                {"degrade_training": "true"}, {"degrade_training": 1}):
        assert_error(api.call("POST", "/_emulator/config", token=None, json=bad), 400,
                     "RequestBodyInvalid")
    state = api.call("GET", "/_emulator/state", token=None).json()
    assert state["config"]["status_format"] == "numeric" and state["jobs"] == []
    assert api.call("POST", "/_emulator/reset", token=None).status_code == 200
    assert api.call("GET", "/_emulator/config", token=None).json() == defaults
