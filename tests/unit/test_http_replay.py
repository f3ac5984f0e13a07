"""Writes sent again only when the answer shows they were not processed; retried time-outs."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import urllib3

from aml_retrain import _http
from aml_retrain.errors import ConnectionFailedError, OperationTimeoutError, ServiceError

from .fakes import FakeAdapter, fake_session

URL = "https://mgmt.test/x"


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(_http, "_sleep", waits.append)
    return waits


def _error(code: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": "busy"}}


@pytest.mark.parametrize("status", [429, 503])
def test_patch_is_sent_again_after_429_or_503_honouring_retry_after(
    adapter: FakeAdapter, slept: list[float], status: int
) -> None:
    adapter.add("PATCH", "/x", status=status, headers={"Retry-After": "2"},
                json=_error("ServiceUnavailable"))
    adapter.add("PATCH", "/x", status=200)
    response = _http.request(fake_session(adapter), "PATCH", URL, token="t", json={"a": 1},
                             replay_if=_http.throttled)
    assert response.status_code == 200
    assert [m for m, _ in adapter.calls()] == ["PATCH", "PATCH"]
    assert adapter.body(1) == {"a": 1}
    assert slept == [2.0]


def test_patch_without_retry_after_backs_off_then_gives_up(
    adapter: FakeAdapter, slept: list[float]
) -> None:
    adapter.add("PATCH", "/x", status=429, json=_error("TooManyRequests"),
                headers={"x-ms-request-id": "last"}, times=None)
    with pytest.raises(ServiceError) as info:
        _http.request(fake_session(adapter), "PATCH", URL, token="t", json={},
                      replay_if=_http.throttled)
    assert len(adapter.requests) == _http.WRITE_RETRIES + 1
    assert slept == [0.5, 1.0, 2.0]
    assert info.value.status_code == 429 and info.value.request_id == "last"


def test_a_retry_after_beyond_the_cap_is_reported_not_waited(
    adapter: FakeAdapter, slept: list[float]
) -> None:
    adapter.add("PATCH", "/x", status=503, headers={"Retry-After": "3600"})
    with pytest.raises(ServiceError):
        _http.request(fake_session(adapter), "PATCH", URL, token="t", json={},
                      replay_if=_http.throttled)
    assert len(adapter.requests) == 1 and slept == []


@pytest.mark.parametrize("status", [500, 502, 504, 400, 409])
def test_patch_is_not_sent_again_when_it_may_have_been_processed(
    adapter: FakeAdapter, slept: list[float], status: int
) -> None:
    adapter.add("PATCH", "/x", status=status, json=_error("InternalError"))
    with pytest.raises(ServiceError):
        _http.request(fake_session(adapter), "PATCH", URL, token="t", json={},
                      replay_if=_http.throttled)
    assert len(adapter.requests) == 1


@pytest.mark.parametrize(("status", "body", "again"), [
    (429, _error("TooManyRequests"), True),
    (503, _error("RequestThrottled"), True),
    (503, {"error": {"code": "ServiceUnavailable",
                     "details": [{"code": "TooManyConcurrentRequests"}]}}, True),
    (503, _error("ServiceUnavailable"), False),  # a gateway may have forwarded it
    (503, None, False),
    (500, _error("InternalError"), False),
])
def test_a_post_is_sent_again_only_when_not_processed(
    adapter: FakeAdapter, slept: list[float], status: int, body: Any, again: bool
) -> None:
    adapter.add("POST", "/x", status=status, text=json.dumps(body) if body else "")
    adapter.add("POST", "/x", status=200, json="job-1")
    session = fake_session(adapter)
    if again:
        assert _http.request(session, "POST", URL, token="t", json={},
                             replay_if=_http.not_processed).status_code == 200
    else:
        with pytest.raises(ServiceError):
            _http.request(session, "POST", URL, token="t", json={}, replay_if=_http.not_processed)
    assert len(adapter.requests) == (2 if again else 1)


def test_without_replay_if_nothing_is_sent_again(adapter: FakeAdapter, slept: list[float]) -> None:
    adapter.add("POST", "/x", status=429, times=None)
    with pytest.raises(ServiceError):
        _http.request(fake_session(adapter), "POST", URL, token="t", json={})
    assert len(adapter.requests) == 1 and slept == []


def test_a_retried_read_timeout_is_a_timeout_not_unreachable(adapter: FakeAdapter) -> None:
    # What requests raises once urllib3 has retried a read time-out and given up.
    reason = urllib3.exceptions.ReadTimeoutError(None, URL, "Read timed out.")  # type: ignore[arg-type]
    exc = requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, URL, reason))  # type: ignore[arg-type]
    adapter.add("GET", "/x", exc=exc)
    with pytest.raises(OperationTimeoutError) as info:
        _http.request(fake_session(adapter), "GET", URL, token="t")
    assert info.value.exit_code == 4
    assert "no answer in time" in str(info.value) and "management URL" not in str(info.value)


def test_a_retried_refused_connection_is_still_unreachable(adapter: FakeAdapter) -> None:
    reason = urllib3.exceptions.NewConnectionError(None, "refused")  # type: ignore[arg-type]
    exc = requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, URL, reason))  # type: ignore[arg-type]
    adapter.add("GET", "/x", exc=exc)
    with pytest.raises(ConnectionFailedError, match="could not reach"):
        _http.request(fake_session(adapter), "GET", URL, token="t")
