"""Results of the ARM workflows, and the local files they write (backups, edited definitions)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aml_retrain._files import without_signatures, write_private_json
from aml_retrain._json import JsonObject
from aml_retrain.arm.definition import dumps_definition

__all__ = [
    "HIDDEN",
    "SetModelPlan",
    "UpdateResult",
    "hide_secrets",
    "hide_secrets_in_patch",
    "write_arm_backup",
]

HIDDEN = "<hidden>"


@dataclass(frozen=True)
class SetModelPlan:
    """What ``set_model_in_file`` changed (or would change) in a definition file."""

    path: Path
    asset_id: str
    asset_name: str
    before_uri: str
    after_uri: str
    patch: list[JsonObject]
    dry_run: bool
    backup_path: Path | None = None

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict."""
        return {
            "path": str(self.path), "asset_id": self.asset_id, "asset_name": self.asset_name,
            "before_uri": self.before_uri, "after_uri": self.after_uri, "patch": self.patch,
            "dry_run": self.dry_run,
            "backup_path": str(self.backup_path) if self.backup_path else None,
        }


@dataclass(frozen=True)
class UpdateResult:
    """What a live ARM update did (or would do); holds no keys or storage keys."""

    resource_id: str
    asset_id: str | None
    before_uri: str | None
    after_uri: str | None
    patch: list[JsonObject]
    body: JsonObject
    backup_path: Path | None = None
    verified: bool = False
    dry_run: bool = False
    restored: bool | None = None
    changes: list[JsonObject] = field(default_factory=list)
    already_applied: bool = False  # the service already had every change: nothing was sent

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict with the attribute names as keys."""
        return {
            "resource_id": self.resource_id, "asset_id": self.asset_id,
            "before_uri": self.before_uri, "after_uri": self.after_uri, "patch": self.patch,
            "body": self.body, "backup_path": str(self.backup_path) if self.backup_path else None,
            "verified": self.verified, "dry_run": self.dry_run, "restored": self.restored,
            "changes": self.changes, "already_applied": self.already_applied,
        }


def write_arm_backup(
    backup_dir: str | Path,
    subscription_id: str,
    resource_group: str,
    name: str,
    definition: JsonObject,
    *,
    now: datetime | None = None,
) -> Path:
    """Save an exported definition as ``backup_dir/arm/<sub>/<rg>/<name>/<UTC>.json`` (0600)."""
    folder = Path(backup_dir).expanduser() / "arm" / subscription_id / resource_group / name
    return write_private_json(folder, dumps_definition(without_signatures(definition)), now=now)


# Credential-typed module parameters (Import/Export Data's "Account Key"; PSREC2): a user may
# write one in plain text to rotate it; the service then encrypts it.
CREDENTIAL_PARAMETERS = frozenset({"account key", "password"})


def _is_secret_path(path: str) -> bool:
    if path.startswith(("/properties/keys", "/properties/storageAccount/key")):
        return True
    parts = path.split("/")
    return (path.startswith("/properties/package/nodes/") and len(parts) >= 7
            and parts[5] == "parameters"
            and parts[6].replace("~1", "/").replace("~0", "~").lower() in CREDENTIAL_PARAMETERS)


def _hide_credentials(value: Any) -> None:
    """Hide, in place, every plain-text credential parameter (``{"value", no thumbprint}``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            # An encrypted value (with a thumbprint) is what GET shows anyway; plain text is not.
            if key.lower() in CREDENTIAL_PARAMETERS and isinstance(item, dict) and \
                    "value" in item and not item.get("certificateThumbprint"):
                item["value"] = HIDDEN
            else:
                _hide_credentials(item)
    elif isinstance(value, list):
        for item in value:
            _hide_credentials(item)


def hide_secrets(defn: Mapping[str, Any]) -> JsonObject:
    """Return a copy of a definition with keys, storage key and plain credentials as <hidden>."""
    shown = copy.deepcopy(dict(defn))
    props = shown.get("properties")
    if isinstance(props, dict):
        if isinstance(props.get("keys"), dict):
            props["keys"] = {k: HIDDEN for k in props["keys"]}
        storage = props.get("storageAccount")
        if isinstance(storage, dict) and "key" in storage:
            storage["key"] = HIDDEN
        _hide_credentials(props.get("package"))
    return shown


def hide_secrets_in_patch(patch: list[JsonObject]) -> list[JsonObject]:
    """Return patch ops with values under keys, storageAccount.key or credentials as <hidden>."""
    out = []
    for op in patch:
        if "value" in op and _is_secret_path(str(op.get("path"))):
            op = {**op, "value": HIDDEN}
        elif isinstance(op.get("value"), dict) and str(op.get("path")).startswith(
                "/properties/package"):
            op = {**op, "value": copy.deepcopy(op["value"])}  # a whole node or map added
            _hide_credentials(op["value"])
        out.append(op)
    return out
