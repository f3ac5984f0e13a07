"""Read, create and delete endpoints the way users see them: keys only on request."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aml_retrain._json import copy_json
from aml_retrain._redact import redact_sas
from aml_retrain.classic.backups import KEY_FIELDS, write_backup
from aml_retrain.classic.validation import (
    DEFAULT_ENDPOINT_NAME,
    validate_endpoint_name,
    validate_endpoint_settings,
)
from aml_retrain.errors import AlreadyExistsError, NotFoundError, ValidationError

if TYPE_CHECKING:
    from aml_retrain.classic.management import ClassicManagementClient

__all__ = [
    "EndpointCreation",
    "create_endpoint",
    "delete_endpoint",
    "hide_secrets",
    "list_endpoints",
    "model_location",
    "show_endpoint",
]


def model_location(resource: Any) -> str:
    """The model an endpoint resource names: ``BaseLocation`` + ``RelativeLocation``, never its SAS."""
    location = resource.get("Location") if isinstance(resource, dict) else None
    if not isinstance(location, dict):
        return ""
    return f"{location.get('BaseLocation') or ''}{location.get('RelativeLocation') or ''}"


def hide_secrets(endpoint: dict[str, Any], *, include_keys: bool = False) -> dict[str, Any]:
    """Return a copy of an Endpoint object without its keys (unless asked) and SAS signatures."""
    out: dict[str, Any] = copy_json(endpoint)
    if not include_keys:
        for name in KEY_FIELDS:
            out.pop(name, None)
    for resource in out.get("Resources") or []:
        location = resource.get("Location") if isinstance(resource, dict) else None
        if isinstance(location, dict) and isinstance(location.get("SasBlobToken"), str):
            location["SasBlobToken"] = redact_sas(location["SasBlobToken"])
    return out


def list_endpoints(
    client: ClassicManagementClient, service_id: str, *, include_keys: bool = False
) -> list[dict[str, Any]]:
    """List a web service's endpoints, keys hidden unless asked."""
    return [hide_secrets(e, include_keys=include_keys) for e in client.list_endpoints(service_id)]


def show_endpoint(
    client: ClassicManagementClient, service_id: str, name: str, *, include_keys: bool = False
) -> dict[str, Any]:
    """Get one endpoint, keys hidden unless asked."""
    validate_endpoint_name(name)
    return hide_secrets(client.get_endpoint(service_id, name), include_keys=include_keys)


@dataclass(frozen=True)
class EndpointCreation:
    """What ``create_endpoint`` did: the endpoint as read back (no keys), and notices to show."""

    endpoint: dict[str, Any]
    created: bool
    warnings: tuple[str, ...] = ()


def create_endpoint(
    client: ClassicManagementClient,
    service_id: str,
    name: str,
    *,
    description: str | None = None,
    throttle_level: str | None = None,
    max_concurrent_calls: int | None = None,
    exist_ok: bool = False,
) -> EndpointCreation:
    """Create a non-default endpoint after checking (GET) that it does not exist yet.

    :raises AlreadyExistsError: the endpoint exists and ``exist_ok`` is false (nothing sent).
    :raises ValidationError: bad name or settings, e.g. more than 4 calls under ThrottleLevel Low.
    """
    validate_endpoint_name(name)
    validate_endpoint_settings(
        description=description,
        throttle_level=throttle_level,
        max_concurrent_calls=max_concurrent_calls,
    )
    # Read first: no public source says PUT answers 409 for an existing name, and a PUT that
    # overwrites would change a live endpoint's settings. (A create racing ours between the
    # GET and the PUT cannot be excluded; the API has no conditional PUT.)
    url = client.patch_url(service_id, name)
    try:
        existing = client.get_endpoint(service_id, name)
    except NotFoundError:
        existing = None
    if existing is not None:
        if not exist_ok:
            raise AlreadyExistsError(
                f"endpoint {name!r} already exists on web service {service_id}; nothing was "
                "changed: pass --exist-ok to use it as it is, or choose another name",
                url=url,
            )
        return EndpointCreation(hide_secrets(existing), created=False,
                                warnings=(f"endpoint {name!r} already exists; its settings were "
                                          "left as they are", _in_effect(existing)))
    created = client.create_endpoint(
        service_id,
        name,
        description=description,
        throttle_level=throttle_level,
        max_concurrent_calls=max_concurrent_calls,
    )
    notes = [_in_effect(created)]
    actual = created.get("MaxConcurrentCalls")
    if max_concurrent_calls is not None and actual != max_concurrent_calls:
        notes.append(f"the service set MaxConcurrentCalls to {actual}, not the requested "
                     f"{max_concurrent_calls}")
    return EndpointCreation(hide_secrets(created), created=True, warnings=tuple(notes))


def _in_effect(endpoint: dict[str, Any]) -> str:
    # As read back from the service: Low caps MaxConcurrentCalls at 4 (SW-MGMT ThrottleLevel).
    return (f"in effect: ThrottleLevel {endpoint.get('ThrottleLevel')}, "
            f"MaxConcurrentCalls {endpoint.get('MaxConcurrentCalls')}")


def delete_endpoint(
    client: ClassicManagementClient, service_id: str, name: str, *, backup_dir: str | Path
) -> dict[str, Any]:
    """Delete a non-default endpoint after backing up its definition (keys excluded)."""
    validate_endpoint_name(name)
    service = client.get_web_service(service_id)
    if name == (service.get("DefaultEndpointName") or DEFAULT_ENDPOINT_NAME):
        raise ValidationError(
            f"{name!r} is the default endpoint of web service {service_id}: it goes away only "
            "with the web service; delete a non-default endpoint instead"
        )
    current = client.get_endpoint(service_id, name)
    path = write_backup(backup_dir, client.workspace_id, service_id, name, current)
    client.delete_endpoint(service_id, name)
    return {"deleted": name, "web_service_id": service_id, "backup_path": str(path)}
