"""State and rules of ``Microsoft.MachineLearning/webServices`` (no HTTP).

Writes (PUT, PATCH, DELETE) start an async operation. PUT/PATCH change nothing until the
operation succeeds: it answers ``Provisioning`` for ``arm_polls_before_done`` polls, then the
next poll completes it — reading the new trained-model blobs through the service's storage —
and installs the new definition or leaves the old one (``provisioningState: Failed``). A write
that arrives while an earlier operation on the same service is pending completes that one first
(the real service would have finished it in the background meanwhile). A DELETE removes the
service at once and its operation ends at the first poll (PSREC1). Every PUT/PATCH encrypts
the credential node parameters anew (``sealing.py``).

Locks: ``_writes`` serialises writes and completions (which may do blob I/O); ``_lock`` guards
the maps briefly, so GETs never wait for storage.
"""

from __future__ import annotations

import copy
import hmac
import secrets
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..classic.state import later_than, now
from ..config import EmulatorConfig
from . import errors as e
from .blobs import AssetReadError, read_asset
from .graph import is_training
from .schema import PATCHED_WEB_SERVICE, WEB_SERVICE, validate
from .sealing import ParameterSealer
from .state import (
    ArmService,
    Operation,
    deep_merge,
    load_services,
    new_key,
    normalize_location,
    trained_model_uri,
)

__all__ = ["LOCATIONS", "ArmBackend", "ScoringTarget"]

# The provider's regions in 2017 (ARM §2, PSREC1), normalised.
LOCATIONS = ("southcentralus", "westeurope", "southeastasia", "japaneast", "eastus2",
             "westcentralus")
_MAX_OPERATIONS = 500
ServiceKey = tuple[str, str, str]


@dataclass(frozen=True)
class ScoringTarget:
    """What RRS needs of a service: its keys, storage and the model serving now."""

    name: str
    keys: tuple[str, ...]
    storage: dict[str, Any] | None
    model_uri: str | None
    api_location: str
    training: bool = False  # its graph trains a model (arm/training.py)


def _problem(code: str, target: str, message: str) -> e.ArmError:
    return e.bad_request([{"code": code, "target": target, "message": message}])


