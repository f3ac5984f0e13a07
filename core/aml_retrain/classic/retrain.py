"""Retraining workflows, one per CLI command: retrain, job status/wait/cancel, model URL, score.

Endpoint API keys are read from the management API and handed only to the BES/RRS clients;
storage connection strings go only into the BES request body and the storage SDK.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from aml_retrain import storage
from aml_retrain.classic.batch import (
    DATASET_EXTENSIONS,
    BlobOutput,
    JobState,
    JobStatus,
    parameter_text,
    pick_input_name,
    trained_model_outputs,
)
from aml_retrain.classic.bes import (
    BatchExecutionClient,
    default_model_output,
    swagger_names,
    validate_job_id,
    validate_job_request,
)
from aml_retrain.classic.journal import JobJournal, JournalEntry
from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.classic.scoring import score
from aml_retrain.errors import AmlRetrainError, ConfigError, JobFailedError, ValidationError
from aml_retrain.evaluation import Metrics, parse_evaluation_csv
from aml_retrain.training_services import (
    BesLocation,
    ClassicTrainingServices,
    TrainingServices,
    as_training_services,
    canonical_reference,
)

__all__ = [
    "RetrainResult",
    "cancel_job",
    "job_status",
    "model_url_from_job",
    "retrain",
    "score",
    "training_endpoint",
    "wait_for_job",
]

BesFactory = Callable[[str, str], BatchExecutionClient]
UpdateCallback = Callable[[JobState], None]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RetrainResult:
    """Where a retraining job stands and what it produced; SAS signatures are redacted."""

    job_id: str
    web_service_id: str
    status: JobStatus
    outputs: dict[str, BlobOutput] = field(default_factory=dict)
    model_output: str | None = None
    model_url_without_sas: str | None = None
    metrics: Metrics | None = None
    details: str | None = None
    journal_path: Path | None = None
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (no keys, no connection strings, SAS redacted)."""
        return {
            "job_id": self.job_id,
            "web_service_id": self.web_service_id,
            "status": self.status.value,
            "outputs": {name: o.to_dict() for name, o in self.outputs.items()},
            "model_output": self.model_output,
            "model_url_without_sas": self.model_url_without_sas,
            "metrics": self.metrics.to_dict() if self.metrics else None,
            "details": self.details,
            "journal_path": str(self.journal_path) if self.journal_path else None,
            "warnings": list(self.warnings),
        }


def training_endpoint(
    mgmt: ClassicManagementClient, service_id: str, endpoint: str | None = None
) -> tuple[str, str]:
    """Return ``(ApiLocation, PrimaryKey)`` of the training service's endpoint (default if None)."""
    location = ClassicTrainingServices(mgmt).locate(service_id, endpoint)
    return location.api_location, location.key


def _bes(services: TrainingServices, location: BesLocation,
         bes_factory: BesFactory | None) -> BatchExecutionClient:
    if bes_factory is not None:
        return bes_factory(location.api_location, location.key)
    return services.bes(location)


def _choose_model_output(swagger: Any, reference: str, model_output: str | None) -> str:
    """Refuse a service without a trained-model output (a predictive one) before any job."""
    models = trained_model_outputs(swagger)
    if models is not None and not models:
        outputs = ", ".join(repr(n) for n in swagger_names(swagger).outputs or []) or "none"
        raise ValidationError(
            f"{reference} is a predictive web service: its outputs ({outputs}) are scored data, "
            "none is a trained model; retrain its training web service, then deploy the "
            ".ilearner to this one"
        )
    if model_output is not None:
        if models is not None and model_output not in models:
            raise ValidationError(
                f"output {model_output!r} of {reference} is not a trained model (scored data or "
                f"unknown); its trained-model outputs: {', '.join(map(repr, models))}"
            )
        return model_output
    if models:
        return "model" if "model" in models else models[0]
    return default_model_output(swagger)


