"""Promotion targets: one string names a classic endpoint resource or an ARM trained-model asset.

``read_state`` reads what a target serves now (and a hash of the state a deploy depends on);
``deploy`` repoints it through the existing guarded paths (backup, PATCH, read-back).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aml_retrain.errors import ValidationError

if TYPE_CHECKING:
    from aml_retrain.arm.client import ArmWebServiceClient
    from aml_retrain.classic.management import ClassicManagementClient
    from aml_retrain.config import Settings
    from aml_retrain.training_services import TrainingServices

__all__ = [
    "TARGET_FORMS",
    "Clients",
    "Target",
    "TargetState",
    "canonical_hash",
    "deploy",
    "parse_target",
    "read_state",
    "strip_sas",
]

TARGET_FORMS = (
    "classic:SERVICE_ID/ENDPOINT",
    "classic:SERVICE_ID/ENDPOINT#RESOURCE",
    "arm:RESOURCE_GROUP/NAME",
    "arm:RESOURCE_GROUP/NAME#ASSET_ID",
)
_SERVICE_ID = re.compile(r"^[^/#?\s]{1,128}$")
JsonObject = dict[str, Any]


def canonical_hash(value: Any) -> str:
    """Return the hex sha256 of the canonical JSON (the ledger's form) of ``value``."""
    from aml_retrain.promotion.ledger import canonical_json

    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def strip_sas(url: str) -> str:
    """Return a blob URL without its query (the SAS): the form models are recorded in."""
    return url.split("?", 1)[0]


@dataclass(frozen=True)
class Target:
    """A deployable thing: a classic endpoint (resource) or an ARM web service (asset)."""

    kind: str
    service_id: str | None = None
    endpoint: str | None = None
    resource: str | None = None
    resource_group: str | None = None
    name: str | None = None
    asset: str | None = None

    def __str__(self) -> str:
        if self.kind == "classic":
            text = f"classic:{self.service_id}/{self.endpoint}"
            return f"{text}#{self.resource}" if self.resource else text
        text = f"arm:{self.resource_group}/{self.name}"
        return f"{text}#{self.asset}" if self.asset else text


def _bad(text: str, why: str) -> ValidationError:
    forms = ", ".join(TARGET_FORMS)
    return ValidationError(f"invalid target {text!r}: {why}; accepted forms are {forms}")


def parse_target(text: str) -> Target:
    """Parse ``classic:SERVICE/ENDPOINT[#RESOURCE]`` or ``arm:RG/NAME[#ASSET_ID]``."""
    from aml_retrain.arm.client import validate_names
    from aml_retrain.classic.validation import validate_endpoint_name

    raw = text.strip()
    kind, colon, rest = raw.partition(":")
    kind = kind.lower()
    if not colon or kind not in ("classic", "arm"):
        raise _bad(text, "it must start with 'classic:' or 'arm:'")
    path, hash_sign, selector = rest.partition("#")
    if hash_sign and not selector.strip():
        raise _bad(text, "nothing after '#': name the resource or asset, or drop the '#'")
    parts = path.split("/")
    if len(parts) != 2 or not all(parts):
        what = "SERVICE_ID/ENDPOINT" if kind == "classic" else "RESOURCE_GROUP/NAME"
        raise _bad(text, f"expected exactly {what} after '{kind}:'")
    first, second = parts
    chosen = selector.strip() or None
    try:
        if kind == "classic":
            if not _SERVICE_ID.match(first):
                raise ValidationError(f"web service id {first!r} must not contain spaces, '?' or '#'")
            validate_endpoint_name(second)
            return Target("classic", service_id=first, endpoint=second, resource=chosen)
        validate_names(first, second)
    except ValidationError as exc:
        raise _bad(text, str(exc)) from None
    return Target("arm", resource_group=first, name=second, asset=chosen)


@dataclass
class Clients:
    """What a promotion needs to reach targets: client factories (built once, on first use)."""

    classic_factory: Callable[[], ClassicManagementClient] | None = None
    arm_factory: Callable[[], ArmWebServiceClient] | None = None
    storage_connection_string: str | None = field(default=None, repr=False)
    backup_dir: Path | None = None
    workspace_id: str | None = None
    subscription_id: str | None = None
    # Seconds an ARM write (PATCH and its polling) may take: `--timeout` of promote and friends.
    operation_timeout: float = 900.0
    _classic: ClassicManagementClient | None = field(default=None, init=False, repr=False)
    _arm: ArmWebServiceClient | None = field(default=None, init=False, repr=False)
    _training: TrainingServices | None = field(default=None, init=False, repr=False)
    # Model blob fingerprints by URL (no SAS) for this run: a fan-out of one model to N targets
    # downloads and hashes it once, not N times.
    fingerprints: dict[str, dict[str, Any]] = field(default_factory=dict, init=False, repr=False)
    # Objects read by read_state, handed to the deploy that follows (saves its two GETs); web
    # services are stable for a run, endpoints are used once.
    services: dict[str, dict[str, Any]] = field(default_factory=dict, init=False, repr=False)
    endpoints_read: dict[tuple[str, str], dict[str, Any]] = field(
        default_factory=dict, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, operation_timeout: float | None = None) -> Clients:
        """Build factories from resolved settings; nothing is contacted until a client is used."""

        def classic() -> ClassicManagementClient:
            from aml_retrain.classic.management import ClassicManagementClient

            return ClassicManagementClient.from_settings(settings)

        def arm() -> ArmWebServiceClient:
            from aml_retrain.arm.client import ArmWebServiceClient

            return ArmWebServiceClient.from_settings(settings)

        made = cls(classic, arm, settings.storage_connection_string, settings.backup_dir,
                   settings.workspace_id, settings.subscription_id)
        if operation_timeout is not None:
            made.operation_timeout = operation_timeout
        return made

    def classic(self) -> ClassicManagementClient:
        """Return the classic management client, building it on first use."""
        if self._classic is None:
            if self.classic_factory is None:
                raise ValidationError("no classic workspace client configured for a classic target")
            self._classic = self.classic_factory()
        return self._classic

    def arm(self) -> ArmWebServiceClient:
        """Return the ARM web service client, building it on first use."""
        if self._arm is None:
            if self.arm_factory is None:
                raise ValidationError("no ARM client configured for an arm target")
            self._arm = self.arm_factory()
        return self._arm

    def training(self) -> TrainingServices:
        """Return the training services of either kind (for jobs), sharing these clients."""
        if self._training is None:
            from aml_retrain.training_services import TrainingServices

            self._training = TrainingServices(classic=self.classic, arm=self.arm)
        return self._training

    def close(self) -> None:
        """Close the clients that were built."""
        if self._training is not None:
            self._training.close()
        for client in (self._classic, self._arm):
            if client is not None:
                client.close()


@dataclass(frozen=True)
class TargetState:
    """What a target serves now: model URL (no SAS), a hash of the live state, ledger detail."""

    target: Target
    model_url: str
    state_hash: str
    detail: JsonObject
    raw: JsonObject = field(repr=False)

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict (the raw live object is left out)."""
        return {"target": str(self.target), "model_url": self.model_url,
                "state_hash": self.state_hash, "detail": dict(self.detail)}


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


def _classic_state(target: Target, clients: Clients) -> TargetState:
    from aml_retrain.classic.validation import select_resource
    from aml_retrain.classic.views import hide_secrets

    assert target.service_id is not None and target.endpoint is not None  # set by parse_target
    client = clients.classic()
    obj = client.get_endpoint(target.service_id, target.endpoint)
    clients.endpoints_read[(target.service_id, target.endpoint)] = obj
    resource = select_resource(obj, target.resource)
    location = resource.get("Location")
    loc: Mapping[str, Any] = location if isinstance(location, Mapping) else {}
    model = str(loc.get("BaseLocation") or "") + str(loc.get("RelativeLocation") or "")
    detail: JsonObject = {
        "workspace_id": clients.workspace_id or client.workspace_id,
        "service_id": target.service_id,
        "endpoint": target.endpoint,
        "resource": str(resource["Name"]),
    }
    return TargetState(target, strip_sas(model), canonical_hash(_resources_without_sas(obj)),
                       detail, hide_secrets(obj))


def _arm_state(target: Target, clients: Clients) -> TargetState:
    from aml_retrain.arm.definition import export_definition, refuse_read_only, select_asset

    assert target.resource_group is not None and target.name is not None  # set by parse_target
    client = clients.arm()
    live = export_definition(client.get(target.resource_group, target.name))
    refuse_read_only(live, target.name)  # a plan or gate for a target that cannot change is moot
    asset_id, asset = select_asset(live, target.asset)
    uri = str((asset.get("locationInfo") or {}).get("uri") or "")
    detail: JsonObject = {
        "resource_id": client.resource_id(target.resource_group, target.name),
        "asset_id": asset_id,
    }
    return TargetState(target, strip_sas(uri), canonical_hash(live["properties"]["assets"]),
                       detail, live)


def read_state(target: Target, clients: Clients) -> TargetState:
    """GET the target and return the model it serves and the hash of the state a deploy touches."""
    if target.kind == "classic":
        return _classic_state(target, clients)
    return _arm_state(target, clients)


def deploy(target: Target, model_url: str, clients: Clients, *, dry_run: bool = False) -> JsonObject:
    """Repoint the target at ``model_url`` through the guarded deploy path; return its result."""
    if target.kind == "classic":
        from aml_retrain.classic.endpoints import set_trained_model

        assert target.service_id is not None and target.endpoint is not None
        client = clients.classic()
        service = clients.services.get(target.service_id)
        if service is None:
            service = clients.services[target.service_id] = client.get_web_service(target.service_id)
        # A URL without SAS gets a short-lived one minted from the connection string in there.
        return set_trained_model(
            client, target.service_id, target.endpoint, model_url,
            resource_name=target.resource, dry_run=dry_run, backup_dir=clients.backup_dir,
            storage_connection_string=clients.storage_connection_string, service=service,
            current=clients.endpoints_read.pop((target.service_id, target.endpoint), None),
        ).to_dict()
    from aml_retrain.arm.webservices import set_model_live

    assert target.resource_group is not None and target.name is not None
    return set_model_live(
        clients.arm(), target.resource_group, target.name, model_url, asset_id=target.asset,
        dry_run=dry_run, backup_dir=clients.backup_dir, timeout=clients.operation_timeout,
    ).to_dict()
