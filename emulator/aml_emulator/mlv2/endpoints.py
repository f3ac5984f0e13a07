"""Online endpoints and deployments: the rules the service enforces, and their writes.

Rules (ML-V2 §2-§3 where the spec speaks, online-contract §7 where it is silent):

- ``traffic`` values are integers 0-100 summing to 100 or 0; ``mirrorTraffic`` sums to at most
  50; every key names a deployment of the endpoint; a mirror target takes no live traffic; a
  deployment taking traffic (or mirrored traffic) is ``Succeeded``.
- A PUT on an existing endpoint is an update (200) and replaces the whole definition: an omitted
  ``traffic`` resets it to ``{}`` and an omitted ``mirrorTraffic`` clears mirroring (the known
  trap). ``keys`` is create-only; ``properties`` entries can be added, not removed or altered.
- A PATCH changes only tags and identity (endpoint) or tags and sku (deployment).
- After a traffic change completes, GETs show the previous split for ``mlv2_traffic_lag_reads``
  reads (eventual consistency).
"""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from ..arm.errors import ArmError
from ..arm.state import normalize_location
from ..classic.state import later_than, now
from ..config import EmulatorConfig
from .errors import not_found, user_error
from .operations import Operations
from .state import Deployment, Endpoint, Operation, Workspace
from .validation import (
    DEPLOYMENT,
    DEPLOYMENT_PATCH,
    ENDPOINT,
    ENDPOINT_PATCH,
    check,
    check_deployment_name,
    check_resource_name,
)

__all__ = ["Endpoints"]

ModelCheck = Callable[[Workspace, str], None]
_ENDPOINT_PATCHABLE = ("tags", "identity")
_DEPLOYMENT_PATCHABLE = ("tags", "sku")
_MIRROR_LIMIT = 50


def _not_patchable(body: Mapping[str, Any], allowed: tuple[str, ...], what: str) -> None:
    extra = sorted(set(body) - set(allowed))
    if extra:
        hint = (" Change traffic, mirrorTraffic or other properties with a PUT of the whole "
                "endpoint." if what == "endpoint" else " Change the model or other properties "
                "with a PUT of the whole deployment.")
        raise user_error(f"A PATCH of an online {what} accepts only {' and '.join(allowed)}; "
                         f"it got {', '.join(extra)}.{hint}", target=extra[0])


def _check_weights(name: str, weights: Mapping[str, int], limit: int) -> None:
    for deployment, value in weights.items():
        if not 0 <= value <= limit:
            raise user_error(f"properties.{name}.{deployment}: a weight must be between 0 and "
                             f"{limit}; it is {value}.", target=f"properties.{name}")


