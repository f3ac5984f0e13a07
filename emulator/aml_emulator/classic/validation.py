"""Pure validation of management API inputs (no state, no HTTP); raises ``classic.errors``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import (
    BadParameterValue,
    ConcurrencyInvalid,
    ConcurrencyTooHigh,
    InvalidBlobExtension,
)

__all__ = [
    "ResourceUpdate",
    "check_model_extension",
    "concurrency_for",
    "parse_bool_string",
    "parse_description",
    "parse_max_concurrent_calls",
    "parse_resource_updates",
    "parse_throttle_level",
    "parse_trace_level",
    "validate_endpoint_name",
]

# SW-MGMT Endpoint.Name: ≤ 24 chars, digits and lower-case letters, hyphens except first/last.
_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?")
_THROTTLE_LEVELS = ("Low", "High")
_TRACE_LEVELS = ("None", "Error", "All")
MAX_DESCRIPTION = 2000
MAX_CONCURRENT_CALLS = 200
LOW_THROTTLE_CALLS = 4
DEFAULT_HIGH_CALLS = 20  # SW-MGMT: default for a paid workspace
_CALLS_RANGE = "MaxConcurrentCalls must be an integer between 1 and 200."


@dataclass(frozen=True)
class ResourceUpdate:
    """One ``Resources[]`` item of a PATCH body, validated."""

    name: str
    base_location: str
    relative_location: str
    sas_blob_token: str

    def location(self) -> dict[str, str]:
        return {"BaseLocation": self.base_location, "RelativeLocation": self.relative_location,
                "SasBlobToken": self.sas_blob_token}


def validate_endpoint_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise BadParameterValue(
            "Invalid endpoint name. It must be at most 24 characters long, use only lower-case "
            "letters, digits and hyphens, and not start or end with a hyphen.")


def parse_description(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadParameterValue("Description must be a string.")
    if len(value) > MAX_DESCRIPTION:
        raise BadParameterValue(f"Description must be at most {MAX_DESCRIPTION} characters long.")
    return value


def _parse_enum(value: Any, allowed: tuple[str, ...], field: str) -> str:
    # The service is .NET; its JSON enum parsing is case-insensitive (inferred), so we are too.
    if isinstance(value, str):
        for candidate in allowed:
            if candidate.lower() == value.strip().lower():
                return candidate
    raise BadParameterValue(f"{field} must be one of: {', '.join(allowed)}.")


def parse_throttle_level(value: Any) -> str:
    return _parse_enum(value, _THROTTLE_LEVELS, "ThrottleLevel")


def parse_trace_level(value: Any) -> str:
    return _parse_enum(value, _TRACE_LEVELS, "DiagnosticsTraceLevel")


def parse_max_concurrent_calls(value: Any) -> int | None:
    """``None`` when absent/null; else an int in 1..200 (numeric strings accepted, as .NET does)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ConcurrencyInvalid(_CALLS_RANGE)
    try:
        calls = int(value)
    except (TypeError, ValueError) as exc:
        raise ConcurrencyInvalid(_CALLS_RANGE) from exc
    if calls > MAX_CONCURRENT_CALLS:
        # D-ERR WebServiceTooManyConcurrentRequestRequirement, verbatim with {0} filled in.
        raise ConcurrencyTooHigh("Cannot set concurrent request requirement to more than "
                                 f"{MAX_CONCURRENT_CALLS}.")
    if calls < 1:
        raise ConcurrencyInvalid(_CALLS_RANGE)
    return calls


def concurrency_for(throttle: str, requested: int | None, current: int | None = None) -> int:
    """Effective MaxConcurrentCalls for a throttle level.

    SW-MGMT ThrottleLevel: "When ThrottleLevel=Low MaxConcurrentCalls is capped to 4, and when
    ThrottleLevel=High MaxConcurrentCalls is capped to 200": under Low a value above 4 is
    stored as 4, a smaller one is kept; nothing given means 4 (azuremlps'
    Add-AmlWebServiceEndpoint sends none under Low and warns that Low sets 4). Reference
    conflict for High (CLASSIC-API §9: D-SCALE15 20–200, PS-README 1–200): we accept 1–200.
    """
    if throttle == "Low":
        wanted = requested if requested is not None else current
        return min(wanted, LOW_THROTTLE_CALLS) if wanted is not None else LOW_THROTTLE_CALLS
    if requested is not None:
        return requested
    if current is not None and current > LOW_THROTTLE_CALLS:
        return current
    return DEFAULT_HIGH_CALLS


def parse_bool_string(value: Any, field: str) -> bool:
    """``"True"``/``"False"`` as the service documents (strings); JSON booleans are accepted too."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise BadParameterValue(f'{field} must be "True" or "False".')


def _text(value: Any, field: str, *, allow_empty: bool = False) -> str:
    if value is None and allow_empty:
        return ""
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise BadParameterValue(f"{field} must be a non-empty string.")
    return value


def _parse_resource(item: Any) -> ResourceUpdate:
    if not isinstance(item, dict):
        raise BadParameterValue("Each item of Resources must be an object with Name and Location.")
    name = item.get("Name")
    if not isinstance(name, str) or not name.strip():
        raise BadParameterValue("Resource name is empty string")  # azuremlps#27, verbatim
    location = item.get("Location")
    if not isinstance(location, dict):
        raise BadParameterValue(f"Resource '{name}' has no Location object.")
    return ResourceUpdate(
        name=name,
        base_location=_text(location.get("BaseLocation"), "Location.BaseLocation"),
        relative_location=_text(location.get("RelativeLocation"), "Location.RelativeLocation"),
        sas_blob_token=_text(location.get("SasBlobToken"), "Location.SasBlobToken",
                             allow_empty=True))


def check_model_extension(update: ResourceUpdate) -> None:
    """D-ERR InvalidBlobExtension: trained models are ``.ilearner`` (case-insensitive: inferred)."""
    if not update.relative_location.split("?", 1)[0].lower().endswith(".ilearner"):
        raise InvalidBlobExtension(
            f"The blob for resource '{update.name}' must have the .ilearner extension "
            "(Location.RelativeLocation).")


def parse_resource_updates(value: Any) -> list[ResourceUpdate]:
    if not isinstance(value, list) or not value:
        raise BadParameterValue("Resources must be a non-empty array of {Name, Location}.")
    return [_parse_resource(item) for item in value]
