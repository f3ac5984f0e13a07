from __future__ import annotations

import io
from typing import Any

import pytest
import requests
import urllib3
from urllib3.connectionpool import HTTPConnectionPool

from aml_retrain import _http
from aml_retrain.errors import (
    AuthError,
    ConnectionFailedError,
    OperationTimeoutError,
    ServiceError,
)

from .fakes import FakeAdapter, fake_session

URL = "https://mgmt.test/workspaces/ws/webservices?sig=SIGSECRET"


def retry_of(session: requests.Session) -> urllib3.util.Retry:
    adapter = session.get_adapter("https://x.test")
    assert isinstance(adapter, requests.adapters.HTTPAdapter)
    return adapter.max_retries


def test_session_retries_only_idempotent_methods_on_429_and_5xx() -> None:
    retry = retry_of(_http.make_session())
    assert retry.total == 3
    assert retry.backoff_factor == 0.5
    assert set(retry.status_forcelist or ()) == {429, 500, 502, 503, 504}
    allowed = set(retry.allowed_methods or ())
    assert allowed == {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}
    assert "PATCH" not in allowed and "POST" not in allowed
    assert retry.respect_retry_after_header is True
    assert retry.raise_on_status is False
    assert retry_of(_http.make_session()) is not None
    assert session_http_mounted()


def session_http_mounted() -> bool:
    session = _http.make_session(retries=5)
    plain = session.get_adapter("http://x.test")
    return isinstance(plain, requests.adapters.HTTPAdapter) and plain.max_retries.total == 5


def test_session_user_agent_and_ca_bundle() -> None:
    session = _http.make_session(ca_bundle="/tmp/ca.pem")
    assert session.headers["User-Agent"].startswith("aml-retrain/")
    assert session.verify == "/tmp/ca.pem"
    assert _http.make_session(user_agent="x/1").headers["User-Agent"] == "x/1"
    assert _http.make_session().verify is True


def test_request_sets_bearer_and_default_timeouts(adapter: FakeAdapter) -> None:
    adapter.add("GET", "/workspaces/ws/webservices", json=[])
    response = _http.request(fake_session(adapter), "GET", URL, token="tok")
    assert response.status_code == 200
    assert adapter.requests[0].headers["Authorization"] == "Bearer tok"
    assert adapter.timeouts[0] == (_http.CONNECT_TIMEOUT, 30.0)


def test_request_float_timeout_caps_connect(adapter: FakeAdapter) -> None:
    adapter.add("GET", "/workspaces/ws/webservices", json=[])
    _http.request(fake_session(adapter), "GET", URL, token=None, timeout=5.0)
    assert adapter.timeouts[0] == (5.0, 5.0)
    assert "Authorization" not in adapter.requests[0].headers


def test_non_2xx_becomes_service_error(adapter: FakeAdapter) -> None:
    adapter.add("GET", "/workspaces/ws/webservices", status=401,
                headers={"x-ms-request-id": "rid"}, json={"error": {"code": "Unauthorized"}})
    with pytest.raises(AuthError) as info:
        _http.request(fake_session(adapter), "GET", URL, token="tok")
    assert info.value.request_id == "rid"
    assert "SIGSECRET" not in str(info.value)


def test_304_is_an_error_unless_allowed(adapter: FakeAdapter) -> None:
    adapter.add("POST", "/r", status=304, times=None)
    session = fake_session(adapter)
    assert _http.request(session, "POST", "https://m.test/r", token="t",
                         ok_statuses=(304,)).status_code == 304
    with pytest.raises(ServiceError):
        _http.request(session, "POST", "https://m.test/r", token="t")


