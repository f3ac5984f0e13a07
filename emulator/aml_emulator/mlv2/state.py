"""The plain objects behind the v2 workspace and their JSON views (no HTTP, no locks).

A stored resource keeps the clean request body it was last written with (``spec``); the views
add the server-set fields (``id``, ``name``, ``type``, ``systemData``, ``provisioningState``,
``scoringUri``…). ``keys`` is always answered ``null`` (D:EndpointPropertiesBase).
"""

from __future__ import annotations

import copy
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..classic.model import TrainedModel
from ..classic.state import now

__all__ = [
    "PROVIDER",
    "Deployment",
    "Endpoint",
    "Job",
    "ModelVersion",
    "Operation",
    "Workspace",
    "system_data",
]

PROVIDER = "Microsoft.MachineLearningServices"
_CREATOR = "aml-emulator"


def system_data(created: str, modified: str) -> dict[str, str]:
    """T:SystemData; who created it is reference silent: the emulator names itself."""
    return {"createdAt": created, "createdBy": _CREATOR, "createdByType": "Application",
            "lastModifiedAt": modified, "lastModifiedBy": _CREATOR,
            "lastModifiedByType": "Application"}


def _envelope(rid: str, name: str, kind: str, spec: dict[str, Any], created: str,
              modified: str) -> dict[str, Any]:
    head: dict[str, Any] = {"id": rid, "name": name, "type": f"{PROVIDER}/workspaces/{kind}"}
    for key in ("location", "tags", "identity", "kind", "sku"):
        if key in spec:
            head[key] = copy.deepcopy(spec[key])
    head.setdefault("tags", {})
    head["systemData"] = system_data(created, modified)
    return head


class _Spec:
    """A resource whose clean request body is ``spec``; ``properties`` is its inner object."""

    spec: dict[str, Any]

    @property
    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = self.spec["properties"]
        return props


@dataclass
class Deployment(_Spec):
    endpoint: str
    name: str
    rid: str
    spec: dict[str, Any]  # the clean PUT body (location, tags, sku, properties…)
    created: str = field(default_factory=now)
    modified: str = field(default_factory=now)
    state: str = "Creating"

    def view(self) -> dict[str, Any]:
        body = _envelope(self.rid, self.name, "onlineEndpoints/deployments", self.spec,
                         self.created, self.modified)
        properties = copy.deepcopy(self.properties)
        properties["provisioningState"] = self.state
        body["properties"] = properties
        return body


@dataclass
class Endpoint(_Spec):
    name: str
    rid: str
    spec: dict[str, Any]
    scoring_uri: str
    created: str = field(default_factory=now)
    modified: str = field(default_factory=now)
    state: str = "Creating"
    deployments: dict[str, Deployment] = field(default_factory=dict)
    primary_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    secondary_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    tokens: set[str] = field(default_factory=set)  # issued by the token operation (AMLToken)
    # (traffic, mirrorTraffic, reads left): what GETs still show after a traffic change
    lag: tuple[dict[str, int], dict[str, int], int] | None = None
    # Scoring counters (emulator-visible): answers and mirrored copies per deployment
    served: dict[str, int] = field(default_factory=dict)
    mirrored: dict[str, int] = field(default_factory=dict)
    credit: dict[str, float] = field(default_factory=dict)  # smooth weighted round-robin
    mirror_credit: dict[str, float] = field(default_factory=dict)

    @property
    def traffic(self) -> dict[str, int]:
        return dict(self.properties.get("traffic") or {})

    @property
    def mirror(self) -> dict[str, int]:
        return dict(self.properties.get("mirrorTraffic") or {})

    def view(self, *, read: bool = False) -> dict[str, Any]:
        """The GET body; a *read* consumes one of the lagging reads."""
        body = _envelope(self.rid, self.name, "onlineEndpoints", self.spec, self.created,
                         self.modified)
        properties = copy.deepcopy(self.properties)
        properties.pop("keys", None)
        traffic, mirror = self.traffic, self.mirror
        if read and self.lag is not None:
            traffic, mirror, left = self.lag
            self.lag = (traffic, mirror, left - 1) if left > 1 else None
        properties.update(traffic=traffic, mirrorTraffic=mirror, keys=None,
                          scoringUri=self.scoring_uri,
                          swaggerUri=self.scoring_uri.rsplit("/", 1)[0] + "/swagger.json",
                          provisioningState=self.state)
        body["properties"] = properties
        return body


