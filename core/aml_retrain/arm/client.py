"""ArmWebServiceClient: ``Microsoft.MachineLearning/webServices`` through azure-mgmt-resource.

Reads go through ``send_request`` so ARM's JSON comes back unchanged (``GenericResource.as_dict()``
would reshape it); writes use the generic ``begin_*_by_id`` operations and ARM polling. Every
azure-core exception is translated by ``arm._errors.translate``.
azure imports happen inside methods so ``import aml_retrain`` and ``--help`` stay fast.
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aml_retrain._json import JsonObject
from aml_retrain._redact import redact_url
from aml_retrain.arm._errors import REQUEST_ID_HEADER, error_from_response, translate
from aml_retrain.arm._pipeline import (
    DEFAULT_ARM_URL,
    DEFAULT_REQUEST_TIMEOUT,
    check_budget,
)
from aml_retrain.errors import OperationTimeoutError, ServiceError, ValidationError

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

    from aml_retrain.config import Settings

__all__ = [
    "API_VERSION",
    "DEFAULT_POLLING_INTERVAL",
    "DEFAULT_UPDATE_TIMEOUT",
    "ArmWebServiceClient",
    "error_from_response",
]

logger = logging.getLogger("aml_retrain.arm")

API_VERSION = "2017-01-01"
PROVIDER = "Microsoft.MachineLearning/webServices"
# PowerShell's web-service client polls every 5 s (PSCLIENT); Retry-After wins when sent.
DEFAULT_POLLING_INTERVAL = 5.0
DEFAULT_UPDATE_TIMEOUT = 900.0
_MAX_PAGES = 1000

_RG_NAME = re.compile(r"^[-\w._()]{1,90}$")
_SERVICE_NAME = re.compile(r"^[^/\\?#\s]{1,260}$")



def validate_names(resource_group: str, name: str | None = None) -> None:
    """Raise ValidationError if a resource group or web service name cannot be part of an ARM id."""
    if not _RG_NAME.match(resource_group or "") or resource_group.endswith("."):
        raise ValidationError(
            f"invalid resource group name {resource_group!r}: use 1-90 letters, digits, '-', '_', "
            "'.', '(' or ')', not ending with '.'"
        )
    if name is not None and not _SERVICE_NAME.match(name):
        raise ValidationError(
            f"invalid web service name {name!r}: it must not be empty or contain '/', '\\\\', "
            "'?', '#' or spaces"
        )


class ArmWebServiceClient:
    """Get, list, listKeys and PATCH (with polling) ARM web services of one subscription."""

    def __init__(
        self,
        subscription_id: str,
        credential: TokenCredential,
        *,
        base_url: str = DEFAULT_ARM_URL,
        ca_bundle: str | None = None,
        api_version: str = API_VERSION,
        polling_interval: float | None = None,
        timeout: float = DEFAULT_REQUEST_TIMEOUT,
        resource_client: Any = None,
    ) -> None:
        if not subscription_id or "/" in subscription_id or subscription_id != subscription_id.strip():
            raise ValidationError(f"invalid subscription id {subscription_id!r}: expected a GUID")
        self.subscription_id = subscription_id
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.polling_interval = (
            DEFAULT_POLLING_INTERVAL if polling_interval is None else polling_interval
        )
        self.ca_bundle = ca_bundle
        self.timeout = timeout
        self._credential = credential
        self._client = resource_client or self._build(credential, ca_bundle)

    def __repr__(self) -> str:
        return (
            f"ArmWebServiceClient(subscription_id={self.subscription_id!r}, "
            f"base_url={self.base_url!r}, credential={type(self._credential).__name__})"
        )

    def _build(self, credential: TokenCredential, ca_bundle: str | None) -> Any:
        from aml_retrain.arm._pipeline import build_resource_client

        return build_resource_client(credential, self.subscription_id, base_url=self.base_url,
                                     ca_bundle=ca_bundle, timeout=self.timeout)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, polling_interval: float | None = None
    ) -> ArmWebServiceClient:
        """Build a client from resolved settings (subscription, ARM URL, auth mode, CA bundle)."""
        from aml_retrain.arm.auth import make_credential

        return cls(
            settings.require_subscription(),
            make_credential(settings),
            base_url=settings.arm_url,
            ca_bundle=settings.ca_bundle,
            polling_interval=settings.poll_interval if polling_interval is None else polling_interval,
            timeout=settings.timeout,
        )

    def close(self) -> None:
        """Close the underlying pipeline."""
        close = getattr(self._client, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> ArmWebServiceClient:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    # -- ids and URLs -------------------------------------------------------------------------

    def resource_id(self, resource_group: str, name: str) -> str:
        """Return the ARM id of web service ``name`` in ``resource_group``."""
        validate_names(resource_group, name)
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{resource_group}"
            f"/providers/{PROVIDER}/{name}"
        )

    def _url(self, path: str) -> str:
        return f"{self.base_url}{path}?api-version={self.api_version}"

    # -- reads ----------------------------------------------------------------------------------

    def get(self, resource_group: str, name: str) -> JsonObject:
        """GET one web service; the JSON exactly as ARM sent it (no keys, no storage key)."""
        return self._get_json(self._url(self.resource_id(resource_group, name)))

    def list(self, resource_group: str | None = None) -> list[JsonObject]:
        """List web services of a resource group, or of the subscription, following ``nextLink``."""
        if resource_group is not None:
            validate_names(resource_group)
            path = f"/subscriptions/{self.subscription_id}/resourceGroups/{resource_group}"
        else:
            path = f"/subscriptions/{self.subscription_id}"
        url: str | None = self._url(f"{path}/providers/{PROVIDER}")
        items: list[JsonObject] = []
        for _page in range(_MAX_PAGES):
            if url is None:
                return items
            body = self._get_json(url)
            items.extend(v for v in body.get("value") or [] if isinstance(v, dict))
            url = self._next_link(body.get("nextLink"))
        raise ServiceError(
            f"the list did not end after {_MAX_PAGES} pages", status_code=200, url=url, method="GET"
        )

    def list_keys(self, resource_group: str, name: str) -> JsonObject:
        """GET ``…/listKeys`` (a GET in 2017-01-01, not a POST); the result holds secrets."""
        return self._get_json(self._url(self.resource_id(resource_group, name) + "/listKeys"))

    def _next_link(self, raw: Any) -> str | None:
        if not raw:
            return None
        link = str(raw)
        # Our bearer token must not follow a link to some other host.
        if urlsplit(link).netloc.lower() != urlsplit(self.base_url).netloc.lower():
            raise ServiceError(
                "the list's nextLink points to another host; refusing to send the token there",
                status_code=200, url=link, method="GET",
            )
        return link

    def _get_json(self, url: str) -> JsonObject:
        from azure.core.rest import HttpRequest

        with translate("GET", url):
            response = self._client.send_request(HttpRequest("GET", url))
        status = int(response.status_code)
        headers = dict(response.headers)
        content = bytes(response.content or b"")
        logger.debug("GET %s -> %s (request id %s)", redact_url(url), status,
                     headers.get(REQUEST_ID_HEADER))
        if not 200 <= status < 300:
            raise error_from_response(status, headers, content, method="GET", url=url)
        try:
            body = json.loads(content.decode("utf-8-sig") or "null")
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            raise ServiceError("ARM answered with something other than a JSON object",
                               status_code=status, request_id=headers.get(REQUEST_ID_HEADER),
                               url=url, method="GET")
        return body

    # -- writes (long-running) ------------------------------------------------------------------

    def update(
        self, resource_group: str, name: str, body: JsonObject, *,
        timeout: float = DEFAULT_UPDATE_TIMEOUT,
    ) -> JsonObject:
        """PATCH the web service with ``body``, poll to a terminal state, return the final GET."""
        return self._long_running(self.resource_id(resource_group, name), body, timeout)

    def _long_running(self, resource_id: str, body: JsonObject, timeout: float) -> JsonObject:
        from aml_retrain.arm._lro import follow

        check_budget(timeout)
        url = self._url(resource_id)
        method = "PATCH"  # the only write: a PATCH keeps the keys and fields it does not name
        result = follow(
            # cls hands back ARM's JSON instead of a reshaped GenericResource.
            lambda kw: self._client.resources.begin_update_by_id(
                parameters=body, cls=lambda pipeline_response, _d, _h: (
                    pipeline_response.http_response.json()), **kw),
            resource_id=resource_id, api_version=self.api_version,
            polling_interval=self.polling_interval, base_url=self.base_url, timeout=timeout,
            translated=lambda polling: translate(method, url, polling=polling),
            budget_error=lambda status: _budget_error(method, url, timeout, status))
        return result if isinstance(result, dict) else {}


def _budget_error(method: str, url: str, timeout: float, status: str) -> OperationTimeoutError:
    found = re.search(r"/resourceGroups/([^/?]+)/providers/[^/]+/webServices/([^/?]+)", url, re.I)
    rg, name = found.groups() if found else ("RG", "NAME")
    return OperationTimeoutError(
        f"{method} {redact_url(url)} was still {status or 'running'} after {timeout:g} s: the "
        f"service may still finish; check it with 'aml-retrain webservice show {rg} {name}' "
        "before retrying (or raise --timeout)"
    )


