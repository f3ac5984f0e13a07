"""Exceptions raised by aml-retrain; each carries the CLI exit code for its kind of failure.

::

    AmlRetrainError                      exit 1
    ├── ConfigError                      exit 2   settings missing or unreadable
    ├── ValidationError                  exit 2   bad input caught before any request
    │   └── SasExpiredError              exit 2   a blob URL's SAS token has expired
    ├── ConnectionFailedError            exit 1   could not reach the service
    ├── OperationTimeoutError            exit 4   a wait or request ran out of time
    ├── VerificationError                exit 1   the write was accepted but the read-back disagrees
    │   ├── SmokeTestError               exit 1   a new deployment failed its smoke score; traffic not moved
    │   └── HealthCheckError             exit 1   a switched target turned unhealthy; rolled back, or says not
    ├── JobFailedError                   exit 1   a BES job ended Failed or Cancelled (job_id, details)
    ├── GatedError                       exit 8   the candidate failed the evaluation gate (result)
    ├── StalePlanError                   exit 9   the target changed since the plan was made
    ├── BusyError                        exit 6   another promotion of the target is in progress
    └── ServiceError                     exit 1   status_code, error_code, request_id, url
        ├── AuthError         401/403    exit 5
        ├── NotFoundError     404        exit 3
        ├── ConflictError     409        exit 6
        │   └── AlreadyExistsError       exit 6   found by a read before any write (no 409 sent)
        └── OperationFailedError         exit 1   an ARM async operation ended Failed or Canceled

Messages never contain secrets: every URL stored on an error goes through ``redact_url``.
``class_for_status`` is the one status-to-class mapping (classic, ARM and blob storage use it).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from aml_retrain._redact import redact_text, redact_url

if TYPE_CHECKING:
    import requests

__all__ = [
    "AlreadyExistsError",
    "AmlRetrainError",
    "AuthError",
    "BusyError",
    "ConfigError",
    "ConflictError",
    "ConnectionFailedError",
    "GatedError",
    "HealthCheckError",
    "JobFailedError",
    "NotFoundError",
    "OperationFailedError",
    "OperationTimeoutError",
    "SasExpiredError",
    "ServiceError",
    "SmokeTestError",
    "StalePlanError",
    "ValidationError",
    "VerificationError",
]

REQUEST_ID_HEADER = "x-ms-request-id"


class AmlRetrainError(Exception):
    """Base class of every error aml-retrain raises on purpose."""

    exit_code: ClassVar[int] = 1

    def __str__(self) -> str:
        # The last line of defence: whatever a message quotes (a URL with user:password@, a SAS),
        # the printed text carries no secret.
        return redact_text(super().__str__())


class ConfigError(AmlRetrainError):
    """Settings are missing, contradictory or unreadable."""

    exit_code: ClassVar[int] = 2


class ValidationError(AmlRetrainError):
    """Input was rejected before any request was sent."""

    exit_code: ClassVar[int] = 2


class SasExpiredError(ValidationError):
    """A blob URL's SAS token has expired; a fresh GET of the job status re-issues it."""


class ConnectionFailedError(AmlRetrainError):
    """The service could not be reached (DNS, TCP, TLS, or retries exhausted)."""

    exit_code: ClassVar[int] = 1

    @classmethod
    def emulator_not_running(cls, url: str, cause: BaseException) -> ConnectionFailedError:
        """The error for a refused connection when the settings came from an emulator profile."""
        error = cls(f"the emulator at {redact_url(url)} is not running (connection refused): "
                    "start it with: aml-retrain emulator start --detach")
        error.__cause__ = cause
        return error

    def refused_address(self) -> tuple[str, int] | None:
        """``(host, port)`` that refused the connection (nothing listens there), else None.

        requests, urllib3 and azure-core each wrap the socket error once more, so the causes
        (``__cause__``, ``__context__``, urllib3's ``reason``, azure-core's ``inner_exception``)
        are followed down to it; urllib3's connection (``conn``, or the ``pool``) holds the address.
        """
        pending: list[object] = [self.__cause__]
        seen: set[int] = set()
        refused, address = False, None
        while pending:
            exc = pending.pop()
            if not isinstance(exc, BaseException) or id(exc) in seen:
                continue
            seen.add(id(exc))
            refused = refused or isinstance(exc, ConnectionRefusedError)
            conn = getattr(exc, "conn", None) or getattr(exc, "pool", None)
            host, port = getattr(conn, "host", None), getattr(conn, "port", None)
            if isinstance(host, str) and isinstance(port, int):
                address = (host.lower(), port)
            pending += [exc.__cause__, exc.__context__, getattr(exc, "reason", None),
                        getattr(exc, "inner_exception", None), *exc.args]
        return address if refused else None


