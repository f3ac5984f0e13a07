"""Request bodies of the v2 operations, checked the way the swagger (ML-V2 §2) declares them.

Written from ``online.json`` (never loaded from it: the emulator ships without ../shared), with
the ``allOf`` parents merged, as autorest does (ML-V2 §0). :func:`check` returns a clean copy:
read-only properties (``id``, ``provisioningState``, ``scoringUri``…) are dropped, as ARM ignores
what a client may not set, and ``null`` counts as absent (``x-nullable``). An unknown property is a
400: the definitions say ``additionalProperties: false``. Job subtypes (CommandJob…) are outside the
subset, so their extra properties are kept as sent (reference silent: the CommandJob examples send
``parentJobName``, which no definition declares, ML-V2 §5.3).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .errors import user_error

__all__ = [
    "DEPLOYMENT",
    "DEPLOYMENT_PATCH",
    "ENDPOINT",
    "ENDPOINT_PATCH",
    "JOB",
    "MODEL_VERSION",
    "check",
    "check_deployment_name",
    "check_resource_name",
]

Checker = Callable[[Any, str], Any]
# ML-V2 §0: the PUT/PATCH resource-name pattern of M.
RESOURCE_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}")
# Reference silent beyond the generic pattern (online-contract §6): what the service answers in
# practice for deployments: 3-32 characters, lowercase letters, digits and '-', a letter first,
# not '-' last.
DEPLOYMENT_NAME = re.compile(r"[a-z][a-z0-9-]{1,30}[a-z0-9]")


def _fail(path: str, message: str) -> Exception:
    return user_error(f"{path}: {message}" if path else message, target=path or None)


def string(value: Any, path: str) -> Any:
    if not isinstance(value, str):
        raise _fail(path, "must be a string.")
    return value


def integer(value: Any, path: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or not -2**31 <= value < 2**31:
        raise _fail(path, "must be a 32-bit integer.")
    return value


def boolean(value: Any, path: str) -> Any:
    if not isinstance(value, bool):
        raise _fail(path, "must be true or false.")
    return value


def anything(value: Any, _path: str) -> Any:
    return value


def enum(*values: str) -> Checker:
    """A ``modelAsString`` enum: matched case-insensitively, answered in its spelling."""
    canonical = {v.lower(): v for v in values}

    def checker(value: Any, path: str) -> Any:
        if not isinstance(value, str) or value.lower() not in canonical:
            raise _fail(path, f"must be one of {', '.join(values)}.")
        return canonical[value.lower()]
    return checker


def map_of(item: Checker) -> Checker:
    def checker(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise _fail(path, "must be a JSON object.")
        return {str(k): item(v, f"{path}.{k}") for k, v in value.items() if v is not None}
    return checker


def obj(fields: Mapping[str, Checker], required: tuple[str, ...] = (),
        read_only: tuple[str, ...] = (), *, open_ended: bool = False) -> Checker:
    """An object; *open_ended* keeps unknown properties (a subtype outside the subset)."""
    def checker(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise _fail(path, "must be a JSON object.")
        clean: dict[str, Any] = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key in read_only or item is None:
                continue
            if key in fields:
                clean[key] = fields[key](item, where)
            elif open_ended:
                clean[key] = item
            else:
                raise _fail(where, "is not a property of this resource (the definition allows "
                                   "no others).")
        for key in required:
            if key not in clean:
                where = f"{path}.{key}" if path else key
                raise _fail(where, "is required.")
        return clean
    return checker


STRINGS = map_of(string)
_IDENTITY_TYPES = ("None", "SystemAssigned", "UserAssigned", "SystemAssigned,UserAssigned")
_IDENTITY = obj({"type": enum(*_IDENTITY_TYPES), "userAssignedIdentities": map_of(anything)},
                ("type",), ("principalId", "tenantId"))
_SKU_FIELDS: dict[str, Checker] = {"name": string, "tier": enum("Free", "Basic", "Standard",
                                                                 "Premium"),
                                   "size": string, "family": string, "capacity": integer}
_ENVELOPE_READ_ONLY = ("id", "name", "type", "systemData")


def _tracked(properties: Checker) -> Checker:
    """D:…TrackedResource: TrackedResource (tags, location) + identity, kind, sku, properties."""
    return obj({"location": string, "tags": STRINGS, "identity": _IDENTITY, "kind": string,
                "sku": obj(_SKU_FIELDS, ("name",)), "properties": properties},
               ("location", "properties"), _ENVELOPE_READ_ONLY)


_ENDPOINT_PROPERTIES = obj({
    # D:EndpointPropertiesBase
    "authMode": enum("AMLToken", "Key", "AADToken"), "description": string,
    "keys": obj({"primaryKey": string, "secondaryKey": string}), "properties": STRINGS,
    # D:OnlineEndpoint
    "compute": string, "mirrorTraffic": map_of(integer), "traffic": map_of(integer),
    "publicNetworkAccess": enum("Enabled", "Disabled"),
}, ("authMode",), ("scoringUri", "swaggerUri", "provisioningState"))
ENDPOINT = _tracked(_ENDPOINT_PROPERTIES)

_PROBE = obj({"failureThreshold": integer, "initialDelay": string, "period": string,
              "successThreshold": integer, "timeout": string})
# D:OnlineScaleSettings is a discriminated base; TargetUtilizationScaleSettings' fields are
# outside the subset, so they are kept as sent.
_SCALE = obj({"scaleType": enum("Default", "TargetUtilization")}, ("scaleType",),
             open_ended=True)
_DEPLOYMENT_PROPERTIES = obj({
    # D:EndpointDeploymentPropertiesBase
    "codeConfiguration": obj({"codeId": string, "scoringScript": string}, ("scoringScript",)),
    "description": string, "environmentId": string, "environmentVariables": STRINGS,
    "properties": STRINGS,
    # D:OnlineDeployment
    "appInsightsEnabled": boolean, "dataCollector": anything,
    "egressPublicNetworkAccess": enum("Enabled", "Disabled"),
    "endpointComputeType": enum("Managed", "Kubernetes", "AzureMLCompute"),
    "instanceType": string, "livenessProbe": _PROBE, "readinessProbe": _PROBE,
    "startupProbe": _PROBE, "model": string, "modelMountPath": string,
    "requestSettings": obj({"maxConcurrentRequestsPerInstance": integer, "maxQueueWait": string,
                            "requestTimeout": string}),
    "scaleSettings": _SCALE,
    # D:KubernetesOnlineDeployment (outside the subset; ML-V2 §2): its one extra property
    "containerResourceRequirements": anything,
}, ("endpointComputeType",), ("provisioningState",))
DEPLOYMENT = _tracked(_DEPLOYMENT_PROPERTIES)

# D:PartialMinimalTrackedResourceWithIdentity / …WithSku: additionalProperties false, so a PATCH
# can change nothing else (ML-V2 §3).
_PARTIAL_IDENTITY = obj({"type": enum(*_IDENTITY_TYPES), "userAssignedIdentities": map_of(
    anything)})
ENDPOINT_PATCH = obj({"tags": STRINGS, "identity": _PARTIAL_IDENTITY})
DEPLOYMENT_PATCH = obj({"tags": STRINGS, "sku": obj(_SKU_FIELDS)})

_RESOURCE_BASE: dict[str, Checker] = {"description": string, "properties": STRINGS,
                                      "tags": STRINGS}
MODEL_VERSION = obj({"properties": obj({
    **_RESOURCE_BASE, "isAnonymous": boolean, "isArchived": boolean,  # D:AssetBase
    "flavors": map_of(obj({"data": STRINGS})), "jobName": string, "modelType": string,
    "modelUri": string, "stage": string,
}, (), ("provisioningState",))}, ("properties",), _ENVELOPE_READ_ONLY)

_JOB_TYPES = ("AutoML", "Command", "Sweep", "Pipeline", "Spark")
JOB = obj({"properties": obj({
    **_RESOURCE_BASE, "componentId": string, "computeId": string, "displayName": string,
    "experimentName": string, "identity": obj({"identityType": enum(
        "Managed", "AMLToken", "UserIdentity")}, ("identityType",), open_ended=True),
    "isArchived": boolean, "jobType": enum(*_JOB_TYPES), "notificationSetting": anything,
    "services": map_of(anything),
    # D:CommandJob (outside the subset, ML-V2 §2)
    "command": string, "environmentId": string, "codeId": string, "inputs": map_of(anything),
    "outputs": map_of(anything), "environmentVariables": STRINGS, "limits": anything,
    "resources": anything, "distribution": anything, "queueSettings": anything,
}, ("jobType",), ("status", "parameters"), open_ended=True)}, ("properties",),
    _ENVELOPE_READ_ONLY)


def check(schema: Checker, body: Any) -> dict[str, Any]:
    """The clean body, or 400 ``UserError`` naming the first problem."""
    if not isinstance(body, dict):
        raise user_error("The request body must be a JSON object.")
    clean: dict[str, Any] = schema(body, "")
    return clean


def check_resource_name(name: str, what: str) -> None:
    if not RESOURCE_NAME.fullmatch(name):
        raise user_error(f"The {what} name '{name[:80]}' is invalid: it must match "
                         f"{RESOURCE_NAME.pattern} (a letter or digit first).")


def check_deployment_name(name: str) -> None:
    if not DEPLOYMENT_NAME.fullmatch(name):
        raise user_error(f"Invalid deployment name '{name[:80]}': a deployment name must be 3-32 "
                         "characters of lowercase letters, digits and '-', start with a letter "
                         "and not end with '-'.", target="deploymentName")
