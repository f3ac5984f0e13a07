"""ARM JSON for the v2 workspace: azure-mgmt-resource's pipeline, built on first use.

As in ``arm.client``: reads and synchronous writes go through ``send_request`` so ARM's JSON comes
back unchanged; PUT and DELETE of endpoints and deployments use the generic ``begin_*_by_id``
operations with ``arm._lro.BudgetPolling`` (ARMPolling with a deadline). Bodies go out as bytes so
the generic-resource serialiser cannot reshape them. azure imports stay inside methods.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from aml_retrain._json import JsonObject
from aml_retrain._redact import redact_url
from aml_retrain.arm._errors import REQUEST_ID_HEADER, error_from_response, translate
from aml_retrain.arm._pipeline import (
    DEFAULT_ARM_URL,
    DEFAULT_REQUEST_TIMEOUT,
    arm_scope,
    build_resource_client,
    check_budget,
)
from aml_retrain.errors import (
    OperationTimeoutError,
    ServiceError,
)

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

__all__ = ["API_VERSION", "ArmJson", "decode_json", "online_error"]

logger = logging.getLogger("aml_retrain.online")

API_VERSION = "2025-12-01"  # ML-V2.md §0: required on every call
DEFAULT_POLLING_INTERVAL = 5.0
_MAX_PAGES = 1000


def _hint(status: int) -> str:
    if status in (401, 403):
        return ("Check the Azure credential (AML_RETRAIN_AUTH, az login, AML_RETRAIN_ARM_TOKEN) and "
                "its role on the workspace")
    if status == 404:
        return "Check the subscription, resource group, workspace and resource names"
    if status == 409:
        return "Another operation is changing the resource; wait for it and retry"
    if status == 429 or status >= 500:
        return "Azure ML is busy or failed; retry later and quote the request id"
    return ""


def online_error(status: int, headers: Mapping[str, str], content: bytes | None, *, method: str,
                 url: str, hint: Callable[[int], str] = _hint) -> ServiceError:
    """Build the ServiceError subclass for an error answer, keeping the specific detail code."""
    return error_from_response(status, headers, content, method=method, url=url,
                               hint_for=lambda answered, _code: hint(answered),
                               service="Azure ML", other_shape=_flat_error)


def decode_json(content: bytes | None) -> Any:
    """Return the JSON in ``content`` (a BOM allowed), or None when it is empty or not JSON."""
    try:
        return json.loads((content or b"").decode("utf-8-sig") or "null")
    except (ValueError, UnicodeDecodeError):
        return None


def _flat_error(content: bytes | None) -> tuple[str | None, str | None]:
    body = decode_json(content)
    if not isinstance(body, dict):
        return None, None
    code, message = body.get("error_code"), body.get("message")
    return (str(code) if code else None), (str(message) if message else None)


@contextmanager
def _translated(method: str, url: str, polling: Any = None) -> Iterator[None]:
    """``arm._errors.translate``, except that HTTP error answers get the online hints."""
    try:
        yield
    except Exception as exc:
        from azure.core.exceptions import HttpResponseError
        from azure.core.polling.base_polling import OperationFailed

        response = getattr(exc, "response", None)
        if (isinstance(exc, HttpResponseError) and response is not None
                and not isinstance(exc.inner_exception, OperationFailed)):
            request = getattr(response, "request", None)
            raise online_error(
                int(response.status_code or 0), dict(response.headers or {}), _body(response),
                method=str(getattr(request, "method", None) or method),
                url=str(getattr(request, "url", None) or url),
            ) from exc
        with translate(method, url, polling=polling):
            raise


def _body(response: Any) -> bytes:
    try:
        data = response.body() if callable(getattr(response, "body", None)) else response.content
    except Exception:
        return b""
    return bytes(data) if isinstance(data, (bytes, bytearray)) else b""


class ArmJson:
    """Sends ARM requests for one subscription; JSON in and out exactly as ARM spells it."""

    def __init__(
        self, subscription_id: str, credential: TokenCredential, *, base_url: str = DEFAULT_ARM_URL,
        ca_bundle: str | None = None, api_version: str = API_VERSION,
        polling_interval: float | None = None, timeout: float = DEFAULT_REQUEST_TIMEOUT,
        resource_client: Any = None,
    ) -> None:
        self.subscription_id = subscription_id
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.polling_interval = DEFAULT_POLLING_INTERVAL if polling_interval is None else polling_interval
        self.ca_bundle = ca_bundle
        self.timeout = timeout
        self.credential = credential
        self._resource_client = resource_client

    def __repr__(self) -> str:
        return (f"ArmJson(subscription_id={self.subscription_id!r}, base_url={self.base_url!r}, "
                f"credential={type(self.credential).__name__})")

    @property
    def scope(self) -> str:
        """The token scope for this ARM host (sovereign clouds have their own audience)."""
        return arm_scope(self.base_url)

    @property
    def client(self) -> Any:
        """The ResourceManagementClient, built on first use (so construction costs nothing)."""
        if self._resource_client is None:
            self._resource_client = self._build()
        return self._resource_client

    def _build(self) -> Any:
        return build_resource_client(self.credential, self.subscription_id, base_url=self.base_url,
                                     ca_bundle=self.ca_bundle, timeout=self.timeout)

    def close(self) -> None:
        """Close the pipeline if it was built."""
        close = getattr(self._resource_client, "close", None)
        if callable(close):
            close()

    def token(self, scope: str | None = None) -> str:
        """Return a bearer token for ``scope`` (default: ARM's) from the credential."""
        with _translated("GET", scope or self.scope):
            return str(self.credential.get_token(scope or self.scope).token)

    def url(self, path: str, query: Mapping[str, str] | None = None) -> str:
        """Return ``base_url + path`` with api-version (and ``query``)."""
        params = {"api-version": self.api_version, **dict(query or {})}
        return f"{self.base_url}{path}?{urlencode(params)}"

    # -- synchronous requests --------------------------------------------------------------------

    def send(self, method: str, path_or_url: str, body: JsonObject | None = None, *,
             query: Mapping[str, str] | None = None) -> tuple[int, JsonObject | None]:
        """Send one request; return ``(status, JSON object or None)``, raising for error statuses."""
        from azure.core.rest import HttpRequest

        url = path_or_url if "://" in path_or_url else self.url(path_or_url, query)
        request = HttpRequest(method, url, json=body) if body is not None else HttpRequest(method, url)
        with _translated(method, url):
            response = self.client.send_request(request)
        status = int(response.status_code)
        headers = dict(response.headers)
        content = bytes(response.content or b"")
        logger.debug("%s %s -> %s (request id %s)", method, redact_url(url), status,
                     headers.get(REQUEST_ID_HEADER))
        if not 200 <= status < 300:
            raise online_error(status, headers, content, method=method, url=url)
        if not content.strip():
            return status, None
        parsed = decode_json(content)
        if not isinstance(parsed, dict):
            raise ServiceError("Azure ML answered with something other than a JSON object",
                               status_code=status, request_id=headers.get(REQUEST_ID_HEADER),
                               url=url, method=method)
        return status, parsed

    def get(self, path: str, query: Mapping[str, str] | None = None) -> JsonObject:
        """GET one JSON object."""
        _status, body = self.send("GET", path, query=query)
        if body is None:
            raise ServiceError("Azure ML answered an empty body", status_code=_status,
                               url=self.url(path), method="GET")
        return body

    def list(self, path: str, query: Mapping[str, str] | None = None) -> list[JsonObject]:
        """GET every page of a list (``{value, nextLink}``), refusing links to another host."""
        url: str | None = self.url(path, query)
        items: list[JsonObject] = []
        for _page in range(_MAX_PAGES):
            if url is None:
                return items
            _status, body = self.send("GET", url)
            body = body or {}
            items.extend(v for v in body.get("value") or [] if isinstance(v, dict))
            url = self._next_link(body.get("nextLink"))
        raise ServiceError(f"the list did not end after {_MAX_PAGES} pages", status_code=200,
                           url=url, method="GET")

    def _next_link(self, raw: Any) -> str | None:
        if not raw:
            return None
        link = str(raw)
        # Our bearer token must not follow a link to some other host.
        if urlsplit(link).netloc.lower() != urlsplit(self.base_url).netloc.lower():
            raise ServiceError("the list's nextLink points to another host; refusing to send the "
                               "token there", status_code=200, url=link, method="GET")
        return link

    # -- long-running operations -----------------------------------------------------------------

    def put_lro(self, path: str, body: JsonObject, *, timeout: float) -> JsonObject:
        """PUT ``body``, follow Azure-AsyncOperation to a terminal state, return the final GET."""
        data = json.dumps(body).encode("utf-8")
        result = self._lro("PUT", path, timeout, lambda ops, kw: ops.begin_create_or_update_by_id(
            parameters=data, content_type="application/json",
            cls=lambda pipeline_response, _d, _h: pipeline_response.http_response.json(), **kw))
        return result if isinstance(result, dict) else {}

    def delete_lro(self, path: str, *, timeout: float) -> None:
        """DELETE and follow Location until the resource is gone."""
        self._lro("DELETE", path, timeout, lambda ops, kw: ops.begin_delete_by_id(**kw))

    def _lro(self, method: str, path: str, timeout: float, begin: Any) -> Any:
        from aml_retrain.arm._lro import follow

        check_budget(timeout)
        url = self.url(path)
        return follow(
            lambda kw: begin(self.client.resources, kw), resource_id=path,
            api_version=self.api_version, polling_interval=self.polling_interval,
            base_url=self.base_url, timeout=timeout,
            translated=lambda polling: _translated(method, url, polling),
            budget_error=lambda status: _budget_error(method, url, timeout, status))


def _budget_error(method: str, url: str, timeout: float, status: str) -> OperationTimeoutError:
    return OperationTimeoutError(
        f"{method} {redact_url(url)} was still {status or 'running'} after {timeout:g} s: the "
        "service may still finish; read the resource again before retrying (or raise --timeout)"
    )
