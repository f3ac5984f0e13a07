"""Jobs: get, submit, wait (cancel on timeout), cancel, and re-run the serving model's job."""

from __future__ import annotations

from collections.abc import Callable

from aml_retrain._json import JsonObject, copy_json
from aml_retrain.errors import (
    AlreadyExistsError,
    AmlRetrainError,
    JobFailedError,
    NotFoundError,
    OperationTimeoutError,
    ValidationError,
)
from aml_retrain.online.endpoints import EndpointOps
from aml_retrain.online.jobspec import new_job_name, resubmission_body
from aml_retrain.online.models import ModelOps, parse_model_ref
from aml_retrain.online.names import check_resource
from aml_retrain.online.results import Job

__all__ = ["DEFAULT_JOB_TIMEOUT", "JobOps"]

DEFAULT_JOB_TIMEOUT = 7200.0


class JobOps(EndpointOps, ModelOps):
    """Job operations of :class:`~aml_retrain.online.client.OnlineClient`."""

    def _job_path(self, name: str) -> str:
        return self._path("jobs", check_resource(name, "job"))

    def get_job(self, name: str) -> Job:
        """GET one job (any status string is accepted)."""
        return Job.from_arm(self._arm.get(self._job_path(name)))

    def submit_job(self, body: JsonObject, *, name: str | None = None) -> Job:
        """PUT a new job (``name``, else the body's, else a fresh one); an existing name is refused.

        A PUT on an existing job only replaces its tags (ML-V2.md §2), so a clash would run nothing:
        the name is checked first.
        """
        job_name = check_resource(name or str(body.get("name") or "") or new_job_name(), "job")
        props = body.get("properties")
        if not isinstance(props, dict) or not props.get("jobType"):
            raise ValidationError("a job body needs properties.jobType (load it with load_job_spec)")
        path = self._job_path(job_name)
        try:
            existing = Job.from_arm(self._arm.get(path))
        except NotFoundError:
            existing = None
        if existing is not None:
            raise AlreadyExistsError(f"job {job_name} already exists ({existing.status}): pick "
                                     "another name", url=self._arm.url(path))
        sent = {"properties": copy_json(props)}
        _status, created = self._arm.send("PUT", path, sent)
        return Job.from_arm(created) if created else self.get_job(job_name)

    def cancel_job(self, name: str) -> None:
        """POST cancel; the job reaches Canceled later (wait for it if needed)."""
        self._arm.send("POST", self._job_path(name) + "/cancel")

    def wait_job(self, name: str, *, timeout: float = DEFAULT_JOB_TIMEOUT,
                 cancel_on_timeout: bool = True,
                 on_update: Callable[[Job], None] | None = None) -> Job:
        """Poll until Completed (returned) or Failed/Canceled (JobFailedError); unknown states poll on.

        Out of time, the job is cancelled when ``cancel_on_timeout`` (the timeout is its budget),
        then OperationTimeoutError says what happened.
        """
        path = self._job_path(name)
        last, done, _reads = self._waiter.until(
            lambda: Job.from_arm(self._arm.get(path)), lambda j: j.done, timeout,
            on_update=on_update)
        if not done:
            raise self._timed_out(last, timeout, cancel_on_timeout)
        if last.status != "Completed":
            reason = last.error or "the service gave no reason"
            raise JobFailedError(f"job {name} ended {last.status}: {reason}", job_id=name,
                                 status=last.status, details=last.error)
        return last

    def _timed_out(self, job: Job, timeout: float, cancel: bool) -> OperationTimeoutError:
        note = "it is still running; wait for it again, or cancel it"
        if cancel:
            try:
                self.cancel_job(job.name)
                note = "it was cancelled, as the timeout is the job's budget: retry with a larger timeout"
            except AmlRetrainError as exc:
                note = f"cancelling it failed too ({exc}), so it may still be running"
        return OperationTimeoutError(f"job {job.name} did not finish within {timeout:g} s (last "
                                     f"status {job.status}); {note}")

    def serving_job(self, endpoint: str, *, deployment: str | None = None) -> Job:
        """Return the job that trained the model ``deployment`` (default: the most traffic) serves."""
        chosen = deployment or self.get_endpoint(endpoint).serving()
        if chosen is None:
            raise ValidationError(f"no deployment of {endpoint} takes traffic: name the deployment "
                                  "whose model to retrain")
        model, version = parse_model_ref(self.get_deployment(endpoint, chosen).model)
        found = self.get_model_version(model, version)
        if not found.job_name:
            raise ValidationError(f"model {model}:{version} records no training job (jobName): "
                                  "submit a job spec instead")
        return self.get_job(found.job_name)

    def resubmit_serving_job(self, endpoint: str, training_data: str, *,
                             input_name: str = "training_data", deployment: str | None = None,
                             name: str | None = None) -> Job:
        """Re-run the job behind the serving model with ``training_data`` bound to ``input_name``."""
        source = self.serving_job(endpoint, deployment=deployment)
        return self.submit_job(resubmission_body(source.raw, input_name, training_data), name=name)
