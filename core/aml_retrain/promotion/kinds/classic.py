"""Classic target: ``classic:SERVICE_ID/ENDPOINT[#RESOURCE]``, a Studio (classic) endpoint's resource."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from aml_retrain.errors import ConfigError, ValidationError
from aml_retrain.promotion.kinds import (
    JsonObject,
    Target,
    TargetState,
    canonical_hash,
    path_parts,
    strip_sas,
)
from aml_retrain.promotion.kinds._blob import BlobModels, rrs_probe

if TYPE_CHECKING:
    from aml_retrain.classic.management import ClassicManagementClient
    from aml_retrain.config import Settings
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.health import Probe, ProbeResult

__all__ = ["KIND", "SAS_AT_APPLY", "ClassicKind", "ClassicTarget"]

SAS_AT_APPLY = "<SAS minted at apply time>"
_SERVICE_ID = re.compile(r"^[^/#?\s]{1,128}$")


@dataclass(frozen=True)
class ClassicTarget:
    """A classic endpoint's trained-model resource (the only one when ``resource`` is None)."""

    service_id: str
    endpoint: str
    resource: str | None = None
    kind: ClassVar[str] = "classic"

    def __str__(self) -> str:
        text = f"classic:{self.service_id}/{self.endpoint}"
        return f"{text}#{self.resource}" if self.resource else text


def _resources_without_sas(endpoint_obj: Mapping[str, Any]) -> list[Any]:
    # A re-issued SAS changes nothing the endpoint serves, so it must not make a plan stale.
    out: list[Any] = []
    for resource in endpoint_obj.get("Resources") or []:
        if isinstance(resource, Mapping):
            resource = dict(resource)
            location = resource.get("Location")
            if isinstance(location, Mapping):
                resource["Location"] = {k: v for k, v in location.items() if k != "SasBlobToken"}
        out.append(resource)
    return out


def _own(target: Target) -> ClassicTarget:
    assert isinstance(target, ClassicTarget)  # the registry routes by prefix
    return target


def _client(context: PromotionContext) -> ClassicManagementClient:
    client: ClassicManagementClient = context.clients.get("classic")
    return client


class ClassicKind(BlobModels):
    """Classic endpoints: PATCH of the endpoint's resource location, SAS passed apart."""

    prefix = "classic"
    forms: tuple[str, ...] = ("classic:SERVICE_ID/ENDPOINT", "classic:SERVICE_ID/ENDPOINT#RESOURCE")
    usage = "classic:SERVICE_ID/ENDPOINT[#RESOURCE]"
    shares_sas = True

    def parse(self, path: str, selector: str | None) -> ClassicTarget:
        """Parse ``SERVICE_ID/ENDPOINT`` (already split from ``#RESOURCE``)."""
        from aml_retrain.classic.validation import validate_endpoint_name

        service_id, endpoint = path_parts(path, 2, "SERVICE_ID/ENDPOINT", self.prefix)
        if not _SERVICE_ID.match(service_id):
            raise ValidationError(f"web service id {service_id!r} must not contain spaces, '?' or '#'")
        validate_endpoint_name(endpoint)
        return ClassicTarget(service_id, endpoint, selector)

    def make_client(self, settings: Settings) -> ClassicManagementClient:
        """Build the client this kind's targets use (nothing is contacted yet)."""
        from aml_retrain.classic.management import ClassicManagementClient

        return ClassicManagementClient.from_settings(settings)

    def read_state(self, target: Target, context: PromotionContext) -> TargetState:
        """GET the endpoint; its state hash covers the resources without their SAS."""
        from aml_retrain.classic.validation import select_resource
        from aml_retrain.classic.views import hide_secrets, model_location

        own = _own(target)
        client = _client(context)
        obj = client.get_endpoint(own.service_id, own.endpoint)
        context.caches.put("endpoints", str(own), obj)
        resource = select_resource(obj, own.resource)
        model = model_location(resource)
        detail: JsonObject = {
            "workspace_id": context.clients.workspace_id or client.workspace_id,
            "service_id": own.service_id,
            "endpoint": own.endpoint,
            "resource": str(resource["Name"]),
        }
        return TargetState(own, strip_sas(model), canonical_hash(_resources_without_sas(obj)),
                           detail, hide_secrets(obj))

    def deploy(self, target: Target, model: str, context: PromotionContext, *,
               dry_run: bool = False) -> JsonObject:
        """PATCH the resource's location (backup, read-back); a bare URL gets a minted SAS."""
        from aml_retrain.classic.endpoints import set_trained_model

        own = _own(target)
        client = _client(context)
        service = context.caches.get("services", own.service_id)
        if service is None:
            service = context.caches.put("services", own.service_id,
                                         client.get_web_service(own.service_id))
        # A URL without SAS gets a short-lived one minted from the connection string in there.
        return set_trained_model(
            client, own.service_id, own.endpoint, model,
            resource_name=own.resource, dry_run=dry_run, backup_dir=context.clients.backup_dir,
            storage_connection_string=context.clients.storage_connection_string, service=service,
            current=context.caches.take("endpoints", str(own)),
        ).to_dict()

    def plan_change(self, shown: Mapping[str, Any]) -> JsonObject:
        """The PATCH a deploy would send, its SAS replaced by a marker."""
        def location(resource: Any) -> JsonObject:
            loc = resource.get("Location") if isinstance(resource, Mapping) else None
            loc = loc if isinstance(loc, Mapping) else {}
            return {k: loc.get(k) for k in ("BaseLocation", "RelativeLocation")}

        body = json.loads(json.dumps(shown["body"]))
        for resource in body.get("Resources") or []:
            loc = resource.get("Location")
            if isinstance(loc, dict) and "SasBlobToken" in loc:
                # Even a redacted SAS carries its expiry; apply mints its own, so show only that.
                loc["SasBlobToken"] = SAS_AT_APPLY
        return {"kind": "classic", "patch_url": shown["patch_url"],
                "resource_name": shown["resource_name"], "body": body,
                "before": location(shown["before"]), "after": location(body["Resources"][0])}

    def probe(self, target: Target, context: PromotionContext, probe: Probe, *,
              deployment: str | None = None,
              clock: Callable[[], float] = time.perf_counter) -> ProbeResult:
        """Score each row on the endpoint's Request-Response service (key from the management API)."""
        from aml_retrain.classic.scoring import scoring_client

        own = _own(target)
        return rrs_probe(lambda: scoring_client(_client(context), own.service_id, own.endpoint),
                         probe, deployment, clock)

    def fresh_model(self, target: Target, planned: str, context: PromotionContext,
                    from_job: Callable[[], str] | None) -> str:
        """The job's URL with its fresh SAS (same blob as planned), or the bare URL to mint one for."""
        if from_job is not None:
            # The job hands out a fresh SAS; it must still name the blob that was reviewed.
            return from_job()
        if not context.clients.storage_connection_string:
            raise ConfigError(
                "applying a classic plan mints a fresh read SAS for the model: set the storage "
                "connection string (AML_RETRAIN_STORAGE_CONNECTION_STRING), or pass the job journal "
                "so the job's SAS can be fetched again"
            )
        return strip_sas(planned)


KIND = ClassicKind()
