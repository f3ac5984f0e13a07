"""Azure ML v2 online deployments: names, model references, provisioning, update, PATCH, delete."""

from __future__ import annotations

import pytest

from .online_support import (
    LOCATION,
    MODEL_ID,
    OnlineApi,
    W,
    add_deployment,
    assert_ml_error,
    dep_path,
    deployment_body,
    ep_path,
    set_traffic,
)


def test_the_seeded_blue_deployment_serves_model_version_1(online: OnlineApi) -> None:
    doc = online.ok("GET", dep_path("blue"))
    assert doc["type"] == "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"
    props = doc["properties"]
    assert props["model"] == MODEL_ID and props["endpointComputeType"] == "Managed"
    assert props["provisioningState"] == "Succeeded"
    assert doc["sku"] == {"name": "Default", "capacity": 1}
    listed = online.ok("GET", ep_path() + "/deployments")["value"]
    assert [d["name"] for d in listed] == ["blue"]


def test_create_is_creating_until_its_operation_ends(online: OnlineApi) -> None:
    online.configure(mlv2_polls_before_done=2)
    answer = online.call("PUT", dep_path("green"), json=deployment_body())
    assert answer.status_code == 201, answer.text
    assert answer.json()["properties"]["provisioningState"] == "Creating"
    url = answer.headers["Azure-AsyncOperation"]
    statuses = [online.ok("GET", url)["status"] for _ in range(3)]
    assert statuses == ["InProgress", "InProgress", "Succeeded"]
    assert online.ok("GET", dep_path("green"))["properties"]["provisioningState"] == "Succeeded"


@pytest.mark.parametrize("name", ["Green", "g1", "9green", "green-", "green_v2",
                                  "a" * 33, "green.v2"])
def test_deployment_names_follow_the_service_rule(online: OnlineApi, name: str) -> None:
    error = assert_ml_error(online.call("PUT", dep_path(name), json=deployment_body()), 400,
                            "UserError", "3-32 characters")
    assert error["target"] == "deploymentName"


@pytest.mark.parametrize("name", ["grn", "census-model-v2", "a" * 32, "b-1-c"])
def test_good_deployment_names_are_accepted(online: OnlineApi, name: str) -> None:
    assert online.call("PUT", dep_path(name), json=deployment_body()).status_code == 201


@pytest.mark.parametrize(("model", "fragment"), [
    (f"{W}/models/census-model/versions/9", "not registered"),
    (f"{W}/models/other/versions/1", "not registered"),
    ("https://example.com/model.pkl", "must be a model version"),
])
def test_the_model_must_be_a_registered_version(online: OnlineApi, model: str,
                                                fragment: str) -> None:
    answer = online.call("PUT", dep_path("green"), json=deployment_body(model))
    assert_ml_error(answer, 400, "UserError", fragment)


def test_an_asset_id_also_names_a_model_version(online: OnlineApi) -> None:
    assert online.call("PUT", dep_path("green"),
                       json=deployment_body("azureml:census-model:1")).status_code == 201


def test_a_deployment_needs_its_endpoint_and_compute_type(online: OnlineApi) -> None:
    assert_ml_error(online.call("PUT", dep_path("green", "nope"), json=deployment_body()), 404,
                    "ResourceNotFound")
    body = deployment_body()
    del body["properties"]["endpointComputeType"]
    assert_ml_error(online.call("PUT", dep_path("green"), json=body), 400, "UserError",
                    "endpointComputeType: is required")
    body = deployment_body()
    body["location"] = "westeurope"
    assert_ml_error(online.call("PUT", dep_path("green"), json=body), 400, "UserError", LOCATION)


