"""Web service definitions: export, load, pick the trained-model asset, patch it, guard the patch.

Pure functions, no I/O except ``load_definition`` reading a file the caller named. The JSON
Pointer ``/properties/assets/{id}/locationInfo/uri`` works on a GET body, an exported file and a
PATCH body alike, because all three share the WebService shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aml_retrain._blobs import LOOPBACK_HOSTS, parse_model_url
from aml_retrain._json import JsonObject, copy_json, dumps_indented
from aml_retrain._structured import json_loads
from aml_retrain.arm.schema import canonical_copy, canonical_keys, pointer, validate_definition
from aml_retrain.errors import ValidationError

__all__ = [
    "GUARDED_PATHS",
    "MODEL_SUFFIX",
    "READ_ONLY_PROPERTIES",
    "apply_patch",
    "build_model_patch",
    "check_guardrails",
    "diff_uris",
    "dumps_definition",
    "export_definition",
    "load_definition",
    "model_uri_from_url",
    "normalise_definition",
    "payloads_in_blob_storage",
    "refuse_read_only",
    "reshape_definition",
    "select_asset",
    "storage_account_of",
    "trained_model_assets",
    "validate_definition",
]

MODEL_SUFFIX = " [trained model]"
READ_ONLY_TOP = ("id", "name", "type")
READ_ONLY_PROPERTIES = ("createdOn", "modifiedOn", "provisioningState", "swaggerLocation")
# Why each guarded area is refused by default, shown when a patch touches it.
GUARDED_PATHS: Mapping[str, str] = {
    "/properties/storageAccount": "the storage account is fixed at creation "
    "(CannotChangeStorageAccount) and its key is a secret",
    "/properties/keys": "the web service keys are secrets; rotate them on purpose, not in a retrain",
    "/properties/package": "the package is the scoring graph; changing it changes the model's "
    "wiring, not just the trained model",
    "/properties/machineLearningWorkspace": "the Studio workspace is fixed for the web service",
    "/properties/commitmentPlan": "the commitment plan is set at creation and cannot change",
}
_MODEL_FIELDS = ("uri", "credentials")


def _properties(defn: Mapping[str, Any]) -> Mapping[str, Any]:
    props = defn.get("properties")
    if not isinstance(props, Mapping):
        raise ValidationError("/properties: required (is this a web service definition?)")
    return props


def normalise_definition(defn: Mapping[str, Any]) -> JsonObject:
    """Return ``{"properties": {packageType first…}, "location", "tags"}`` without read-only fields."""
    # The exporter's serialiser writes no nulls (NullValueHandling.Ignore); the result is a new
    # document, so editing it never changes ``defn``.
    return reshape_definition(canonical_copy(dict(defn)))


def reshape_definition(source: JsonObject) -> JsonObject:
    """``normalise_definition`` for a canonical, null-free document: only the top levels are new."""
    props = {k: v for k, v in _properties(source).items() if k not in READ_ONLY_PROPERTIES}
    ordered: JsonObject = {}
    if "packageType" in props:
        ordered["packageType"] = props.pop("packageType")
    ordered.update(props)
    out: JsonObject = {"properties": ordered}
    for key in ("location", "tags"):
        if key in source:
            out[key] = source[key]
    for key, value in source.items():
        if key not in out and key not in READ_ONLY_TOP:
            out[key] = value
    return out


def export_definition(ws: Mapping[str, Any]) -> JsonObject:
    """Return a GET body in the Export-AzMlWebService shape: no server-set fields, no secrets."""
    out = normalise_definition(ws)
    props = out["properties"]
    props.pop("keys", None)
    storage = props.get("storageAccount")
    if isinstance(storage, dict):
        props["storageAccount"] = {k: v for k, v in storage.items() if k != "key"}
    return out


def dumps_definition(defn: Mapping[str, Any]) -> str:
    """Return the definition as indented JSON with a trailing newline (stable order, clean diffs)."""
    # Same text as json.dumps(defn, indent=2, ensure_ascii=False) + "\n", a few times faster.
    return dumps_indented(defn)


def _read_text(source: Path) -> str:
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {source}: {exc.strerror or exc}") from None
    # Windows PowerShell's Out-File writes UTF-16 with a BOM; Export-AzMlWebService UTF-8.
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{source} is not UTF-8 or UTF-16 text: {exc.reason}") from None


def load_definition(source: str | Path) -> JsonObject:
    """Parse a definition from JSON text or a file path; field names are matched case-insensitively."""
    if isinstance(source, Path) or not source.lstrip().startswith(("{", "[")):
        path = Path(source)
        if not path.is_file():
            raise ValidationError(f"{path} is not a file: export one with "
                                  f"'aml-retrain webservice export RG NAME --file {path}'")
        text, origin = _read_text(path), str(path)
    else:
        text, origin = source, "the definition"
    if not text.strip():
        raise ValidationError(f"{origin} is empty: export the web service definition first")
    try:
        data = json_loads(text, origin)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{origin} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    del text  # a big file's text need not live on beside its parsed document
    if not isinstance(data, dict):
        raise ValidationError(f"{origin} must hold a JSON object, not {type(data).__name__}")
    result: JsonObject = canonical_keys(data)
    return result


def payloads_in_blob_storage(defn: Mapping[str, Any]) -> None:
    """Raise ValidationError if the assets are not inline (``payloadsInBlobStorage`` is true)."""
    props = _properties(defn)
    if props.get("payloadsInBlobStorage") is True:
        location = props.get("payloadsLocation")
        where = location.get("uri") if isinstance(location, Mapping) else None
        raise ValidationError(
            "this web service keeps its assets, graph and schemas in a payload blob "
            f"(/properties/payloadsInBlobStorage is true, /properties/payloadsLocation/uri = "
            f"{where or 'unknown'}): the payload is over 3 MB, so the trained-model asset is not "
            "in the definition and cannot be patched here; republish a smaller experiment, or "
            "update it from Studio"
        )


def refuse_read_only(defn: Mapping[str, Any], name: str) -> None:
    """Raise ValidationError if the service is read-only: ARM would refuse any PATCH of it."""
    # SPEC17: once readOnly is true the service "can no longer be updated or patched, only
    # removed", and the flag cannot be unset; so refuse before a backup or a request is made.
    if _properties(defn).get("readOnly") is True:
        raise ValidationError(
            f"web service {name!r} is read-only (/properties/readOnly is true): ARM refuses every "
            "update or patch of it and the flag cannot be unset; deploy to a writable web service "
            "(e.g. create one from 'aml-retrain webservice export' of this one)"
        )


def _assets(defn: Mapping[str, Any]) -> Mapping[str, Any]:
    payloads_in_blob_storage(defn)
    assets = _properties(defn).get("assets")
    if not isinstance(assets, Mapping) or not assets:
        raise ValidationError(
            "/properties/assets: missing or empty — list results are sparse: read the service with "
            "'aml-retrain webservice export RG NAME --file DEF.json' (a GET), not from a list"
        )
    return assets


def _is_trained_model(asset: Any) -> bool:
    if not isinstance(asset, Mapping) or asset.get("type") != "Resource":
        return False
    name = asset.get("name")
    return isinstance(name, str) and name.lower().endswith(MODEL_SUFFIX)


def trained_model_assets(defn: Mapping[str, Any]) -> list[tuple[str, JsonObject]]:
    """Return ``(asset id, asset)`` for each ``Resource`` asset named ``… [trained model]``."""
    return [(str(k), dict(v)) for k, v in _assets(defn).items() if _is_trained_model(v)]


def _listing(candidates: Iterable[tuple[str, Mapping[str, Any]]]) -> str:
    return ", ".join(f"{aid} ({asset.get('name')!r})" for aid, asset in candidates)


def select_asset(
    defn: Mapping[str, Any], asset_id: str | None = None, asset_name: str | None = None
) -> tuple[str, JsonObject]:
    """Return the one trained-model asset to repoint, or explain which options pick it."""
    assets = _assets(defn)
    models = trained_model_assets(defn)
    if asset_id is not None:
        if asset_id not in assets:
            raise ValidationError(
                f"no asset with id {asset_id!r}: trained-model assets are "
                f"{_listing(models) or 'none'}"
            )
        if not _is_trained_model(assets[asset_id]):
            raise ValidationError(
                f"asset {asset_id!r} ({assets[asset_id].get('name')!r}, type "
                f"{assets[asset_id].get('type')!r}) is not a trained model; modules are never "
                f"changed. Trained-model assets: {_listing(models) or 'none'}"
            )
        chosen = [(asset_id, dict(assets[asset_id]))]
    else:
        chosen = models
    if asset_name is not None:
        chosen = _by_name(chosen, asset_name)
        if not chosen:
            raise ValidationError(
                f"no trained-model asset named {asset_name!r}"
                + (f" with id {asset_id!r}" if asset_id else "")
                + f": trained-model assets are {_listing(models) or 'none'}"
            )
    if not chosen:
        resources = [(k, v) for k, v in assets.items() if isinstance(v, Mapping)
                     and v.get("type") == "Resource"]
        raise ValidationError(
            "the definition has no trained-model asset (type 'Resource', name ending in "
            f"'{MODEL_SUFFIX.strip()}'): is this the training web service rather than the "
            f"predictive one? Resource assets: {_listing(resources) or 'none'}"
        )
    if len(chosen) > 1:
        raise ValidationError(
            f"the definition has {len(chosen)} trained-model assets: pick one with --asset <id> "
            f"or --asset-name <name>: {_listing(chosen)}"
        )
    return chosen[0]


def _by_name(
    candidates: list[tuple[str, JsonObject]], wanted: str
) -> list[tuple[str, JsonObject]]:
    exact = [c for c in candidates if c[1].get("name") == wanted]
    if exact:
        return exact
    # Accept "Retrain Sample" for "Retrain Sample [trained model]", and any letter case.
    forms = {wanted.lower(), (wanted + MODEL_SUFFIX).lower()}
    return [c for c in candidates if str(c[1].get("name", "")).lower() in forms]


def _current_uri(defn: Mapping[str, Any], asset_id: str) -> str:
    asset = _assets(defn).get(asset_id)
    location = asset.get("locationInfo") if isinstance(asset, Mapping) else None
    uri = location.get("uri") if isinstance(location, Mapping) else None
    if not isinstance(uri, str):
        raise ValidationError(f"{pointer('properties', 'assets', asset_id, 'locationInfo', 'uri')}:"
                              " required")
    return uri


def build_model_patch(defn: Mapping[str, Any], asset_id: str, new_uri: str) -> list[JsonObject]:
    """Return the RFC 6902 patch: test type, name and current uri, then replace the uri."""
    asset = select_asset(defn, asset_id=asset_id)[1]
    base = pointer("properties", "assets", asset_id)
    return [
        {"op": "test", "path": f"{base}/type", "value": "Resource"},
        {"op": "test", "path": f"{base}/name", "value": asset["name"]},
        {"op": "test", "path": f"{base}/locationInfo/uri", "value": _current_uri(defn, asset_id)},
        {"op": "replace", "path": f"{base}/locationInfo/uri", "value": new_uri},
    ]


def _split(path: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]


def _is_model_path(path: str, defn: Mapping[str, Any] | None) -> bool:
    parts = _split(path)
    if len(parts) != 5 or parts[:2] != ["properties", "assets"] or parts[3] != "locationInfo":
        return False
    if parts[4] not in _MODEL_FIELDS:
        return False
    if defn is None:
        return True
    assets = _properties(defn).get("assets")
    return isinstance(assets, Mapping) and _is_trained_model(assets.get(parts[2]))


def _allowed(path: str, allow: Iterable[str]) -> bool:
    return any(path == p.rstrip("/") or path.startswith(p.rstrip("/") + "/") for p in allow)


def check_guardrails(
    patch: Iterable[Mapping[str, Any]],
    *,
    allow: Iterable[str] = (),
    definition: Mapping[str, Any] | None = None,
) -> None:
    """Refuse ops outside trained-model ``locationInfo/{uri,credentials}`` unless ``allow`` lists them."""
    allow = tuple(allow)
    for prefix in allow:
        if not prefix.startswith("/properties"):
            raise ValidationError(
                f"--allow {prefix!r} must be a JSON Pointer prefix such as /properties/title"
            )
    refused: list[str] = []
    for op in patch:
        kind = op.get("op")
        paths = [str(op.get("path", ""))] + ([str(op["from"])] if "from" in op else [])
        if kind == "test":
            continue
        for path in paths:
            model = kind in ("add", "replace") and _is_model_path(path, definition)
            if not model and not _allowed(path, allow):
                refused.append(f"{kind} {path}")
    if refused:
        reasons = sorted({why for area, why in GUARDED_PATHS.items()
                          if any(r.split(" ", 1)[1].startswith(area) for r in refused)})
        raise ValidationError(
            f"refusing to change {', '.join(refused)}: a retrain only repoints trained-model "
            "assets' locationInfo/uri"
            + (f" ({'; '.join(reasons)})" if reasons else "")
            + ". If you really mean it, pass --allow <path prefix> for each"
        )


def apply_patch(
    defn: Mapping[str, Any], patch: list[JsonObject], *, in_place: bool = False
) -> JsonObject:
    """Apply an RFC 6902 patch to a copy of ``defn``; a failed test means the definition changed.

    ``in_place`` patches ``defn`` itself (for a document nothing else holds): a failure may then
    leave it half patched, so it is to be dropped.
    """
    import jsonpatch

    target = defn if in_place and isinstance(defn, dict) else copy_json(dict(defn))
    try:
        result: JsonObject = jsonpatch.apply_patch(target, patch, in_place=True)
    except jsonpatch.JsonPatchTestFailed as exc:
        raise ValidationError(
            f"the definition changed: {exc}; export or read it again and retry"
        ) from None
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise ValidationError(f"the patch does not apply to the definition: {exc}") from None
    return result


def _uris(defn: Mapping[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    props = defn.get("properties")
    assets = props.get("assets") if isinstance(props, Mapping) else None
    out: dict[str, tuple[str | None, str | None]] = {}
    for aid, asset in (assets or {}).items():
        if isinstance(asset, Mapping):
            location = asset.get("locationInfo")
            uri = location.get("uri") if isinstance(location, Mapping) else None
            out[str(aid)] = (asset.get("name"), uri)
    return out


def diff_uris(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[JsonObject]:
    """Return ``{asset_id, name, before, after}`` for every asset whose uri differs."""
    old, new = _uris(before), _uris(after)
    rows = []
    for aid in list(old) + [a for a in new if a not in old]:
        name_old, uri_old = old.get(aid, (None, None))
        name_new, uri_new = new.get(aid, (None, None))
        if uri_old != uri_new:
            rows.append({"asset_id": aid, "name": name_new or name_old,
                         "before": uri_old, "after": uri_new})
    return rows


def model_uri_from_url(url: str) -> str:
    """Return a ``.ilearner`` blob URL without its SAS (BaseLocation + RelativeLocation)."""
    # The service reads the blob through its own storage account; a SAS is neither needed nor kept.
    return parse_model_url(url.split("?", 1)[0]).url_without_sas


def storage_account_of(uri: str) -> str | None:
    """Return the storage account of a blob URL (host prefix, or path segment for Azurite)."""
    parts = urlsplit(uri)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http"):
        return None
    if ".blob." in host:
        return host.split(".", 1)[0]
    segments = [s for s in parts.path.split("/") if s]
    # Emulators are path-style: 127.0.0.1/devstoreaccount1/…, or a compose host such as azurite.
    if segments and (host in LOOPBACK_HOSTS or (host and "." not in host)):
        return segments[0]
    return None