@dataclass
class Job(_Spec):
    name: str
    rid: str
    spec: dict[str, Any]
    output_uri: str
    created: str = field(default_factory=now)
    modified: str = field(default_factory=now)
    reads: int = 0
    status: str = "NotStarted"
    done: threading.Event = field(default_factory=threading.Event)
    failure: str | None = None  # one line, when training failed
    model: TrainedModel | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    started_ms: int = 0
    ended_ms: int = 0

    def view(self) -> dict[str, Any]:
        body = _envelope(self.rid, self.name, "jobs", {}, self.created, self.modified)
        body.pop("tags")  # a proxy resource: tags live in properties (D:ResourceBase)
        properties = copy.deepcopy(self.properties)
        properties.setdefault("experimentName", "Default")  # D:JobBase default
        properties.setdefault("tags", {})
        properties["status"] = self.status
        outputs = properties.get("outputs") or {}
        for name, output in outputs.items():
            if isinstance(output, dict) and name == "model_output":
                output["uri"] = self.output_uri
        if self.status == "Failed" and self.failure:
            # Reference silent (JobBase has no error field): online-contract §4.
            properties["properties"] = {**(properties.get("properties") or {}),
                                        "error": self.failure}
        body["properties"] = properties
        return body


@dataclass
class ModelVersion:
    name: str
    version: str
    rid: str
    spec: dict[str, Any]  # the clean body's properties
    job: str  # the job whose trained model this version holds
    created: str = field(default_factory=now)
    modified: str = field(default_factory=now)

    def view(self) -> dict[str, Any]:
        body = _envelope(self.rid, self.version, "models/versions", {}, self.created,
                         self.modified)
        body.pop("tags")
        properties = copy.deepcopy(self.spec)
        properties.setdefault("tags", {})
        properties.setdefault("isAnonymous", False)
        properties.setdefault("isArchived", False)
        properties["provisioningState"] = "Succeeded"
        body["properties"] = properties
        return body


@dataclass
class Operation:
    """One async operation; ``apply``/``undo`` run once when it ends (Succeeded / Failed)."""

    id: str
    subscription: str
    location: str
    kind: str  # "put" | "patch" | "delete" | "cancel"
    target: str  # the resource id it works on
    apply: Callable[[], None]
    undo: Callable[[], None]
    doomed: bool = False
    final: Callable[[], Any] | None = None  # the body a done PATCH's Location GET answers
    status: str = "InProgress"
    polls: int = 0
    start_time: str = field(default_factory=now)
    end_time: str | None = None
    error: dict[str, str] | None = None

    def path(self, kind: str = "mfeOperationsStatus") -> str:
        return (f"/subscriptions/{self.subscription}/providers/{PROVIDER}/locations/"
                f"{self.location}/{kind}/{self.id}")

    def body(self) -> dict[str, Any]:
        """ARM's status resource (online-contract §1; its body is NOT IN SPEC, ML-V2 §1)."""
        body: dict[str, Any] = {"id": self.path(), "name": self.id, "status": self.status,
                                "startTime": self.start_time}
        if self.end_time is not None:
            body["endTime"] = self.end_time
        if self.error is not None:
            body["error"] = dict(self.error)
        return body


@dataclass
class Workspace:
    subscription: str
    group: str
    name: str
    location: str
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    models: dict[str, dict[str, ModelVersion]] = field(default_factory=dict)

    @property
    def rid(self) -> str:
        return (f"/subscriptions/{self.subscription}/resourceGroups/{self.group}/providers/"
                f"{PROVIDER}/workspaces/{self.name}")

    def view(self, base_url: str) -> dict[str, Any]:
        """Outside the subset: the minimal workspace of online-contract §2."""
        host = base_url.split("://", 1)[1]
        return {"id": self.rid, "name": self.name, "type": f"{PROVIDER}/workspaces",
                "location": self.location, "properties": {
                    "mlFlowTrackingUri": f"azureml://{host}/mlflow/v1.0{self.rid}",
                    "discoveryUrl": f"{base_url}/discovery", "provisioningState": "Succeeded"}}
