"""Batch Execution Service jobs (CLASSIC-API §6): submit, start, status, cancel; run in threads.

Lifecycle ``NotStarted`` → (start) ``Running`` → ``Finished`` | ``Failed`` | ``Cancelled``. A
running job does its work (read the input, train or score, compute the outputs), then stays
``Running`` until at least ``bes_job_seconds`` have passed, then writes its outputs and
finishes. A cancel before the outputs are written leaves no output blob. Outputs without an
override go to the emulator's storage at ``experimentoutput/<job id>/<job id>.ilearner`` and
``experimentoutput/<job id>/<output name>.csv`` (D-CLASSIC; the job id is used as the guid).

Undocumented choices: an unknown job id is 404 (class ``NotFound``, detail ``JobNotFound``),
and jobs are visible only through the endpoint that submitted them. DELETE of a finished,
failed or cancelled job succeeds and leaves its status as it was (SMARIE deletes every job
after completion, so it must succeed; the later status is not documented).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..config import EmulatorConfig
from .backend import ApiEndpoint
from .blobref import BlobRef, StorageFailure
from .exec_errors import ExecutionError, bad_argument, invalid_operation, not_found
from .interface import EVALUATION_OUTPUT, MODEL_OUTPUT, RRS_OUTPUT
from .model import TrainedModel
from .scoring import score_rows
from .submission import Submission, output_extensions, parse_submission
from .training import TrainingError, parse_table, train

__all__ = ["STATUS_CODES", "JobManager"]

_log = logging.getLogger(__name__)
STATUS_CODES = {"NotStarted": 0, "Running": 1, "Failed": 2, "Cancelled": 3, "Finished": 4}
DEFAULT_CONTAINER = "experimentoutput"
_CONTENT_TYPES = {".ilearner": "application/octet-stream", ".csv": "text/csv"}

ModelSource = Callable[[list[dict[str, Any]]], TrainedModel]


@dataclass
class Job:
    id: str
    endpoint_guid: str
    service_id: str
    kind: str
    submission: Submission
    outputs: dict[str, BlobRef]
    resources: list[dict[str, Any]]  # predictive jobs: the model serving at submit
    model: Callable[[], TrainedModel] | None = None  # instead of resources (ARM services)
    status: str = "NotStarted"
    details: str | None = None
    finished: bool = False
    last_expiry: datetime | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _default_outputs(job_id: str, names: list[str], connection_string: str,
                     training: bool) -> dict[str, BlobRef]:
    refs = {}
    for name in names:
        # Only a training experiment's trained-model output is a model; a predictive service's
        # output1 is scored data, even though it shares the name.
        model = training and name == MODEL_OUTPUT
        blob = f"{job_id}/{job_id}.ilearner" if model else f"{job_id}/{name}.csv"
        refs[name] = BlobRef(DEFAULT_CONTAINER, blob, connection_string=connection_string)
    return refs


def _scored_csv(model: TrainedModel, data: bytes, extension: str) -> bytes:
    table = parse_table(data, extension)
    try:
        scored = score_rows(model, table.columns, table.rows)
    except ExecutionError as exc:
        raise TrainingError(exc.message) from None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(scored.columns)
    writer.writerows(["" if v is None else v for v in row] for row in scored.rows)
    return out.getvalue().encode("utf-8")


class JobManager:
    """All BES jobs of the emulator; *storage* = the default output storage (or ``None``)."""

    def __init__(self, config: EmulatorConfig, storage: str | None, models: ModelSource) -> None:
        self._config = config
        self._storage = storage
        self._models = models
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    # --- state hooks -----------------------------------------------------------------------

    def reset(self) -> None:
        """Cancel running jobs (their threads stop without writing) and forget every job."""
        with self._lock:
            jobs, self._jobs = list(self._jobs.values()), {}
        for job in jobs:
            with job.lock:  # waits out an output upload in progress: nothing is written later
                if not job.finished:
                    job.status, job.finished = "Cancelled", True
                job.cancel.set()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"jobs": [{"id": job.id, "status": job.status, "service": job.service_id}
                             for job in self._jobs.values()]}

    # --- operations ------------------------------------------------------------------------

    def submit(self, api: ApiEndpoint, body: Mapping[str, Any], *,
               model: Callable[[], TrainedModel] | None = None) -> str:
        training = api.kind == "training"
        submission = parse_submission(body, training=training)
        job_id = uuid.uuid4().hex
        names = [name for name in output_extensions(training) if name not in submission.outputs]
        if names and self._storage is None:
            raise bad_argument("MissingRequiredOutputOverrides",
                               "The emulator runs without default storage; override every "
                               f"output ({', '.join(map(repr, names))}) in 'Outputs'.")
        outputs = dict(submission.outputs)
        if names and self._storage is not None:
            outputs.update(_default_outputs(job_id, names, self._storage, training))
        job = Job(id=job_id, endpoint_guid=api.guid, service_id=api.service_id, kind=api.kind,
                  submission=submission, outputs=outputs, resources=api.resources, model=model)
        with self._lock:
            self._jobs[job_id] = job
        return job_id

    def _job(self, api: ApiEndpoint, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.endpoint_guid != api.guid:
            raise not_found("JobNotFound", f"No job with id '{job_id[:64]}' exists for this "
                                           "endpoint.")
        return job

    def start(self, api: ApiEndpoint, job_id: str) -> None:
        job = self._job(api, job_id)
        with job.lock:
            if job.status != "NotStarted":
                raise invalid_operation("CannotStartJob", "The job cannot be started because "
                                                          f"it is in {job.status} state.")
            job.status = "Running"
        settings = self._config.settings
        threading.Thread(target=self._run, args=(job, settings.bes_job_seconds,
                                                 settings.degrade_training),
                         name=f"bes-{job.id[:8]}", daemon=True).start()

    def cancel(self, api: ApiEndpoint, job_id: str) -> None:
        job = self._job(api, job_id)
        with job.lock:
            if not job.finished:
                job.status, job.finished = "Cancelled", True
            job.cancel.set()

    def status(self, api: ApiEndpoint, job_id: str) -> dict[str, Any]:
        """``BatchExecutionStatus``; ``Results`` carry read SAS tokens minted now (D-CLASSIC):
        from 5 minutes back to ``result_sas_seconds`` (24 h) ahead, a container SAS for the
        outputs the submit did not override."""
        job = self._job(api, job_id)
        settings = self._config.settings
        with job.lock:
            results = None
            if job.status == "Finished":
                expiry = self._next_expiry(job, settings.result_sas_seconds)
                # D-CLASSIC / D-CONSUME16 samples: st = GET time - 5 min, se = GET time + 24 h.
                start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=5)
                results = {name: ref.result(expiry, start=start,
                                            container=name not in job.submission.outputs)
                           for name, ref in job.outputs.items()}
            code: str | int = job.status
            if settings.status_format == "numeric":
                code = STATUS_CODES[job.status]
            return {"StatusCode": code, "Results": results, "Details": job.details}

    @staticmethod
    def _next_expiry(job: Job, seconds: float) -> datetime:
        # SAS times have one-second resolution: keep each expiry later than the last, so every
        # GET really re-issues a different token.
        now = datetime.now(timezone.utc).replace(microsecond=0)
        expiry = now + timedelta(seconds=math.ceil(seconds))
        if job.last_expiry is not None and expiry <= job.last_expiry:
            expiry = job.last_expiry + timedelta(seconds=1)
        job.last_expiry = expiry
        return expiry

    # --- the worker ------------------------------------------------------------------------

    def _work(self, job: Job, degrade: bool) -> dict[str, bytes]:
        [source] = job.submission.inputs.values()
        data = source.read("input")
        if job.kind != "training":
            model = job.model() if job.model is not None else self._models(job.resources)
            scored = _scored_csv(model, data, source.extension)
            return {RRS_OUTPUT: scored}
        model, evaluation = train(parse_table(data, source.extension), job.submission.label,
                                  job.submission.regularization, degrade=degrade)
        return {MODEL_OUTPUT: model.to_bytes(), EVALUATION_OUTPUT: evaluation}

    def _run(self, job: Job, seconds: float, degrade: bool) -> None:
        started = time.monotonic()
        payloads: dict[str, bytes] = {}
        failure: str | None = None
        try:
            payloads = self._work(job, degrade)
        except (StorageFailure, TrainingError) as exc:
            failure = str(exc)
        except ExecutionError as exc:  # e.g. the predictive endpoint's model cannot be loaded
            failure = f"{exc.detail_code}: {exc.message}"
        except Exception:
            _log.exception("BES job %s crashed", job.id)
            failure = "InternalError: the job failed unexpectedly; see the emulator log."
        if job.cancel.wait(max(0.0, started + seconds - time.monotonic())):
            return  # cancelled (or reset) while running: write nothing
        with job.lock:
            if job.cancel.is_set():
                return
            if failure is None:
                failure = self._write(job, payloads)
            job.status = "Finished" if failure is None else "Failed"
            job.details, job.finished = failure, True

    @staticmethod
    def _write(job: Job, payloads: dict[str, bytes]) -> str | None:
        try:
            for name, ref in job.outputs.items():
                ref.write(payloads[name], _CONTENT_TYPES.get(ref.extension, "text/csv"),
                          f"output '{name}'")
        except StorageFailure as exc:
            return str(exc)
        return None
