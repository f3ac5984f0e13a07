"""Azure ML v2 online endpoints: front door, GET, create vs update, LRO, PATCH, delete, keys."""

from __future__ import annotations

import pytest

from .online_support import (
    API_VERSION,
    ENDPOINT,
    LOCATION,
    RG,
    SUB,
    WS,
    OnlineApi,
    W,
    assert_ml_error,
    endpoint_body,
    ep_path,
)


def test_the_seeded_endpoint_reads_as_the_spec_shapes_it(online: OnlineApi) -> None:
    doc = online.ok("GET", ep_path())
    assert (doc["id"], doc["name"], doc["type"]) == (
        ep_path(), ENDPOINT, "Microsoft.MachineLearningServices/workspaces/onlineEndpoints")
    assert doc["location"] == LOCATION
    props = doc["properties"]
    assert props["authMode"] == "Key" and props["provisioningState"] == "Succeeded"
    assert props["traffic"] == {"blue": 100} and props["mirrorTraffic"] == {}
    assert props["keys"] is None  # "will always be returned as null"
    assert props["scoringUri"] == f"{online.url}/online/{SUB}/{RG}/{WS}/{ENDPOINT}/score"
    assert set(doc["systemData"]) >= {"createdAt", "lastModifiedAt"}


def test_the_workspace_names_its_mlflow_tracking_uri(online: OnlineApi) -> None:
    doc = online.ok("GET", W)
    host = online.url.split("://", 1)[1]
    assert doc["properties"]["mlFlowTrackingUri"] == f"azureml://{host}/mlflow/v1.0{W}"
    assert doc["type"] == "Microsoft.MachineLearningServices/workspaces"


@pytest.mark.parametrize(("token", "code"), [(None, "AuthenticationFailed"),
                                             ("not-the-token", "AuthenticationFailed")])
def test_a_missing_or_wrong_bearer_token_is_401(online: OnlineApi, token: str | None,
                                                code: str) -> None:
    answer = online.call("GET", ep_path(), token=token)
    assert_ml_error(answer, 401, code)
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_api_version_is_required_and_must_be_2025_12_01(online: OnlineApi) -> None:
    assert_ml_error(online.call("GET", ep_path(), version=None), 400,
                    "MissingApiVersionParameter")
    assert_ml_error(online.call("GET", ep_path(), version="2017-01-01"), 400,
                    "NoRegisteredProviderFound", API_VERSION)


def test_unknown_workspace_endpoint_and_group_are_404(online: OnlineApi) -> None:
    assert_ml_error(online.call("GET", ep_path("nope")), 404, "ResourceNotFound", "nope")
    assert_ml_error(online.call("GET", W.replace(WS, "other-ws")), 404, "ResourceNotFound")
    assert_ml_error(online.call("GET", W.replace(RG, "other-rg")), 404, "ResourceGroupNotFound")


def test_create_answers_201_creating_then_the_operation_succeeds(online: OnlineApi) -> None:
    online.configure(mlv2_polls_before_done=1)
    answer = online.call("PUT", ep_path("fresh-ep"), json=endpoint_body())
    assert answer.status_code == 201, answer.text
    assert answer.json()["properties"]["provisioningState"] == "Creating"
    assert answer.headers["x-ms-async-operation-timeout"] == "PT1H"
    assert "Retry-After" not in answer.headers  # the spec lists none on the 201
    status_url = answer.headers["Azure-AsyncOperation"]
    assert "/providers/Microsoft.MachineLearningServices/locations/southcentralus/" \
           "mfeOperationsStatus/" in status_url
    assert online.ok("GET", ep_path("fresh-ep"))["properties"]["provisioningState"] == "Creating"
    first = online.ok("GET", status_url)
    assert first["status"] == "InProgress" and "endTime" not in first
    done = online.ok("GET", status_url)
    assert done["status"] == "Succeeded" and done["endTime"] >= done["startTime"]
    doc = online.ok("GET", ep_path("fresh-ep"))
    assert doc["properties"]["provisioningState"] == "Succeeded"
    assert doc["tags"] == {"team": "ml"} and doc["properties"]["traffic"] == {}


def test_retry_after_on_in_progress_status_follows_the_setting(online: OnlineApi) -> None:
    online.configure(mlv2_retry_after=3)
    answer = online.call("PUT", ep_path("slow-ep"), json=endpoint_body())
    polled = online.call("GET", answer.headers["Azure-AsyncOperation"])
    assert polled.json()["status"] == "InProgress" and polled.headers["Retry-After"] == "3"