class ArmBackend:
    """Subscriptions → resource groups → web services, and their async operations."""

    def __init__(self, seed: Mapping[str, Any], base_url: str, config: EmulatorConfig, *,
                 blob_base_url: str | None = None,
                 storage_connection_string: str | None = None) -> None:
        self._seed = copy.deepcopy(dict(seed.get("arm", {})))
        self.base_url = base_url.rstrip("/")
        self.config = config
        self._blob_base_url = blob_base_url
        self._connection_string = storage_connection_string
        self._lock = threading.RLock()
        self._writes = threading.RLock()
        self._groups: dict[str, tuple[str, dict[str, str]]] = {}  # sub → (name, {rg: name})
        self._services: dict[ServiceKey, ArmService] = {}
        self._operations: dict[str, Operation] = {}
        self._pending: dict[ServiceKey, str] = {}
        self.token = secrets.token_urlsafe(32)  # per start; reset keeps it
        self.sealer = ParameterSealer()  # the service certificate: per start too
        self.reset()

    # --- lifecycle -------------------------------------------------------------------------

    def reset(self) -> None:
        """The seed again: new keys, no operations (the bearer token stays: it is per start)."""
        with self._writes, self._lock:
            self._groups = {
                sub["subscriptionId"].lower(): (sub["subscriptionId"], {
                    rg.lower(): rg for rg in sub.get("resourceGroups", [])})
                for sub in self._seed.get("subscriptions", [])}
            services = load_services(self._seed, self._blob_base_url, self._connection_string)
            for service in services:  # the seed writes credentials in plain text
                self._seal(service.properties, None)
            self._services = {svc.key: svc for svc in services}
            self._operations.clear()
            self._pending.clear()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"arm": {
                "token": self.token,
                "subscriptions": [{"subscriptionId": name, "resourceGroups": list(groups.values())}
                                  for name, groups in self._groups.values()],
                "webServices": [svc.dump(self.base_url) for svc in self._services.values()],
                "operations": [dict(op.body(), kind=op.kind, service="/".join(op.service))
                               for op in self._operations.values()]}}

    # --- lookups ---------------------------------------------------------------------------

    def scope(self, subscription: str, group: str | None = None) -> tuple[str, str | None]:
        """Canonical (subscription, group); 404 SubscriptionNotFound / ResourceGroupNotFound."""
        with self._lock:
            found = self._groups.get(subscription.lower())
            if found is None:
                raise e.subscription_not_found(subscription)
            if group is None:
                return found[0], None
            if group.lower() not in found[1]:
                raise e.resource_group_not_found(group)
            return found[0], found[1][group.lower()]

    def _service(self, sub: str, group: str, name: str) -> ArmService:
        service = self._services.get((sub.lower(), group.lower(), name.lower()))
        if service is None:
            raise e.web_service_not_found(name)
        return service

    def get(self, sub: str, group: str, name: str) -> dict[str, Any]:
        with self._lock:
            return self._service(sub, group, name).view(self.base_url)

    def list_keys(self, sub: str, group: str, name: str) -> dict[str, str]:
        with self._lock:
            keys = self._service(sub, group, name).properties.get("keys", {})
            return {"primary": keys.get("primary", ""), "secondary": keys.get("secondary", "")}

    def list(self, sub: str, group: str | None, skip: int) -> tuple[list[dict[str, Any]], bool]:
        """One page of sparse entries from *skip*; ``True`` when more follow."""
        size = self.config.settings.arm_page_size
        with self._lock:
            found = [svc for svc in self._services.values() if svc.key[0] == sub.lower()
                     and (group is None or svc.key[1] == group.lower())]
            page = [svc.view(self.base_url, listed=True) for svc in found[skip:skip + size]]
            return page, skip + size < len(found)

    # --- writes ----------------------------------------------------------------------------

    def put(self, sub: str, group: str, name: str, body: Any) -> tuple[ArmService, Operation,
                                                                          bool]:
        """CreateOrUpdate: (the service as answered, its operation, created?)."""
        clean = validate(WEB_SERVICE, body)
        location = clean["location"]
        if normalize_location(location) not in LOCATIONS:
            raise e.location_not_available(location, LOCATIONS)
        with self._writes:
            self._settle((sub.lower(), group.lower(), name.lower()))
            with self._lock:
                current = self._services.get((sub.lower(), group.lower(), name.lower()))
            if current is None:
                return self._create(sub, group, name, clean)
            if normalize_location(location) != normalize_location(current.location):
                # ARM's answer for a name taken in another region (409 InvalidResourceLocation).
                raise e.ArmError(409, "InvalidResourceLocation",
                                 f"The resource '{name}' already exists in location "
                                 f"'{normalize_location(current.location)}' in resource group "
                                 f"'{group}'. A resource with the same name cannot be created "
                                 f"in location '{normalize_location(location)}'.")
            properties = clean["properties"]
            self._check_change(current, properties)
            self._seal(properties, current.properties)
            # PUT overwrites (SPEC17); secrets it leaves out are kept, not regenerated or lost
            # (inferred: an exported definition never carries them, ARM §9).
            for secret in ("keys", "commitmentPlan"):
                if secret not in properties and secret in current.properties:
                    properties[secret] = copy.deepcopy(current.properties[secret])
            storage = dict(current.properties.get("storageAccount") or {})
            storage.update(properties.get("storageAccount") or {})
            properties["storageAccount"] = storage
            target = replace(current, tags=clean.get("tags", {}), properties=properties)
            return current, self._start("update", current, target), False

    def _create(self, sub: str, group: str, name: str, clean: dict[str, Any]) -> tuple[
            ArmService, Operation, bool]:
        properties = clean["properties"]
        self._seal(properties, None)
        storage = properties.get("storageAccount") or {}
        for field in ("name", "key"):
            # Required at creation (ARM §5: the 2016 spec wording; inferred for 2017).
            if not storage.get(field):
                raise _problem("MissingRequiredProperty", f"properties.storageAccount.{field}",
                               f"Path 'properties.storageAccount.{field}': a new web service "
                               "needs its storage account name and key.")
        keys = properties.setdefault("keys", {})
        keys.setdefault("primary", new_key())
        keys.setdefault("secondary", new_key())
        properties.setdefault("readOnly", False)
        properties.setdefault("exposeSampleData", True)  # SPEC17 defaults
        properties.setdefault("payloadsInBlobStorage", False)
        stamp = now()
        service = ArmService(subscription=sub, group=group, name=name, location=clean["location"],
                             tags=clean.get("tags", {}), properties=properties,
                             guid=uuid.uuid4().hex, created_on=stamp, modified_on=stamp)
        with self._lock:
            self._services[service.key] = service
        # The new resource exists at once, "Provisioning"; a failed create leaves it "Failed".
        return service, self._start("create", service, None), True

    def patch(self, sub: str, group: str, name: str, body: Any) -> tuple[ArmService, Operation]:
        clean = validate(PATCHED_WEB_SERVICE, body)
        with self._writes:
            self._settle((sub.lower(), group.lower(), name.lower()))
            with self._lock:
                current = self._service(sub, group, name)
            changes = clean.get("properties", {})
            self._check_change(current, changes)
            merged = deep_merge(current.properties, changes)
            # Every write encrypts the credentials anew, even one that left package alone, and
            # a PATCH drops an empty top-level `parameters` (both PSREC2, PATCH #1).
            self._seal(merged, current.properties)
            if merged.get("parameters") == {}:
                del merged["parameters"]
            target = replace(current, tags=clean.get("tags", current.tags), properties=merged)
            return current, self._start("update", current, target)

    def _seal(self, properties: dict[str, Any], previous: Mapping[str, Any] | None) -> None:
        problems = self.sealer.reseal(properties, previous)
        if problems:
            raise e.bad_request(problems)

    @staticmethod
    def _check_change(current: ArmService, changes: Mapping[str, Any]) -> None:
        if current.properties.get("readOnly"):
            # SPEC17: a read-only service "can no longer be updated or patched, only removed".
            # Not documented how it refuses; our choice: the documented 400 BadRequest shape
            # with a detail code of our own.
            raise _problem("WebServiceIsReadOnly", "properties.readOnly",
                           f"The web service '{current.name}' is read-only: it can only be "
                           "removed, not updated or patched, and readOnly cannot be unset.")
        old_name = (current.properties.get("storageAccount") or {}).get("name")
        new_name = (changes.get("storageAccount") or {}).get("name")
        if new_name is not None and old_name is not None and new_name != old_name:
            raise _problem("CannotChangeStorageAccount", "properties.storageAccount.name",
                           "The StorageAccount cannot be changed. Currently configured storage "
                           f"account name = '{old_name}' .")  # azure-powershell#3465, verbatim
        old_plan = (current.properties.get("commitmentPlan") or {}).get("id")
        new_plan = (changes.get("commitmentPlan") or {}).get("id")
        if new_plan is not None and old_plan is not None and new_plan.lower() != old_plan.lower():
            # SPEC17: "Once set, this value cannot be changed"; the code is our choice.
            raise _problem("CannotChangeCommitmentPlan", "properties.commitmentPlan.id",
                           "The commitment plan of a web service is set at creation and cannot "
                           "be changed.")

    def delete(self, sub: str, group: str, name: str) -> Operation:
        """Remove at once (a later GET is 404); 202 even when the service did not exist."""
        key = (sub.lower(), group.lower(), name.lower())
        with self._writes:
            self._settle(key)
            with self._lock:
                current = self._services.get(key)
            ghost = ArmService(subscription=sub, group=group, name=name, location=(
                current.location if current else "South Central US"), tags={}, properties={},
                guid="", created_on="", modified_on="")
            op = self._start("delete", current or ghost, None)
            if current is not None and not op.doomed:
                with self._lock:
                    self._services.pop(key, None)
                    self._pending.pop(key, None)
            return op

    def regional(self, sub: str, group: str, name: str) -> Operation:
        """CreateRegionalBlob ("internal use only"): an operation that changes nothing here."""
        with self._writes:
            with self._lock:
                current = self._service(sub, group, name)
            return self._start("regional", current, None)

    # --- operations ------------------------------------------------------------------------

    def _start(self, kind: str, service: ArmService, target: ArmService | None) -> Operation:
        op = Operation(id=str(uuid.uuid4()), subscription=service.subscription,
                       location=normalize_location(service.location), kind=kind,
                       service=service.key, target=target,
                       doomed=self.config.take_arm_failure())
        with self._lock:
            self._operations[op.id] = op
            while len(self._operations) > _MAX_OPERATIONS:
                self._operations.pop(next(iter(self._operations)))
            if kind != "delete" or op.doomed:
                self._pending[service.key] = op.id
                if service.key in self._services:
                    self._services[service.key].provisioning_state = "Provisioning"
        return op

    def _settle(self, key: ServiceKey) -> None:
        with self._lock:
            op = self._operations.get(self._pending.get(key, ""))
        if op is not None:
            self._finish(op)

    def operation(self, sub: str, location: str, op_id: str, *, poll: bool = True) -> Operation:
        """The operation; a *poll* counts, and the one after ``arm_polls_before_done`` ends it."""
        with self._lock:
            op = self._operations.get(op_id.lower())
            if op is None or op.subscription.lower() != sub.lower() or \
                    op.location != normalize_location(location):
                raise e.operation_not_found(op_id)
        if poll and op.status == "Provisioning":
            # A DELETE was Succeeded at its first poll (PSREC1); PUT/PATCH take a few polls.
            needed = 0 if op.kind == "delete" else self.config.settings.arm_polls_before_done
            with op.lock:
                op.polls += 1
                polls = op.polls
                op.percent = round(polls / (needed + 1), 2) if polls <= needed else op.percent
            if polls > needed:
                with self._writes:
                    self._finish(op)
        return op

    def _finish(self, op: Operation) -> None:
        """Complete *op* (callers hold ``_writes``): check, then install or keep."""
        with op.lock:
            if op.status != "Provisioning":
                return
            error = self._failure(op)
            with self._lock:
                live = self._services.get(op.service)
                if self._pending.get(op.service) == op.id:
                    del self._pending[op.service]
                op.end_time = now()
                if error is not None:
                    op.status, op.error_status, op.error = "Failed", error[0], error[1]
                    if live is not None:
                        live.provisioning_state = "Failed"
                    return
                op.status, op.percent = "Succeeded", 1.0
                if live is None:
                    return
                if op.target is not None:
                    self._install(live, op.target)
                live.provisioning_state = "Succeeded"

    def _failure(self, op: Operation) -> tuple[int, dict[str, str]] | None:
        if op.doomed:
            return 500, {"code": "InternalServerError", "message": "The operation failed: "
                         "injected by the emulator control plane (arm_fail_next)."}
        if op.kind not in ("create", "update"):
            return None
        with self._lock:
            live = self._services.get(op.service)
        new = op.target or live
        if new is None:
            return None
        old_assets = (live.properties.get("assets") or {}) if live and op.target else {}
        storage = new.properties.get("storageAccount")
        for asset_id, asset in (new.properties.get("assets") or {}).items():
            uri = str(asset.get("locationInfo", {}).get("uri", ""))
            old_uri = (old_assets.get(asset_id) or {}).get("locationInfo", {}).get("uri")
            # Only user Resource assets whose location is new; aml:// are system assets.
            if asset.get("type") != "Resource" or uri == old_uri or uri.startswith("aml://"):
                continue
            try:
                read_asset(uri, storage, content=False)
            except AssetReadError as exc:  # not documented (ARM §11): codes after AML's D-ERR
                return 400, {"code": exc.code, "message": f"Asset '{asset_id}' "
                             f"({asset.get('name')}): {exc.message}"}
        return None

    def _install(self, live: ArmService, target: ArmService) -> None:
        old_model = trained_model_uri(live.properties)
        live.tags = copy.deepcopy(target.tags)
        live.properties = copy.deepcopy(target.properties)
        live.modified_on = later_than(live.modified_on)
        new_model = trained_model_uri(live.properties)
        if new_model != old_model:
            live.model.record(old_model, new_model)

    # --- scoring ---------------------------------------------------------------------------

    def scoring_target(self, subscription_hex: str, guid: str) -> ScoringTarget | None:
        with self._lock:
            for svc in self._services.values():
                if svc.subscription.replace("-", "").lower() == subscription_hex.lower() \
                        and svc.guid.lower() == guid.lower():
                    keys = svc.properties.get("keys", {})
                    delay = self.config.settings.propagation_seconds
                    return ScoringTarget(
                        name=svc.name, keys=tuple(k for k in (keys.get("primary"),
                                                              keys.get("secondary")) if k),
                        storage=copy.deepcopy(svc.properties.get("storageAccount")),
                        model_uri=svc.model.serving(trained_model_uri(svc.properties), delay),
                        api_location=svc.swagger_location(self.base_url).rsplit("/", 1)[0],
                        training=is_training(svc.properties))
            return None

    def accepts_token(self, token: str) -> bool:
        """The ARM bearer token of this start (the profile's ``arm_token``)."""
        return hmac.compare_digest(token.encode(), self.token.encode())