class OperationTimeoutError(AmlRetrainError):
    """A request or a wait ran out of time."""

    exit_code: ClassVar[int] = 4


class VerificationError(AmlRetrainError):
    """The service accepted a write but reading it back shows something else."""

    exit_code: ClassVar[int] = 1


class SmokeTestError(VerificationError):
    """The new deployment answered its smoke score wrongly; the switch to it was not made."""


class HealthCheckError(VerificationError):
    """A switched target failed its health probe; ``rolled_back`` says whether it was switched back.

    ``health`` holds the failing probe's figures (``Health.to_dict()``), for callers to report.
    """

    def __init__(self, message: str, *, rolled_back: bool,
                 health: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.rolled_back = rolled_back
        self.health = health


class JobFailedError(AmlRetrainError):
    """A Batch Execution job ended ``Failed`` or ``Cancelled``; ``details`` is the service's text."""

    exit_code: ClassVar[int] = 1

    def __init__(
        self, message: str, *, job_id: str, status: str, details: str | None = None
    ) -> None:
        # Details are free text from the service and may echo a connection string or SAS.
        self.job_id = job_id
        self.status = status
        self.details = redact_text(details) if details else None
        super().__init__(" ".join(redact_text(message).split()))


class GateVerdict(Protocol):
    """What a GatedError needs of the gate's result (``promotion.gate.GateResult`` is one)."""

    # Named structurally so this module imports nothing above it (the gate imports errors).
    @property
    def outcome(self) -> str: ...

    @property
    def summary(self) -> str: ...


class GatedError(AmlRetrainError):
    """The candidate model did not pass the evaluation gate; nothing was promoted."""

    exit_code: ClassVar[int] = 8

    def __init__(self, message: str, *, result: GateVerdict | None = None) -> None:
        self.result = result
        super().__init__(" ".join(redact_text(message).split()))

    @classmethod
    def from_result(cls, result: GateVerdict) -> GatedError:
        """Build the error for a gate ``result``, saying how to override it."""
        hint = (
            "fix the metric source or the policy" if result.outcome == "error"
            else "retrain, relax the policy, or pass --force with a --reason"
        )
        return cls(f"evaluation gate {result.summary}; nothing was promoted ({hint})", result=result)


class StalePlanError(AmlRetrainError):
    """The target changed since the plan was made; nothing was applied."""

    exit_code: ClassVar[int] = 9

    def __init__(
        self, message: str, *, expected: str | None = None, actual: str | None = None
    ) -> None:
        # expected/actual are the plan's and the live definition's hashes, when known.
        self.expected = expected
        self.actual = actual
        super().__init__(" ".join(redact_text(message).split()))


class BusyError(AmlRetrainError):
    """Another promotion holds the target's lock; nothing was changed."""

    exit_code: ClassVar[int] = 6

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(redact_text(message).split()))


class ServiceError(AmlRetrainError):
    """The service answered with an error status."""

    exit_code: ClassVar[int] = 1

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error_code: str | None = None,
        request_id: str | None = None,
        url: str | None = None,
        method: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        # One line, no secrets: the CLI prints str(err) as is.
        self.message = " ".join(redact_text(message).split())
        self.status_code = status_code
        self.error_code = error_code
        self.request_id = request_id
        self.url = redact_url(url) if url else None
        self.method = method
        self.details = details or []
        super().__init__(self.message)

    def __str__(self) -> str:
        status = f"HTTP {self.status_code}"
        if self.error_code:
            status = f"{status} {self.error_code}"
        parts = [status]
        if self.request_id:
            parts.append(f"request id {self.request_id}")
        if self.url:
            parts.append(f"{self.method} {self.url}" if self.method else self.url)
        return f"{self.message} ({', '.join(parts)})"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, status_code={self.status_code!r}, "
            f"error_code={self.error_code!r}, request_id={self.request_id!r}, url={self.url!r})"
        )

    @classmethod
    def from_response(cls, response: requests.Response) -> ServiceError:
        """Build the ServiceError subclass matching ``response``'s status, with a next step."""
        status = response.status_code
        code, text, details = _parse_error_body(response)
        error_cls = class_for_status(status)
        message = text or response.reason or "the service returned an error"
        hint = _hint(status)
        if hint:
            message = f"{message.rstrip('. ')}. {hint}"
        request = response.request
        return error_cls(
            message,
            status_code=status,
            error_code=code,
            request_id=response.headers.get(REQUEST_ID_HEADER),
            url=request.url if request is not None and request.url else response.url,
            method=request.method if request is not None else None,
            details=details,
        )


