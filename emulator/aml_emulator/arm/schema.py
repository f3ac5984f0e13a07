"""A small schema language and the swagger's ``WebService`` / ``PatchedWebService`` in it.

Written from SPEC17 (ARM §6), not loaded from it. :func:`validate` checks a request body and
returns a *clean* copy, as the service's .NET model binding would see it (inferred from NETRT):

- property names match case-insensitively and come back in their canonical spelling;
- unknown properties are dropped, and so are read-only ones (``id``, ``createdOn``…): ARM
  ignores what a client may not set;
- ``null`` counts as absent (a .NET model cannot tell them apart);
- enum values match case-insensitively (``modelAsString`` enums) and come back canonical.

Problems are reported with JSON.NET-style paths (``properties.assets.asset3.locationInfo.uri``,
``properties.package.edges[0]``, ``properties.assets['my asset']``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from .errors import bad_request

__all__ = ["PATCHED_WEB_SERVICE", "WEB_SERVICE", "validate"]

_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?")
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")
_MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Scalar:
    kind: str  # "string" | "boolean" | "integer" | "number" | "date-time" | "any"
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    exact: bool = False  # enum compared case-sensitively (the discriminator)


@dataclass(frozen=True)
class Obj:
    fields: Mapping[str, Schema]
    required: tuple[str, ...] = ()
    read_only: tuple[str, ...] = ()
    _names: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._names.update({name.lower(): name for name in (*self.fields, *self.read_only)})

    def canonical(self, key: str) -> str | None:
        return self._names.get(key.lower())


@dataclass(frozen=True)
class MapOf:
    item: Schema


@dataclass(frozen=True)
class ListOf:
    item: Schema


@dataclass(frozen=True)
class Ref:
    """A schema defined later (recursive definitions)."""

    target: Callable[[], Schema]


Schema = Union[Scalar, Obj, MapOf, ListOf, Ref]  # noqa: UP007 (a runtime alias)


def _key_path(path: str, key: str) -> str:
    if _IDENTIFIER.fullmatch(key):
        return f"{path}.{key}" if path else key
    escaped = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"{path}['{escaped}']"


class _Checker:
    def __init__(self) -> None:
        self.problems: list[dict[str, str]] = []

    def problem(self, code: str, path: str, message: str) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append({"code": code, "target": path,
                                  "message": f"Path '{path}': {message}"})

    def check(self, schema: Schema, value: Any, path: str) -> Any:
        if isinstance(schema, Ref):
            return self.check(schema.target(), value, path)
        if isinstance(schema, Scalar):
            return self._scalar(schema, value, path)
        if isinstance(schema, ListOf):
            if not isinstance(value, list):
                self.problem("InvalidPropertyType", path, "expected an array.")
                return None
            return [self.check(schema.item, item, f"{path}[{index}]")
                    for index, item in enumerate(value)]
        if not isinstance(value, dict):
            self.problem("InvalidPropertyType", path, "expected an object.")
            return None
        if isinstance(schema, MapOf):
            return {key: self.check(schema.item, item, _key_path(path, key))
                    for key, item in value.items() if item is not None}
        return self._object(schema, value, path)

    def _object(self, schema: Obj, value: dict[str, Any], path: str) -> dict[str, Any]:
        given: dict[str, Any] = {}
        for key, item in value.items():
            name = schema.canonical(key)
            if name is not None and name not in schema.read_only and item is not None:
                given[name] = item
        for name in schema.required:
            if name not in given:
                self.problem("MissingRequiredProperty", _key_path(path, name),
                             "the property is required.")
        return {name: self.check(schema.fields[name], given[name], _key_path(path, name))
                for name in schema.fields if name in given}

    def _scalar(self, schema: Scalar, value: Any, path: str) -> Any:
        kind = schema.kind
        if kind == "any":
            return value
        if kind == "boolean":
            if not isinstance(value, bool):
                self.problem("InvalidPropertyType", path, "expected a boolean.")
            return value
        if kind in ("integer", "number"):
            return self._number(schema, value, path)
        if not isinstance(value, str):
            self.problem("InvalidPropertyType", path, "expected a string.")
            return value
        if kind == "date-time" and not _DATE_TIME.fullmatch(value):
            self.problem("InvalidPropertyValue", path, "expected an ISO 8601 date-time.")
        if schema.enum:
            for allowed in schema.enum:
                if value == allowed or (not schema.exact and value.lower() == allowed.lower()):
                    return allowed
            shown = ", ".join(repr(v) for v in schema.enum)
            self.problem("InvalidPropertyValue", path,
                         f"'{value[:60]}' is not a valid value; use one of {shown}.")
        return value

    def _number(self, schema: Scalar, value: Any, path: str) -> Any:
        if isinstance(value, float) and schema.kind == "integer" and value.is_integer():
            value = int(value)  # JSON.NET reads 30.0 into an int
        wanted = int if schema.kind == "integer" else (int, float)
        if isinstance(value, bool) or not isinstance(value, wanted):
            self.problem("InvalidPropertyType", path, f"expected an {schema.kind}"
                         if schema.kind == "integer" else "expected a number.")
            return value
        low, high = schema.minimum, schema.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            self.problem("InvalidPropertyValue", path,
                         f"{value} is out of range; use a value from {low} to {high}.")
        return value


def validate(schema: Obj, body: Any) -> dict[str, Any]:
    """The clean body, or 400 ``BadRequest`` listing every problem (``target`` = its path)."""
    checker = _Checker()
    clean = checker.check(schema, body, "")
    if checker.problems:
        raise bad_request(checker.problems)
    assert isinstance(clean, dict)
    return clean


# --- SPEC17 definitions ----------------------------------------------------------------------

STRING, BOOLEAN, ANY = Scalar("string"), Scalar("boolean"), Scalar("any")


def _strings(*names: str) -> dict[str, Schema]:
    return dict.fromkeys(names, STRING)


BLOB_LOCATION = Obj(_strings("uri", "credentials"), required=("uri",))
PORT = Obj({"type": Scalar("string", enum=("Dataset",))})


def _module_parameter() -> Schema:
    return MODULE_PARAMETER


MODE_VALUE_INFO = Obj({"interfaceString": STRING, "parameters": ListOf(Ref(_module_parameter))})
MODULE_PARAMETER: Obj = Obj({**_strings("name", "parameterType"), "modeValuesInfo": MapOf(MODE_VALUE_INFO)})
ASSET_ITEM = Obj({**_strings("name", "id"), "type": Scalar("string", enum=("Module", "Resource")),
                  "locationInfo": BLOB_LOCATION, "inputPorts": MapOf(PORT),
                  "outputPorts": MapOf(PORT), "metadata": MapOf(STRING),
                  "parameters": ListOf(MODULE_PARAMETER)},
                 required=("name", "type", "locationInfo"))
_FORMATS = ("", "Byte", "Char", "Complex64", "Complex128", "Date-time", "Date-timeOffset", "Double",
            "Duration", "Float", "Int8", "Int16", "Int32", "Int64", "Uint8", "Uint16", "Uint32",
            "Uint64")  # "" too: real services send it for strings (PSREC1)
COLUMN = Obj({"type": Scalar("string", enum=("Boolean", "Integer", "Number", "String")),
              "format": Scalar("string", enum=_FORMATS), "enum": ListOf(ANY),
              "x-ms-isnullable": BOOLEAN, "x-ms-isordered": BOOLEAN}, required=("type",))
TABLE = Obj({**_strings("title", "description", "type", "format"), "properties": MapOf(COLUMN)},
            required=("type",))
IO_SPEC = Obj({**_strings("title", "description", "type"), "properties": MapOf(TABLE)},
              required=("type", "properties"))
EXAMPLE_REQUEST = Obj({"inputs": MapOf(ListOf(ListOf(ANY))), "globalParameters": MapOf(ANY)})
PARAMETER = Obj({"value": ANY, "certificateThumbprint": STRING})
GRAPH_NODE = Obj({**_strings("assetId", "inputId", "outputId"), "parameters": MapOf(PARAMETER)})
GRAPH_EDGE = Obj(_strings("sourceNodeId", "sourcePortId", "targetNodeId", "targetPortId"))
GRAPH_PARAMETER = Obj({"description": STRING, "type": Scalar("string", enum=(
    "String", "Int", "Float", "Enumerated", "Script", "Mode", "Credential", "Boolean", "Double",
    "ColumnPicker", "ParameterRange", "DataGatewayName")),
    "links": ListOf(Obj(_strings("nodeId", "parameterKey"), required=("nodeId", "parameterKey")))},
    required=("type", "links"))
PACKAGE = Obj({"nodes": MapOf(GRAPH_NODE), "edges": ListOf(GRAPH_EDGE),
               "graphParameters": MapOf(GRAPH_PARAMETER)})

PROPERTIES = Obj({
    **_strings("title", "description"),
    "keys": Obj(_strings("primary", "secondary")),
    "readOnly": BOOLEAN, "exposeSampleData": BOOLEAN,
    "realtimeConfiguration": Obj({"maxConcurrentCalls": Scalar("integer", minimum=4, maximum=200)}),
    "diagnostics": Obj({"level": Scalar("string", enum=("None", "Error", "All")),
                        "expiry": Scalar("date-time")}, required=("level",)),
    "storageAccount": Obj(_strings("name", "key")),
    "machineLearningWorkspace": Obj(_strings("id"), required=("id",)),
    "commitmentPlan": Obj(_strings("id"), required=("id",)),
    "input": IO_SPEC, "output": IO_SPEC, "exampleRequest": EXAMPLE_REQUEST,
    "assets": MapOf(ASSET_ITEM), "parameters": MapOf(PARAMETER),
    # The discriminator: exactly "Graph" ("Code is not supported at this time", SPEC17).
    "packageType": Scalar("string", enum=("Graph",), exact=True),
    "payloadsInBlobStorage": BOOLEAN, "payloadsLocation": BLOB_LOCATION,
    "package": PACKAGE,  # WebServicePropertiesForGraph
}, required=("packageType",),
    read_only=("createdOn", "modifiedOn", "provisioningState", "swaggerLocation"))

WEB_SERVICE = Obj({"location": STRING, "tags": MapOf(STRING), "properties": PROPERTIES},
                  required=("location", "properties"), read_only=("id", "name", "type"))
# PatchedResource: `location` is read-only too and nothing is required at the top.
PATCHED_WEB_SERVICE = Obj({"tags": MapOf(STRING), "properties": PROPERTIES},
                          read_only=("id", "name", "type", "location"))
