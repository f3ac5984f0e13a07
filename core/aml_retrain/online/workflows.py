"""The ``online`` workflows, one per CLI command: list/show rows, retrain, score a file.

Rows are the snake_case objects of the CLI contract (no ``raw``, no key, no SAS). ``retrain_online``
uploads a local data file as classic retrain does, re-runs the serving model's job (or the user's
job spec) on it, waits, reads the MLflow metrics and registers the output as a new model version.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aml_retrain._json import JsonObject
from aml_retrain._redact import redact_url
from aml_retrain._scoring import read_rows
from aml_retrain.errors import ConfigError, JobFailedError, ValidationError
from aml_retrain.online.jobs import DEFAULT_JOB_TIMEOUT
from aml_retrain.online.models import parse_model_ref
from aml_retrain.online.results import Deployment, Endpoint, Job, ModelVersion, as_object

if TYPE_CHECKING:
    from aml_retrain.online.client import OnlineClient

__all__ = [
    "INPUT_NAME",
    "OnlineRetrainResult",
    "OnlineScoreResult",
    "deployment_row",
    "deployment_rows",
    "endpoint_row",
    "endpoint_rows",
    "model_ref",
    "model_rows",
    "read_rows",
    "retrain_online",
    "score_file",
    "training_data_uri",
]

INPUT_NAME = "training_data"  # the input the emulator and the seeded job read (contract §4)
DATA_CONTAINER = "aml-retrain"
Progress = Callable[[int, int], None]


def model_ref(model_id: str) -> str | None:
    """Return ``azureml:NAME:VERSION`` for a model version's ARM id (None when it is not one)."""
    try:
        name, version = parse_model_ref(model_id)
    except ValidationError:
        return None
    return f"azureml:{name}:{version}"


def _endpoint(found: Endpoint, *, full: bool) -> JsonObject:
    row: JsonObject = {"name": found.name, "provisioning_state": found.provisioning_state,
                       "auth_mode": found.auth_mode, "scoring_uri": found.scoring_uri,
                       "traffic": dict(found.traffic), "mirror_traffic": dict(found.mirror_traffic)}
    return {**row, "id": found.id, "location": found.location} if full else row


def endpoint_rows(client: OnlineClient) -> list[JsonObject]:
    """The workspace's endpoints as contract rows."""
    return [_endpoint(e, full=False) for e in client.list_endpoints()]


def endpoint_row(client: OnlineClient, endpoint: str) -> JsonObject:
    """One endpoint as a contract row, with ``id`` and ``location``."""
    return _endpoint(client.get_endpoint(endpoint), full=True)


def _deployment(found: Deployment, traffic: dict[str, int]) -> JsonObject:
    return {"name": found.name, "endpoint": found.endpoint, "model": found.model,
            "model_ref": model_ref(found.model), "provisioning_state": found.provisioning_state,
            "instance_type": found.instance_type, "instance_count": found.instance_count,
            "traffic": traffic.get(found.name, 0)}


def deployment_rows(client: OnlineClient, endpoint: str) -> list[JsonObject]:
    """An endpoint's deployments as contract rows, each with its live traffic share."""
    traffic = client.get_endpoint(endpoint).traffic
    return [_deployment(d, traffic) for d in client.list_deployments(endpoint)]


def deployment_row(client: OnlineClient, endpoint: str, deployment: str) -> JsonObject:
    """One deployment as a contract row."""
    traffic = client.get_endpoint(endpoint).traffic
    return _deployment(client.get_deployment(endpoint, deployment), traffic)


def _version(found: ModelVersion) -> JsonObject:
    created = as_object(found.raw.get("systemData")).get("createdAt")
    return {"name": found.name, "version": found.version,
            "model_ref": f"azureml:{found.name}:{found.version}",
            "model_uri": redact_url(found.model_uri), "job_name": found.job_name,
            "created": created}


def model_rows(client: OnlineClient, name: str | None = None) -> list[JsonObject]:
    """Model containers ``{name, latest_version}``, or the versions of model ``name``."""
    if name is None:
        return [m.to_dict() for m in client.list_models()]
    return [_version(v) for v in client.list_model_versions(name)]


@dataclass(frozen=True)
class OnlineRetrainResult:
    """A v2 retraining: the job, how it ended, the model version registered from it, its metrics."""

    job_id: str
    status: str
    model_name: str
    model_version: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    metrics_kind: str | None = None
    error: str | None = None

    @property
    def model(self) -> str | None:
        """``azureml:NAME:VERSION`` of the registered version (None when none was registered)."""
        return f"azureml:{self.model_name}:{self.model_version}" if self.model_version else None

    @property
    def succeeded(self) -> bool:
        """True when the job Completed and its output was registered."""
        return self.status == "Completed" and self.model_version is not None

    def to_dict(self) -> JsonObject:
        """Return the contract's JSON object (``error`` only when the job did not complete)."""
        data: JsonObject = {"job_id": self.job_id, "status": self.status,
                            "model_name": self.model_name, "model_version": self.model_version,
                            "model": self.model, "metrics": dict(self.metrics)}
        if self.error is not None:
            data["error"] = self.error
        return data


