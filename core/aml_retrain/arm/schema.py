"""The WebService schema of api-version 2017-01-01, written as a small type language (pure, no I/O).

Types: ``string``, ``boolean``, ``integer``, ``number``, ``any``, ``date-time``,
``integer[4..200]``, ``enum:A|B``, ``map<T>``, ``array<T>``, or an object name below. A leading
``!`` marks a required field. Object field names match case-insensitively on load, as the .NET
deserialiser behind Import-AzMlWebService does; map keys (asset ids, node ids…) never change.

Type names are parsed once into ``_Type`` nodes, so walking a large definition (thousands of
nodes and assets) costs no string parsing, and JSON paths are only spelt for the problems found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from aml_retrain.errors import ValidationError

__all__ = [
    "OBJECTS",
    "canonical_copy",
    "canonical_keys",
    "pointer",
    "schema_problems",
    "validate_definition",
]

OBJECTS: Mapping[str, Mapping[str, str]] = {
    "WebService": {
        "id": "string", "name": "string", "type": "string", "!location": "string",
        "tags": "map<string>", "!properties": "WebServiceProperties",
    },
    "WebServiceProperties": {
        "title": "string", "description": "string", "createdOn": "date-time",
        "modifiedOn": "date-time",
        "provisioningState": "enum:Unknown|Provisioning|Succeeded|Failed",
        "keys": "WebServiceKeys", "readOnly": "boolean", "swaggerLocation": "string",
        "exposeSampleData": "boolean", "realtimeConfiguration": "RealtimeConfiguration",
        "diagnostics": "DiagnosticsConfiguration", "storageAccount": "StorageAccount",
        "machineLearningWorkspace": "MachineLearningWorkspace", "commitmentPlan": "CommitmentPlan",
        "input": "ServiceInputOutputSpecification", "output": "ServiceInputOutputSpecification",
        "exampleRequest": "ExampleRequest", "assets": "map<AssetItem>",
        "parameters": "map<WebServiceParameter>", "!packageType": "enum:Graph",
        "payloadsInBlobStorage": "boolean", "payloadsLocation": "BlobLocation",
        "package": "GraphPackage",
    },
    "WebServiceKeys": {"primary": "string", "secondary": "string"},
    "RealtimeConfiguration": {"maxConcurrentCalls": "integer[4..200]"},
    "DiagnosticsConfiguration": {"!level": "enum:None|Error|All", "expiry": "date-time"},
    "StorageAccount": {"name": "string", "key": "string"},
    "MachineLearningWorkspace": {"!id": "string"},
    "CommitmentPlan": {"!id": "string"},
    "ServiceInputOutputSpecification": {
        "title": "string", "description": "string", "!type": "string",
        "!properties": "map<TableSpecification>",
    },
    "TableSpecification": {
        "title": "string", "description": "string", "!type": "string", "format": "string",
        "properties": "map<ColumnSpecification>",
    },
    # Real services send "format": "" for strings, so format is any string, not the enum.
    "ColumnSpecification": {
        "!type": "enum:Boolean|Integer|Number|String", "format": "string", "enum": "array<any>",
        "x-ms-isnullable": "boolean", "x-ms-isordered": "boolean",
    },
    "ExampleRequest": {"inputs": "map<array<array<any>>>", "globalParameters": "map<any>"},
    "AssetItem": {
        "!name": "string", "id": "string", "!type": "enum:Module|Resource",
        "!locationInfo": "BlobLocation", "inputPorts": "map<Port>", "outputPorts": "map<Port>",
        "metadata": "map<string>", "parameters": "array<ModuleAssetParameter>",
    },
    "Port": {"type": "enum:Dataset"},
    "BlobLocation": {"!uri": "string", "credentials": "string"},
    "ModuleAssetParameter": {
        "name": "string", "parameterType": "string", "modeValuesInfo": "map<ModeValueInfo>",
    },
    "ModeValueInfo": {"interfaceString": "string", "parameters": "array<ModuleAssetParameter>"},
    "GraphPackage": {
        "nodes": "map<GraphNode>", "edges": "array<GraphEdge>",
        "graphParameters": "map<GraphParameter>",
    },
    "GraphNode": {
        "assetId": "string", "inputId": "string", "outputId": "string",
        "parameters": "map<WebServiceParameter>",
    },
    "GraphEdge": {
        "sourceNodeId": "string", "sourcePortId": "string", "targetNodeId": "string",
        "targetPortId": "string",
    },
    "GraphParameter": {
        "description": "string",
        "!type": "enum:String|Int|Float|Enumerated|Script|Mode|Credential|Boolean|Double|"
        "ColumnPicker|ParameterRange|DataGatewayName",
        "!links": "array<GraphParameterLink>",
    },
    "GraphParameterLink": {"!nodeId": "string", "!parameterKey": "string"},
    "WebServiceParameter": {"value": "any", "certificateThumbprint": "string"},
}

_RANGE = re.compile(r"^integer\[(-?\d+)\.\.(-?\d+)\]$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_MAX_SHOWN = 8
_ANY, _SCALAR, _OBJECT, _MAP, _ARRAY = range(5)
# A JSON path kept as (parent, segment) links: built for every value walked, spelt only on a problem.
_Path = tuple[Any, "str | int"] | None


def pointer(*parts: str) -> str:
    """Return an RFC 6901 JSON Pointer, escaping ``~`` as ``~0`` and ``/`` as ``~1``."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _spell(path: _Path) -> str:
    parts: list[str] = []
    while path is not None:
        path, part = path
        parts.append(str(part))
    return pointer(*reversed(parts))