def retrain(
    mgmt: ClassicManagementClient | TrainingServices | Any,
    service_id: str,
    data: str | Path,
    *,
    storage_connection_string: str,
    journal: JobJournal,
    input_name: str | None = None,
    output_dir: str | None = None,
    model_output: str | None = None,
    global_parameters: Mapping[str, Any] | None = None,
    wait: bool = True,
    budget: float = 1800.0,
    container: str = "aml-retrain",
    progress: Progress | None = None,
    on_update: UpdateCallback | None = None,
    bes_factory: BesFactory | None = None,
    now: datetime | None = None,
    endpoint: str | None = None,
    cancel_on_timeout: bool = True,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> RetrainResult:
    """Upload (or reference) training data, run the training service via BES, collect outputs.

    ``mgmt`` is a classic management client, an ARM web service client or a TrainingServices;
    ``service_id`` a classic web service id or ``arm:RESOURCE_GROUP/NAME``.
    """
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    stamp = moment.strftime("%Y%m%dT%H%M%S")
    if not storage_connection_string:
        raise ConfigError(
            "no storage connection string: set AML_RETRAIN_STORAGE_CONNECTION_STRING "
            "(the training data and outputs live in that account)"
        )
    if budget <= 0:
        raise ValidationError(f"the wait budget must be positive, got {budget:g} s")
    storage.validate_container_name(container)
    local, relative = _plan_input(data, storage_connection_string, container, stamp)
    outputs_prefix = _output_prefix(output_dir) if output_dir else None
    parameters = {str(k): parameter_text(v) for k, v in (global_parameters or {}).items()}

    services = as_training_services(mgmt)
    location = services.locate(service_id, endpoint)
    reference = location.reference
    bes = _bes(services, location, bes_factory)
    swagger = bes.swagger()
    known = swagger_names(swagger)
    model = _choose_model_output(swagger, reference, model_output)
    chosen_input = pick_input_name(input_name, known.inputs, reference)
    request: dict[str, Any] = {
        "GlobalParameters": parameters,
        "Inputs": {chosen_input: {"ConnectionString": storage_connection_string,
                                  "RelativeLocation": relative}},
    }
    if outputs_prefix is not None:
        names = known.outputs if known.outputs else [model]
        request["Outputs"] = {
            name: {
                "ConnectionString": storage_connection_string,
                "RelativeLocation": f"{outputs_prefix}/{stamp}/{name}"
                + (".ilearner" if name == model else ".csv"),
            }
            for name in names
        }
    validate_job_request(request, swagger, model_output=model)

    if local is not None:
        blob_name = relative.split("/", 1)[1]
        storage.upload_file(storage_connection_string, container, blob_name, local,
                            progress=progress)
    job_id = bes.submit(request, swagger=swagger, model_output=model)
    journal.record(
        JournalEntry(
            job_id=job_id, web_service_id=reference, endpoint=location.endpoint,
            api_location=location.api_location, workspace_id=location.workspace_id,
            submitted_at=moment.strftime("%Y-%m-%dT%H:%M:%SZ"), model_output=model,
            status=JobStatus.NOT_STARTED.value, kind=location.kind,
            subscription_id=location.subscription_id,
        )
    )
    bes.start(job_id)
    if not wait:
        state = bes.get(job_id)
        journal.update_status(job_id, state.status.value)
        return _result(state, reference, model, journal, collect=state.status.succeeded)
    state = _wait(bes, job_id, journal, budget=budget, on_update=on_update,
                  cancel_on_timeout=cancel_on_timeout, clock=clock, sleep=sleep)
    return _result(state, reference, model, journal)


def _plan_input(
    data: str | Path, connection_string: str, container: str, stamp: str
) -> tuple[Path | None, str]:
    text = str(data)
    if text.startswith(("https://", "http://")):
        relative = storage.blob_path(connection_string, text)  # also checks the account
        local = None
    else:
        local = Path(text).expanduser()
        if not local.is_file():
            raise ValidationError(f"training data {local} is not a file")
        relative = f"{container}/{stamp}/{local.name}"
    ext = Path(relative).suffix.lower()
    if ext not in DATASET_EXTENSIONS:
        raise ValidationError(
            f"training data must be a {'/'.join(DATASET_EXTENSIONS)} file, not {ext or 'no extension'}"
        )
    return local, relative


def _output_prefix(output_dir: str) -> str:
    prefix = output_dir.strip().strip("/")
    container, _, rest = prefix.partition("/")
    storage.validate_container_name(container)
    if "?" in prefix or "://" in output_dir:
        raise ValidationError("--output-dir is a blob prefix 'container/path', not a URL")
    return f"{container}/{rest.strip('/')}" if rest.strip("/") else container


def _wait(
    bes: BatchExecutionClient,
    job_id: str,
    journal: JobJournal,
    *,
    budget: float,
    on_update: UpdateCallback | None,
    cancel_on_timeout: bool,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> JobState:
    last: list[JobStatus] = []

    def update(state: JobState) -> None:
        if not last or last[-1] is not state.status:  # journal only the changes
            journal.update_status(job_id, state.status.value)
            last.append(state.status)
        if on_update is not None:
            on_update(state)

    poller = bes.begin_wait(job_id, budget=budget, cancel_on_timeout=cancel_on_timeout,
                            on_update=update, clock=clock, sleep=sleep)
    return poller.result()


def _result(
    state: JobState,
    service_id: str,
    model_output: str | None,
    journal: JobJournal,
    *,
    collect: bool = True,
) -> RetrainResult:
    model = state.model_output(model_output) if state.status.succeeded else None
    metrics: Metrics | None = None
    warnings: list[str] = []
    if collect and state.status.succeeded:
        for output in state.outputs.values():
            if output.is_model or Path(output.relative_location).suffix.lower() not in (
                ".csv", ".tsv"
            ):
                continue
            try:
                metrics = parse_evaluation_csv(storage.download_text(output.url))
                break
            except ValidationError:
                continue  # a scored dataset, not the evaluation table
            except AmlRetrainError as exc:
                warnings.append(f"could not read output {output.name!r}: {exc}")
    return RetrainResult(
        job_id=state.job_id,
        web_service_id=service_id,
        status=state.status,
        outputs=dict(state.outputs),
        model_output=model.name if model else None,
        model_url_without_sas=model.url_without_sas if model else None,
        metrics=metrics,
        details=state.details,
        journal_path=journal.path,
        warnings=tuple(warnings),
    )


def _job_client(
    mgmt: Any,
    job_id: str,
    journal: JobJournal,
    service_id: str | None,
    bes_factory: BesFactory | None,
) -> tuple[BatchExecutionClient, str, str | None]:
    validate_job_id(job_id)
    entry = journal.find(job_id)
    if service_id is None:
        entry = journal.get(job_id)  # raises, naming --service, when unknown
        service_id = entry.web_service_id
    reference = canonical_reference(service_id)
    same = entry is not None and entry.web_service_id == reference
    endpoint = entry.endpoint if entry is not None and same and entry.kind == "classic" else None
    services = as_training_services(mgmt)
    location = services.locate(reference, endpoint)
    if same and entry is not None and entry.subscription_id and location.subscription_id \
            and entry.subscription_id != location.subscription_id:
        raise ConfigError(
            f"job {job_id} was submitted in subscription {entry.subscription_id}, not "
            f"{location.subscription_id}: set AML_RETRAIN_SUBSCRIPTION_ID={entry.subscription_id}"
        )
    model = entry.model_output if entry is not None and same else None
    return _bes(services, location, bes_factory), reference, model


def job_status(
    mgmt: ClassicManagementClient | TrainingServices | Any,
    job_id: str,
    *,
    journal: JobJournal,
    service_id: str | None = None,
    bes_factory: BesFactory | None = None,
) -> RetrainResult:
    """Return a job's current status (and outputs and metrics once Finished)."""
    bes, service, model = _job_client(mgmt, job_id, journal, service_id, bes_factory)
    state = bes.get(job_id)
    journal.update_status(job_id, state.status.value)
    return _result(state, service, model, journal)


def wait_for_job(
    mgmt: ClassicManagementClient | TrainingServices | Any,
    job_id: str,
    *,
    journal: JobJournal,
    service_id: str | None = None,
    budget: float = 1800.0,
    on_update: UpdateCallback | None = None,
    cancel_on_timeout: bool = False,
    bes_factory: BesFactory | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> RetrainResult:
    """Wait for a submitted job (resuming is the point, so timing out does not cancel by default)."""
    if budget <= 0:
        raise ValidationError(f"the wait budget must be positive, got {budget:g} s")
    bes, service, model = _job_client(mgmt, job_id, journal, service_id, bes_factory)
    state = _wait(bes, job_id, journal, budget=budget, on_update=on_update,
                  cancel_on_timeout=cancel_on_timeout, clock=clock, sleep=sleep)
    return _result(state, service, model, journal)


def cancel_job(
    mgmt: ClassicManagementClient | TrainingServices | Any,
    job_id: str,
    *,
    journal: JobJournal,
    service_id: str | None = None,
    bes_factory: BesFactory | None = None,
) -> RetrainResult:
    """Cancel a job, then report the status the service gives it."""
    bes, service, model = _job_client(mgmt, job_id, journal, service_id, bes_factory)
    bes.cancel(job_id)
    state = bes.get(job_id)
    journal.update_status(job_id, state.status.value)
    return _result(state, service, model, journal, collect=False)


def model_url_from_job(
    mgmt: ClassicManagementClient | TrainingServices | Any,
    job_id: str,
    *,
    journal: JobJournal,
    service_id: str | None = None,
    bes_factory: BesFactory | None = None,
) -> str:
    """GET the job again (fresh SAS) and return its ``.ilearner`` output URL, SAS included."""
    bes, service, model = _job_client(mgmt, job_id, journal, service_id, bes_factory)
    if model is None:  # not submitted from here: the service document says which output is a model
        document = bes.swagger()
        if trained_model_outputs(document) is not None:
            model = _choose_model_output(document, service, None)
    state = bes.get(job_id)
    journal.update_status(job_id, state.status.value)
    if state.status in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise JobFailedError(
            f"job {job_id} is {state.status.value}, so it has no model: "
            f"{state.details or 'no details'}",
            job_id=job_id, status=state.status.value, details=state.details,
        )
    if not state.status.succeeded:
        raise ValidationError(
            f"job {job_id} is {state.status.value}, not Finished: wait for it with "
            f"aml-retrain jobs wait {job_id}"
        )
    output = state.model_output(model)
    if output is not None and model is not None and output.name != model:
        output = None  # the job's trained-model output was checked at submit: only it will do
    if output is None:
        raise ValidationError(
            f"job {job_id} finished without a .ilearner output (outputs: "
            f"{', '.join(repr(n) for n in state.outputs) or 'none'}): check the training "
            "experiment has a Web Service Output on Train Model"
        )
    return output.url