def training_data_uri(data: str | Path, storage_connection_string: str | None, *,
                      now: datetime | None = None, progress: Progress | None = None) -> str:
    """Return a URI the workspace can read: an upload of a local file, or the URL with a read SAS.

    ``azureml:`` URIs and URLs that carry a SAS pass as they are. A local file is uploaded to the
    storage account, as classic retrain does; a bare URL in that account gets a short-lived SAS.
    """
    from aml_retrain import storage

    text = str(data)
    if text.startswith("azureml:"):
        return text
    if text.startswith(("https://", "http://")):
        if "?" in text or not storage_connection_string \
                or not storage.in_account(storage_connection_string, text):
            return text
        return storage.make_read_sas_url(storage_connection_string, text)
    local = Path(text).expanduser()
    if not local.is_file():
        raise ValidationError(f"training data {local} is not a file: pass a local file, an "
                              "https:// blob URL or an azureml:// URI")
    if not storage_connection_string:
        raise ConfigError("uploading the training data needs AML_RETRAIN_STORAGE_CONNECTION_STRING "
                          "(or pass an https:// URL with a SAS, or an azureml:// URI)")
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S")
    blob = f"online/{stamp}/{local.name}"
    storage.upload_file(storage_connection_string, DATA_CONTAINER, blob, local, progress=progress)
    url = storage.blob_url(storage_connection_string, DATA_CONTAINER, blob)
    return storage.make_read_sas_url(storage_connection_string, url)


def _bind(body: JsonObject, input_name: str, uri: str) -> JsonObject:
    props = body["properties"]
    inputs = props.setdefault("inputs", {})
    binding = inputs.get(input_name)
    if isinstance(binding, dict) and binding.get("jobInputType") != "literal":
        binding["uri"] = uri
    else:
        inputs[input_name] = {"jobInputType": "uri_file", "uri": uri}
    return body


def _serving_model_name(client: OnlineClient, endpoint: str, deployment: str | None) -> str:
    serving = deployment or client.get_endpoint(endpoint).serving()
    if serving is None:
        raise ValidationError(f"no deployment of {endpoint} takes traffic: pass --model-name "
                              "and --job JOB.yaml")
    return parse_model_ref(client.get_deployment(endpoint, serving).model)[0]


def retrain_online(
    client: OnlineClient, data: str | Path, *, storage_connection_string: str | None = None,
    job_spec: str | Path | None = None, endpoint: str | None = None, model_name: str | None = None,
    deployment: str | None = None, timeout: float = DEFAULT_JOB_TIMEOUT, input_name: str = INPUT_NAME,
    progress: Progress | None = None, on_update: Callable[[Job], None] | None = None,
    now: datetime | None = None,
) -> OnlineRetrainResult:
    """Submit a training job on ``data``, wait, read its MLflow metrics, register its model.

    Without ``job_spec`` the job behind the model ``endpoint`` serves (``deployment``'s, else the
    one taking most traffic) is re-run.
    A Failed/Canceled job is returned (``status``, ``error``), not raised; a timeout raises
    OperationTimeoutError after cancelling the job. Everything is checked before the upload.
    """
    if timeout <= 0:
        raise ValidationError(f"the timeout must be positive, got {timeout:g} s")
    if job_spec is None and endpoint is None:
        raise ValidationError("pass --endpoint ENDPOINT (re-run its serving model's job) or "
                              "--job JOB.yaml")
    body = client.load_job_spec(job_spec) if job_spec is not None else None
    name = model_name or (_serving_model_name(client, endpoint, deployment)
                          if endpoint is not None else None)
    if name is None:
        raise ValidationError("with --job and no --endpoint, name the model to register: "
                              "--model-name NAME")
    source = (client.serving_job(endpoint, deployment=deployment)
              if body is None and endpoint is not None else None)
    uri = training_data_uri(data, storage_connection_string, now=now, progress=progress)
    if source is not None:
        from aml_retrain.online.jobspec import resubmission_body

        body = resubmission_body(source.raw, input_name, uri)
    else:
        assert body is not None
        body = _bind(body, input_name, uri)
    job = client.submit_job(body)
    try:
        done = client.wait_job(job.name, timeout=timeout, on_update=on_update)
    except JobFailedError as exc:
        return OnlineRetrainResult(job.name, exc.status or "Failed", name,
                                   error=exc.details or str(exc))
    metrics = client.run_metrics(done.name).metrics
    version = client.register_model_from_job(name, done)
    return OnlineRetrainResult(done.name, done.status, name, version.version,
                               dict(metrics.values), metrics.kind)


@dataclass(frozen=True)
class OnlineScoreResult:
    """A scoring call: who answered, the predictions, and how long it took."""

    endpoint: str
    deployment: str | None
    predictions: list[Any]
    latency_ms: float

    def to_dict(self) -> JsonObject:
        """Return the contract's JSON object."""
        return {"endpoint": self.endpoint, "deployment": self.deployment,
                "predictions": list(self.predictions), "latency_ms": round(self.latency_ms, 1)}


def score_file(client: OnlineClient, endpoint: str, path: str | Path, *,
               deployment: str | None = None,
               clock: Callable[[], float] = time.perf_counter) -> OnlineScoreResult:
    """Score the rows of ``path`` on ``endpoint`` (``deployment`` only, if given)."""
    rows = read_rows(path)
    start = clock()
    outcome = client.score(endpoint, rows, deployment=deployment)
    elapsed = (clock() - start) * 1000.0
    return OnlineScoreResult(endpoint, outcome.deployment, outcome.predictions, elapsed)