def _inner(type_name: str, prefix: str) -> str | None:
    if type_name.startswith(prefix) and type_name.endswith(">"):
        return type_name[len(prefix) : -1]
    return None


class _Type:
    """One parsed type name; objects list their fields, maps and arrays their item type."""

    __slots__ = ("by_lower", "fields", "holds_objects", "inner", "kind", "name", "ok", "types",
                 "walked")

    def __init__(self, name: str, kind: int, inner: _Type | None = None) -> None:
        self.name, self.kind = name, kind
        self.inner: _Type = inner or self
        self.holds_objects: bool = kind == _OBJECT or (inner is not None and inner.holds_objects)
        self.fields: tuple[tuple[str, _Type, bool], ...] = ()
        self.types: dict[str, _Type] = {}
        self.by_lower: dict[str, tuple[str, _Type]] = {}
        # The fields whose values can hold schema objects, i.e. the only ones canonical_keys visits.
        self.walked: tuple[tuple[str, _Type], ...] = ()
        self.ok: Callable[[Any], bool] = _scalar_ok(name)  # consulted for scalars only


_TYPES: dict[str, _Type] = {}


def _type(name: str) -> _Type:
    known = _TYPES.get(name)
    if known is not None:
        return known
    if name in OBJECTS:
        # Registered before its fields are parsed: ModuleAssetParameter and ModeValueInfo recurse.
        made = _TYPES[name] = _Type(name, _OBJECT)
        made.fields = tuple((k.lstrip("!"), _type(t), k.startswith("!")) for k, t in OBJECTS[name].items())
        made.types = {f: t for f, t, _r in made.fields}
        made.by_lower = {f.lower(): (f, t) for f, t, _r in made.fields}
        made.walked = tuple((f, t) for f, t, _r in made.fields if t.holds_objects)
    elif (item := _inner(name, "map<")) is not None:
        made = _Type(name, _MAP, _type(item))
    elif (item := _inner(name, "array<")) is not None:
        made = _Type(name, _ARRAY, _type(item))
    else:
        made = _Type(name, _ANY if name == "any" else _SCALAR)
    _TYPES[name] = made
    return made


