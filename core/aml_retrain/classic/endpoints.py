"""Endpoint workflows, one function per CLI command; input is validated before any request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aml_retrain._blobs import BlobLocation, parse_model_url
from aml_retrain._json import JsonObject, copy_json
from aml_retrain._redact import redact_sas, redact_url
from aml_retrain.classic.backups import write_backup
from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.classic.validation import (
    DEFAULT_ENDPOINT_NAME,
    check_not_default,
    resource_names,
    select_resource,
    validate_endpoint_name,
)
from aml_retrain.errors import SasExpiredError, ValidationError, VerificationError

if TYPE_CHECKING:
    from aml_retrain.classic.journal import JobJournal

__all__ = [
    "SetModelResult",
    "get_patch_info",
    "redact_resource",
    "set_model_from_job",
    "set_trained_model",
]


@dataclass(frozen=True)
class SetModelResult:
    """What ``set_trained_model`` did (or would do); SAS signatures are redacted."""

    web_service_id: str
    endpoint: str
    resource_name: str
    patch_url: str
    dry_run: bool
    body: JsonObject
    before: JsonObject
    after: JsonObject | None = None
    backup_path: Path | None = None
    verified: bool = False
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict with the attribute names as keys (a deep copy, like asdict)."""
        return {
            "web_service_id": self.web_service_id,
            "endpoint": self.endpoint,
            "resource_name": self.resource_name,
            "patch_url": self.patch_url,
            "dry_run": self.dry_run,
            "body": copy_json(self.body),
            "before": copy_json(self.before),
            "after": copy_json(self.after),
            "backup_path": str(self.backup_path) if self.backup_path else None,
            "verified": self.verified,
            "warnings": self.warnings,
        }


def redact_resource(resource: Mapping[str, Any]) -> JsonObject:
    """Return a copy of an endpoint resource whose SAS signature is redacted."""
    copy = dict(resource)
    location = copy.get("Location")
    if isinstance(location, Mapping):
        location = dict(location)
        if isinstance(location.get("SasBlobToken"), str):
            location["SasBlobToken"] = redact_sas(location["SasBlobToken"])
        copy["Location"] = location
    return copy


def get_patch_info(
    client: ClassicManagementClient, service_id: str, endpoint: str, *, include_keys: bool = False
) -> JsonObject:
    """Return the endpoint's PATCH URL, locations and resource names (keys only on request)."""
    validate_endpoint_name(endpoint)
    obj = client.get_endpoint(service_id, endpoint)
    # Built here, so snake_case (the endpoint object itself keeps the service's PascalCase).
    info: JsonObject = {
        "patch_url": client.patch_url(service_id, endpoint),
        "web_service_id": obj.get("WebServiceId", service_id),
        "endpoint": obj.get("Name", endpoint),
        "api_location": obj.get("ApiLocation"),
        "help_location": obj.get("HelpLocation"),
        "resources": resource_names(obj),
    }
    if include_keys:
        info["primary_key"] = obj.get("PrimaryKey")
        info["secondary_key"] = obj.get("SecondaryKey")
    return info


def set_trained_model(
    client: ClassicManagementClient,
    service_id: str,
    endpoint: str,
    model_url: str,
    *,
    resource_name: str | None = None,
    dry_run: bool = False,
    backup_dir: Path | None = None,
    now: datetime | None = None,
    storage_connection_string: str | None = None,
    service: Mapping[str, Any] | None = None,
    current: Mapping[str, Any] | None = None,
    endpoint_key_only: bool = False,
) -> SetModelResult:
    """Point an endpoint's trained-model resource at a new ``.ilearner``, back up, verify.

    ``service`` and ``current`` are the web service and endpoint objects when the caller has just
    read them (a promotion does); otherwise they are fetched here. ``endpoint_key_only``: the
    client holds only the endpoint's API key, which cannot read the web service; the default
    endpoint is then recognised by its usual name and the result carries a warning saying so.
    """
    moment = now or datetime.now(timezone.utc)
    validate_endpoint_name(endpoint)
    if not dry_run and backup_dir is None:
        raise ValidationError("backup_dir is required unless dry_run: the old model is saved first")
    location = _model_location(model_url, moment, storage_connection_string)
    warnings: tuple[str, ...] = ()
    if endpoint_key_only and service is None:
        # The web service GET needs the workspace token (SW-MGMT: WorkspaceKey only).
        check_not_default(DEFAULT_ENDPOINT_NAME, endpoint)
        warnings = (
            "signed in with the endpoint key: web service "
            f"{service_id} was not read, so {endpoint!r} was checked against the default "
            f"endpoint by name only ({DEFAULT_ENDPOINT_NAME!r}); the service refuses a PATCH "
            "of the default endpoint itself",
        )
    else:
        if service is None:
            service = client.get_web_service(service_id)
        check_not_default(service, endpoint)
    if current is None:
        current = client.get_endpoint(service_id, endpoint)
    resource = select_resource(current, resource_name)
    name = str(resource["Name"])
    body: JsonObject = {"Resources": [{"Name": name, "Location": location.to_api()}]}
    result = SetModelResult(
        web_service_id=service_id,
        endpoint=endpoint,
        resource_name=name,
        patch_url=client.patch_url(service_id, endpoint),
        dry_run=dry_run,
        body={"Resources": [redact_resource(r) for r in body["Resources"]]},
        before=redact_resource(resource),
        warnings=warnings,
    )
    if dry_run:
        return result
    assert backup_dir is not None  # checked above, before any request
    backup_path = write_backup(backup_dir, client.workspace_id, service_id, endpoint, current,
                               now=moment)
    client.patch_endpoint(service_id, endpoint, body)
    after = _read_back(client, service_id, endpoint, name, location)
    return SetModelResult(
        web_service_id=service_id,
        endpoint=endpoint,
        resource_name=name,
        patch_url=result.patch_url,
        dry_run=False,
        body=result.body,
        before=result.before,
        after=redact_resource(after),
        backup_path=backup_path,
        verified=True,
        warnings=warnings,
    )


