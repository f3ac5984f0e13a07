"""The one module that touches HTTP: session factory, timeouts, retries and error mapping."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.sessions import merge_setting
from urllib3.util.retry import Retry

from aml_retrain._redact import redact_url
from aml_retrain._version import __version__
from aml_retrain.errors import ConnectionFailedError, OperationTimeoutError, ServiceError

__all__ = ["CONNECT_TIMEOUT", "RETRY_STATUSES", "make_session", "request"]

logger = logging.getLogger("aml_retrain.http")

CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Only idempotent methods are replayed: a retried PATCH/POST could apply twice.
RETRY_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

Timeout = float | tuple[float, float]
_merge_setting: Callable[..., Any] = merge_setting  # untyped in types-requests


class _Session(requests.Session):
    """A Session that asks the environment for proxies and a CA bundle once per origin.

    ``requests`` scans the whole environment (``*_proxy``, ``no_proxy``, ``REQUESTS_CA_BUNDLE``)
    on every request, which costs about as much CPU as parsing the response; a session lives for
    one command or run, so its answer per scheme, host and ``no_proxy`` is kept. The answer still
    comes from requests' own code, and is merged exactly as requests merges it.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[Any, Any, str | None], tuple[dict[str, str], Any]] = {}

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any,
    ) -> Any:
        if not self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        no_proxy = proxies.get("no_proxy") if proxies is not None else None
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, no_proxy)
        found = self._environment.get(key)
        if found is None:
            found = self._environment[key] = _environment_settings(url, no_proxy)
        env_proxies, env_verify = found
        if proxies is not None:
            for name, value in env_proxies.items():
                proxies.setdefault(name, value)
        if (verify is True or verify is None) and env_verify:
            verify = env_verify
        return {
            "proxies": _merge_setting(proxies, self.proxies),
            "stream": _merge_setting(stream, self.stream),
            "verify": _merge_setting(verify, self.verify),
            "cert": _merge_setting(cert, self.cert),
        }


def _environment_settings(url: Any, no_proxy: str | None) -> tuple[dict[str, str], Any]:
    """Return the proxies and CA bundle (or None) requests takes from the environment for ``url``."""
    # requests' own merge on a blank session: only what the environment contributes comes back.
    blank = SimpleNamespace(trust_env=True, proxies={}, stream=None, verify=None, cert=None)
    merged = requests.Session.merge_environment_settings(
        blank,  # type: ignore[arg-type]
        url, {"no_proxy": no_proxy} if no_proxy else {}, None, None, None,
    )
    return dict(merged["proxies"] or {}), merged["verify"]


def make_session(
    *,
    user_agent: str | None = None,
    retries: int = 3,
    backoff_factor: float = 0.5,
    ca_bundle: str | None = None,
) -> requests.Session:
    """Build a session with our User-Agent, idempotent-only retries and an optional CA bundle."""
    session = _Session()
    session.headers["User-Agent"] = user_agent or f"aml-retrain/{__version__}"
    session.headers["Accept"] = "application/json"
    retry = Retry(
        total=retries,
        backoff_factor=backoff_factor,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=RETRY_METHODS,
        respect_retry_after_header=True,
        # Hand the last 5xx back to us so it becomes a ServiceError with its request id.
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    if ca_bundle:
        session.verify = ca_bundle
    return session


def _timeouts(timeout: Timeout | None) -> tuple[float, float]:
    if timeout is None:
        return CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT
    if isinstance(timeout, tuple):
        return timeout
    return min(CONNECT_TIMEOUT, timeout), timeout


def request(
    session: requests.Session,
    method: str,
    url: str,
    *,
    token: str | None,
    json: Any = None,
    timeout: Timeout | None = None,
    headers: Mapping[str, str] | None = None,
    ok_statuses: Collection[int] = (),
) -> requests.Response:
    """Send one request with auth and timeouts; raise our exceptions for failures and non-2xx."""
    send_headers = dict(headers or {})
    if token:
        send_headers["Authorization"] = f"Bearer {token}"
    try:
        # verify= per request: requests lets REQUESTS_CA_BUNDLE override session.verify otherwise.
        response = session.request(
            method, url, json=json, headers=send_headers, timeout=_timeouts(timeout),
            verify=session.verify,
        )
    except requests.exceptions.RequestException as exc:
        # The URL is redacted only on this path: on success it is not shown (unless debugging).
        raise _transport_error(exc, method, redact_url(url)) from exc
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "%s %s -> %s (request id %s)",
            method,
            redact_url(url),
            response.status_code,
            response.headers.get("x-ms-request-id"),
        )
    if 200 <= response.status_code < 300 or response.status_code in ok_statuses:
        return response
    raise ServiceError.from_response(response)


def _transport_error(
    exc: requests.exceptions.RequestException, method: str, safe_url: str
) -> ConnectionFailedError | OperationTimeoutError:
    """Map a requests exception to ours (most specific first); the URL is already redacted."""
    if isinstance(exc, requests.exceptions.SSLError):
        return ConnectionFailedError(
            f"TLS handshake with {safe_url} failed: check the CA bundle "
            "(AML_RETRAIN_CA_BUNDLE or the profile's ca_bundle)"
        )
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return ConnectionFailedError(
            f"could not connect to {safe_url} in time: check the host and your network"
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return OperationTimeoutError(
            f"{method} {safe_url} got no answer in time: retry, or raise the timeout "
            "(AML_RETRAIN_TIMEOUT)"
        )
    if isinstance(exc, requests.exceptions.RetryError):
        return ConnectionFailedError(f"{method} {safe_url} kept failing after retries")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return ConnectionFailedError(
            f"could not reach {safe_url}: check the management URL / region and your network"
        )
    return ConnectionFailedError(f"{method} {safe_url} failed: {type(exc).__name__}")