def test_put_on_an_existing_deployment_is_an_update(online: OnlineApi) -> None:
    answer = online.call("PUT", dep_path("blue"), json=deployment_body(description="v1 again"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["properties"]["provisioningState"] == "Updating"
    assert online.ok("GET", dep_path("blue"))["properties"]["provisioningState"] == "Updating"
    assert online.wait(answer.headers["Azure-AsyncOperation"])["status"] == "Succeeded"
    assert online.ok("GET", dep_path("blue"))["properties"]["description"] == "v1 again"


def test_instance_type_cannot_change_after_creation(online: OnlineApi) -> None:
    answer = online.call("PUT", dep_path("blue"),
                         json=deployment_body(instanceType="Standard_F2s_v2"))
    assert_ml_error(answer, 400, "UserError", "cannot change after creation")


def test_patch_scales_through_the_sku_and_keeps_the_model(online: OnlineApi) -> None:
    answer = online.call("PATCH", dep_path("blue"), json={"sku": {"capacity": 3}})
    assert answer.status_code == 202
    assert online.ok("GET", dep_path("blue"))["properties"]["provisioningState"] == "Scaling"
    result = online.follow(answer)
    assert result.status_code == 200 and result.json()["sku"] == {"name": "Default",
                                                                  "capacity": 3}
    assert online.ok("GET", dep_path("blue"))["properties"]["model"] == MODEL_ID


@pytest.mark.parametrize("body", [{"properties": {"model": MODEL_ID}}, {"identity": {}},
                                  {"location": LOCATION}])
def test_patch_of_a_deployment_takes_only_tags_and_sku(online: OnlineApi,
                                                       body: dict[str, object]) -> None:
    assert_ml_error(online.call("PATCH", dep_path("blue"), json=body), 400, "UserError",
                    "accepts only tags and sku")


def test_a_failed_provisioning_leaves_the_deployment_failed(online: OnlineApi) -> None:
    online.configure(mlv2_fail_next=1)
    answer = online.call("PUT", dep_path("green"), json=deployment_body())
    status = online.wait(answer.headers["Azure-AsyncOperation"])
    assert status["status"] == "Failed" and status["error"]["code"]
    assert online.ok("GET", dep_path("green"))["properties"]["provisioningState"] == "Failed"
    retried = online.call("PUT", dep_path("green"), json=deployment_body())
    assert retried.status_code == 200
    assert online.wait(retried.headers["Azure-AsyncOperation"])["status"] == "Succeeded"


def test_a_deployment_with_traffic_cannot_be_deleted(online: OnlineApi) -> None:
    assert_ml_error(online.call("DELETE", dep_path("blue")), 400, "UserError",
                    "takes traffic")
    assert online.ok("GET", dep_path("blue"))["properties"]["provisioningState"] == "Succeeded"


def test_delete_after_moving_traffic_away_drops_its_zero_entry(online: OnlineApi) -> None:
    add_deployment(online)
    set_traffic(online, {"blue": 0, "green": 100})
    answer = online.call("DELETE", dep_path("blue"))
    assert online.follow(answer).status_code == 200
    assert_ml_error(online.call("GET", dep_path("blue")), 404, "ResourceNotFound")
    assert online.ok("GET", ep_path())["properties"]["traffic"] == {"green": 100}
    assert online.call("DELETE", dep_path("blue")).status_code == 204


def test_get_logs_names_the_deployment_state(online: OnlineApi) -> None:
    logs = online.ok("POST", dep_path("blue") + "/getLogs", json={"tail": 1})
    assert logs["content"] == f"model: {MODEL_ID}"
    full = online.ok("POST", dep_path("blue") + "/getLogs", json={})["content"]
    assert "blue" in full and "Succeeded" in full
    assert_ml_error(online.call("POST", dep_path("blue") + "/getLogs",
                                json={"containerType": "Sidecar"}), 400, "UserError")


def test_deleting_the_endpoint_takes_its_deployments(online: OnlineApi) -> None:
    assert online.follow(online.call("DELETE", ep_path())).status_code == 200
    assert_ml_error(online.call("GET", dep_path("blue")), 404, "ResourceNotFound")
