"""ARM target: ``arm:RESOURCE_GROUP/NAME[#ASSET_ID]``, an ARM web service's trained-model asset."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

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
    from aml_retrain.arm.client import ArmWebServiceClient
    from aml_retrain.config import Settings
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.health import Probe, ProbeResult

__all__ = ["KIND", "ArmKind", "ArmTarget"]


@dataclass(frozen=True)
class ArmTarget:
    """An ARM web service's trained-model asset (the only one when ``asset`` is None)."""

    resource_group: str
    name: str
    asset: str | None = None
    kind: ClassVar[str] = "arm"

    def __str__(self) -> str:
        text = f"arm:{self.resource_group}/{self.name}"
        return f"{text}#{self.asset}" if self.asset else text


def _own(target: Target) -> ArmTarget:
    assert isinstance(target, ArmTarget)  # the registry routes by prefix
    return target


def _client(context: PromotionContext) -> ArmWebServiceClient:
    client: ArmWebServiceClient = context.clients.get("arm")
    return client


class ArmKind(BlobModels):
    """ARM web services: PATCH of the asset's ``locationInfo.uri``, polled; the URL stored bare."""

    prefix = "arm"
    forms: tuple[str, ...] = ("arm:RESOURCE_GROUP/NAME", "arm:RESOURCE_GROUP/NAME#ASSET_ID")
    usage = "arm:RG/NAME[#ASSET_ID]"
    # The definition stores the URL as given: a SAS must never get into it.
    shares_sas = False

    def parse(self, path: str, selector: str | None) -> ArmTarget:
        """Parse ``RESOURCE_GROUP/NAME`` (already split from ``#ASSET_ID``)."""
        from aml_retrain.arm.client import validate_names

        resource_group, name = path_parts(path, 2, "RESOURCE_GROUP/NAME", self.prefix)
        validate_names(resource_group, name)
        return ArmTarget(resource_group, name, selector)

    def make_client(self, settings: Settings) -> ArmWebServiceClient:
        """Build the client this kind's targets use (nothing is contacted yet)."""
        from aml_retrain.arm.client import ArmWebServiceClient

        return ArmWebServiceClient.from_settings(settings)

    def read_state(self, target: Target, context: PromotionContext) -> TargetState:
        """GET the web service; its state hash covers the definition's assets."""
        from aml_retrain.arm.definition import export_definition, refuse_read_only, select_asset

        own = _own(target)
        client = _client(context)
        live = export_definition(client.get(own.resource_group, own.name))
        refuse_read_only(live, own.name)  # a plan or gate for a target that cannot change is moot
        asset_id, asset = select_asset(live, own.asset)
        uri = str((asset.get("locationInfo") or {}).get("uri") or "")
        detail: JsonObject = {
            "resource_id": client.resource_id(own.resource_group, own.name),
            "asset_id": asset_id,
        }
        return TargetState(own, strip_sas(uri), canonical_hash(live["properties"]["assets"]),
                           detail, live)

    def deploy(self, target: Target, model: str, context: PromotionContext, *,
               dry_run: bool = False) -> JsonObject:
        """PATCH the asset's URI and poll it (backup, read-back)."""
        from aml_retrain.arm.webservices import set_model_live

        own = _own(target)
        return set_model_live(
            _client(context), own.resource_group, own.name, model, asset_id=own.asset,
            dry_run=dry_run, backup_dir=context.clients.backup_dir, timeout=context.operation_timeout,
        ).to_dict()

    def plan_change(self, shown: Mapping[str, Any]) -> JsonObject:
        """The PATCH a deploy would send and the asset's URI before and after."""
        return {"kind": "arm", "resource_id": shown["resource_id"], "asset_id": shown["asset_id"],
                "patch": shown["patch"], "before_uri": shown["before_uri"],
                "after_uri": shown["after_uri"]}


    def probe(self, target: Target, context: PromotionContext, probe: Probe, *,
              deployment: str | None = None,
              clock: Callable[[], float] = time.perf_counter) -> ProbeResult:
        """Score each row on the web service's Request-Response endpoint (key from listKeys)."""
        from aml_retrain.arm.webservices import webservice_scoring_client

        own = _own(target)
        return rrs_probe(lambda: webservice_scoring_client(_client(context), own.resource_group,
                                                           own.name),
                         probe, deployment, clock)


KIND = ArmKind()
