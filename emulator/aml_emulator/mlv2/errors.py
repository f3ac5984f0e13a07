"""Error answers of the v2 routes: D:ErrorResponse ``{"error": {code, message, target?}}``.

The envelope is the spec's (ML-V2 §0: ``default`` → ErrorResponse for every operation); the codes
are reference silent. Ours: the ARM front door's codes for auth, api-version, subscription and
group (as the webServices emulator answers them), ``ResourceNotFound`` for a missing resource
(ARM's code), and ``UserError`` for a request the service refuses (online-contract §7: what the
real service puts at the top level). Messages are one line and carry no secret.
"""

from __future__ import annotations

from ..arm.errors import ArmError

__all__ = ["API_VERSION", "conflict", "not_found", "unsupported_api_version", "user_error"]

API_VERSION = "2025-12-01"


def user_error(message: str, *, target: str | None = None, status: int = 400) -> ArmError:
    return ArmError(status, "UserError", message, target=target)


def not_found(kind: str, name: str) -> ArmError:
    return ArmError(404, "ResourceNotFound",
                    f"The {kind} '{name[:120]}' was not found in this workspace.")


def conflict(message: str) -> ArmError:
    return ArmError(409, "Conflict", message)


def unsupported_api_version(version: str | None) -> ArmError:
    if version is None:
        return ArmError(400, "MissingApiVersionParameter",
                        "The api-version query parameter (?api-version=) is required for all "
                        "requests.")
    return ArmError(400, "NoRegisteredProviderFound",
                    f"No registered resource provider found for API version '{version[:40]}' "
                    f"and type 'workspaces'. The supported api-versions are '{API_VERSION}'.")
