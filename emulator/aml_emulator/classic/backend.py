"""State of the classic management API: workspaces → web services → endpoints (no HTTP).

Plain Python objects guarded by one lock, held only for dict lookups and mutations, never
for I/O (a PATCH's blob check runs between :meth:`ClassicBackend.plan_patch` and
:meth:`ClassicBackend.apply_patch`). Every per-request lookup is a dict access — endpoints by
name per web service, and by GUID for the execution APIs — so a web service with 10,000
endpoints costs no more per request than one with a single endpoint (only listing is O(n)).
``reset()`` reloads the seed fixture and issues new endpoint keys. Public methods return
API-shaped dicts (SW-MGMT ``WebService`` / ``Endpoint``).

Limits (CLASSIC-API §9): at most :data:`MAX_ENDPOINTS` endpoints per web service, or
:data:`FREE_TIER_ENDPOINTS` (default included) in a workspace seeded with ``"Tier": "Free"``.
"""

from __future__ import annotations

import copy
import hmac
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import validation as v
from .errors import (
    BadParameterValue,
    EndpointNotFound,
    InvalidOperation,
    ManagementRequestUnauthorized,
    TooManyEndpoints,
    WebServiceIdNotFoundInWorkspace,
    WebServiceNotFound,
    WorkspaceNotFound,
)
from .exec_errors import not_found, unauthorized
from .state import Endpoint, WebService, Workspace, later_than, load_workspace
from .state import now as _now

__all__ = ["FREE_TIER_ENDPOINTS", "MAX_ENDPOINTS", "ApiEndpoint", "ClassicBackend", "PatchPlan"]

MAX_ENDPOINTS = 10_000  # per web service (SW-MGMT, CLASSIC-API §9)
FREE_TIER_ENDPOINTS = 3  # per web service of a free workspace, default included (PS-README)
STUDIO_HELP = "https://studio.azureml.net/apihelp"  # HelpLocation host (CLASSIC-API §2, REVO)


@dataclass(frozen=True)
class ApiEndpoint:
    """An endpoint as its execution API (``ApiLocation``) sees it, after key auth."""

    workspace_id: str
    service_id: str
    service_name: str
    kind: str
    name: str
    guid: str
    api_location: str
    resources: list[dict[str, Any]]  # the ones serving now (propagation applied)


@dataclass(frozen=True)
class PatchPlan:
    """A validated PATCH: resource updates (blob still to check) and plain field changes."""

    resources: list[v.ResourceUpdate]
    fields: dict[str, Any]



