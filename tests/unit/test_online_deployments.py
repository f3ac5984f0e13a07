"""Deployments (create from the serving one, wait, delete), names, and bodies against online.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.errors import (
    AlreadyExistsError,
    OperationFailedError,
    OperationTimeoutError,
    ValidationError,
)
from aml_retrain.online import deployment_name_for
from aml_retrain.online.deployments import deployment_body
from aml_retrain.online.endpoints import put_body
from aml_retrain.online.names import check_deployment, check_resource_group, check_workspace

from .arm_fakes import ArmAdapter
from .test_online_fakes import (
    ARM,
    DEP_PATH,
    EP,
    add_put_flow,
    deployment,
    endpoint,
    make_client,
    model_id,
)

ONLINE_JSON = (Path(__file__).resolve().parents[3] / "shared" / "reference" / "ml-v2" / "2025-12-01"
               / "online.json")
GREEN = f"{DEP_PATH}/green"
NEW_MODEL = model_id(version="2")


@pytest.fixture
def adapter() -> ArmAdapter:
    return ArmAdapter()


def test_create_copies_the_source_settings_and_swaps_the_model(adapter: ArmAdapter) -> None:
    adapter.add("GET", GREEN, status=404, json={"error": {"code": "NotFound"}})
    adapter.add("GET", f"{DEP_PATH}/blue", json=deployment("blue"))
    add_put_flow(adapter, GREEN, deployment("green", NEW_MODEL))
    client, _ = make_client(adapter)
    created = client.create_deployment(EP, "green", NEW_MODEL, source="blue")
    assert created.model == NEW_MODEL and created.instance_count == 2
    sent = adapter.body(2)
    source = deployment("blue")
    assert sent["sku"] == {"name": "Default", "capacity": 2}  # the instance count
    for key in ("instanceType", "scaleSettings", "requestSettings", "livenessProbe",
                "readinessProbe", "environmentId", "codeConfiguration", "endpointComputeType"):
        assert sent["properties"][key] == source["properties"][key]
    assert sent["properties"]["model"] == NEW_MODEL
    assert "provisioningState" not in sent["properties"] and "id" not in sent


def test_instance_count_overrides_the_source_and_is_checked_first(adapter: ArmAdapter) -> None:
    assert deployment_body(deployment("blue"), NEW_MODEL, instance_count=5)["sku"] == {
        "name": "Default", "capacity": 5}
    source = deployment("blue")
    del source["sku"]
    assert deployment_body(source, NEW_MODEL)["sku"] == {"name": "Default", "capacity": 1}
    client, _ = make_client(adapter)
    with pytest.raises(ValidationError, match="at least 1"):
        client.create_deployment(EP, "green", NEW_MODEL, source="blue", instance_count=0)
    assert adapter.requests == []


def test_create_refuses_an_existing_name_unless_it_already_serves_the_model(
        adapter: ArmAdapter) -> None:
    adapter.add("GET", GREEN, json=deployment("green", model_id(version="1")))
    client, _ = make_client(adapter)
    with pytest.raises(AlreadyExistsError, match="already exists"):
        client.create_deployment(EP, "green", NEW_MODEL, source="blue", exist_ok=True)
    adapter.add("GET", GREEN, json=deployment("green", NEW_MODEL))
    resumed = client.create_deployment(EP, "green", NEW_MODEL, source="blue", exist_ok=True)
    assert resumed.name == "green"
    assert all(m == "GET" for m, _p in adapter.calls())


def test_wait_deployment_polls_until_terminal(adapter: ArmAdapter) -> None:
    for state in ("Creating", "Updating", "Succeeded"):
        adapter.add("GET", GREEN, json=deployment("green", state=state))
    client, _ = make_client(adapter, polling_interval=3.0)
    seen: list[str] = []
    done = client.wait_deployment(EP, "green", on_update=lambda d: seen.append(d.provisioning_state))
    assert done.provisioning_state == "Succeeded" and seen == ["Creating", "Updating", "Succeeded"]


def test_wait_deployment_failed_and_timed_out(adapter: ArmAdapter) -> None:
    adapter.add("GET", GREEN, json=deployment("green", state="Failed"))
    client, _ = make_client(adapter)
    with pytest.raises(OperationFailedError, match="ended Failed"):
        client.wait_deployment(EP, "green")
    adapter.add("GET", GREEN, json=deployment("green", state="Scaling"), times=None)
    with pytest.raises(OperationTimeoutError, match="still Scaling after 5 s"):
        client.wait_deployment(EP, "green", timeout=5)


def test_delete_follows_location(adapter: ArmAdapter) -> None:
    result = "/subscriptions/x/providers/Microsoft.MachineLearningServices/locations/w/results/d-1"
    adapter.add("DELETE", GREEN, status=202, headers={"Location": ARM + result, "Retry-After": "1"})
    adapter.add("GET", result, status=202, headers={"Location": ARM + result})
    adapter.add("GET", result, status=200)
    client, transport = make_client(adapter)
    client.delete_deployment(EP, "green")
    assert [m for m, _p in adapter.calls()] == ["DELETE", "GET", "GET"]
    assert transport.sleeps[0] == 1.0


@pytest.mark.parametrize(("model", "version", "expected"), [
    ("census-model", "2", "census-model-v2"),
    ("Census_Model", "10", "census-model-v10"),
    ("2024-model", "1", "model-v1"),
    ("x" * 40, "3", "x" * 29 + "-v3"),
    ("a--b--", "1.5", "a-b-v1-5"),
])
def test_deployment_names_follow_the_service_rule(model: str, version: str, expected: str) -> None:
    name = deployment_name_for(model, version)
    assert name == expected and check_deployment(name) == name


@pytest.mark.parametrize("name", ["ab", "Blue", "blue-", "1blue", "b" * 33, "blue_1"])
def test_bad_deployment_names(name: str) -> None:
    with pytest.raises(ValidationError, match="invalid deployment name"):
        check_deployment(name)


def test_bad_group_and_workspace_names_are_refused_before_any_request(adapter: ArmAdapter) -> None:
    with pytest.raises(ValidationError, match="resource group"):
        check_resource_group("bad/group")
    with pytest.raises(ValidationError, match="workspace"):
        check_workspace("ws")  # 3 characters at least
    from aml_retrain.arm.auth import StaticTokenCredential
    from aml_retrain.online import OnlineClient

    with pytest.raises(ValidationError, match="workspace"):
        OnlineClient("00000000-1111-2222-3333-444444444444", StaticTokenCredential("t"), "rg", "_ws")


# -- cross-check against the reference's swagger subset ----------------------------------------

def _schema() -> dict[str, Any]:
    if not ONLINE_JSON.is_file():
        pytest.skip("../shared/reference/ml-v2 is not beside the repository")
    return json.loads(ONLINE_JSON.read_text(encoding="utf-8"))


def _properties(spec: dict[str, Any], name: str) -> set[str]:
    """Every property of definition ``name``, its allOf parents merged (ML-V2.md §0)."""
    definition = spec["definitions"][name]
    found = set(definition.get("properties", {}))
    for parent in definition.get("allOf", []):
        found |= _properties(spec, parent["$ref"].rsplit("/", 1)[1])
    return found


def test_endpoint_put_body_uses_only_names_the_spec_defines() -> None:
    spec = _schema()
    body = put_body(endpoint({"blue": 100}, mirror={"red": 5}))
    assert set(body) <= _properties(spec, "OnlineEndpointTrackedResource") | {"systemData"}
    assert set(body["properties"]) <= _properties(spec, "OnlineEndpoint")
    assert "keys" in _properties(spec, "OnlineEndpoint")  # the field we must never send exists
    assert {"traffic", "mirrorTraffic"} <= set(body["properties"])
    assert spec["info"]["version"] == "2025-12-01"


def test_deployment_body_uses_only_names_the_spec_defines() -> None:
    spec = _schema()
    body = deployment_body(deployment("blue"), NEW_MODEL)
    assert set(body) <= _properties(spec, "OnlineDeploymentTrackedResource")
    assert set(body["properties"]) <= _properties(spec, "OnlineDeployment")
    assert set(body["sku"]) <= set(spec["definitions"]["Sku"]["properties"])


def test_the_names_the_client_reads_exist_in_the_spec() -> None:
    spec = _schema()
    assert {"modelUri", "jobName", "modelType"} <= _properties(spec, "ModelVersion")
    assert set(spec["definitions"]["EndpointAuthKeys"]["properties"]) == {"primaryKey", "secondaryKey"}
    put = spec["paths"]["/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
                        "Microsoft.MachineLearningServices/workspaces/{workspaceName}/onlineEndpoints/"
                        "{endpointName}"]["put"]
    assert "Azure-AsyncOperation" in put["responses"]["201"]["headers"]
    assert put["x-ms-long-running-operation-options"]["final-state-via"] == "original-uri"
