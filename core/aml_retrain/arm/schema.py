"""The WebService schema of api-version 2017-01-01, written as a small type language (pure, no I/O).

Types: ``string``, ``boolean``, ``integer``, ``number``, ``any``, ``date-time``,
``integer[4..200]``, ``enum:A|B``, ``map<T>``, ``array<T>``, or an object name below. A leading
``!`` marks a required field. Object field names match case-insensitively on load, as the .NET
deserialiser behind Import-AzMlWebService does; map keys (asset ids, node ids…) never change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aml_retrain.errors import ValidationError

__all__ = ["OBJECTS", "canonical_keys", "pointer", "schema_problems", "validate_definition"]

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


def pointer(*parts: str) -> str:
    """Return an RFC 6901 JSON Pointer, escaping ``~`` as ``~0`` and ``/`` as ``~1``."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _fields(name: str) -> dict[str, tuple[str, bool]]:
    return {k.lstrip("!"): (t, k.startswith("!")) for k, t in OBJECTS[name].items()}


def _inner(type_name: str, prefix: str) -> str | None:
    if type_name.startswith(prefix) and type_name.endswith(">"):
        return type_name[len(prefix) : -1]
    return None


def _type_label(type_name: str) -> str:
    if type_name in OBJECTS:
        return "an object"
    return {"string": "a string", "boolean": "true or false", "number": "a number",
            "date-time": "a date-time string"}.get(type_name, type_name)


def _check(value: Any, type_name: str, path: str, problems: list[str]) -> None:
    # JSON null counts as "absent", as the service's serialiser ignores nulls.
    if value is None or type_name == "any":
        return
    if type_name in OBJECTS:
        _check_object(value, type_name, path, problems)
    elif (inner := _inner(type_name, "map<")) is not None:
        if not isinstance(value, dict):
            problems.append(f"{path}: must be an object (a map of names to values)")
            return
        for key, item in value.items():
            if inner in OBJECTS and not isinstance(item, dict):
                hint = " (2016-05-01-preview string form?)" if inner == "WebServiceParameter" else ""
                problems.append(f"{path}/{pointer(str(key))[1:]}: must be an object{hint}")
                continue
            _check(item, inner, f"{path}{pointer(str(key))}", problems)
    elif (inner := _inner(type_name, "array<")) is not None:
        if not isinstance(value, list):
            problems.append(f"{path}: must be an array")
            return
        for index, item in enumerate(value):
            _check(item, inner, f"{path}/{index}", problems)
    else:
        _check_scalar(value, type_name, path, problems)


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


def _check_object(value: Any, name: str, path: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        problems.append(f"{path or '/'}: must be an object, not {type(value).__name__}")
        return
    for field, (type_name, required) in _fields(name).items():
        if value.get(field) is None:
            if required:
                problems.append(f"{path}/{field}: required")
            continue
        _check(value[field], type_name, f"{path}/{field}", problems)


def schema_problems(defn: Any) -> list[str]:
    """Return every schema violation of a WebService document, each as ``<JSON path>: <why>``."""
    problems: list[str] = []
    _check_object(defn, "WebService", "", problems)
    return problems


def validate_definition(defn: Any) -> None:
    """Raise ValidationError naming the JSON path of each way ``defn`` breaks the 2017-01-01 schema."""
    problems = schema_problems(defn)
    if not problems:
        return
    shown = "; ".join(problems[:_MAX_SHOWN])
    more = f" (and {len(problems) - _MAX_SHOWN} more)" if len(problems) > _MAX_SHOWN else ""
    raise ValidationError(f"the web service definition is invalid: {shown}{more}")


def canonical_keys(value: Any, type_name: str = "WebService") -> Any:
    """Return ``value`` with object field names spelt as the schema does (``Assets`` → ``assets``)."""
    if isinstance(value, dict) and type_name in OBJECTS:
        by_lower = {f.lower(): (f, t) for f, (t, _r) in _fields(type_name).items()}
        out: dict[str, Any] = {}
        for key, item in value.items():
            field, inner = by_lower.get(str(key).lower(), (str(key), "any"))
            # An exact spelling wins over a case variant if a file somehow has both.
            if field in out and key != field:
                continue
            out[field] = canonical_keys(item, inner)
        return out
    map_of = _inner(type_name, "map<")
    if isinstance(value, dict) and map_of is not None:
        return {key: canonical_keys(item, map_of) for key, item in value.items()}
    array_of = _inner(type_name, "array<")
    if isinstance(value, list) and array_of is not None:
        return [canonical_keys(item, array_of) for item in value]
    return value