def set_model_from_job(
    client: ClassicManagementClient,
    service_id: str,
    endpoint: str,
    job_id: str,
    *,
    journal: JobJournal,
    training_service_id: str | None = None,
    resource_name: str | None = None,
    dry_run: bool = False,
    backup_dir: Path | None = None,
    now: datetime | None = None,
    storage_connection_string: str | None = None,
    training: Any = None,
) -> SetModelResult:
    """Point an endpoint at a finished BES job's ``.ilearner`` (fresh SAS from a job GET).

    ``training`` (TrainingServices) looks the job up when it ran on an ARM training service.
    """
    from aml_retrain.classic.bes import validate_job_id
    from aml_retrain.classic.retrain import model_url_from_job

    validate_endpoint_name(endpoint)
    validate_job_id(job_id)
    if not dry_run and backup_dir is None:
        raise ValidationError("backup_dir is required unless dry_run: the old model is saved first")
    for attempt in (1, 2):
        url = model_url_from_job(training if training is not None else client, job_id,
                                 journal=journal, service_id=training_service_id)
        try:
            return set_trained_model(
                client, service_id, endpoint, url, resource_name=resource_name, dry_run=dry_run,
                backup_dir=backup_dir, now=now, storage_connection_string=storage_connection_string,
            )
        except SasExpiredError:
            # D-CLASSIC: an expired output SAS is renewed by GETting the job again; once only.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _model_location(
    model_url: str, now: datetime, storage_connection_string: str | None
) -> BlobLocation:
    location = parse_model_url(model_url, now=now)
    if location.sas_token or not storage_connection_string:
        return location
    # A bare blob URL (from `storage upload`) gets a short-lived read SAS minted locally.
    from aml_retrain.storage import make_read_sas_url

    return parse_model_url(make_read_sas_url(storage_connection_string, model_url), now=now)


def _read_back(
    client: ClassicManagementClient,
    service_id: str,
    endpoint: str,
    name: str,
    sent: BlobLocation,
) -> JsonObject:
    after = client.get_endpoint(service_id, endpoint)
    match = next(
        (r for r in after.get("Resources") or [] if isinstance(r, dict) and r.get("Name") == name),
        None,
    )
    if match is None:
        raise VerificationError(
            f"the service accepted the update but endpoint {endpoint!r} no longer lists "
            f"resource {name!r}"
        )
    location = match.get("Location")
    reported: JsonObject = location if isinstance(location, dict) else {}
    if not _same_location(reported, sent):
        shown = str(reported.get("BaseLocation") or "") + str(
            reported.get("RelativeLocation") or ""
        )
        raise VerificationError(
            "the service accepted the update but still reports "
            f"{redact_url(shown) or 'no location'} for {name!r} instead of "
            f"{sent.url_without_sas}: wait ~30 s and check with aml-retrain classic endpoints show"
        )
    return match


def _same_location(reported: Mapping[str, Any], sent: BlobLocation) -> bool:
    # The blob is the model; the SAS is only a credential the service may re-encode or not echo.
    base = str(reported.get("BaseLocation") or "").rstrip("/") + "/"
    relative = str(reported.get("RelativeLocation") or "").lstrip("/")
    return (base, relative) == (sent.base_location.rstrip("/") + "/", sent.relative_location)
