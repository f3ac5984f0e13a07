"""What the online client returns: small frozen views of ARM's JSON, with snake_case ``to_dict``.

Each keeps the service's object as ``raw`` (out of repr and to_dict) for callers that need more.
URLs that may carry a SAS (job inputs) are redacted in ``to_dict``; keys are never held here except
in :class:`EndpointKeys`, whose repr hides them and which has no ``to_dict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aml_retrain._json import JsonObject
from aml_retrain._redact import redact_url
from aml_retrain.evaluation import Metrics

__all__ = [
    "Deployment",
    "Endpoint",
    "EndpointKeys",
    "Job",
    "ModelContainer",
    "ModelVersion",
    "RunMetrics",
    "ScoreOutcome",
    "TrafficChange",
]

# Terminal states by name (ML-V2.md §2: the spec flags none; Succeeded/Failed/Canceled read final).
PROVISIONING_TERMINAL = frozenset({"Succeeded", "Failed", "Canceled"})
# Job states the spec's descriptions call final (ML-V2.md §2 "Job status").
JOB_TERMINAL = frozenset({"Completed", "Failed", "Canceled"})


def as_object(value: Any) -> JsonObject:
    """Return ``value`` if it is a JSON object, else an empty one (services omit or null them)."""
    return value if isinstance(value, dict) else {}


def _props(raw: JsonObject) -> JsonObject:
    return as_object(raw.get("properties"))


def _int_map(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    return {str(k): int(v) for k, v in value.items() if isinstance(v, (int, float))}


@dataclass(frozen=True)
class Endpoint:
    """A managed online endpoint: auth mode, scoring URI and the traffic split."""

    name: str
    id: str
    location: str
    auth_mode: str
    scoring_uri: str | None
    provisioning_state: str
    traffic: dict[str, int]
    mirror_traffic: dict[str, int]
    raw: JsonObject = field(repr=False, compare=False)

    @classmethod
    def from_arm(cls, raw: JsonObject) -> Endpoint:
        """Read an OnlineEndpointTrackedResource."""
        props = _props(raw)
        return cls(
            name=str(raw.get("name") or ""), id=str(raw.get("id") or ""),
            location=str(raw.get("location") or ""), auth_mode=str(props.get("authMode") or ""),
            scoring_uri=props.get("scoringUri"),
            provisioning_state=str(props.get("provisioningState") or ""),
            traffic=_int_map(props.get("traffic")),
            mirror_traffic=_int_map(props.get("mirrorTraffic")), raw=raw,
        )

    def serving(self) -> str | None:
        """Return the deployment taking the largest share of live traffic (ties: by name), or None."""
        live = sorted((-share, name) for name, share in self.traffic.items() if share > 0)
        return live[0][1] if live else None

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict (traffic maps are keyed by deployment name)."""
        return {"name": self.name, "id": self.id, "location": self.location,
                "auth_mode": self.auth_mode, "scoring_uri": self.scoring_uri,
                "provisioning_state": self.provisioning_state, "traffic": dict(self.traffic),
                "mirror_traffic": dict(self.mirror_traffic)}


@dataclass(frozen=True)
class Deployment:
    """An online deployment: the model version it serves, its instances and provisioning state."""

    name: str
    endpoint: str
    id: str
    model: str
    instance_type: str | None
    instance_count: int | None
    provisioning_state: str
    raw: JsonObject = field(repr=False, compare=False)

    @classmethod
    def from_arm(cls, raw: JsonObject, endpoint: str) -> Deployment:
        """Read an OnlineDeploymentTrackedResource of ``endpoint``."""
        props = _props(raw)
        sku = as_object(raw.get("sku"))
        capacity = sku.get("capacity")
        return cls(
            name=str(raw.get("name") or ""), endpoint=endpoint, id=str(raw.get("id") or ""),
            model=str(props.get("model") or ""), instance_type=props.get("instanceType"),
            instance_count=int(capacity) if isinstance(capacity, (int, float)) else None,
            provisioning_state=str(props.get("provisioningState") or ""), raw=raw,
        )

    @property
    def done(self) -> bool:
        """True once provisioning reached Succeeded, Failed or Canceled."""
        return self.provisioning_state in PROVISIONING_TERMINAL

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict."""
        return {"name": self.name, "endpoint": self.endpoint, "id": self.id, "model": self.model,
                "instance_type": self.instance_type, "instance_count": self.instance_count,
                "provisioning_state": self.provisioning_state}


@dataclass(frozen=True)
class ModelContainer:
    """A registered model name and its latest version as the service reports it."""

    name: str
    latest_version: str | None
    raw: JsonObject = field(repr=False, compare=False)

    @classmethod
    def from_arm(cls, raw: JsonObject) -> ModelContainer:
        """Read a ModelContainerResource."""
        latest = _props(raw).get("latestVersion")
        return cls(str(raw.get("name") or ""), str(latest) if latest is not None else None, raw)

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict."""
        return {"name": self.name, "latest_version": self.latest_version}


