"""The one module that touches HTTP: session factory, timeouts, retries and error mapping."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Collection, Mapping
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import DEFAULT_CA_BUNDLE_PATH, HTTPAdapter
from requests.cookies import RequestsCookieJar
from requests.models import PreparedRequest
from requests.sessions import merge_hooks, merge_setting
from requests.structures import CaseInsensitiveDict
from requests.utils import get_auth_from_url, get_netrc_auth
from urllib3.exceptions import InvalidHeader, ReadTimeoutError
from urllib3.util.retry import Retry

from aml_retrain._redact import redact_url
from aml_retrain._version import __version__
from aml_retrain.errors import (
    ConnectionFailedError,
    OperationTimeoutError,
    ServiceError,
    parse_error_content,
)

__all__ = [
    "CONNECT_TIMEOUT", "MAX_RETRY_AFTER", "RETRY_STATUSES", "WRITE_RETRIES", "make_session",
    "not_processed", "request", "throttled",
]

logger = logging.getLogger("aml_retrain.http")

CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Only idempotent methods are replayed: a retried PATCH/POST could apply twice.
RETRY_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# Connect errors (nothing sent yet) are replayed by urllib3 for every method. A PATCH or POST is
# replayed only where the answer shows the service did not act on it (``replay_if``): 429, and a
# 503 that names throttling (CLASSIC-API §7/§8: RequestThrottled, TooManyConcurrentRequests …).
WRITE_RETRIES = 3
WRITE_BACKOFF = 0.5
# A Retry-After longer than this is not waited out: the error is reported with it instead.
MAX_RETRY_AFTER = 30.0
THROTTLE_CODES = frozenset({
    "RequestThrottled", "TooManyConcurrentRequests", "TooManyRequests", "NoMoreResources",
    "InitializingContainers", "TooManyHostsBeingInitialized",
    "TooManyHostsBeingInitializedPerModel",
})
_sleep: Callable[[float], None] = time.sleep  # a seam for tests

Timeout = float | tuple[float, float]
# Untyped in types-requests.
_merge_setting: Callable[..., Any] = merge_setting
_merge_hooks: Callable[..., Any] = merge_hooks
_cert_verify: Callable[..., None] = HTTPAdapter.cert_verify


# Prepared URLs kept per session (a fan-out sends a few per target); past this, start again.
_URL_CACHE = 4096


class _Session(requests.Session):
    """A Session that asks the environment for proxies, a CA bundle and netrc once per origin.

    ``requests`` scans the whole environment (``*_proxy``, ``no_proxy``, ``REQUESTS_CA_BUNDLE``)
    on every request, which costs about as much CPU as parsing the response; a session lives for
    one command or run, so its answer per scheme, host and ``no_proxy`` is kept. The answer still
    comes from requests' own code, and is merged exactly as requests merges it.

    :meth:`prepare_request` does the same for the rest of requests' per-request set-up when the
    request is what our clients send (headers and maybe a JSON body; no cookies, auth, params,
    data or files on it or the session): the ``~/.netrc`` look-up per origin, the URL's parsing
    and IDNA check per URL, and no cookie merging of two empty jars. Anything else takes requests'
    own path. Together that was about as much CPU per request as the response's parsing.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[Any, Any, str | None], tuple[dict[str, str], Any]] = {}
        self._netrc: dict[tuple[str, str], Any] = {}
        self._urls: dict[str, str | None] = {}  # URL -> prepared URL; None: has user:password@
        self._origins: dict[str, tuple[str, str]] = {}

    def prepare_request(self, request: requests.Request) -> PreparedRequest:
        if (request.cookies or request.auth or request.params or request.data or request.files
                or self.cookies or self.auth or self.params):
            return super().prepare_request(request)
        url = str(request.url)
        auth = self._netrc_auth(url) if self.trust_env else None
        prepared_url = self._urls.get(url, "")
        if prepared_url == "":
            prepared_url = self._prepare_url(url)
        if auth is not None or prepared_url is None:  # requests' own path adds these headers
            return super().prepare_request(request)
        # PreparedRequest.prepare's steps, in its order, with what they would find cached or empty.
        p = PreparedRequest()
        p.prepare_method(request.method)
        p.url = prepared_url
        headers = CaseInsensitiveDict(self.headers)
        headers.update(request.headers or {})
        p.prepare_headers({k: v for k, v in headers.items() if v is not None})
        p._cookies = RequestsCookieJar()  # type: ignore[attr-defined]  # both jars empty: no header
        p.prepare_body(None, None, request.json)
        p.prepare_hooks(_merge_hooks(request.hooks, self.hooks))
        return p

    def _origin(self, url: str) -> tuple[str, str]:
        """(scheme, netloc) of ``url``, kept per URL."""
        found = self._origins.get(url)
        if found is None:
            if len(self._origins) >= _URL_CACHE:
                self._origins.clear()
            parts = urlsplit(url)
            found = self._origins[url] = (parts.scheme, parts.netloc)
        return found

    def _netrc_auth(self, url: str) -> Any:
        key = self._origin(url)
        if key not in self._netrc:
            self._netrc[key] = get_netrc_auth(url)
        return self._netrc[key]

    def _prepare_url(self, url: str) -> str | None:
        if len(self._urls) >= _URL_CACHE:
            self._urls.clear()
        probe = PreparedRequest()
        probe.prepare_url(url, None)
        # Credentials in the URL become a Basic auth header on requests' own path.
        found = None if any(get_auth_from_url(str(probe.url))) else str(probe.url)
        self._urls[url] = found
        return found

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any,
    ) -> Any:
        if not self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        no_proxy = proxies.get("no_proxy") if proxies is not None else None
        key = (*self._origin(url), no_proxy)
        found = self._environment.get(key)
        if found is None:
            found = self._environment[key] = _environment_settings(url, no_proxy)
        env_proxies, env_verify = found
        if proxies is not None:
            for name, value in env_proxies.items():
                proxies.setdefault(name, value)
        if (verify is True or verify is None) and env_verify:
            verify = env_verify
        if proxies is not None and not self.proxies:
            # merge_setting's answer for an empty session dict, without its generic walk.
            merged_proxies: Any = {k: v for k, v in proxies.items() if v is not None}
        else:
            merged_proxies = _merge_setting(proxies, self.proxies)
        return {
            "proxies": merged_proxies,
            "stream": _merge_setting(stream, self.stream),
            "verify": _merge_setting(verify, self.verify),
            "cert": _merge_setting(cert, self.cert),
        }


