"""Batch Execution Service (BES) client: submit, start, status, cancel, and a polling waiter."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aml_retrain import _http
from aml_retrain._execution import ExecutionApiClient
from aml_retrain.classic.batch import (
    BlobOutput,
    JobState,
    JobStatus,
    SwaggerNames,
    default_model_output,
    swagger_names,
    validate_job_request,
)
from aml_retrain.errors import (
    AmlRetrainError,
    JobFailedError,
    OperationTimeoutError,
    ServiceError,
    ValidationError,
)

if TYPE_CHECKING:
    import requests

__all__ = [
    "BatchExecutionClient",
    "BlobOutput",
    "JobPoller",
    "JobState",
    "JobStatus",
    "SwaggerNames",
    "default_model_output",
    "swagger_names",
    "validate_job_id",
    "validate_job_request",
]

API_VERSION = "api-version=2.0"
_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")

UpdateCallback = Callable[[JobState], None]


def validate_job_id(job_id: str) -> str:
    """Return ``job_id`` if it looks like a BES job id, else raise ValidationError."""
    if not _JOB_ID.match(job_id or ""):
        raise ValidationError(
            f"invalid job id {job_id!r}: expected the id printed by submit (letters, digits, "
            "'-' or '_', e.g. 539d0bc2fde945b6ac986b851d0000f0)"
        )
    return job_id


def _parse_json(response: requests.Response, what: str) -> Any:
    try:
        # Service swagger documents start with a UTF-8 BOM.
        return json.loads(response.content.decode("utf-8-sig") or "null")
    except (ValueError, UnicodeDecodeError):
        request = response.request
        raise ServiceError(
            f"the {what} response is not JSON",
            status_code=response.status_code,
            request_id=response.headers.get("x-ms-request-id"),
            url=request.url if request is not None else None,
            method=request.method if request is not None else None,
        ) from None


class BatchExecutionClient(ExecutionApiClient):
    """Talks to one endpoint's BES API (``{ApiLocation}/jobs``) with the endpoint's API key."""

    default_timeout = 30.0

    def _url(self, *segments: str) -> str:
        path = "".join(f"/{quote(s, safe='')}" for s in segments)
        return f"{self.api_location}/jobs{path}?{API_VERSION}"

    def _send(
        self, method: str, url: str, *, body: Any = None, ok_statuses: tuple[int, ...] = ()
    ) -> requests.Response:
        # GET/DELETE are retried by the session. A replayed submit would make a second job, so a
        # POST is sent again only when the answer shows it was not processed (429 or a throttling
        # 503, _http.not_processed), or on a connect error (nothing was sent).
        return _http.request(
            self._session, method, url, token=self._key, json=body, timeout=self.timeout,
            ok_statuses=ok_statuses, replay_if=_http.not_processed if method == "POST" else None,
        )

    def submit(
        self,
        request: Mapping[str, Any],
        *,
        swagger: Mapping[str, Any] | None = None,
        model_output: str | None = None,
    ) -> str:
        """Validate and submit a BatchExecutionRequest; return the new job's id (NotStarted)."""
        validate_job_request(request, swagger, model_output=model_output)
        response = self._send("POST", self._url(), body=dict(request))
        # The body is the id as a JSON string ("539d…"); tolerate a bare id too.
        text = response.content.decode("utf-8-sig").strip()
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        job_id = str(value).strip().strip('"') if isinstance(value, (str, int)) else ""
        if not _JOB_ID.match(job_id):
            raise ServiceError(
                "the submit response holds no job id", status_code=response.status_code,
                request_id=response.headers.get("x-ms-request-id"), url=self._url(),
                method="POST",
            )
        return job_id

    def start(self, job_id: str) -> None:
        """Start a submitted job (204)."""
        self._send("POST", self._url(validate_job_id(job_id), "start"))

    def get(self, job_id: str) -> JobState:
        """Return the job's status; each call re-issues the output SAS tokens."""
        response = self._send("GET", self._url(validate_job_id(job_id)))
        return JobState.from_api(job_id, _parse_json(response, "job status"))

    def cancel(self, job_id: str) -> None:
        """Cancel (delete) the job; the service accepts this for finished jobs too."""
        self._send("DELETE", self._url(validate_job_id(job_id)))

    def swagger(self) -> dict[str, Any] | None:
        """Return the service's swagger document (``{ApiLocation}/swagger.json``), None on 404."""
        url = f"{self.api_location}/swagger.json"
        response = self._send("GET", url, ok_statuses=(404,))
        if response.status_code == 404:
            return None
        data = _parse_json(response, "swagger")
        return data if isinstance(data, dict) else None

    def begin_wait(
        self,
        job_id: str,
        *,
        budget: float = 1800.0,
        initial: float = 1.0,
        maximum: float = 15.0,
        cancel_on_timeout: bool = True,
        on_update: UpdateCallback | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> JobPoller:
        """Return a poller that waits for the job with backoff within a wall-clock budget."""
        validate_job_id(job_id)
        if budget <= 0 or initial <= 0 or maximum < initial:
            raise ValidationError(
                "wait budget and initial delay must be positive, and the maximum delay at least "
                "the initial one"
            )
        return JobPoller(
            self, job_id, budget=budget, initial=initial, maximum=maximum,
            cancel_on_timeout=cancel_on_timeout, on_update=on_update, clock=clock, sleep=sleep,
            rng=rng,
        )


class JobPoller:
    """Polls a job until it ends; ``result()`` returns the Finished state or raises."""

    def __init__(
        self,
        client: BatchExecutionClient,
        job_id: str,
        *,
        budget: float,
        initial: float,
        maximum: float,
        cancel_on_timeout: bool,
        on_update: UpdateCallback | None,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        rng: Callable[[], float],
    ) -> None:
        self.job_id = job_id
        self.budget = budget
        self.polls = 0
        self.delays: list[float] = []  # every sleep requested, for callers and tests
        self._client = client
        self._initial = initial
        self._maximum = maximum
        self._cancel_on_timeout = cancel_on_timeout
        self._on_update = on_update
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._deadline = clock() + budget
        self._attempt = 0
        self._last: JobState | None = None

    def __repr__(self) -> str:
        status = self._last.status.value if self._last else "unknown"
        return f"JobPoller(job_id={self.job_id!r}, status={status!r}, polls={self.polls})"

    def _poll(self) -> JobState:
        state = self._client.get(self.job_id)
        self.polls += 1
        self._last = state
        if self._on_update is not None:
            self._on_update(state)
        return state

    def _next_delay(self) -> float:
        # Exponential base (initial, ×2, capped) with "equal jitter": half fixed, half random.
        # The fixed half keeps the sequence growing; the random half spreads many waiters apart.
        base = min(self._maximum, self._initial * (2.0 ** self._attempt))
        self._attempt += 1
        return base / 2 + (base / 2) * min(max(self._rng(), 0.0), 1.0)

    def status(self) -> JobStatus:
        """Return the job's status, polling once unless it has already ended."""
        if self._last is not None and self._last.status.terminal:
            return self._last.status
        return self._poll().status

    def done(self) -> bool:
        """True once the job has ended (polls once unless it already has)."""
        return self.status().terminal

    def result(self, timeout: float | None = None) -> JobState:
        """Wait until the job ends; return it if Finished, raise JobFailedError otherwise."""
        if self._last is not None and self._last.status.terminal:
            return self._finish(self._last)
        deadline = self._deadline
        if timeout is not None:
            deadline = min(deadline, self._clock() + timeout)
        while True:
            state = self._poll()
            if state.status.terminal:
                return self._finish(state)
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise self._timed_out(state, budget_spent=deadline >= self._deadline)
            delay = min(self._next_delay(), remaining)
            self.delays.append(delay)
            self._sleep(delay)

    def _finish(self, state: JobState) -> JobState:
        if state.status is JobStatus.FINISHED:
            return state
        if state.status is JobStatus.CANCELLED:
            raise JobFailedError(
                f"job {self.job_id} was cancelled", job_id=self.job_id,
                status=state.status.value, details=state.details,
            )
        reason = (state.details or "the service gave no details").strip()
        raise JobFailedError(
            f"job {self.job_id} failed: {reason}", job_id=self.job_id,
            status=state.status.value, details=state.details,
        )

    def _timed_out(self, state: JobState, *, budget_spent: bool) -> OperationTimeoutError:
        waited = self.budget if budget_spent else None
        limit = f"within the {waited:g} s budget" if waited is not None else "in the time given"
        job = self.job_id
        # A cancelled job cannot be resumed: only a job left running is waited for again.
        note = f"it is still queued or running; resume waiting with: aml-retrain jobs wait {job}"
        if budget_spent and self._cancel_on_timeout:
            try:
                self._client.cancel(job)
                note = ("it was cancelled, as --timeout is the whole job's budget: run it again "
                        "with a larger --timeout, or with --no-wait and then "
                        "aml-retrain jobs wait JOB_ID, which never cancels")
            except AmlRetrainError as exc:
                note = (f"cancelling it failed too ({exc}), so it may still be running: check with "
                        f"aml-retrain jobs status {job}, or cancel it with aml-retrain jobs cancel {job}")
        return OperationTimeoutError(
            f"job {job} did not finish {limit} (last status {state.status.value}); {note}"
        )