@pytest.mark.parametrize(
    ("exc", "expected", "fragment"),
    [
        (requests.exceptions.ConnectionError("boom"), ConnectionFailedError, "could not reach"),
        (requests.exceptions.SSLError("bad cert"), ConnectionFailedError, "CA bundle"),
        (requests.exceptions.ConnectTimeout("slow"), ConnectionFailedError, "could not connect"),
        (requests.exceptions.ReadTimeout("slow"), OperationTimeoutError, "AML_RETRAIN_TIMEOUT"),
        (requests.exceptions.RetryError("gave up"), ConnectionFailedError, "after retries"),
    ],
)
def test_transport_errors_are_mapped_and_chained(
    adapter: FakeAdapter, exc: Exception, expected: type[Exception], fragment: str
) -> None:
    adapter.add("GET", "/workspaces/ws/webservices", exc=exc)
    with pytest.raises(expected) as info:
        _http.request(fake_session(adapter), "GET", URL, token="tok")
    assert fragment in str(info.value)
    assert info.value.__cause__ is exc
    assert "SIGSECRET" not in str(info.value)
    assert "sig=REDACTED" in str(info.value)


class CannedPool:
    """Replaces urllib3's wire call so the real Retry logic runs without sockets."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.methods: list[str] = []

    def __call__(self, pool: Any, conn: Any, method: str, url: str, **kw: Any) -> Any:
        self.methods.append(method)
        status = self.statuses[min(len(self.methods) - 1, len(self.statuses) - 1)]
        body = b'{"error": {"code": "ServiceUnavailable", "message": "busy"}}'
        return urllib3.HTTPResponse(
            body=io.BytesIO(body), status=status, preload_content=False,
            headers={"Content-Type": "application/json",
                     "x-ms-request-id": f"r{len(self.methods)}"},
            request_method=method, request_url=url, retries=kw.get("retries"),
            original_response=None,
        )


@pytest.fixture
def canned(monkeypatch: pytest.MonkeyPatch) -> Any:
    def install(statuses: list[int]) -> CannedPool:
        pool = CannedPool(statuses)

        def fake_make_request(self: Any, conn: Any, method: str, url: str, **kw: Any) -> Any:
            return pool(self, conn, method, url, **kw)

        monkeypatch.setattr(HTTPConnectionPool, "_make_request", fake_make_request)
        return pool
    return install


def test_get_is_retried_then_last_response_raised(canned: Any) -> None:
    pool = canned([503])
    session = _http.make_session(retries=2, backoff_factor=0)
    with pytest.raises(ServiceError) as info:
        _http.request(session, "GET", "http://mgmt.test/x", token="t")
    assert pool.methods == ["GET", "GET", "GET"]
    assert info.value.status_code == 503
    assert info.value.request_id == "r3"


def test_get_recovers_after_a_503(canned: Any) -> None:
    pool = canned([503, 200])
    session = _http.make_session(retries=2, backoff_factor=0)
    assert _http.request(session, "GET", "http://mgmt.test/x", token="t").status_code == 200
    assert len(pool.methods) == 2


@pytest.mark.parametrize("method", ["PATCH", "POST"])
def test_patch_and_post_are_not_retried_by_the_session(canned: Any, method: str) -> None:
    # Only request(replay_if=…) sends a write again, and only when told it was not processed.
    pool = canned([503, 200])
    session = _http.make_session(retries=3, backoff_factor=0)
    with pytest.raises(ServiceError):
        _http.request(session, method, "http://mgmt.test/x", token="t", json={})
    assert pool.methods == [method]


@pytest.mark.parametrize("env", [
    {},
    {"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "localhost,.internal"},
    {"https_proxy": "http://proxy.corp:3128", "REQUESTS_CA_BUNDLE": "/etc/corp-ca.pem"},
    {"CURL_CA_BUNDLE": "/etc/curl-ca.pem", "ALL_PROXY": "socks5://s:1080"},
])
@pytest.mark.parametrize("url", [
    "https://management.azureml.net/workspaces/ws", "https://api.internal/x", "http://localhost:1/y",
])
@pytest.mark.parametrize("verify", [True, None, "/our/ca.pem", False])
@pytest.mark.parametrize("proxies", [{}, {"no_proxy": "management.azureml.net"}, None])
def test_session_environment_settings_match_requests(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], url: str, verify: Any,
    proxies: dict[str, str] | None,
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
                 "NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    ours, plain = _http.make_session(), requests.Session()
    for _ in range(2):  # the second call is answered from the per-origin cache
        mine = None if proxies is None else dict(proxies)
        theirs = None if proxies is None else dict(proxies)
        assert (ours.merge_environment_settings(url, mine, None, verify, None)
                == plain.merge_environment_settings(url, theirs, None, verify, None))
        assert mine == theirs


def test_session_without_trust_env_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    session = _http.make_session()
    session.trust_env = False
    assert session.merge_environment_settings("https://h/x", {}, None, True, None)["proxies"] == {}


def _prepared(session: requests.Session, method: str, url: str, **kwargs: Any) -> tuple[Any, ...]:
    p = session.prepare_request(requests.Request(method, url, **kwargs))
    return p.method, p.url, dict(p.headers), p.body, p.hooks


def _hook(response: Any, **_kwargs: Any) -> Any:
    return response


@pytest.mark.parametrize(("method", "url", "kwargs"), [
    ("GET", "https://mgmt.test/workspaces/ws/webservices/s/endpoints/e%201", {}),
    ("get", "https://MGMT.test:443/a/b?x=1&y=%2F", {"headers": {"Authorization": "Bearer t"}}),
    ("PATCH", "https://mgmt.test/a", {"json": {"Resources": [{"Name": "m", "É": "ü"}]},
                                      "headers": {"accept": "text/plain", "User-Agent": None}}),
    ("POST", "https://bücher.example/x", {"json": [], "headers": {"X-Id": "1"},
                                          "hooks": {"response": [_hook]}}),
    ("PUT", "https://user:pw@mgmt.test/a", {"json": {}}),  # URL credentials: requests' own path
    ("DELETE", "https://mgmt.test/a", {"params": {"q": "1"}}),
    ("GET", "https://mgmt.test/a", {"cookies": {"c": "1"}}),
])
def test_session_prepares_requests_exactly_as_requests_does(
    method: str, url: str, kwargs: dict[str, Any],
) -> None:
    ours, plain = _http.make_session(), requests.Session()
    plain.headers.update(ours.headers)
    for _ in range(2):  # the second one is answered from the per-URL cache
        assert _prepared(ours, method, url, **kwargs) == _prepared(plain, method, url, **kwargs)


def test_session_cookies_and_netrc_still_apply(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine mgmt.test login me password secret\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    ours, plain = _http.make_session(), requests.Session()
    plain.headers.update(ours.headers)
    for session in (ours, plain):
        session.cookies.set("ARRAffinity", "abc", domain="other.test")
    url = "https://mgmt.test/a"
    assert _prepared(ours, "GET", url) == _prepared(plain, "GET", url)
    assert "Authorization" in _prepared(ours, "GET", url)[2]
    for session in (ours, plain):
        session.cookies.clear()
        session.cookies.set("ARRAffinity", "abc", domain="other.test")
    assert _prepared(ours, "GET", "https://other.test/a")[2]["Cookie"] == "ARRAffinity=abc"


def test_adapter_checks_the_ca_bundle_path_once_and_a_missing_one_every_time(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-", encoding="utf-8")
    adapter = _http.make_session().get_adapter("https://x.test")
    conn = HTTPConnectionPool("x.test")
    adapter.cert_verify(conn, "https://x.test/", str(bundle), None)
    stats: list[str] = []
    monkeypatch.setattr("os.path.exists", lambda p: stats.append(p) or False)
    adapter.cert_verify(conn, "https://x.test/", str(bundle), None)
    assert stats == [] and conn.ca_certs == str(bundle) and conn.cert_reqs == "CERT_REQUIRED"
    for _ in range(2):
        with pytest.raises(OSError, match="invalid path"):
            adapter.cert_verify(conn, "https://x.test/", str(tmp_path / "gone.pem"), None)
    assert len(stats) == 2
    adapter.cert_verify(conn, "http://x.test/", str(bundle), None)
    assert conn.cert_reqs == "CERT_NONE"
