"""Checks on user input for classic endpoints, done before any request (pure, no I/O)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from aml_retrain.errors import ValidationError

__all__ = [
    "check_management_path",
    "check_not_default",
    "select_resource",
    "validate_endpoint_name",
]

MAX_ENDPOINT_NAME = 24
MAX_DESCRIPTION = 2000
THROTTLE_LEVELS = ("Low", "High")
MAX_CONCURRENT_CALLS = 200
# SW-MGMT ThrottleLevel: "When ThrottleLevel=Low MaxConcurrentCalls is capped to 4"; azuremlps
# Add-AmlWebServiceEndpoint (WebServiceEndpointCmdlets.cs) drops the value under Low with a warning.
LOW_THROTTLE_MAX_CALLS = 4
DEFAULT_ENDPOINT_NAME = "default"

_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def suggest_endpoint_name(name: str) -> str:
    """Return a valid endpoint name close to ``name``."""
    candidate = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:MAX_ENDPOINT_NAME]
    return candidate.strip("-") or "retrained01"


def validate_endpoint_name(name: str) -> str:
    """Return ``name`` if the service accepts it as an endpoint name, else raise ValidationError."""
    if len(name) <= MAX_ENDPOINT_NAME and _NAME.match(name):
        return name
    raise ValidationError(
        f"invalid endpoint name {name!r}: use at most {MAX_ENDPOINT_NAME} characters, "
        "lowercase letters, digits and hyphens (not first or last), "
        f"e.g. {suggest_endpoint_name(name)!r}"
    )


# What each collection's next segment is, for the message (CLASSIC-API.md §2).
_SEGMENT_NAMES = {"workspaces": "workspace id", "webservices": "web service id",
                  "endpoints": "endpoint name"}


def check_management_path(segments: Sequence[str]) -> None:
    """Raise ValidationError if an id in a management URL path (collection, id, …) is blank.

    ``webservices/`` + ``""`` is the *list* of web services: a blank id would read (or write)
    another resource than the one named, so it is refused before any request.
    """
    for before, segment in zip(("", *segments), segments, strict=False):  # (previous, this)
        if not segment.strip():
            what = _SEGMENT_NAMES.get(before, "id")
            raise ValidationError(
                f"the {what} is empty: pass it (see 'aml-retrain classic services list' and "
                "'aml-retrain classic endpoints list SERVICE_ID')"
            )


def validate_endpoint_settings(
    *,
    description: str | None = None,
    throttle_level: str | None = None,
    max_concurrent_calls: int | None = None,
) -> None:
    """Raise ValidationError if create/patch endpoint settings are out of the service's range."""
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise ValidationError(
            f"description is {len(description)} characters: the service allows {MAX_DESCRIPTION}"
        )
    if throttle_level is not None and throttle_level not in THROTTLE_LEVELS:
        raise ValidationError(f"throttle level {throttle_level!r} must be Low or High")
    if max_concurrent_calls is not None and not 1 <= max_concurrent_calls <= MAX_CONCURRENT_CALLS:
        raise ValidationError(
            f"max concurrent calls {max_concurrent_calls} must be between 1 and "
            f"{MAX_CONCURRENT_CALLS}"
        )
    if (max_concurrent_calls or 0) > LOW_THROTTLE_MAX_CALLS and throttle_level != "High":
        # The service would silently keep 4: refuse instead of creating something else.
        raise ValidationError(
            f"max concurrent calls {max_concurrent_calls} needs throttle level High "
            f"(--throttle-level High, paid workspaces only): under Low (the default) the "
            f"service caps it at {LOW_THROTTLE_MAX_CALLS}"
        )


def resource_names(endpoint_obj: Mapping[str, Any]) -> list[str]:
    """Return the names of the endpoint's updatable trained-model resources."""
    names = []
    for resource in endpoint_obj.get("Resources") or []:
        name = resource.get("Name") if isinstance(resource, Mapping) else None
        # "{}" or "" is how the service shows "no patchable model" (azuremlps#27).
        if isinstance(name, str) and name.strip() not in ("", "{}"):
            names.append(name)
    return names


def select_resource(
    endpoint_obj: Mapping[str, Any], resource_name: str | None = None
) -> dict[str, Any]:
    """Return the trained-model resource to replace, or explain which one to pick."""
    endpoint = endpoint_obj.get("Name", "?")
    names = resource_names(endpoint_obj)
    if not names:
        raise ValidationError(
            f"endpoint {endpoint!r} has no updatable resources (trained models): it is probably "
            "an endpoint of the training web service, or its experiment has no trained model; "
            "patch a non-default endpoint of the predictive web service instead"
        )
    quoted = ", ".join(repr(n) for n in names)
    if resource_name is None:
        if len(names) > 1:
            raise ValidationError(
                f"endpoint {endpoint!r} has {len(names)} trained-model resources: "
                f"pass --resource-name with one of {quoted}"
            )
        resource_name = names[0]
    elif resource_name not in names:
        raise ValidationError(
            f"endpoint {endpoint!r} has no resource named {resource_name!r}: "
            f"valid names are {quoted} (names are case-sensitive)"
        )
    for resource in endpoint_obj.get("Resources") or []:
        if isinstance(resource, Mapping) and resource.get("Name") == resource_name:
            return dict(resource)
    raise AssertionError("unreachable: name came from the list")  # pragma: no cover


def check_not_default(
    service_obj_or_default_name: Mapping[str, Any] | str, endpoint_name: str
) -> None:
    """Raise ValidationError if ``endpoint_name`` is the web service's default endpoint."""
    if isinstance(service_obj_or_default_name, str):
        default = service_obj_or_default_name
    else:
        default = service_obj_or_default_name.get("DefaultEndpointName") or DEFAULT_ENDPOINT_NAME
    if endpoint_name.lower() == str(default).lower():
        raise ValidationError(
            f"{endpoint_name!r} is the default endpoint: its model follows the published "
            "experiment and cannot be replaced; create a non-default endpoint first: "
            "aml-retrain classic endpoints create <web-service-id> <new-endpoint-name>, "
            "then patch that one"
        )
