"""The read-only web service workflows (list, show): the ARM client and nothing else.

Apart from ``arm.webservices`` (which re-exports them) so that ``webservice show`` and ``list``
do not import the definition, merge and backup machinery the writes need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aml_retrain._json import JsonObject

if TYPE_CHECKING:
    from aml_retrain.arm.client import ArmWebServiceClient

__all__ = ["list_webservices", "show_webservice"]


def list_webservices(
    client: ArmWebServiceClient, resource_group: str | None = None
) -> list[JsonObject]:
    """Return one summary row per web service of a resource group or the whole subscription."""
    rows = []
    for item in client.list(resource_group):
        raw = item.get("properties")
        props: JsonObject = raw if isinstance(raw, dict) else {}
        parts = str(item.get("id", "")).split("/")
        rg = parts[4] if len(parts) > 4 and parts[3].lower() == "resourcegroups" else resource_group
        rows.append({
            "name": item.get("name"), "resource_group": rg, "location": item.get("location"),
            "title": props.get("title"), "provisioning_state": props.get("provisioningState"),
            "read_only": props.get("readOnly"), "id": item.get("id"),
        })
    return rows


def show_webservice(client: ArmWebServiceClient, resource_group: str, name: str) -> JsonObject:
    """Return the web service as ARM's GET shows it (secrets dropped should a service echo them)."""
    ws = client.get(resource_group, name)
    props = ws.get("properties")
    if isinstance(props, dict):
        props.pop("keys", None)
        storage = props.get("storageAccount")
        if isinstance(storage, dict):
            storage.pop("key", None)
    return ws
