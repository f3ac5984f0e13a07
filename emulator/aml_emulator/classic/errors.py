"""Errors of the classic management API, one tiny class per (status, code) the service answers.

Codes and texts come from ``D-ERR`` (the error-code page, MicrosoftDocs/azure-docs
``articles/machine-learning/studio/web-service-error-codes.md`` @134d406d: its user messages are
used verbatim where one exists) and the management swagger; each undocumented choice says so.
The body is always ``{"error": {"code", "message"}}`` (SW-MGMT ``Error``). Messages never
contain tokens, keys or SAS signatures.
"""

from __future__ import annotations

from ..web import HTTPError, RequestBodyInvalid

__all__ = [
    "BadParameterValue",
    "BlobNotFound",
    "ClassicError",
    "ConcurrencyInvalid",
    "ConcurrencyTooHigh",
    "EndpointNotFound",
    "InvalidBlob",
    "InvalidBlobExtension",
    "InvalidOperation",
    "ManagementRequestUnauthorized",
    "RequestBodyInvalid",
    "ResourceDownload",
    "TooManyEndpoints",
    "WebServiceIdNotFoundInWorkspace",
    "WebServiceNotFound",
    "WorkspaceNotFound",
]


class ClassicError(HTTPError):
    """Base of the classic management errors."""


class ManagementRequestUnauthorized(ClassicError):
    status = 401
    code = "ManagementRequestUnauthorized"

    def __init__(self) -> None:
        super().__init__("Unauthorized")  # D-ERR text, verbatim


class WorkspaceNotFound(ClassicError):
    status = 404
    code = "WorkspaceNotFound"

    def __init__(self) -> None:
        super().__init__(  # D-ERR user message, verbatim
            "Workspace not found. Verify the workspace Id is correct and try again.")


class WebServiceNotFound(ClassicError):
    status = 404
    code = "WebServiceNotFound"

    def __init__(self) -> None:
        super().__init__(  # D-ERR user message, verbatim
            "Web service not found. Verify the web service Id is correct and try again.")


class WebServiceIdNotFoundInWorkspace(ClassicError):
    status = 404
    code = "WebServiceIdNotFoundInWorkspace"

    def __init__(self) -> None:
        # D-ERR user message, verbatim.
        super().__init__("Web service under this workspace not found. There is a mismatch "
                         "between the webServiceId and the workspaceId. Verify the web service "
                         "provided is part of the workspace and try again.")


class EndpointNotFound(ClassicError):
    # Not documented: D-ERR has no endpoint-level code. 404 is what SW-MGMT declares for
    # "the URL does not map to any known resource"; the code name is our choice.
    status = 404
    code = "EndpointNotFound"

    def __init__(self) -> None:
        super().__init__("Endpoint not found. Verify the endpoint name is correct and try again.")


class TooManyEndpoints(ClassicError):
    # CLASSIC-API §9 gives the limits (10,000 endpoints per web service, SW-MGMT; 3 including
    # the default one in a free workspace) but not the error a create beyond them gets. Our
    # choice: 400, and a code named like D-ERR's WebServiceTooManyConcurrentRequestRequirement.
    status = 400
    code = "WebServiceTooManyEndpoints"


class BadParameterValue(ClassicError):
    status = 400
    code = "BadParameterValue"


class InvalidOperation(ClassicError):
    # D-ERR class of 400 errors for operations refused in the current state (CannotStartJob ...).
    # Used for undocumented refusals: PATCH/refresh/delete of the default endpoint, PATCH of an
    # endpoint without updatable resources.
    status = 400
    code = "InvalidOperation"


class ConcurrencyTooHigh(ClassicError):
    status = 400
    code = "WebServiceTooManyConcurrentRequestRequirement"


class ConcurrencyInvalid(ClassicError):
    status = 400
    code = "WebServiceConcurrentRequestRequirementInvalid"


class BlobNotFound(ClassicError):
    status = 400
    code = "BlobNotFound"


class InvalidBlob(ClassicError):
    # Not documented for PATCH: an expired or forged SAS (storage answers 401/403) or a
    # location that is not a URL. D-ERR's 400 "InvalidBlob" is the closest documented code.
    status = 400
    code = "InvalidBlob"


class InvalidBlobExtension(ClassicError):
    status = 400
    code = "InvalidBlobExtension"


class ResourceDownload(ClassicError):
    # D-ERR 500 InternalError class: the service could not download the resource.
    status = 500
    code = "ResourceDownload"
