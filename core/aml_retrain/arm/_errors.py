"""Translate azure-core exceptions and ARM error bodies into aml-retrain errors — the one place.

Imported by ``arm.client``; azure-core itself is imported inside ``translate`` so this module
stays cheap to import.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from aml_retrain._redact import redact_text, redact_url
from aml_retrain.errors import (
    REQUEST_ID_HEADER,
    AmlRetrainError,
    ConfigError,
    ConnectionFailedError,
    OperationFailedError,
    OperationTimeoutError,
    ServiceError,
    class_for_status,
    parse_error_content,
)

# REQUEST_ID_HEADER is re-exported: arm.client reads it from here.
__all__ = ["REQUEST_ID_HEADER", "error_from_response", "translate"]


def _arm_hint(status: int, code: str | None) -> str:
    if code == "CannotChangeStorageAccount":
        return ("A web service's storage account is fixed at creation: keep "
                "properties.storageAccount.name as the live service has it")
    if status in (401, 403):
        return ("Check the Azure credential (AML_RETRAIN_AUTH, az login, AML_RETRAIN_ARM_TOKEN), that it "
                "has Contributor on the resource group, and the subscription id")
    if status == 404:
        return ("Check the subscription, resource group and web service name "
                "(aml-retrain webservice list shows what exists)")
    if status == 409:
        return "Another operation is changing the web service; wait for it and retry"
    if status == 429 or status >= 500:
        return "ARM is busy or failed; retry later and quote the request id"
    return ""


def error_from_response(
    status: int, headers: Mapping[str, str], content: bytes | None, *, method: str, url: str,
    hint_for: Callable[[int, str | None], str] = _arm_hint, service: str = "ARM",
    other_shape: Callable[[bytes | None], tuple[str | None, str | None]] | None = None,
) -> ServiceError:
    """Build the ServiceError subclass for an ARM error answer (specific detail code kept).

    ``hint_for(status, code)`` adds what to do next; ``other_shape`` reads ``(code, message)`` from
    a body that is not ARM's ``{error: {...}}`` (e.g. MLflow's).
    """
    code, text, details = parse_error_content(content)
    if text is None and other_shape is not None:
        code, text = other_shape(content)
    # ARM's top-level code is generic (NotFound, BadRequest); the cause sits in details.
    specific = next((str(d["code"]) for d in details if d.get("code")), None) or code
    message = text or f"{service} returned an error"
    hint = hint_for(status, specific)
    if hint:
        message = f"{message.rstrip('. ')}. {hint}"
    lowered = {k.lower(): v for k, v in headers.items()}
    return class_for_status(status)(
        message, status_code=status, error_code=specific,
        request_id=lowered.get(REQUEST_ID_HEADER), url=url, method=method, details=details,
    )


def _operation_failed(exc: Any, method: str, url: str, polling: Any) -> OperationFailedError:
    response = exc.response
    try:
        body = json.loads(response.text() or "null")
    except (ValueError, TypeError, AttributeError):
        body = None
    body = body if isinstance(body, dict) else {}
    error = body.get("error") or body.get("errorInfo") or {}
    error = error if isinstance(error, dict) else {}
    status = str(body.get("status") or body.get("provisioningState") or "Failed")
    details = [d for d in error.get("details") or [] if isinstance(d, dict)]
    message = str(error.get("message") or f"the {method} operation ended {status}")
    extra = [str(d["message"]) for d in details if d.get("message")]
    if extra:
        message = f"{message.rstrip('. ')}: {'; '.join(extra)}"
    request_id = getattr(polling, "initial_request_id", None) or response.headers.get(
        REQUEST_ID_HEADER
    )
    return OperationFailedError(
        f"{message.rstrip('. ')}. The change was not applied as asked; read the service again "
        "before retrying",
        status=status, error_code=str(error.get("code")) if error.get("code") else None,
        request_id=request_id, url=url, method=method, details=details,
    )


@contextmanager
def translate(method: str, url: str, *, polling: Any = None) -> Iterator[None]:
    """Turn azure-core exceptions raised inside the block into aml-retrain errors.

    ``method url`` is the write (or read) the block sends; a failure of a later poll or read-back
    GET is labelled with that GET (``polling.current_request``), a failed operation with the write.
    """
    try:
        yield
    except AmlRetrainError:
        raise
    except Exception as exc:
        failed_method, failed_url = _failed_request(exc, method, url, polling)
        ours = _translate(exc, failed_method, failed_url, (method, url), polling)
        if ours is None:
            raise
        raise ours from exc


def _failed_request(exc: Exception, method: str, url: str, polling: Any) -> tuple[str, str]:
    """The request that failed: the answer's own, else the poll in flight, else the write."""
    request = getattr(getattr(exc, "response", None), "request", None)
    failed_method, failed_url = getattr(request, "method", None), getattr(request, "url", None)
    if failed_method and failed_url:
        return str(failed_method), str(failed_url)
    current = getattr(polling, "current_request", None)
    return current if current is not None else (method, url)


def _translate(
    exc: Exception, method: str, url: str, write: tuple[str, str], polling: Any,
) -> AmlRetrainError | None:
    """Our error for azure-core's ``exc`` (most specific first); None for anything else."""
    from azure.core.exceptions import (
        AzureError,
        DecodeError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
        ServiceResponseTimeoutError,
    )
    from azure.core.polling.base_polling import OperationFailed

    safe = redact_url(url)
    if isinstance(exc, DecodeError):
        return ServiceError(
            "ARM's answer is not JSON (a proxy or captive portal in between?)",
            status_code=int(getattr(exc.response, "status_code", 0) or 0), url=url, method=method,
        )
    if isinstance(exc, HttpResponseError):
        if isinstance(exc.inner_exception, OperationFailed):
            # The operation itself ended Failed: reported as the write, with its request id.
            return _operation_failed(exc, write[0], write[1], polling)
        response = exc.response
        if response is None:  # a credential failed before any HTTP request
            first_line = (redact_text(str(exc.message or exc)).splitlines() or ["?"])[0]
            return ConfigError(
                f"could not get an Azure token: {first_line} — sign in (az login), set "
                "AML_RETRAIN_ARM_TOKEN, or pick another mode with AML_RETRAIN_AUTH"
            )
        return error_from_response(int(response.status_code or 0),
                                   dict(getattr(response, "headers", {}) or {}),
                                   _response_bytes(response), method=method, url=url)
    if isinstance(exc, ServiceResponseTimeoutError):
        return OperationTimeoutError(
            f"{method} {safe} got no answer in time: retry later, or raise the timeout "
            "(AML_RETRAIN_TIMEOUT)"
        )
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        return ConnectionFailedError(
            f"could not reach {safe}: check the ARM URL (AML_RETRAIN_ARM_URL), the CA bundle "
            "and your network"
        )
    if isinstance(exc, AzureError):
        return ConnectionFailedError(f"{method} {safe} failed: {type(exc).__name__}")
    return None


def _response_bytes(response: Any) -> bytes:
    for attr in ("content", "body"):
        value = getattr(response, attr, None)
        try:
            data = value() if callable(value) else value
        except Exception:  # noqa: S112 - an unread stream must not hide the real error
            continue
        if isinstance(data, (bytes, bytearray)):
            return bytes(data)
    return b""