class Endpoints:
    """Endpoint and deployment operations on one workspace at a time (callers hold *lock*)."""

    def __init__(self, base_url: str, config: EmulatorConfig, ops: Operations,
                 model_check: ModelCheck) -> None:
        self.base_url, self.config, self.ops = base_url, config, ops
        self.model_check = model_check

    # --- lookups ---------------------------------------------------------------------------

    def _settled(self, ws: Workspace, endpoint: str, deployment: str | None = None) -> None:
        """End the pending operation on the resource first (it may delete it)."""
        rid = f"{ws.rid}/onlineEndpoints/{endpoint}"
        self.ops.settle(rid if deployment is None else f"{rid}/deployments/{deployment}")

    @staticmethod
    def endpoint(ws: Workspace, name: str) -> Endpoint:
        found = ws.endpoints.get(name.lower())
        if found is None:
            raise not_found("online endpoint", name)
        return found

    def deployment(self, ws: Workspace, endpoint: str, name: str) -> Deployment:
        found = self.endpoint(ws, endpoint).deployments.get(name.lower())
        if found is None:
            raise not_found("online deployment", f"{endpoint}/{name}")
        return found

    def scoring_uri(self, ws: Workspace, name: str) -> str:
        # Reference silent (online-contract §8); real: https://{endpoint}.{region}.inference…
        return f"{self.base_url}/online/{ws.subscription}/{ws.group}/{ws.name}/{name}/score"

    # --- rules -----------------------------------------------------------------------------

    @staticmethod
    def check_traffic(ep: Endpoint, traffic: Mapping[str, int], mirror: Mapping[str, int]) -> None:
        """The split rules of the module docstring, against *ep*'s deployments now."""
        _check_weights("traffic", traffic, 100)
        _check_weights("mirrorTraffic", mirror, _MIRROR_LIMIT)
        total = sum(traffic.values())
        if total not in (0, 100):
            raise user_error(f"Traffic values need to sum to 100 (or 0 for no live traffic); "
                             f"they sum to {total}.", target="properties.traffic")
        mirrored = sum(mirror.values())
        if mirrored > _MIRROR_LIMIT:
            raise user_error(f"Mirror traffic values need to sum to at most {_MIRROR_LIMIT}; "
                             f"they sum to {mirrored}.", target="properties.mirrorTraffic")
        for field, weights in (("traffic", traffic), ("mirrorTraffic", mirror)):
            for name, value in weights.items():
                deployment = ep.deployments.get(name.lower())
                if deployment is None:
                    raise user_error(f"properties.{field} names deployment '{name}', which "
                                     f"endpoint '{ep.name}' does not have.",
                                     target=f"properties.{field}")
                if value > 0 and deployment.state != "Succeeded":
                    raise user_error(f"Deployment '{name}' is {deployment.state}: only a "
                                     "Succeeded deployment can take traffic; wait for its "
                                     "provisioning to end.", target=f"properties.{field}")
        for name, value in mirror.items():
            if value > 0 and traffic.get(name, 0) > 0:
                raise user_error(f"Deployment '{name}' takes live traffic, so it cannot also be "
                                 "a mirror target.", target="properties.mirrorTraffic")

    # --- endpoints -------------------------------------------------------------------------

    def put_endpoint(self, ws: Workspace, name: str, body: Any) -> tuple[Endpoint, Operation,
                                                                        bool]:
        """CreateOrUpdate: (the endpoint as answered, its operation, created?)."""
        check_resource_name(name, "online endpoint")
        clean = check(ENDPOINT, body)
        properties = clean["properties"]
        properties["traffic"] = dict(properties.get("traffic") or {})
        properties["mirrorTraffic"] = dict(properties.get("mirrorTraffic") or {})
        self._settled(ws, name)
        current = ws.endpoints.get(name.lower())
        if current is not None:
            return self._update_endpoint(ws, current, clean)
        if normalize_location(clean["location"]) != normalize_location(ws.location):
            raise user_error(f"An online endpoint must be in its workspace's location "
                             f"'{ws.location}'.", target="location")  # reference silent
        rid = f"{ws.rid}/onlineEndpoints/{name}"
        ep = Endpoint(name=name, rid=rid, spec=clean, scoring_uri=self.scoring_uri(ws, name))
        if properties.get("publicNetworkAccess") is None:
            properties["publicNetworkAccess"] = "Enabled"  # D:OnlineEndpoint default
        keys = properties.pop("keys", None) or {}
        ep.primary_key = keys.get("primaryKey") or ep.primary_key
        ep.secondary_key = keys.get("secondaryKey") or ep.secondary_key
        self.check_traffic(ep, properties["traffic"], properties["mirrorTraffic"])
        ws.endpoints[name.lower()] = ep

        def apply() -> None:
            ep.state = "Succeeded"

        def undo() -> None:
            ep.state = "Failed"
        return ep, self.ops.start("put", ws.subscription, ws.location, rid, apply, undo), True

    def _update_endpoint(self, ws: Workspace, ep: Endpoint,
                         clean: dict[str, Any]) -> tuple[Endpoint, Operation, bool]:
        if normalize_location(clean["location"]) != normalize_location(ep.spec["location"]):
            raise ArmError(409, "InvalidResourceLocation",
                           f"The resource '{ep.name}' already exists in location "
                           f"'{ep.spec['location']}'; it cannot move to "
                           f"'{clean['location']}'.")
        properties = clean["properties"]
        properties.pop("keys", None)  # create-only (x-ms-mutability [create]): ignored
        old = ep.properties.get("properties") or {}
        new = properties.get("properties") or {}
        for key, value in old.items():
            if key in new and new[key] != value:
                raise user_error(f"properties.properties.{key} cannot be altered once set.",
                                 target="properties.properties")
        properties["properties"] = {**old, **new}
        if not properties["properties"]:
            del properties["properties"]
        properties.setdefault("publicNetworkAccess", ep.properties.get("publicNetworkAccess",
                                                                       "Enabled"))
        self.check_traffic(ep, properties["traffic"], properties["mirrorTraffic"])
        answer = replace(ep, spec=clean, state="Updating")
        before = (ep.traffic, ep.mirror)
        ep.state = "Updating"

        def apply() -> None:
            ep.spec = copy.deepcopy(clean)
            ep.state, ep.modified = "Succeeded", later_than(ep.modified)
            lag = self.config.settings.mlv2_traffic_lag_reads
            if (ep.traffic, ep.mirror) != before and lag > 0:
                ep.lag = (before[0], before[1], lag)

        def undo() -> None:
            ep.state = "Failed"
        return answer, self.ops.start("put", ws.subscription, ws.location, ep.rid, apply,
                                      undo), False

    def patch_endpoint(self, ws: Workspace, name: str, body: Any) -> Operation:
        if isinstance(body, dict):
            _not_patchable(body, _ENDPOINT_PATCHABLE, "endpoint")
        clean = check(ENDPOINT_PATCH, body)
        self._settled(ws, name)
        ep = self.endpoint(ws, name)

        def apply() -> None:
            if "tags" in clean:
                ep.spec["tags"] = clean["tags"]
            if "identity" in clean:
                ep.spec["identity"] = {**(ep.spec.get("identity") or {}), **clean["identity"]}
            ep.modified = later_than(ep.modified)
        return self.ops.start("patch", ws.subscription, ws.location, ep.rid, apply)

    def delete_endpoint(self, ws: Workspace, name: str) -> Operation | None:
        """``None``: there was no such endpoint (204)."""
        self._settled(ws, name)
        ep = ws.endpoints.get(name.lower())
        if ep is None:
            return None
        self.ops.settle(ep.rid, children=True)
        ep.state = "Deleting"

        def apply() -> None:
            ws.endpoints.pop(name.lower(), None)
        return self.ops.start("delete", ws.subscription, ws.location, ep.rid, apply)

    def list_keys(self, ws: Workspace, name: str) -> dict[str, str]:
        ep = self.endpoint(ws, name)
        if ep.properties.get("authMode") != "Key":
            # Reference silent (ML-V2 §4): online-contract §8.
            raise user_error(f"Endpoint '{ep.name}' uses authMode "
                             f"{ep.properties.get('authMode')}: keys exist only for authMode Key; "
                             "use the token operation or a Microsoft Entra token.")
        return {"primaryKey": ep.primary_key, "secondaryKey": ep.secondary_key}

    def token(self, ws: Workspace, name: str) -> dict[str, Any]:
        """D:EndpointAuthToken for an AMLToken endpoint; times are epoch seconds (reference
        silent on the epoch and unit, ML-V2 §4), valid one hour, refresh after 30 minutes."""
        ep = self.endpoint(ws, name)
        if ep.properties.get("authMode") != "AMLToken":
            raise user_error(f"Endpoint '{ep.name}' uses authMode "
                             f"{ep.properties.get('authMode')}: tokens are issued only for "
                             "authMode AMLToken.")
        issued = int(time.time())
        value = secrets.token_urlsafe(32)
        ep.tokens = {*list(ep.tokens)[-15:], value}
        return {"accessToken": value, "tokenType": "Bearer", "expiryTimeUtc": issued + 3600,
                "refreshAfterTimeUtc": issued + 1800}

    # --- deployments -----------------------------------------------------------------------

    def put_deployment(self, ws: Workspace, endpoint: str, name: str,
                       body: Any) -> tuple[Deployment, Operation, bool]:
        ep = self.endpoint(ws, endpoint)
        check_deployment_name(name)
        clean = check(DEPLOYMENT, body)
        properties = clean["properties"]
        if normalize_location(clean["location"]) != normalize_location(ws.location):
            raise user_error(f"A deployment must be in its endpoint's location '{ws.location}'.",
                             target="location")  # reference silent
        if properties.get("model"):
            self.model_check(ws, properties["model"])
        properties.setdefault("instanceType", "Standard_F4s_v2")  # D:OnlineDeployment default
        self._settled(ws, endpoint, name)
        current = ep.deployments.get(name.lower())
        if current is not None:
            return self._update_deployment(ws, current, clean)
        rid = f"{ep.rid}/deployments/{name}"
        deployment = Deployment(endpoint=ep.name, name=name, rid=rid, spec=clean)
        ep.deployments[name.lower()] = deployment

        def apply() -> None:
            deployment.state = "Succeeded"

        def undo() -> None:
            deployment.state = "Failed"
        op = self.ops.start("put", ws.subscription, ws.location, rid, apply, undo)
        return deployment, op, True

    def _update_deployment(self, ws: Workspace, current: Deployment,
                           clean: dict[str, Any]) -> tuple[Deployment, Operation, bool]:
        for field in ("endpointComputeType", "instanceType"):  # x-ms-mutability: create, read
            old, new = current.properties.get(field), clean["properties"].get(field)
            if old != new:
                raise user_error(f"properties.{field} of deployment '{current.name}' cannot "
                                 f"change after creation ({old} → {new}); create a new "
                                 "deployment instead.", target=f"properties.{field}")
        answer = replace(current, spec=clean, state="Updating")
        current.state = "Updating"

        def apply() -> None:
            current.spec = copy.deepcopy(clean)
            current.state, current.modified = "Succeeded", later_than(current.modified)

        def undo() -> None:
            current.state = "Failed"
        op = self.ops.start("put", ws.subscription, ws.location, current.rid, apply, undo)
        return answer, op, False

    def patch_deployment(self, ws: Workspace, endpoint: str, name: str, body: Any) -> Operation:
        if isinstance(body, dict):
            _not_patchable(body, _DEPLOYMENT_PATCHABLE, "deployment")
        clean = check(DEPLOYMENT_PATCH, body)
        self._settled(ws, endpoint, name)
        deployment = self.deployment(ws, endpoint, name)
        scaling = "sku" in clean and clean["sku"].get("capacity") != (
            deployment.spec.get("sku") or {}).get("capacity")
        deployment.state = "Scaling" if scaling else "Updating"

        def apply() -> None:
            if "tags" in clean:
                deployment.spec["tags"] = clean["tags"]
            if "sku" in clean:
                deployment.spec["sku"] = {**(deployment.spec.get("sku") or {}), **clean["sku"]}
            deployment.state, deployment.modified = "Succeeded", later_than(deployment.modified)
        return self.ops.start("patch", ws.subscription, ws.location, deployment.rid, apply)

    def delete_deployment(self, ws: Workspace, endpoint: str, name: str) -> Operation | None:
        self._settled(ws, endpoint)
        self._settled(ws, endpoint, name)
        ep = self.endpoint(ws, endpoint)
        deployment = ep.deployments.get(name.lower())
        if deployment is None:
            return None
        weights = {k.lower(): v for k, v in {**ep.mirror, **ep.traffic}.items()}
        if weights.get(name.lower(), 0) > 0:
            # Reference silent: the service refuses to delete a deployment that serves.
            raise user_error(f"Deployment '{deployment.name}' takes traffic (or mirrored "
                             f"traffic) on endpoint '{ep.name}': set its weight to 0 with a PUT "
                             "of the endpoint first.")
        deployment.state = "Deleting"

        def apply() -> None:
            ep.deployments.pop(name.lower(), None)
            for field in ("traffic", "mirrorTraffic"):
                weights = ep.properties.get(field) or {}
                for key in [k for k in weights if k.lower() == name.lower()]:
                    del weights[key]  # a 0 % entry of the deleted deployment goes with it
        return self.ops.start("delete", ws.subscription, ws.location, deployment.rid, apply)

    def seed(self, ws: Workspace, raw: Mapping[str, Any]) -> None:
        """One seed endpoint (Succeeded) with its Succeeded deployments."""
        name = raw["name"]
        rid = f"{ws.rid}/onlineEndpoints/{name}"
        spec = {"location": ws.location, "tags": dict(raw.get("tags", {})), "identity": {
            "type": "SystemAssigned"}, "kind": "Managed", "properties": {
                "authMode": raw.get("authMode", "Key"), "description": raw.get("description", ""),
                "publicNetworkAccess": "Enabled", "traffic": dict(raw.get("traffic", {})),
                "mirrorTraffic": dict(raw.get("mirrorTraffic", {}))}}
        stamp = raw.get("createdAt", now())
        ep = Endpoint(name=name, rid=rid, spec=spec, scoring_uri=self.scoring_uri(ws, name),
                      created=stamp, modified=stamp, state="Succeeded")
        for dep in raw.get("deployments", []):
            model_name, version = dep["model"].split(":")
            spec = {"location": ws.location, "tags": {}, "sku": {
                "name": "Default", "capacity": dep.get("capacity", 1)}, "kind": "Managed",
                "properties": {"endpointComputeType": "Managed",
                               "model": f"{ws.rid}/models/{model_name}/versions/{version}",
                               "instanceType": dep.get("instanceType", "Standard_DS3_v2"),
                               "scaleSettings": {"scaleType": "Default"},
                               "requestSettings": {"maxConcurrentRequestsPerInstance": 1,
                                                   "requestTimeout": "PT5S"}}}
            ep.deployments[dep["name"].lower()] = Deployment(
                endpoint=name, name=dep["name"], rid=f"{rid}/deployments/{dep['name']}",
                spec=spec, created=stamp, modified=stamp, state="Succeeded")
        ws.endpoints[name.lower()] = ep
