"""The plain objects behind the ARM web services, their seed loading and their JSON views.

A stored service keeps *everything* a client sent (keys, storage key, commitment plan) in
``properties``; the server-set fields (``createdOn``, ``modifiedOn``, ``provisioningState``,
``swaggerLocation``) live beside it and are added by the views, which apply ARM §6.1 visibility.
"""

from __future__ import annotations

import base64
import copy
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..classic.state import now
from ..propagation import Propagation
from ..storage import DEVSTORE_ACCOUNT, DEVSTORE_KEY, parse_connection_string

__all__ = [
    "PROVIDER",
    "RESOURCE_TYPE",
    "ArmService",
    "Operation",
    "deep_merge",
    "load_services",
    "new_key",
    "normalize_location",
    "trained_model_uri",
]

PROVIDER = "Microsoft.MachineLearning"
RESOURCE_TYPE = f"{PROVIDER}/webServices"
SEED_BLOB_BASE = f"http://127.0.0.1:10000/{DEVSTORE_ACCOUNT}/"  # the seed's URIs, rebased at load
TRAINED_MODEL_SUFFIX = " [trained model]"  # ARM §7: how the trained-model asset is recognised
# ARM §4.4 (PSREC1): the order of the GET body's properties; anything else comes after.
_ORDER = ("payloadsInBlobStorage", "provisioningState", "createdOn", "modifiedOn", "title",
          "description", "swaggerLocation", "readOnly", "realtimeConfiguration", "diagnostics",
          "storageAccount", "machineLearningWorkspace", "assets", "input", "output", "packageType",
          "exampleRequest", "exposeSampleData", "parameters", "package")
_PACKAGE_ORDER = ("edges", "graphParameters", "nodes")
_NOT_LISTED = {"assets", "input", "output", "package", "exampleRequest", "parameters"}  # §6.1


def new_key() -> str:
    """A web service key: 64 random bytes, base64 (the shape of real AML keys)."""
    return base64.b64encode(secrets.token_bytes(64)).decode("ascii")


def normalize_location(location: str) -> str:
    """``South Central US`` → ``southcentralus`` (ARM §4.3)."""
    return "".join(location.split()).lower()


def deep_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """RFC 7386-like merge: objects merged recursively, anything else (arrays too) replaced.

    Observed for ``keys`` (ARM §9, PSTEST: the secondary survived a primary-only PATCH); applied
    to every nested object, ``assets`` entries and ``package.nodes`` included, which the
    reference leaves undocumented (§11). ``null`` never reaches here (dropped by validation)."""
    merged = copy.deepcopy(dict(base))
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def trained_model_uri(properties: Mapping[str, Any]) -> str | None:
    """``locationInfo.uri`` of the first ``Resource`` asset named ``… [trained model]``."""
    assets = properties.get("assets") or {}
    for asset in assets.values():
        if asset.get("type") == "Resource" and str(asset.get("name", "")).endswith(
                TRAINED_MODEL_SUFFIX):
            return str(asset.get("locationInfo", {}).get("uri", "")) or None
    return None


@dataclass
class ArmService:
    subscription: str
    group: str
    name: str
    location: str
    tags: dict[str, str]
    properties: dict[str, Any]  # as stored: keys, storageAccount.key, commitmentPlan included
    guid: str
    created_on: str
    modified_on: str
    provisioning_state: str = "Succeeded"
    model: Propagation[str | None] = field(default_factory=Propagation)

    @property
    def key(self) -> tuple[str, str, str]:
        return self.subscription.lower(), self.group.lower(), self.name.lower()

    @property
    def resource_id(self) -> str:
        return (f"/subscriptions/{self.subscription}/resourceGroups/{self.group}/providers/"
                f"{RESOURCE_TYPE}/{self.name}")

    def swagger_location(self, base_url: str) -> str:
        return f"{base_url}/subscriptions/{self.subscription.replace('-', '')}/services/" \
               f"{self.guid}/swagger.json"

    def _head(self) -> dict[str, Any]:
        return {"id": self.resource_id, "name": self.name, "type": RESOURCE_TYPE,
                "location": self.location, "tags": dict(self.tags)}

    def sparse(self, *, created: bool) -> dict[str, Any]:
        """The PUT (``created``) / PATCH answer (ARM §4.1, §4.2)."""
        properties: dict[str, Any] = {"provisioningState": self.provisioning_state}
        if created:
            properties = {"payloadsInBlobStorage": bool(
                self.properties.get("payloadsInBlobStorage", False)), **properties}
        return {**self._head(), "properties": properties}

    def view(self, base_url: str, *, listed: bool = False) -> dict[str, Any]:
        """GET body (ARM §4.4) or a list entry (``listed``: sparse, §6.1); secrets never."""
        stored = copy.deepcopy(self.properties)
        stored.pop("keys", None)
        stored.pop("commitmentPlan", None)  # PSREC1 (EX17 disagrees: the reference wins)
        if isinstance(stored.get("storageAccount"), dict):
            stored["storageAccount"].pop("key", None)
        stored.update(provisioningState=self.provisioning_state, createdOn=self.created_on,
                      modifiedOn=self.modified_on, swaggerLocation=self.swagger_location(base_url))
        if isinstance(stored.get("package"), dict):
            package = stored["package"]
            stored["package"] = {**{k: package[k] for k in _PACKAGE_ORDER if k in package},
                                 **package}
        if listed:
            stored = {k: v for k, v in stored.items() if k not in _NOT_LISTED}
        ordered = {k: stored[k] for k in _ORDER if k in stored}
        return {**self._head(), "properties": {**ordered, **stored}}

    def dump(self, base_url: str) -> dict[str, Any]:
        """Everything, secrets included (the control plane's state: a test hook)."""
        return {**self._head(), "serviceGuid": self.guid,
                "properties": {**self.view(base_url)["properties"],
                               **copy.deepcopy(self.properties)}}