def _scalar_ok(type_name: str) -> Callable[[Any], bool]:
    # The fast yes/no of _check_scalar; _check_scalar itself words the problem when this says no.
    if type_name.startswith("enum:"):
        allowed = type_name[len("enum:") :].split("|")
        return lambda v: v in allowed
    if (bounds := _RANGE.match(type_name)) is not None:
        low, high = int(bounds.group(1)), int(bounds.group(2))
        return lambda v: not isinstance(v, bool) and isinstance(v, int) and low <= v <= high
    checks: dict[str, Callable[[Any], bool]] = {
        "string": lambda v: isinstance(v, str),
        "date-time": lambda v: isinstance(v, str) and _DATE_TIME.match(v) is not None,
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: not isinstance(v, bool) and isinstance(v, int),
        "number": lambda v: not isinstance(v, bool) and isinstance(v, (int, float)),
    }
    return checks.get(type_name, lambda v: True)


def _type_label(type_name: str) -> str:
    if type_name in OBJECTS:
        return "an object"
    return {"string": "a string", "boolean": "true or false", "number": "a number",
            "date-time": "a date-time string"}.get(type_name, type_name)


def _check(value: Any, kind: _Type, path: _Path, problems: list[str]) -> None:
    # Callers skip JSON null (absent, as the service's serialiser ignores nulls) and "any".
    if kind.kind == _OBJECT:
        _check_object(value, kind, path, problems)
    elif kind.kind == _MAP:
        if not isinstance(value, dict):
            problems.append(f"{_spell(path)}: must be an object (a map of names to values)")
            return
        inner = kind.inner
        if inner.kind == _OBJECT:
            for key, item in value.items():
                if isinstance(item, dict):
                    _check_object(item, inner, (path, key), problems)
                else:
                    hint = " (2016-05-01-preview string form?)" if inner.name == "WebServiceParameter" else ""
                    problems.append(f"{_spell((path, key))}: must be an object{hint}")
        elif inner.kind != _ANY:
            for key, item in value.items():
                if item is not None:
                    _check(item, inner, (path, key), problems)
    elif kind.kind == _ARRAY:
        if not isinstance(value, list):
            problems.append(f"{_spell(path)}: must be an array")
            return
        if kind.inner.kind != _ANY:
            for index, item in enumerate(value):
                if item is not None:
                    _check(item, kind.inner, (path, index), problems)
    elif kind.kind == _SCALAR and not kind.ok(value):
        _check_scalar(value, kind.name, _spell(path), problems)


def _check_scalar(value: Any, type_name: str, path: str, problems: list[str]) -> None:
    if type_name.startswith("enum:"):
        allowed = type_name[len("enum:") :].split("|")
        if value not in allowed:
            problems.append(f"{path}: must be one of {', '.join(allowed)}, not {value!r}")
    elif (bounds := _RANGE.match(type_name)) is not None:
        low, high = int(bounds.group(1)), int(bounds.group(2))
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(f"{path}: must be an integer from {low} to {high}, not {value!r}")
    elif type_name in ("string", "date-time"):
        if not isinstance(value, str):
            problems.append(f"{path}: must be {_type_label(type_name)}, not {type(value).__name__}")
        elif type_name == "date-time" and not _DATE_TIME.match(value):
            problems.append(f"{path}: must be an ISO 8601 date-time, not {value!r}")
    elif type_name == "boolean" and not isinstance(value, bool):
        problems.append(f"{path}: must be true or false, not {value!r}")
    elif type_name == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        problems.append(f"{path}: must be an integer, not {value!r}")
    elif type_name == "number" and (
        isinstance(value, bool) or not isinstance(value, (int, float))
    ):
        problems.append(f"{path}: must be a number, not {value!r}")


def _check_object(value: Any, kind: _Type, path: _Path, problems: list[str]) -> None:
    if not isinstance(value, dict):
        problems.append(f"{_spell(path) or '/'}: must be an object, not {type(value).__name__}")
        return
    get = value.get
    for field, field_type, required in kind.fields:
        item = get(field)
        if item is None:
            if required:
                problems.append(f"{_spell(path)}/{field}: required")
        elif field_type.kind == _SCALAR:
            if not field_type.ok(item):
                _check_scalar(item, field_type.name, f"{_spell(path)}/{field}", problems)
        elif field_type.kind != _ANY:
            _check(item, field_type, (path, field), problems)