class _Adapter(HTTPAdapter):
    """An HTTPAdapter that checks a CA bundle's path once, not twice per request.

    requests stats the bundle (exists, isdir) before every request; each stat gives up the GIL,
    and a fan-out's worker then waits for it again behind the others. A path that was missing is
    checked again next time, so the error requests raises for it is unchanged.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bundles: set[str] = set()

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        path = DEFAULT_CA_BUNDLE_PATH if verify is True else verify
        if cert or not isinstance(path, str) or not path or not url.lower().startswith("https"):
            _cert_verify(self, conn, url, verify, cert)
            return
        if path not in self._bundles:
            _cert_verify(self, conn, url, verify, cert)  # raises for a missing path
            if not os.path.isdir(path):
                self._bundles.add(path)
            return
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = path


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
    adapter = _Adapter(max_retries=retry)
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
    replay_if: Callable[[requests.Response], bool] | None = None,
) -> requests.Response:
    """Send a request with auth and timeouts; raise our exceptions for failures and non-2xx.

    :param replay_if: for a PATCH/POST, which error answers show the request was not processed
        and may be sent again (up to ``WRITE_RETRIES`` times, honouring Retry-After).
    """
    for attempt in range(WRITE_RETRIES + 1):
        response = _send(session, method, url, token=token, json=json, timeout=timeout,
                         headers=headers)
        if 200 <= response.status_code < 300 or response.status_code in ok_statuses:
            return response
        delay = _replay_delay(response, attempt) if replay_if and replay_if(response) else None
        if delay is None or attempt == WRITE_RETRIES:
            break
        logger.info("%s %s answered %s (not processed); sending it again in %.1f s",
                    method, redact_url(url), response.status_code, delay)
        response.close()
        _sleep(delay)
    raise ServiceError.from_response(response)


def throttled(response: requests.Response) -> bool:
    """True for 429 and 503: a PATCH that sets state was refused, and sending it again is harmless."""
    return response.status_code in (429, 503)


def not_processed(response: requests.Response) -> bool:
    """True for 429, or a 503 naming throttling: a POST (job submit) the service did not act on.

    A bare 503 may come from a gateway that had already forwarded the request, so it is not
    replayed: a second submit would create a second job.
    """
    if response.status_code == 429:
        return True
    if response.status_code != 503:
        return False
    code, _text, details = parse_error_content(response.content)
    codes = {code, *(str(d.get("code")) for d in details)}
    return bool(codes & THROTTLE_CODES)


def _replay_delay(response: requests.Response, attempt: int) -> float | None:
    """Seconds to wait before sending again: Retry-After if sent (None if beyond the cap)."""
    raw = response.headers.get("Retry-After")
    if raw is None:
        return float(WRITE_BACKOFF * (2**attempt))
    try:
        delay = float(Retry(0).parse_retry_after(raw))
    except (InvalidHeader, ValueError, OverflowError):  # unreadable: our own back-off
        return float(WRITE_BACKOFF * (2**attempt))
    return delay if delay <= MAX_RETRY_AFTER else None


def _send(
    session: requests.Session, method: str, url: str, *, token: str | None, json: Any,
    timeout: Timeout | None, headers: Mapping[str, str] | None,
) -> requests.Response:
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
    return response


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
    if _retried_read_timeout(exc):
        # urllib3 wraps a read time-out it retried in MaxRetryError, which requests reports as
        # a ConnectionError: it is still a time-out (exit 4), not an unreachable host.
        return OperationTimeoutError(
            f"{method} {safe_url} got no answer in time, also when retried: retry later, or "
            "raise the timeout (AML_RETRAIN_TIMEOUT)"
        )
    if isinstance(exc, requests.exceptions.RetryError):
        return ConnectionFailedError(f"{method} {safe_url} kept failing after retries")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return ConnectionFailedError(
            f"could not reach {safe_url}: check the management URL / region and your network"
        )
    return ConnectionFailedError(f"{method} {safe_url} failed: {type(exc).__name__}")


def _retried_read_timeout(exc: requests.exceptions.RequestException) -> bool:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, ReadTimeoutError)
