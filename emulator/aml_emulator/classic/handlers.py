"""HTTP in/out for the classic management API: parse, authorize, call the backend, answer.

No state lives here. Success shapes not documented by the service are marked *inferred*.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..web import Request, Response
from .backend import ClassicBackend
from .blobs import blob_url, fetch_model_blob
from .scoring import ModelCache
from .validation import parse_bool_string

__all__ = ["ClassicHandlers"]

Params = Mapping[str, str]


def bearer_token(request: Request) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (scheme case-insensitive), else ``None``."""
    header = request.header("Authorization") or ""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _listing(items: list[dict[str, object]]) -> Response:
    # SW-MGMT declares 204 NoContent on both list operations; we answer it for an empty list.
    return Response(200, items) if items else Response(204)


class ClassicHandlers:
    """One method per management operation (CLASSIC-API §5)."""

    def __init__(self, backend: ClassicBackend, models: ModelCache) -> None:
        self.backend, self.models = backend, models

    def _auth(self, request: Request, params: Params, *, endpoint_key: bool = False) -> None:
        """The workspace token; with *endpoint_key*, also the keys of the endpoint in the URL.

        azuremlps README (131af5e, Get-AmlWebServiceEndpoint): "you can supply the Web Service
        Endpoint API Key ... in lieu of Workspace authorization token for this call. The same
        applies to the rest of the Endpoint management APIs" — GET, PATCH, refresh and DELETE
        of that endpoint. Listing, the web service and creating (PUT, EPMGMT sends the
        workspace token) take the workspace token only.
        """
        self.backend.authorize(
            params["ws"], bearer_token(request), service_id=params.get("svc"),
            endpoint_name=params.get("name") if endpoint_key else None)

    def list_webservices(self, request: Request, params: Params) -> Response:
        self._auth(request, params)
        return _listing(list(self.backend.list_webservices(params["ws"])))

    def get_webservice(self, request: Request, params: Params) -> Response:
        self._auth(request, params)
        return Response(200, self.backend.get_webservice(params["ws"], params["svc"]))

    def list_endpoints(self, request: Request, params: Params) -> Response:
        self._auth(request, params)
        return _listing(list(self.backend.list_endpoints(params["ws"], params["svc"])))

    def get_endpoint(self, request: Request, params: Params) -> Response:
        self._auth(request, params, endpoint_key=True)  # SW-MGMT: WorkspaceKey or EndpointKey
        return Response(200, self.backend.get_endpoint(params["ws"], params["svc"], params["name"]))

    def create_endpoint(self, request: Request, params: Params) -> Response:
        """PUT. Response not documented; inferred: 200 with the new Endpoint."""
        self._auth(request, params)
        body = request.json_object()
        created = self.backend.create_endpoint(params["ws"], params["svc"], params["name"], body)
        return Response(200, created)

    def patch_endpoint(self, request: Request, params: Params) -> Response:
        """PATCH. Response not documented; inferred: 200 with an empty body.

        The model is read now and kept (``ModelCache.keep_copy``) before the change is stored,
        so the endpoint never serves a location whose copy is missing.
        """
        self._auth(request, params, endpoint_key=True)  # D-CLASSIC uses the endpoint key
        body = request.json_object(required=True)
        ws, svc, name = params["ws"], params["svc"], params["name"]
        plan = self.backend.plan_patch(ws, svc, name, body)
        # Outside the backend lock: network I/O. Every blob is read before any copy is kept.
        copies = [(blob_url(update), fetch_model_blob(update)) for update in plan.resources]
        for url, data in copies:
            self.models.keep_copy(url, data)
        self.backend.apply_patch(ws, svc, name, plan)
        return Response(200)

    def refresh_endpoint(self, request: Request, params: Params) -> Response:
        """POST …/refresh with ``{"OverwriteResources": "True"|"False"}``; 304 = no change."""
        self._auth(request, params, endpoint_key=True)
        body = request.json_object()
        overwrite = parse_bool_string(body.get("OverwriteResources", "False"), "OverwriteResources")
        changed = self.backend.refresh_endpoint(params["ws"], params["svc"], params["name"],
                                                overwrite)
        return Response(200) if changed else Response(304)

    def delete_endpoint(self, request: Request, params: Params) -> Response:
        """DELETE. Response not documented; inferred: 200 with an empty body (clients check 2xx)."""
        self._auth(request, params, endpoint_key=True)
        self.backend.delete_endpoint(params["ws"], params["svc"], params["name"])
        return Response(200)
