"""The 2016-05-01-preview wire shapes of ``Microsoft.MachineLearning/webServices`` (SPEC16).

The provider registered both api-versions (PSREC1), and Data Factory's AzureMLUpdateResource
activity PATCHes ``…/webServices/{name}?api-version=2016-05-01-preview`` (the ADF docs'
``updateResourceEndpoint`` format). State is kept in the 2017-01-01 shape; these functions
translate at the edge. Differences modelled (SPEC16 vs. SPEC17):

- node ``parameters`` and the top-level ``properties.parameters`` are maps of **strings**, not
  of ``{value, certificateThumbprint}``: an encrypted credential shows as its ciphertext alone
  (inferred; the preview has no thumbprint field), and a ciphertext sent back is recognised;
- ``payloadsInBlobStorage`` / ``payloadsLocation`` do not exist (not shown, ignored if sent);
- the PATCH body is a whole ``WebService``: ``location`` and ``properties`` are required;
- ``CreateRegionalBlob`` and the GET's ``region`` do not exist.

Not modelled: the writable ``name`` (ARM takes the name from the URL either way) and the
``text/json`` media type (any JSON body is read).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

__all__ = ["PREVIEW", "from_preview", "missing_patch_fields", "to_preview"]

PREVIEW = "2016-05-01-preview"
_NOT_IN_PREVIEW = ("payloadsInBlobStorage", "payloadsLocation")
Problem = dict[str, str]


def _as_string(parameter: Any) -> Any:
    value = parameter.get("value") if isinstance(parameter, dict) else parameter
    return value if isinstance(value, str) or value is None else json.dumps(value)


def _string_map(params: Any) -> Any:
    if not isinstance(params, dict):
        return params
    return {name: _as_string(parameter) for name, parameter in params.items()}


def to_preview(doc: dict[str, Any]) -> dict[str, Any]:
    """A GET body, list entry or sparse answer of 2017-01-01 in the preview's shape."""
    out = copy.deepcopy(doc)
    props = out.get("properties")
    if not isinstance(props, dict):
        return out
    for name in _NOT_IN_PREVIEW:
        props.pop(name, None)
    if "parameters" in props:
        props["parameters"] = _string_map(props["parameters"])
    nodes = (props.get("package") or {}).get("nodes") if isinstance(props.get("package"),
                                                                     dict) else None
    for node in (nodes or {}).values():
        if isinstance(node, dict) and "parameters" in node:
            node["parameters"] = _string_map(node["parameters"])
    return out


def _from_strings(params: Any, path: str, sealed_by: Callable[[str], str],
                  problems: list[Problem]) -> Any:
    if not isinstance(params, dict):
        return params
    out = {}
    for name, value in params.items():
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append({"code": "InvalidPropertyType", "target": f"{path}['{name}']",
                             "message": f"Path '{path}['{name}']': expected a string."})
            continue
        # A ciphertext this service made comes back without its thumbprint: recognise it.
        out[name] = {"value": value, "certificateThumbprint": sealed_by(value)}
    return out


def from_preview(body: Any, sealed_by: Callable[[str], str]) -> tuple[Any, list[Problem]]:
    """A preview request body in the 2017-01-01 shape, and the problems found on the way.

    ``sealed_by(value)`` is the thumbprint of the certificate that sealed ``value``, or ``""``.
    """
    if not isinstance(body, dict):
        return body, []
    out = copy.deepcopy(body)
    problems: list[Problem] = []
    props = next((v for k, v in out.items() if k.lower() == "properties"), None)
    if not isinstance(props, dict):
        return out, problems
    for key in [k for k in props if k.lower() in {n.lower() for n in _NOT_IN_PREVIEW}]:
        del props[key]  # unknown to the preview: ignored like any unknown property
    for key in [k for k in props if k.lower() == "parameters"]:
        props[key] = _from_strings(props[key], "properties.parameters", sealed_by, problems)
    package = next((v for k, v in props.items() if k.lower() == "package"), None)
    nodes = next((v for k, v in package.items() if k.lower() == "nodes"), None) \
        if isinstance(package, dict) else None
    for node_id, node in (nodes or {}).items():
        if not isinstance(node, dict):
            continue
        for key in [k for k in node if k.lower() == "parameters"]:
            node[key] = _from_strings(node[key], f"properties.package.nodes.{node_id}.parameters",
                                      sealed_by, problems)
    return out, problems


def missing_patch_fields(body: Any) -> list[Problem]:
    """SPEC16's PATCH takes a whole WebService: ``location`` and ``properties`` are required."""
    given = {k.lower() for k, v in body.items() if v is not None} if isinstance(body, dict) else set()
    return [{"code": "MissingRequiredProperty", "target": name,
             "message": f"Path '{name}': the property is required."}
            for name in ("location", "properties") if name not in given]