@dataclass(frozen=True)
class ModelVersion:
    """One model version: where its files are and which job produced it."""

    name: str
    version: str
    id: str
    model_uri: str
    job_name: str | None
    raw: JsonObject = field(repr=False, compare=False)

    @classmethod
    def from_arm(cls, raw: JsonObject, name: str) -> ModelVersion:
        """Read a ModelVersionResource of model ``name`` (its ``name`` is the version)."""
        props = _props(raw)
        job = props.get("jobName")
        return cls(name=name, version=str(raw.get("name") or ""), id=str(raw.get("id") or ""),
                   model_uri=str(props.get("modelUri") or ""),
                   job_name=str(job) if job else None, raw=raw)

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict (the model URI without any query)."""
        return {"name": self.name, "version": self.version, "id": self.id,
                "model_uri": redact_url(self.model_uri), "job_name": self.job_name}


@dataclass(frozen=True)
class Job:
    """A job's status and bindings; unknown status strings are kept as sent (ML-V2.md §2)."""

    name: str
    status: str
    job_type: str
    display_name: str | None
    experiment_name: str | None
    inputs: dict[str, str]
    outputs: dict[str, str]
    error: str | None
    raw: JsonObject = field(repr=False, compare=False)

    @classmethod
    def from_arm(cls, raw: JsonObject) -> Job:
        """Read a JobBaseResource; a failure reason is properties.properties["error"] (contract §4)."""
        props = _props(raw)
        extra = as_object(props.get("properties"))
        return cls(
            name=str(raw.get("name") or ""), status=str(props.get("status") or "Unknown"),
            job_type=str(props.get("jobType") or ""), display_name=props.get("displayName"),
            experiment_name=props.get("experimentName"),
            inputs=_bindings(props.get("inputs")), outputs=_bindings(props.get("outputs")),
            error=str(extra["error"]) if extra.get("error") else None, raw=raw,
        )

    @property
    def done(self) -> bool:
        """True once the job is Completed, Failed or Canceled."""
        return self.status in JOB_TERMINAL

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict (input and output URIs are held without SAS signatures)."""
        return {"name": self.name, "status": self.status, "job_type": self.job_type,
                "display_name": self.display_name, "experiment_name": self.experiment_name,
                "inputs": dict(self.inputs), "outputs": dict(self.outputs),
                "error": self.error}


def _bindings(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    found = {}
    for name, binding in value.items():
        if isinstance(binding, dict):
            # Redacted here, so no repr or dict shows a SAS; ``raw`` keeps the URI as sent.
            found[str(name)] = redact_url(str(binding.get("uri") or binding.get("value") or ""))
    return found


@dataclass(frozen=True)
class TrafficChange:
    """A traffic PUT: the split before, the split read back after, and how many reads that took."""

    endpoint: str
    before: dict[str, int]
    after: dict[str, int]
    mirror_traffic: dict[str, int]
    reads: int
    changed: bool = True

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict."""
        return {"endpoint": self.endpoint, "before": dict(self.before), "after": dict(self.after),
                "mirror_traffic": dict(self.mirror_traffic), "reads": self.reads,
                "changed": self.changed}


@dataclass(frozen=True)
class RunMetrics:
    """A job's MLflow run: its status and the metrics the gate reads."""

    run_id: str
    status: str
    metrics: Metrics

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict."""
        return {"run_id": self.run_id, "status": self.status, "metrics": self.metrics.to_dict()}


@dataclass(frozen=True)
class ScoreOutcome:
    """What a scoring call answered, and which deployment answered it."""

    predictions: list[Any]
    deployment: str | None
    request_id: str | None

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict."""
        return {"predictions": list(self.predictions), "deployment": self.deployment,
                "request_id": self.request_id}


@dataclass(frozen=True)
class EndpointKeys:
    """An endpoint's two keys (secrets): never shown, never serialised."""

    primary: str = field(repr=False)
    secondary: str = field(repr=False)

    def __repr__(self) -> str:
        return "EndpointKeys(primary='<hidden>', secondary='<hidden>')"

    __str__ = __repr__
