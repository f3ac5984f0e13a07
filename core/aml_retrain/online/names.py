"""Name rules for Azure ML v2 resources, checked before any request, and the ARM paths they form.

Patterns from ../shared/reference/ml-v2/ML-V2.md §0 (resource group: common-types v3
``ResourceGroupNameParameter``; workspace: MLS ``WorkspaceNameParameter``; other resources: the
pattern M puts on PUT/PATCH names). The deployment rule is the service's, from online-contract.md §6.
"""

from __future__ import annotations

import re

from aml_retrain.errors import ValidationError

__all__ = [
    "PROVIDER",
    "check_deployment",
    "check_resource",
    "check_resource_group",
    "check_subscription",
    "check_workspace",
    "deployment_name_for",
    "workspace_path",
]

PROVIDER = "Microsoft.MachineLearningServices"

_RESOURCE_GROUP = re.compile(r"^[-\w._()]{1,90}$")
_WORKSPACE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$")
_RESOURCE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$")
_DEPLOYMENT = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
_SUBSCRIPTION = re.compile(r"^[0-9A-Za-z-]{1,64}$")


def check_subscription(subscription_id: str) -> str:
    """Return ``subscription_id`` or raise ValidationError (it becomes part of every path)."""
    if not _SUBSCRIPTION.match(subscription_id or ""):
        raise ValidationError(f"invalid subscription id {subscription_id!r}: expected a GUID")
    return subscription_id


def check_resource_group(name: str) -> str:
    """Return ``name`` or raise ValidationError: 1-90 letters, digits, '-', '_', '.', '(' or ')'."""
    if not _RESOURCE_GROUP.match(name or ""):
        raise ValidationError(
            f"invalid resource group name {name!r}: use 1-90 letters, digits, '-', '_', '.', "
            "'(' or ')'"
        )
    return name


def check_workspace(name: str) -> str:
    """Return ``name`` or raise ValidationError: 3-33 letters, digits, '_' or '-' (MLS pattern)."""
    if not _WORKSPACE.match(name or ""):
        raise ValidationError(
            f"invalid workspace name {name!r}: use 3-33 letters, digits, '_' or '-', starting with "
            "a letter or digit"
        )
    return name


def check_resource(name: str, what: str) -> str:
    """Return ``name`` or raise ValidationError naming ``what`` (endpoint, model, job, version)."""
    if not _RESOURCE.match(name or ""):
        raise ValidationError(
            f"invalid {what} name {name!r}: use 1-255 letters, digits, '-' or '_', starting with "
            "a letter or digit"
        )
    return name


def check_deployment(name: str) -> str:
    """Return ``name`` or raise ValidationError: the service's 3-32 character deployment rule."""
    if not _DEPLOYMENT.match(name or ""):
        raise ValidationError(
            f"invalid deployment name {name!r}: use 3-32 lowercase letters, digits and '-', "
            "starting with a letter and not ending with '-'"
        )
    return name


def deployment_name_for(model_name: str, version: str) -> str:
    """Return ``<model>-v<version>`` lowercased and cut to the deployment rule (``census-model-v2``)."""
    suffix = "-v" + re.sub(r"[^a-z0-9]+", "-", version.lower()).strip("-")
    prefix = re.sub(r"[^a-z0-9]+", "-", model_name.lower()).strip("-")
    prefix = prefix.lstrip("0123456789-") or "model"
    room = 32 - len(suffix)
    if room < 1:
        raise ValidationError(
            f"model version {version!r} is too long to name a deployment: pass a deployment name"
        )
    name = (prefix[:room].rstrip("-") or "m") + suffix
    return check_deployment(name if len(name) >= 3 else f"m-{name}")


def workspace_path(subscription_id: str, resource_group: str, workspace: str) -> str:
    """Return the workspace's ARM id, every part checked."""
    return (
        f"/subscriptions/{check_subscription(subscription_id)}"
        f"/resourceGroups/{check_resource_group(resource_group)}"
        f"/providers/{PROVIDER}/workspaces/{check_workspace(workspace)}"
    )
