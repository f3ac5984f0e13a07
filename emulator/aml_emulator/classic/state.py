"""The plain objects behind the classic services and their loading from the seed fixture.

Each web service has a *kind*: ``"training"`` (BES trains a model) or ``"predictive"`` (RRS
scores with a trained model). The seed may say so with ``"Kind"``; without it, a service whose
default endpoint has resources is predictive (training endpoints have none: CLASSIC-API §10.2).

Model propagation (CLASSIC-API §10.5: a PATCHed model serves after ~30 s) is a timestamped
history on the endpoint (:class:`..propagation.Propagation`), not a timer.
"""

from __future__ import annotations

import copy
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..propagation import Propagation

__all__ = ["KINDS", "Endpoint", "WebService", "Workspace", "later_than", "load_workspace", "now"]

KINDS = ("training", "predictive")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def later_than(previous: str) -> str:
    """Now, but strictly after *previous* so every model change gets a new ``Version``."""
    current = now()
    if current > previous:
        return current
    stamp = datetime.fromisoformat(previous.replace("Z", "+00:00")) + timedelta(milliseconds=1)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Endpoint:
    name: str
    guid: str
    description: str
    creation_time: str
    version: str
    experiment_location: str
    max_concurrent_calls: int
    throttle_level: str
    diagnostics_trace_level: str
    resources: list[dict[str, Any]]
    primary_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    secondary_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    propagation: Propagation[list[dict[str, Any]]] = field(default_factory=Propagation)

    def accepts_key(self, token: str) -> bool:
        return any(hmac.compare_digest(token.encode(), key.encode())
                   for key in (self.primary_key, self.secondary_key))

    def set_resources(self, resources: list[dict[str, Any]], previous: list[dict[str, Any]]) -> None:
        """Record a model change (*previous* = the resources before it) for propagation."""
        self.propagation.record(previous, resources)
        self.resources = resources

    def serving_resources(self, propagation_seconds: float) -> list[dict[str, Any]]:
        """The resources RRS uses now: the newest change at least *propagation_seconds* old."""
        return self.propagation.serving(self.resources, propagation_seconds)


@dataclass
class WebService:
    id: str
    name: str
    description: str
    creation_time: str
    default_endpoint_name: str
    endpoints: dict[str, Endpoint]
    kind: str = "training"


@dataclass
class Workspace:
    id: str
    name: str
    region: str
    token: str
    webservices: dict[str, WebService]
    tier: str = "Standard"  # seed "Tier": "Free" limits endpoints (CLASSIC-API §9)


def _load_endpoint(raw: Mapping[str, Any], blob_base_url: str | None) -> Endpoint:
    resources = copy.deepcopy(list(raw.get("Resources", [])))
    if blob_base_url:  # the seed model lives in the storage the emulator was started with
        for resource in resources:
            resource["Location"]["BaseLocation"] = blob_base_url
    return Endpoint(name=raw["Name"], guid=raw["Guid"], description=raw.get("Description", ""),
                    creation_time=raw["CreationTime"], version=raw["Version"],
                    experiment_location=raw.get("ExperimentLocation", ""),
                    max_concurrent_calls=int(raw["MaxConcurrentCalls"]),
                    throttle_level=raw["ThrottleLevel"],
                    diagnostics_trace_level=raw.get("DiagnosticsTraceLevel", "None"),
                    resources=resources)


def _kind(raw: Mapping[str, Any], endpoints: Mapping[str, Endpoint]) -> str:
    kind = raw.get("Kind")
    if kind in KINDS:
        return str(kind)
    if kind is not None:
        raise ValueError(f"seed: web service {raw.get('Id')!r} has Kind {kind!r}; use one of {KINDS}")
    default = endpoints.get(raw["DefaultEndpointName"])
    return "predictive" if default is not None and default.resources else "training"


def load_workspace(raw: Mapping[str, Any], blob_base_url: str | None) -> Workspace:
    services = {}
    for svc in raw["WebServices"]:
        endpoints = {ep["Name"]: _load_endpoint(ep, blob_base_url) for ep in svc["Endpoints"]}
        services[svc["Id"]] = WebService(
            id=svc["Id"], name=svc["Name"], description=svc.get("Description", ""),
            creation_time=svc["CreationTime"], default_endpoint_name=svc["DefaultEndpointName"],
            endpoints=endpoints, kind=_kind(svc, endpoints))
    return Workspace(id=raw["Id"], name=raw.get("Name", ""), region=raw["Region"],
                     token=raw["AuthorizationToken"], webservices=services,
                     tier=str(raw.get("Tier", "Standard")))