def test_put_on_an_existing_endpoint_is_an_update_answered_200(online: OnlineApi) -> None:
    body = endpoint_body({"blue": 100}, description="updated")
    answer = online.call("PUT", ep_path(), json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["properties"]["provisioningState"] == "Updating"
    assert online.wait(answer.headers["Azure-AsyncOperation"])["status"] == "Succeeded"
    doc = online.ok("GET", ep_path())
    assert doc["properties"]["description"] == "updated"
    assert doc["properties"]["traffic"] == {"blue": 100}


def test_a_put_that_omits_traffic_resets_it_the_known_trap(online: OnlineApi) -> None:
    online.configure(mlv2_traffic_lag_reads=0)
    online.put_done(ep_path(), endpoint_body(), 200)
    assert online.ok("GET", ep_path())["properties"]["traffic"] == {}
    assert online.stored()["traffic"] == {}


def test_keys_sent_at_creation_are_kept_but_never_shown(online: OnlineApi) -> None:
    body = endpoint_body(keys={"primaryKey": "p-key-1", "secondaryKey": "s-key-1"})
    doc = online.put_done(ep_path("keyed"), body, 201)
    assert doc["properties"]["keys"] is None
    assert online.keys("keyed") == {"primaryKey": "p-key-1", "secondaryKey": "s-key-1"}
    online.put_done(ep_path("keyed"), endpoint_body(keys={"primaryKey": "changed"}), 200)
    assert online.keys("keyed")["primaryKey"] == "p-key-1"  # create-only


def test_properties_can_be_added_but_not_altered(online: OnlineApi) -> None:
    online.put_done(ep_path("props"), endpoint_body(properties={"a": "1"}), 201)
    doc = online.put_done(ep_path("props"), endpoint_body(properties={"b": "2"}), 200)
    assert doc["properties"]["properties"] == {"a": "1", "b": "2"}
    answer = online.call("PUT", ep_path("props"), json=endpoint_body(properties={"a": "9"}))
    assert_ml_error(answer, 400, "UserError", "cannot be altered")


@pytest.mark.parametrize(("body", "fragment"), [
    ({"properties": {"authMode": "Key"}}, "location: is required"),
    ({"location": LOCATION, "properties": {}}, "properties.authMode: is required"),
    ({"location": LOCATION, "properties": {"authMode": "Password"}}, "must be one of"),
    ({"location": LOCATION, "properties": {"authMode": "Key", "color": "red"}},
     "properties.color: is not a property"),
    ({"location": LOCATION, "properties": {"authMode": "Key", "traffic": {"blue": "100"}}},
     "32-bit integer"),
])
def test_a_put_body_is_checked_against_the_definition(online: OnlineApi, body: dict[str, object],
                                                      fragment: str) -> None:
    assert_ml_error(online.call("PUT", ep_path("checked"), json=body), 400, "UserError", fragment)
    assert_ml_error(online.call("GET", ep_path("checked")), 404, "ResourceNotFound")


def test_read_only_fields_sent_back_from_a_get_are_ignored(online: OnlineApi) -> None:
    doc = online.ok("GET", ep_path())
    answer = online.call("PUT", ep_path(), json=doc)
    assert answer.status_code == 200, answer.text
    assert online.wait(answer.headers["Azure-AsyncOperation"])["status"] == "Succeeded"


def test_bad_endpoint_names_and_bodies_are_one_line_400s(online: OnlineApi) -> None:
    assert_ml_error(online.call("PUT", ep_path("-bad"), json=endpoint_body()), 400, "UserError")
    answer = online.call("PUT", ep_path("x1"), data="{not json",
                         headers={"Content-Type": "application/json"})
    assert_ml_error(answer, 400, "InvalidRequestContent")


def test_patch_changes_tags_through_202_and_location(online: OnlineApi) -> None:
    online.configure(mlv2_retry_after=0)
    answer = online.call("PATCH", ep_path(), json={"tags": {"stage": "prod"}})
    assert answer.status_code == 202 and answer.content == b""
    assert answer.headers["Retry-After"] == "0"
    assert "/mfeOperationResults/" in answer.headers["Location"]
    result = online.follow(answer)
    assert result.status_code == 200 and result.json()["tags"] == {"stage": "prod"}
    assert online.ok("GET", ep_path())["tags"] == {"stage": "prod"}


@pytest.mark.parametrize("body", [{"properties": {"traffic": {"blue": 100}}},
                                  {"location": LOCATION}, {"sku": {"name": "Default"}}])
def test_patch_of_an_endpoint_takes_only_tags_and_identity(online: OnlineApi,
                                                           body: dict[str, object]) -> None:
    error = assert_ml_error(online.call("PATCH", ep_path(), json=body), 400, "UserError",
                            "accepts only tags and identity")
    assert "PUT" in error["message"]


def test_patch_retry_after_defaults_to_the_spec_minimum(online: OnlineApi) -> None:
    answer = online.call("PATCH", ep_path(), json={"tags": {}})
    assert answer.headers["Retry-After"] == "10"


def test_delete_goes_through_deleting_then_404(online: OnlineApi) -> None:
    online.put_done(ep_path("doomed"), endpoint_body(), 201)
    answer = online.call("DELETE", ep_path("doomed"))
    assert answer.status_code == 202
    assert online.ok("GET", ep_path("doomed"))["properties"]["provisioningState"] == "Deleting"
    result = online.follow(answer)
    assert result.status_code == 200 and result.content == b""
    assert_ml_error(online.call("GET", ep_path("doomed")), 404, "ResourceNotFound")
    assert online.call("DELETE", ep_path("doomed")).status_code == 204


def test_list_pages_with_a_next_link(online: OnlineApi) -> None:
    online.configure(arm_page_size=1)
    online.put_done(ep_path("second-ep"), endpoint_body(), 201)
    first = online.ok("GET", f"{W}/onlineEndpoints")
    assert len(first["value"]) == 1 and "$skip=1" in first["nextLink"]
    second = online.ok("GET", first["nextLink"])
    assert "nextLink" not in second
    names = {first["value"][0]["name"], second["value"][0]["name"]}
    assert names == {ENDPOINT, "second-ep"}
    assert_ml_error(online.call("GET", f"{W}/onlineEndpoints", params={"$skip": "x"}), 400,
                    "UserError")


def test_list_keys_only_for_key_endpoints_and_token_only_for_aml_token(
        online: OnlineApi) -> None:
    keys = online.keys()
    assert set(keys) == {"primaryKey", "secondaryKey"} and keys["primaryKey"]
    assert online.keys() == keys
    assert_ml_error(online.call("POST", ep_path() + "/token"), 400, "UserError", "AMLToken")
    online.put_done(ep_path("aad-ep"), endpoint_body(auth="AADToken"), 201)
    assert_ml_error(online.call("POST", ep_path("aad-ep") + "/listKeys"), 400, "UserError",
                    "authMode Key")
    online.put_done(ep_path("aml-ep"), endpoint_body(auth="AMLToken"), 201)
    token = online.ok("POST", ep_path("aml-ep") + "/token")
    assert token["tokenType"] == "Bearer" and token["accessToken"]
    assert token["expiryTimeUtc"] > token["refreshAfterTimeUtc"]


def test_reset_restores_the_seed(online: OnlineApi) -> None:
    online.put_done(ep_path(), endpoint_body(), 200)
    online.control("POST", "reset")
    assert online.ok("GET", ep_path())["properties"]["traffic"] == {"blue": 100}


def test_a_put_after_a_pending_delete_creates_the_endpoint_again(online: OnlineApi) -> None:
    online.put_done(ep_path("again"), endpoint_body(), 201)
    assert online.call("DELETE", ep_path("again")).status_code == 202
    answer = online.call("PUT", ep_path("again"), json=endpoint_body())
    assert answer.status_code == 201, answer.text  # the delete ended first: a new endpoint
    assert online.wait(answer.headers["Azure-AsyncOperation"])["status"] == "Succeeded"


def test_patch_merges_the_identity(online: OnlineApi) -> None:
    answer = online.call("PATCH", ep_path(), json={"identity": {"type": "None"}})
    assert online.follow(answer).json()["identity"] == {"type": "None"}


def test_head_is_the_arm_existence_check(online: OnlineApi) -> None:
    assert online.call("HEAD", ep_path()).status_code == 204
    assert online.call("HEAD", ep_path() + "/deployments/blue").status_code == 204
    assert online.call("HEAD", ep_path("nope")).status_code == 404
    assert online.call("HEAD", ep_path() + "/deployments/nope").status_code == 404