def schema_problems(defn: Any) -> list[str]:
    """Return every schema violation of a WebService document, each as ``<JSON path>: <why>``."""
    problems: list[str] = []
    _check_object(defn, _type("WebService"), None, problems)
    return problems


def validate_definition(defn: Any) -> None:
    """Raise ValidationError naming the JSON path of each way ``defn`` breaks the 2017-01-01 schema."""
    problems = schema_problems(defn)
    if not problems:
        return
    shown = "; ".join(problems[:_MAX_SHOWN])
    more = f" (and {len(problems) - _MAX_SHOWN} more)" if len(problems) > _MAX_SHOWN else ""
    raise ValidationError(f"the web service definition is invalid: {shown}{more}")


def _misspelt(value: dict[Any, Any], kind: _Type) -> bool:
    return any(type(key) is not str or (key not in kind.types and key.lower() in kind.by_lower)
               for key in value)


def _spelt(value: dict[Any, Any], kind: _Type) -> dict[str, Any]:
    # A new dict with the field names spelt as the schema does; the values are not visited.
    out: dict[str, Any] = {}
    for key, item in value.items():
        field = kind.by_lower.get(str(key).lower(), (str(key),))[0]
        # An exact spelling wins over a case variant if a file somehow has both.
        if field in out and key != field:
            continue
        out[field] = item
    return out


def _canonical(value: Any, kind: _Type) -> Any:
    if kind.kind == _OBJECT:
        if not isinstance(value, dict):
            return value
        # Comparing the key views runs in C; most objects need no renaming at all.
        if not value.keys() <= kind.types.keys() and _misspelt(value, kind):
            value = _spelt(value, kind)
        changed = {}
        for field, field_type in kind.walked:
            item = value.get(field)
            if item is not None and (new := _canonical(item, field_type)) is not item:
                changed[field] = new
        return {**value, **changed} if changed else value
    if not kind.holds_objects:
        return value  # free-form values and maps or arrays of scalars: nothing to rename below
    out: Any = None
    if kind.kind == _MAP and isinstance(value, dict):
        for key, item in value.items():
            if (new := _canonical(item, kind.inner)) is not item:
                out = dict(value) if out is None else out
                out[key] = new
    elif kind.kind == _ARRAY and isinstance(value, list):
        for index, item in enumerate(value):
            if (new := _canonical(item, kind.inner)) is not item:
                out = list(value) if out is None else out
                out[index] = new
    return value if out is None else out


def canonical_keys(value: Any, type_name: str = "WebService") -> Any:
    """Return ``value`` with object field names spelt as the schema does (``Assets`` → ``assets``).

    ``value`` is not changed; parts that need no renaming are shared with it rather than copied
    (use ``canonical_copy`` for a copy).
    """
    return _canonical(value, _type(type_name))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _copy(value: Any, kind: _Type) -> Any:
    if kind.kind == _OBJECT and isinstance(value, dict):
        if not value.keys() <= kind.types.keys() and _misspelt(value, kind):
            value = _spelt(value, kind)
        types, out = kind.types, {}
        for key, item in value.items():
            if type(item) is str:
                out[key] = item  # most members: skip the calls below
            elif item is not None:
                field_type = types.get(key)
                out[key] = _plain(item) if field_type is None else _copy(item, field_type)
        return out
    if kind.kind == _MAP and isinstance(value, dict):
        return {key: _copy(item, kind.inner) for key, item in value.items() if item is not None}
    if kind.kind == _ARRAY and isinstance(value, list):
        return [_copy(item, kind.inner) for item in value]
    return _plain(value)


def canonical_copy(value: Any, type_name: str = "WebService") -> Any:
    """Return a new copy of ``value`` with canonical field names and no null object members.

    One walk does what ``copy.deepcopy``, ``canonical_keys`` and dropping nulls did in turn; the
    leaves (strings, numbers) are immutable and shared, as ``copy.deepcopy`` shares them.
    """
    return _copy(value, _type(type_name))


# Parsed at import, so no thread ever sees an object type whose fields are still being filled in.
for _name in OBJECTS:
    _type(_name)
