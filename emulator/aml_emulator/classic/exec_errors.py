"""Errors of the execution APIs (BES and RRS): the envelope with ``details``.

CLASSIC-API §7: ``{"error": {"code": <class>, "message": …, "details": [{"code": <specific>,
"message": …}]}}``; the class and HTTP status per D-ERR (§8). The top-level message is the
class text of the service's error-code page ("Azure Machine Learning Studio REST API Error
Codes", MicrosoftDocs/azure-docs ``articles/machine-learning/studio/web-service-error-codes.md``
@134d406d); the specific text lives in ``details[0].message`` (where MSPY reads it). Messages
never contain keys or SAS signatures.
"""

from __future__ import annotations

from ..web import HTTPError, Response

__all__ = [
    "ExecutionError",
    "bad_argument",
    "bad_user_argument",
    "internal",
    "invalid_operation",
    "not_found",
    "unauthorized",
]

# Verbatim from the error-code page, one line per class heading.
_CLASS_TEXT = {
    "BadArgument": "Invalid argument provided.",
    "BadUserArgument": "Invalid user argument provided.",
    "InvalidOperation": "The request is invalid in the current context.",
    "Unauthorized": "Request is unauthorized to access resource.",
    "NotFound": "Resource not found.",
    "RequestTimeout": "The operation could not be completed within the permitted time.",
    "Conflict": "Resource already exists.",
    "MemoryQuotaViolation": "The model had exceeded the memory quota assigned to it.",
    "InternalError": "Execution encountered an internal error.",
    "ServiceUnavailable": "Service is temporarily unavailable.",
    "GatewayTimeout": "The operation could not be completed within the permitted time.",
}


class ExecutionError(HTTPError):
    """``status``, class ``code`` and the specific ``detail_code`` with its message."""

    def __init__(self, status: int, error_class: str, detail_code: str, message: str) -> None:
        super().__init__(message, code=error_class, status=status)
        self.detail_code = detail_code

    def to_response(self) -> Response:
        body = {"error": {"code": self.code,
                          "message": _CLASS_TEXT.get(self.code, self.message),
                          "details": [{"code": self.detail_code, "message": self.message}]}}
        return Response(self.status, body, dict(self.headers))


def bad_argument(detail_code: str, message: str) -> ExecutionError:
    return ExecutionError(400, "BadArgument", detail_code, message)


def bad_user_argument(detail_code: str, message: str) -> ExecutionError:
    return ExecutionError(400, "BadUserArgument", detail_code, message)


def invalid_operation(detail_code: str, message: str) -> ExecutionError:
    return ExecutionError(400, "InvalidOperation", detail_code, message)


def unauthorized() -> ExecutionError:
    # D-ERR: 401 Unauthorized class, ScoreRequestUnauthorized "Invalid credentials provided."
    # Used for BES as well: D-ERR has no BES-specific 401 code.
    return ExecutionError(401, "Unauthorized", "ScoreRequestUnauthorized",
                          "Invalid credentials provided.")


def not_found(detail_code: str, message: str) -> ExecutionError:
    return ExecutionError(404, "NotFound", detail_code, message)


def internal(detail_code: str, message: str) -> ExecutionError:
    return ExecutionError(500, "InternalError", detail_code, message)
