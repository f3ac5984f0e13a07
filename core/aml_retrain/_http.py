"""The one module that touches HTTP: session factory, timeouts, retries and error mapping."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
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


def make_session(
    *,
    user_agent: str | None = None,
    retries: int = 3,
    backoff_factor: float = 0.5,
    ca_bundle: str | None = None,
) -> requests.Session:
    """Build a session with our User-Agent, idempotent-only retries and an optional CA bundle."""
    session = requests.Session()
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
    safe_url = redact_url(url)
    try:
        # verify= per request: requests lets REQUESTS_CA_BUNDLE override session.verify otherwise.
        response = session.request(
            method, url, json=json, headers=send_headers, timeout=_timeouts(timeout),
            verify=session.verify,
        )
    except requests.exceptions.SSLError as exc:
        raise ConnectionFailedError(
            f"TLS handshake with {safe_url} failed: check the CA bundle "
            "(AML_RETRAIN_CA_BUNDLE or the profile's ca_bundle)"
        ) from exc
    except requests.exceptions.ConnectTimeout as exc:
        raise ConnectionFailedError(
            f"could not connect to {safe_url} in time: check the host and your network"
        ) from exc
    except requests.exceptions.Timeout as exc:
        raise OperationTimeoutError(
            f"{method} {safe_url} got no answer in time: retry, or raise the timeout "
            "(AML_RETRAIN_TIMEOUT)"
        ) from exc
    except requests.exceptions.RetryError as exc:
        raise ConnectionFailedError(f"{method} {safe_url} kept failing after retries") from exc
    except requests.exceptions.ConnectionError as exc:
        raise ConnectionFailedError(
            f"could not reach {safe_url}: check the management URL / region and your network"
        ) from exc
    except requests.exceptions.RequestException as exc:
        raise ConnectionFailedError(f"{method} {safe_url} failed: {type(exc).__name__}") from exc
    logger.debug(
        "%s %s -> %s (request id %s)",
        method,
        safe_url,
        response.status_code,
        response.headers.get("x-ms-request-id"),
    )
    if 200 <= response.status_code < 300 or response.status_code in ok_statuses:
        return response
    raise ServiceError.from_response(response)
