"""Client for the Azure ML Studio (classic) Management API: web services and endpoints."""

from __future__ import annotations

import json
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aml_retrain import _http
from aml_retrain._json import JsonObject
from aml_retrain.classic.validation import (
    check_management_path,
    validate_endpoint_name,
    validate_endpoint_settings,
)
from aml_retrain.errors import NotFoundError, ServiceError

if TYPE_CHECKING:
    import requests

    from aml_retrain.config import Settings

__all__ = ["ClassicManagementClient"]

# GET/PUT/DELETE are replayed by the session itself. A PATCH sets state (the same body twice
# leaves the same endpoint), so any 429/503 is sent again; a refresh POST only when the answer
# says it was throttled (see _http.not_processed).
_REPLAY_IF = {"PATCH": _http.throttled, "POST": _http.not_processed}


class ClassicManagementClient:
    """Lists, reads, creates, patches, refreshes and deletes classic web service endpoints."""

    def __init__(
        self,
        endpoint: str,
        workspace_id: str,
        token: str,
        *,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        ca_bundle: str | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.workspace_id = workspace_id
        self._token = token
        self.timeout = timeout
        self._owns_session = session is None
        self._session = session if session is not None else _http.make_session(ca_bundle=ca_bundle)

    def __repr__(self) -> str:
        return (
            f"ClassicManagementClient(endpoint={self.endpoint!r}, "
            f"workspace_id={self.workspace_id!r}, token='<hidden>')"
        )

    @property
    def session(self) -> requests.Session:
        """Return the HTTP session, so BES/RRS clients share its retries and CA bundle."""
        return self._session

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        session: requests.Session | None = None,
        endpoint_key: bool = False,
    ) -> ClassicManagementClient:
        """Build a client from resolved settings (raises ConfigError if the workspace is unset).

        With ``endpoint_key`` the bearer token is the endpoint's API key, which the service
        accepts only on that endpoint's own GET/PATCH/refresh/DELETE (azuremlps README).
        """
        if endpoint_key:
            workspace_id, token = settings.require_endpoint_key()
        else:
            workspace_id, token = settings.require_workspace()
        return cls(
            settings.management_url,
            workspace_id,
            token,
            session=session,
            timeout=settings.timeout,
            ca_bundle=settings.ca_bundle,
        )

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> ClassicManagementClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- URLs -------------------------------------------------------------------------------

    def _url(self, *segments: str) -> str:
        check_management_path(("workspaces", self.workspace_id, *segments))
        path = "/".join(quote(s, safe="") for s in ("workspaces", self.workspace_id, *segments))
        return f"{self.endpoint}/{path}"

    def _endpoint_url(self, service_id: str, name: str, *rest: str) -> str:
        return self._url("webservices", service_id, "endpoints", name, *rest)

    def patch_url(self, service_id: str, name: str) -> str:
        """Return the URL that PATCH requests for this endpoint go to."""
        return self._endpoint_url(service_id, name)

    # -- transport --------------------------------------------------------------------------

    def _send(
        self, method: str, url: str, *, body: Any = None, ok_statuses: tuple[int, ...] = ()
    ) -> requests.Response:
        return _http.request(
            self._session,
            method,
            url,
            token=self._token,
            json=body,
            timeout=self.timeout,
            ok_statuses=ok_statuses,
            replay_if=_REPLAY_IF.get(method),
        )

    def _get_json(self, url: str) -> Any:
        response = self._send("GET", url)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return json.loads(response.content)
        except ValueError:
            raise ServiceError(
                "the service answered with a body that is not JSON",
                status_code=response.status_code,
                request_id=response.headers.get("x-ms-request-id"),
                url=url,
                method="GET",
            ) from None

    def _get_list(self, url: str) -> list[JsonObject]:
        data = self._get_json(url)
        if data is None:
            return []  # 204 No Content: nothing there yet
        if not isinstance(data, list):
            raise ServiceError(
                "expected a JSON list", status_code=200, url=url, method="GET"
            )
        return [item for item in data if isinstance(item, dict)]

    def _get_object(self, url: str, what: str) -> JsonObject:
        data = self._get_json(url)
        if data is None:
            raise NotFoundError(
                f"the service returned no {what}", status_code=204, url=url, method="GET"
            )
        if not isinstance(data, dict):
            raise ServiceError(f"expected a JSON object for the {what}", status_code=200, url=url)
        return data

    # -- operations -------------------------------------------------------------------------

    def list_web_services(self) -> list[JsonObject]:
        """Return the workspace's web services (``Id``, ``Name``, ``DefaultEndpointName`` …)."""
        return self._get_list(self._url("webservices"))

    def get_web_service(self, service_id: str) -> JsonObject:
        """Return one web service."""
        return self._get_object(self._url("webservices", service_id), "web service")

    def list_endpoints(self, service_id: str) -> list[JsonObject]:
        """Return the endpoints of a web service, keys included as the service sends them."""
        return self._get_list(self._url("webservices", service_id, "endpoints"))

    def get_endpoint(self, service_id: str, name: str) -> JsonObject:
        """Return one endpoint, keys included as the service sends them."""
        return self._get_object(self._endpoint_url(service_id, name), "endpoint")

    def create_endpoint(
        self,
        service_id: str,
        name: str,
        *,
        description: str | None = None,
        throttle_level: str | None = None,
        max_concurrent_calls: int | None = None,
    ) -> JsonObject:
        """Create an endpoint (PUT), then read it back and return it."""
        validate_endpoint_name(name)
        validate_endpoint_settings(
            description=description,
            throttle_level=throttle_level,
            max_concurrent_calls=max_concurrent_calls,
        )
        fields = {
            "Description": description,
            "ThrottleLevel": throttle_level,
            "MaxConcurrentCalls": max_concurrent_calls,
        }
        body = {key: value for key, value in fields.items() if value is not None}
        self._send("PUT", self._endpoint_url(service_id, name), body=body)
        return self.get_endpoint(service_id, name)

    def delete_endpoint(self, service_id: str, name: str) -> None:
        """Delete an endpoint."""
        self._send("DELETE", self._endpoint_url(service_id, name))

    def patch_endpoint(self, service_id: str, name: str, body: JsonObject) -> None:
        """Send a PATCH; a 429/503 answer (nothing applied) is sent again, honouring Retry-After."""
        self._send("PATCH", self._endpoint_url(service_id, name), body=body)

    def refresh_endpoint(
        self, service_id: str, name: str, *, overwrite_resources: bool = False
    ) -> bool:
        """Re-apply the web service's graph to the endpoint; False if nothing changed (304)."""
        # The service wants the flag as the string "True"/"False".
        body = {"OverwriteResources": str(bool(overwrite_resources))}
        url = self._endpoint_url(service_id, name, "refresh")
        response = self._send("POST", url, body=body, ok_statuses=(304,))
        return response.status_code != 304