@dataclass
class Operation:
    """One async operation (ARM §4.3); ``target`` = the definition installed on success."""

    id: str
    subscription: str
    location: str  # normalised
    kind: str  # "create" | "update" | "delete" | "regional"
    service: tuple[str, str, str]
    target: ArmService | None
    doomed: bool  # arm_fail_next: ends Failed whatever happens
    start_time: str = field(default_factory=now)
    status: str = "Provisioning"
    polls: int = 0
    percent: float = 0.0
    end_time: str | None = None
    error: dict[str, Any] | None = None
    error_status: int = 500
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def path(self) -> str:
        return (f"/subscriptions/{self.subscription}/providers/{PROVIDER}/locations/"
                f"{self.location}/operationsStatus/{self.id}")

    def body(self) -> dict[str, Any]:
        """The status document; ``status``, not the spec's ``provisioningState`` (ARM §4.3)."""
        body: dict[str, Any] = {"id": self.path(), "name": self.id, "status": self.status,
                                "startTime": self.start_time}
        if self.end_time is not None:
            body["endTime"] = self.end_time
        body["percentComplete"] = self.percent
        if self.error is not None:
            # Not observed (ARM §4.3, §11): inferred `error`, plus the spec's `errorInfo` for
            # clients generated from SPEC17's AsyncOperationStatus.
            body["error"] = dict(self.error)
            body["errorInfo"] = dict(self.error)
        return body


def _storage_account(connection_string: str | None) -> dict[str, str] | None:
    """The seed services' ``storageAccount`` when the emulator runs on other storage."""
    if not connection_string:
        return None
    parts = parse_connection_string(connection_string)
    if parts.get("UseDevelopmentStorage", "").lower() == "true":
        return {"name": DEVSTORE_ACCOUNT, "key": DEVSTORE_KEY}
    if parts.get("AccountName") and parts.get("AccountKey"):
        return {"name": parts["AccountName"], "key": parts["AccountKey"]}
    return None


def _rebase(properties: dict[str, Any], blob_base_url: str | None) -> None:
    for asset in (properties.get("assets") or {}).values():
        info = asset.get("locationInfo") or {}
        uri = info.get("uri")
        if blob_base_url and isinstance(uri, str) and uri.startswith(SEED_BLOB_BASE):
            info["uri"] = blob_base_url + uri[len(SEED_BLOB_BASE):]


def load_services(seed: Mapping[str, Any], blob_base_url: str | None,
                  connection_string: str | None) -> list[ArmService]:
    """The seed's ``arm.webServices``. An entry may say ``"basedOn": "<name>"``: its
    ``properties`` are then merged over that (earlier) entry's. Keys are new at each load."""
    loaded: dict[str, dict[str, Any]] = {}
    services = []
    storage = _storage_account(connection_string)
    for raw in seed.get("webServices", []):
        properties = copy.deepcopy(raw.get("properties", {}))
        if raw.get("basedOn"):
            properties = deep_merge(loaded[raw["basedOn"]], properties)
        loaded[raw["name"]] = copy.deepcopy(properties)
        _rebase(properties, blob_base_url)
        if storage is not None:
            properties["storageAccount"] = dict(storage)
        properties["keys"] = {"primary": new_key(), "secondary": new_key()}
        service = ArmService(
            subscription=raw["subscriptionId"], group=raw["resourceGroup"], name=raw["name"],
            location=raw["location"], tags=dict(raw.get("tags", {})), properties=properties,
            guid=raw["serviceGuid"], created_on=raw["createdOn"], modified_on=raw["modifiedOn"])
        services.append(service)
    return services
