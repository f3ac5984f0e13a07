"""ARM error envelope ``{"error": {"code", "message", "target"?, "details"?: [...]}}`` (ARM §5).

Documented bodies are reproduced verbatim (404 WebServiceNotFound, 400 CannotChangeStorageAccount);
the ARM front-door codes (401, api-version, subscription, resource group, location) follow what
ARM answers for every provider. Each undocumented choice says so. Messages never carry secrets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..web import HTTPError, Response

__all__ = [
    "ArmError",
    "authentication_failed",
    "bad_request",
    "invalid_request_content",
    "location_not_available",
    "operation_not_found",
    "resource_group_not_found",
    "subscription_not_found",
    "unsupported_api_version",
    "web_service_not_found",
]

INVALID_REQUEST = "The request is invalid."  # Azure/azure-powershell#3465, verbatim


class ArmError(HTTPError):
    """An ARM error; ``details`` are ``{"code", "message", "target"?}`` objects."""

    def __init__(self, status: int, code: str, message: str, *, target: str | None = None,
                 details: Sequence[Mapping[str, Any]] = (),
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message, code=code, status=status, headers=headers)
        self.target = target
        self.details = [dict(detail) for detail in details]

    def error_object(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target is not None:
            error["target"] = self.target
        if self.details:
            error["details"] = self.details
        return error

    def to_response(self) -> Response:
        return Response(self.status, {"error": self.error_object()}, dict(self.headers))


def authentication_failed(missing: bool) -> ArmError:
    # ARM answers "AuthenticationFailed" for a missing header and "InvalidAuthenticationToken"
    # for a bad token; the emulator uses the first for both (one code for clients to handle).
    # The challenge header carries no `claims`, so azure-core's ARM policy does not retry.
    text = ("Authentication failed. The 'Authorization' header is missing." if missing else
            "Authentication failed. The access token is invalid or expired.")
    return ArmError(401, "AuthenticationFailed", text, headers={
        "WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common",'
                            ' error="invalid_token", error_description="The access token is '
                            'missing or invalid."'})


def unsupported_api_version(version: str | None, supported: str) -> ArmError:
    if version is None:  # ARM front door, wording as ARM answers it
        return ArmError(400, "MissingApiVersionParameter",
                        "The api-version query parameter (?api-version=) is required for all "
                        "requests.")
    # ARM's code for a version the provider does not register (for webServices: 2017-01-01
    # and 2016-05-01-preview, ARM §2).
    return ArmError(400, "NoRegisteredProviderFound",
                    f"No registered resource provider found for API version '{version[:40]}' "
                    f"and type 'webServices'. The supported api-versions are '{supported}'.")


def subscription_not_found(subscription: str) -> ArmError:
    return ArmError(404, "SubscriptionNotFound",
                    f"The subscription '{subscription[:80]}' could not be found.")


def resource_group_not_found(group: str) -> ArmError:
    return ArmError(404, "ResourceGroupNotFound",
                    f"Resource group '{group[:90]}' could not be found.")


def web_service_not_found(name: str) -> ArmError:
    # ARM §5, observed (PSREC1): verbatim.
    return ArmError(404, "NotFound", "The specified resource was not found.", details=[
        {"code": "WebServiceNotFound",
         "message": f"No Web Service could be found with the provided name: {name}."}])


def operation_not_found(operation_id: str) -> ArmError:
    # Not documented: an unknown async operation id. Same envelope as a missing service.
    return ArmError(404, "NotFound", "The specified resource was not found.", details=[
        {"code": "OperationNotFound",
         "message": f"No asynchronous operation could be found with the id: {operation_id[:64]}."}])


def bad_request(details: Sequence[Mapping[str, Any]]) -> ArmError:
    """400 ``BadRequest`` "The request is invalid." with the specific problems as details (the
    documented shape of CannotChangeStorageAccount); ``target`` = the first problem's path."""
    target = details[0].get("target") if details else None
    return ArmError(400, "BadRequest", INVALID_REQUEST, target=target, details=details)


def invalid_request_content(reason: str) -> ArmError:
    # ARM front door's code for a body it cannot deserialize.
    return ArmError(400, "InvalidRequestContent",
                    f"The request content was invalid and could not be deserialized: {reason}")


def location_not_available(location: str, available: Sequence[str]) -> ArmError:
    return ArmError(400, "LocationNotAvailableForResourceType",
                    f"The provided location '{location[:60]}' is not available for resource type "
                    f"'Microsoft.MachineLearning/webServices'. List of available regions for the "
                    f"resource type is '{','.join(available)}'.", target="location")