class AuthError(ServiceError):
    """The token or key was refused (401/403)."""

    exit_code: ClassVar[int] = 5


class NotFoundError(ServiceError):
    """The workspace, web service or endpoint does not exist (404)."""

    exit_code: ClassVar[int] = 3


class ConflictError(ServiceError):
    """The resource already exists or changed underneath (409)."""

    exit_code: ClassVar[int] = 6


class AlreadyExistsError(ConflictError):
    """The resource exists already, found by a GET before any write; nothing was sent."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        # The GET that found it answered 200; no service ever answered 409 here.
        kwargs.setdefault("status_code", 200)
        kwargs.setdefault("method", "GET")
        super().__init__(message, **kwargs)

    def __str__(self) -> str:
        return f"{self.message} (found by GET {self.url})" if self.url else self.message


class OperationFailedError(ServiceError):
    """An ARM long-running operation (a PATCH) ended ``Failed`` or ``Canceled``."""

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, status: str = "Failed", **kwargs: Any) -> None:
        kwargs.setdefault("status_code", 200)
        super().__init__(message, **kwargs)
        self.status = status

    def __str__(self) -> str:
        # The poll itself answered 200; the HTTP status would only mislead.
        parts = [f"operation {self.status}"]
        if self.error_code:
            parts.append(self.error_code)
        if self.request_id:
            parts.append(f"request id {self.request_id}")
        if self.url:
            parts.append(f"{self.method} {self.url}" if self.method else self.url)
        return f"{self.message} ({', '.join(parts)})"


def class_for_status(status: int) -> type[ServiceError]:
    """The ServiceError subclass for an HTTP error status: the one mapping, classic and ARM alike."""
    if status in (401, 403):
        return AuthError
    if status == 404:
        return NotFoundError
    if status == 409:
        return ConflictError
    return ServiceError


def _hint(status: int) -> str:
    if status in (401, 403):
        return (
            "Check the workspace token (or endpoint key) and that the workspace id "
            "belongs to it (AML_RETRAIN_WORKSPACE_TOKEN / --token-file, --workspace)"
        )
    if status == 404:
        return (
            "Check the workspace id, web service id and endpoint name "
            "(and the region: each region has its own management host)"
        )
    if status == 409:
        return "The resource already exists or is being changed; read it again and retry"
    if status == 429 or status >= 500:
        return "The service is busy or failed; retry later and quote the request id"
    return ""


def _parse_error_body(
    response: requests.Response,
) -> tuple[str | None, str | None, list[dict[str, Any]]]:
    return parse_error_content(response.content)


def parse_error_content(content: bytes | None) -> tuple[str | None, str | None, list[dict[str, Any]]]:
    """Return ``(code, message with specific details, details)`` from an error envelope body."""
    # Bodies are {"error": {"code", "message", "details"}} but proxies answer HTML or nothing.
    try:
        body = json.loads(content or b"null")
    except (ValueError, UnicodeDecodeError):
        return None, None, []
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, None, []
    code = error.get("code")
    message = error.get("message")
    raw_details = error.get("details")
    if not isinstance(raw_details, list):
        raw_details = []
    details = [d for d in raw_details or [] if isinstance(d, dict)]
    # The top-level code is only the class (BadArgument…); the specific cause sits in details.
    specific = [str(d["message"]) for d in details if d.get("message") not in (None, "", message)]
    text = str(message) if message else None
    if specific:
        text = f"{text.rstrip('. ')}: {'; '.join(specific)}" if text else "; ".join(specific)
    return (str(code) if code else None), text, details