class ClassicBackend:
    """Workspaces, web services and endpoints of the classic management API."""

    def __init__(self, seed: Mapping[str, Any], base_url: str, *,
                 blob_base_url: str | None = None) -> None:
        self._seed = copy.deepcopy(dict(seed))
        self._base_url = base_url.rstrip("/")
        self._blob_base_url = blob_base_url
        self._lock = threading.RLock()
        self._workspaces: dict[str, Workspace] = {}
        self._guids: dict[str, tuple[str, str, str]] = {}  # guid → (workspace, service, name)
        self.reset()

    # --- lifecycle -------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seed fixture, with fresh endpoint keys."""
        with self._lock:
            loaded = [load_workspace(ws, self._blob_base_url) for ws in self._seed["workspaces"]]
            self._workspaces = {ws.id: ws for ws in loaded}
            self._guids = {ep.guid: (ws.id, svc.id, ep.name) for ws in loaded
                           for svc in ws.webservices.values() for ep in svc.endpoints.values()}

    def snapshot(self) -> dict[str, Any]:
        """The whole state as JSON-ready data (keys and tokens included: a test hook)."""
        with self._lock:
            return {"workspaces": [self._workspace_state(ws) for ws in self._workspaces.values()]}

    def _workspace_state(self, ws: Workspace) -> dict[str, Any]:
        return {"Id": ws.id, "Name": ws.name, "Region": ws.region, "AuthorizationToken": ws.token,
                "Tier": ws.tier,
                "WebServices": [dict(self._service_dict(ws, svc), Endpoints=[
                    self._endpoint_dict(ws, svc, ep) for ep in svc.endpoints.values()])
                    for svc in ws.webservices.values()]}

    # --- lookups and auth ------------------------------------------------------------------

    def _workspace(self, ws_id: str) -> Workspace:
        try:
            return self._workspaces[ws_id]
        except KeyError:
            raise WorkspaceNotFound() from None

    def _service(self, ws: Workspace, svc_id: str) -> WebService:
        if svc_id in ws.webservices:
            return ws.webservices[svc_id]
        if any(svc_id in other.webservices for other in self._workspaces.values()):
            raise WebServiceIdNotFoundInWorkspace()
        raise WebServiceNotFound()

    @staticmethod
    def _endpoint(svc: WebService, name: str) -> Endpoint:
        try:
            return svc.endpoints[name]
        except KeyError:
            raise EndpointNotFound() from None

    def authorize(self, ws_id: str, token: str | None, *, service_id: str | None = None,
                  endpoint_name: str | None = None) -> None:
        """Accept the workspace token; with *endpoint_name*, also that endpoint's keys.

        An unknown workspace is 404 before auth (the brief's choice; the real order is not
        documented). A bad token is 401 even when the endpoint does not exist, so keys cannot
        be used to probe for names.
        """
        with self._lock:
            ws = self._workspace(ws_id)
            if token and hmac.compare_digest(token.encode(), ws.token.encode()):
                return
            if token and service_id and endpoint_name:
                svc = ws.webservices.get(service_id)
                ep = svc.endpoints.get(endpoint_name) if svc else None
                if ep is not None and ep.accepts_key(token):
                    return
            raise ManagementRequestUnauthorized()

    def api_endpoint(self, ws_id: str, guid: str, token: str | None, *,
                     propagation_seconds: float = 0.0,
                     authenticate: bool = True) -> ApiEndpoint:
        """The endpoint behind ``{ApiLocation}``, checking its key (BES/RRS auth, §4).

        Not documented: an unknown workspace or endpoint GUID. The execution host routes by
        GUID before it can know which keys apply, so we answer 404 (class ``NotFound``) there;
        GUIDs are random, so this reveals nothing a key would protect.
        """
        with self._lock:
            where = self._guids.get(guid)
            ws = self._workspaces.get(ws_id)
            svc = ws.webservices.get(where[1]) if ws is not None and where is not None \
                and where[0] == ws_id else None
            ep = svc.endpoints.get(where[2]) if svc is not None and where is not None else None
            if ws is None or svc is None or ep is None:
                raise not_found("WebServiceNotFound", "Web service not found. Verify the URL "
                                "(take it from the endpoint's ApiLocation) and try again.")
            if authenticate and not (token and ep.accepts_key(token)):
                raise unauthorized()
            return ApiEndpoint(
                workspace_id=ws.id, service_id=svc.id, service_name=svc.name, kind=svc.kind,
                name=ep.name, guid=ep.guid,
                api_location=f"{self._base_url}/workspaces/{ws.id}/services/{ep.guid}",
                resources=ep.serving_resources(propagation_seconds))

    # --- API-shaped views ------------------------------------------------------------------

    def _service_dict(self, ws: Workspace, svc: WebService) -> dict[str, Any]:
        return {"Id": svc.id, "Name": svc.name, "Description": svc.description,
                "CreationTime": svc.creation_time, "WorkspaceId": ws.id,
                "DefaultEndpointName": svc.default_endpoint_name}

    def _endpoint_dict(self, ws: Workspace, svc: WebService, ep: Endpoint) -> dict[str, Any]:
        return {
            "Name": ep.name, "Description": ep.description, "CreationTime": ep.creation_time,
            "WorkspaceId": ws.id, "WebServiceId": svc.id,
            # The Studio help page (CLASSIC-API §2); the emulator serves no such page, and no
            # client reads its host: only ApiLocation points at the emulator.
            "HelpLocation": f"{STUDIO_HELP}/workspaces/{ws.id}/webservices/{svc.id}"
                            f"/endpoints/{ep.guid}",
            "PrimaryKey": ep.primary_key, "SecondaryKey": ep.secondary_key,
            "ApiLocation": f"{self._base_url}/workspaces/{ws.id}/services/{ep.guid}",
            "ExperimentLocation": ep.experiment_location,
            "Resources": copy.deepcopy(ep.resources), "Version": ep.version,
            "MaxConcurrentCalls": ep.max_concurrent_calls,
            "DiagnosticsTraceLevel": ep.diagnostics_trace_level,
            "ThrottleLevel": ep.throttle_level,
        }

    def list_webservices(self, ws_id: str) -> list[dict[str, Any]]:
        with self._lock:
            ws = self._workspace(ws_id)
            return [self._service_dict(ws, svc) for svc in ws.webservices.values()]

    def get_webservice(self, ws_id: str, svc_id: str) -> dict[str, Any]:
        with self._lock:
            ws = self._workspace(ws_id)
            return self._service_dict(ws, self._service(ws, svc_id))

    def list_endpoints(self, ws_id: str, svc_id: str) -> list[dict[str, Any]]:
        with self._lock:
            ws = self._workspace(ws_id)
            svc = self._service(ws, svc_id)
            return [self._endpoint_dict(ws, svc, ep) for ep in svc.endpoints.values()]

    def get_endpoint(self, ws_id: str, svc_id: str, name: str) -> dict[str, Any]:
        with self._lock:
            ws = self._workspace(ws_id)
            svc = self._service(ws, svc_id)
            return self._endpoint_dict(ws, svc, self._endpoint(svc, name))

    # --- mutations -------------------------------------------------------------------------

    def create_endpoint(self, ws_id: str, svc_id: str, name: str,
                        body: Mapping[str, Any]) -> dict[str, Any]:
        """PUT: a new endpoint copying the default endpoint's model, with new keys and GUID.

        PUT on an existing name is not documented (CLASSIC-API §5.2, §14: no duplicate error
        text; no source says 409). Our choice, what PUT most likely means: create *or
        replace* — the endpoint's settings are overwritten (absent fields back to their
        defaults), its keys, GUID and trained model are kept. A client must GET first.
        """
        v.validate_endpoint_name(name)
        description = v.parse_description(body.get("Description"))
        throttle = v.parse_throttle_level(body.get("ThrottleLevel") or "Low")
        calls = v.concurrency_for(throttle, v.parse_max_concurrent_calls(
            body.get("MaxConcurrentCalls")))
        with self._lock:
            ws = self._workspace(ws_id)
            svc = self._service(ws, svc_id)
            existing = svc.endpoints.get(name)
            if existing is not None:
                existing.description, existing.throttle_level = description, throttle
                existing.max_concurrent_calls = calls
                return self._endpoint_dict(ws, svc, existing)
            limit = FREE_TIER_ENDPOINTS if ws.tier == "Free" else MAX_ENDPOINTS
            if len(svc.endpoints) >= limit:
                raise TooManyEndpoints(
                    f"This web service already has {len(svc.endpoints)} endpoints, the most "
                    f"allowed{' in a free workspace' if ws.tier == 'Free' else ''} ({limit}, "
                    "the default one included). Delete an endpoint you no longer use first.")
            default = svc.endpoints.get(svc.default_endpoint_name)
            now = _now()
            endpoint = svc.endpoints[name] = Endpoint(
                name=name, guid=uuid.uuid4().hex, description=description, creation_time=now,
                version=now, experiment_location=default.experiment_location if default else "",
                max_concurrent_calls=calls, throttle_level=throttle,
                diagnostics_trace_level="None",
                resources=copy.deepcopy(default.resources) if default else [])
            self._guids[endpoint.guid] = (ws.id, svc.id, name)
            return self._endpoint_dict(ws, svc, endpoint)

    def plan_patch(self, ws_id: str, svc_id: str, name: str,
                   body: Mapping[str, Any]) -> PatchPlan:
        """Validate a PATCH body against the endpoint; the blobs are checked by the caller."""
        with self._lock:
            svc = self._service(self._workspace(ws_id), svc_id)
            ep = self._endpoint(svc, name)
            resources = self._plan_resources(svc, ep, body)
            return PatchPlan(resources=resources, fields=self._plan_fields(ep, body))

    @staticmethod
    def _plan_resources(svc: WebService, ep: Endpoint,
                        body: Mapping[str, Any]) -> list[v.ResourceUpdate]:
        if "Resources" not in body:
            return []
        # Texts below are not documented (CLASSIC-API §5.3, §14); they say what to do next.
        if ep.name == svc.default_endpoint_name:
            raise InvalidOperation(
                "The trained model of the default endpoint cannot be updated: it follows the "
                "web service. Add a non-default endpoint to this web service and update that one.")
        if not ep.resources:
            raise InvalidOperation(  # wording after D-TROUBLE's symptom
                "This Web Service has no updatable resources. Update an endpoint added to the "
                "predictive web service, not to the training web service.")
        updates = v.parse_resource_updates(body["Resources"])
        known = [str(resource["Name"]) for resource in ep.resources]
        for update in updates:
            if update.name not in known:  # not documented; resource names are not secret
                raise BadParameterValue(
                    f"'{update.name}' is not an updatable resource of this endpoint. "
                    f"Updatable resources: {', '.join(repr(n) for n in known)}.")
            v.check_model_extension(update)
        return updates

    @staticmethod
    def _plan_fields(ep: Endpoint, body: Mapping[str, Any]) -> dict[str, Any]:
        """Top-level fields (shape inferred, CLASSIC-API §5.3); other keys are ignored."""
        fields: dict[str, Any] = {}
        if "Description" in body:
            fields["description"] = v.parse_description(body["Description"])
        if "DiagnosticsTraceLevel" in body:
            fields["diagnostics_trace_level"] = v.parse_trace_level(body["DiagnosticsTraceLevel"])
        if "ThrottleLevel" in body or "MaxConcurrentCalls" in body:
            throttle = (v.parse_throttle_level(body["ThrottleLevel"])
                        if "ThrottleLevel" in body else ep.throttle_level)
            requested = v.parse_max_concurrent_calls(body.get("MaxConcurrentCalls"))
            fields["throttle_level"] = throttle
            fields["max_concurrent_calls"] = v.concurrency_for(
                throttle, requested, ep.max_concurrent_calls)
        return fields

    def apply_patch(self, ws_id: str, svc_id: str, name: str, plan: PatchPlan) -> None:
        """Store a validated plan; a model change bumps ``Version``."""
        with self._lock:
            ep = self._endpoint(self._service(self._workspace(ws_id), svc_id), name)
            for key, value in plan.fields.items():
                setattr(ep, key, value)
            if not plan.resources:
                return
            resources = copy.deepcopy(ep.resources)
            for update in plan.resources:
                for resource in resources:
                    if resource["Name"] == update.name:
                        resource["Location"] = update.location()
            ep.set_resources(resources, ep.resources)
            ep.version = later_than(ep.version)

    def refresh_endpoint(self, ws_id: str, svc_id: str, name: str, overwrite: bool) -> bool:
        """Re-apply the default endpoint's model; ``False`` = nothing changed (HTTP 304).

        The emulator has no "republish", so an endpoint's graph always equals the web
        service's; only ``OverwriteResources`` can change something (the trained models).
        """
        with self._lock:
            svc = self._service(self._workspace(ws_id), svc_id)
            ep = self._endpoint(svc, name)
            if ep.name == svc.default_endpoint_name:
                raise InvalidOperation(  # PS-SDK / PS-README; text not documented
                    "The default endpoint cannot be refreshed: it always follows the web service.")
            default = svc.endpoints.get(svc.default_endpoint_name)
            if not overwrite or default is None or ep.resources == default.resources:
                return False
            ep.set_resources(copy.deepcopy(default.resources), ep.resources)
            ep.version = later_than(ep.version)
            return True

    def delete_endpoint(self, ws_id: str, svc_id: str, name: str) -> None:
        with self._lock:
            svc = self._service(self._workspace(ws_id), svc_id)
            self._endpoint(svc, name)  # 404 first
            if name == svc.default_endpoint_name and len(svc.endpoints) > 1:
                raise InvalidOperation(  # D-CREATEEP; text not documented
                    "The default endpoint cannot be deleted while other endpoints exist. "
                    "Delete the other endpoints first.")
            self._guids.pop(svc.endpoints.pop(name).guid, None)
