"""Three-way update of a web service: the user's edit (file vs. the export it came from) onto live.

``webservice export`` writes ``DEF.json`` (the Export-AzMlWebService shape, untouched) and the
sidecar ``DEF.json.base`` (what was exported). An update then judges only what the user
changed — DEF.json against its base — and applies exactly that onto the live definition, so a
re-run, or an export older than the last write, never looks like a change of its own:

- the service encrypts credential node parameters anew on every write (a new ciphertext, the
  same ``certificateThumbprint``) and a PATCH drops an empty ``parameters: {}`` (PSREC2); both
  are masked before comparing;
- what someone else changed on the service since the export (another field) is left alone;
- a change the service already has is not sent again: nothing left is an "already applied" no-op.

Without a sidecar (a file from Export-AzMlWebService, or an older aml-retrain) the base is the
live definition itself: the two-way comparison of before, with the same masking.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aml_retrain._json import JsonObject, copy_json
from aml_retrain._structured import json_loads
from aml_retrain.arm.definition import dumps_definition
from aml_retrain.arm.schema import pointer
from aml_retrain.errors import ValidationError

__all__ = [
    "BASE_FORMAT",
    "BASE_SUFFIX",
    "base_path",
    "patch_body",
    "read_base",
    "rebase",
    "user_changes",
    "write_base",
]

BASE_SUFFIX = ".base"
BASE_FORMAT = "aml-retrain/webservice-export-base/1"
_ENCRYPTED = "<encrypted by the service>"
_MISSING = object()


def base_path(path: str | Path) -> Path:
    """Return the sidecar that records what ``path`` was exported as (``DEF.json.base``)."""
    target = Path(path)
    return target.with_name(target.name + BASE_SUFFIX)


def write_base(path: str | Path, definition: Mapping[str, Any], resource_id: str) -> Path:
    """Write the sidecar of an exported file: the definition as exported, and from where."""
    from aml_retrain._files import replace_file

    sidecar = base_path(path)
    record = {"format": BASE_FORMAT, "resource_id": resource_id, "definition": definition}
    replace_file(sidecar, dumps_definition(record), keep_backup=False)
    return sidecar


def read_base(path: str | Path) -> JsonObject | None:
    """Return the definition recorded in ``path``'s sidecar, or ``None`` when there is none."""
    sidecar = base_path(path)
    if not sidecar.is_file():
        return None
    try:
        record = json_loads(sidecar.read_text(encoding="utf-8"), str(sidecar))
    except (OSError, ValueError, ValidationError):
        record = None
    definition = record.get("definition") if isinstance(record, dict) else None
    if not isinstance(record, dict) or record.get("format") != BASE_FORMAT or \
            not isinstance(definition, dict):
        raise ValidationError(
            f"{sidecar} is not the base 'aml-retrain webservice export' writes: export again, or "
            "delete it to compare the file with the live service instead"
        )
    return definition


def _masked(value: Any) -> Any:
    """A copy with every encrypted value (one with a ``certificateThumbprint``) masked."""
    if isinstance(value, dict):
        if value.get("certificateThumbprint") and "value" in value:
            return {**value, "value": _ENCRYPTED}
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def _masked_doc(doc: Mapping[str, Any]) -> JsonObject:
    """A definition without what the service changes by itself (see the module docstring)."""
    out: JsonObject = _masked(dict(doc))
    props = out.get("properties")
    if isinstance(props, dict) and props.get("parameters") == {}:
        del props["parameters"]
    return out


def _diff(before: Any, after: Any, path: str, ops: list[JsonObject]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in before:
            if key not in after:
                ops.append({"op": "remove", "path": path + pointer(key)})
        for key, value in after.items():
            if key not in before:
                ops.append({"op": "add", "path": path + pointer(key), "value": value})
            else:
                _diff(before[key], value, path + pointer(key), ops)
    elif before != after:  # lists are whole values, as a PATCH replaces them
        ops.append({"op": "replace", "path": path, "value": after})


def _split(path: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]


def _at(doc: Any, parts: list[str]) -> Any:
    for part in parts:
        if not isinstance(doc, dict) or part not in doc:
            return _MISSING
        doc = doc[part]
    return doc


def user_changes(base: Mapping[str, Any], edited: Mapping[str, Any]) -> list[JsonObject]:
    """Return RFC 6902 ops (add/remove/replace) from ``base`` to ``edited``, noise masked.

    Removals count only inside ``/properties/assets``: PATCH merges, so a field left out of
    the file stays as it is on the service."""
    ops: list[JsonObject] = []
    _diff(_masked_doc(base), _masked_doc(edited), "", ops)
    out = []
    for op in ops:
        if op["op"] == "remove" and not op["path"].startswith("/properties/assets/"):
            continue
        if "value" in op:  # the file's own value, not its masked copy
            op["value"] = copy_json(_at(edited, _split(op["path"])))
        out.append(op)
    return out


def rebase(live: Mapping[str, Any], ops: list[JsonObject]) -> tuple[JsonObject, list[JsonObject]]:
    """Apply ``ops`` to a copy of ``live``; return it and the ops the service did not have yet."""
    desired = copy_json(dict(live))
    masked_live = _masked_doc(desired)
    applied = []
    for op in ops:
        parts = _split(op["path"])
        parent = _at(desired, parts[:-1])
        if not isinstance(parent, dict):
            raise ValidationError(
                f"{op['path']}: the service no longer has {pointer(*parts[:-1]) or '/'} (it "
                "changed since the file was exported): export again and redo the edit"
            )
        key = parts[-1]
        if op["op"] == "remove":
            if key in parent:
                del parent[key]
                applied.append(op)
        elif _at(masked_live, parts) != _masked(op["value"]):
            parent[key] = copy_json(op["value"])
            applied.append(op)
    return desired, applied


def patch_body(desired: Mapping[str, Any], applied: list[JsonObject]) -> JsonObject:
    """The PATCH body: ``packageType`` plus each top-level property an applied op touched.

    Whole top-level values (all of ``assets``, as ``set-model`` sends them), taken from the
    live definition with the user's changes: nothing the user did not change is sent back."""
    props = desired.get("properties") or {}
    body: JsonObject = {"properties": {"packageType": props.get("packageType", "Graph")}}
    for op in applied:
        parts = _split(op["path"])
        if parts[0] == "properties" and len(parts) > 1 and parts[1] in props:
            body["properties"][parts[1]] = copy_json(props[parts[1]])
        elif parts[0] == "tags" and "tags" in desired:
            body["tags"] = copy_json(desired["tags"])
    return body
