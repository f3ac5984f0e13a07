"""ARM web services, read side: GET body and visibility, auth, api-version, 404s, lists, keys."""

from __future__ import annotations

import re

import pytest

from .arm_support import (
    JSON_TYPE,
    PROPERTY_ORDER,
    PROVIDER,
    RG,
    RO_NAME,
    SUB,
    TRAINING_NAME,
    WS_NAME,
    ArmApi,
    assert_arm_error,
    resource_id,
)


def test_get_returns_the_full_body_in_order_without_secrets(arm: ArmApi) -> None:
    answer = arm.call("GET", resource_id(), headers={"x-ms-correlation-request-id": "corr-1"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == JSON_TYPE
    assert answer.headers["x-ms-request-id"]
    assert answer.headers["x-ms-correlation-request-id"] == "corr-1"
    doc = answer.json()
    assert list(doc) == ["id", "name", "type", "location", "tags", "properties"]
    assert (doc["id"], doc["name"], doc["type"], doc["location"]) == (
        resource_id(), WS_NAME, "Microsoft.MachineLearning/webServices", "South Central US")
    properties = doc["properties"]
    assert list(properties) == [key for key in PROPERTY_ORDER if key in properties]
    assert {"assets", "input", "output", "package", "exampleRequest"} <= set(properties)
    assert list(properties["package"]) == ["edges", "graphParameters", "nodes"]
    assert "keys" not in properties and "commitmentPlan" not in properties
    assert properties["storageAccount"] == {"name": "devstoreaccount1"}
    assert properties["provisioningState"] == "Succeeded"
    assert properties["packageType"] == "Graph" and properties["readOnly"] is False
    guid = arm.stored()["serviceGuid"]
    assert properties["swaggerLocation"] == \
        f"{arm.url}/subscriptions/{SUB.replace('-', '')}/services/{guid}/swagger.json"
    trained = properties["assets"]["asset3"]
    assert trained["name"] == "Census Model [trained model]" and trained["type"] == "Resource"
    assert trained["locationInfo"]["uri"].endswith("/devstoreaccount1/models/seed/"
                                                   "census-model.ilearner")
    stored = arm.stored()["properties"]  # the secrets are kept, only hidden
    assert stored["storageAccount"]["key"] and stored["commitmentPlan"]["id"]
    assert stored["keys"]["primary"] != stored["keys"]["secondary"]


def test_correlation_id_is_generated_when_absent(arm: ArmApi) -> None:
    first, second = (arm.call("GET", resource_id()) for _ in range(2))
    ids = {first.headers["x-ms-correlation-request-id"],
           second.headers["x-ms-correlation-request-id"]}
    assert len(ids) == 2 and all(re.fullmatch(r"[0-9a-f-]{36}", i) for i in ids)


ROUTES = [("GET", resource_id()), ("PATCH", resource_id()), ("PUT", resource_id("new-ws")),
          ("DELETE", resource_id()), ("GET", resource_id() + "/listKeys"),
          ("GET", f"/subscriptions/{SUB}/resourceGroups/{RG}{PROVIDER}/webServices"),
          ("GET", f"/subscriptions/{SUB}{PROVIDER}/webServices"),
          ("GET", f"/subscriptions/{SUB}{PROVIDER}/locations/southcentralus/operationsStatus/x"),
          ("GET", f"/subscriptions/{SUB}{PROVIDER}/locations/southcentralus/operationresults/x")]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_needs_the_arm_token(arm: ArmApi, method: str, path: str) -> None:
    classic_key = arm.keys()["primary"]  # a web service key is not an ARM token
    for token in (None, "wrong", classic_key):
        answer = arm.call(method, path, token=token, json={})
        error = assert_arm_error(answer, 401, "AuthenticationFailed")
        assert ("missing" in error["message"]) == (token is None)
        assert answer.headers["WWW-Authenticate"].startswith("Bearer ")
    assert arm.get()["properties"]["provisioningState"] == "Succeeded"  # nothing started


@pytest.mark.parametrize(("version", "code"), [
    (None, "MissingApiVersionParameter"), ("2015-01-01-preview", "NoRegisteredProviderFound"),
    ("2017-01-02", "NoRegisteredProviderFound"), ("", "MissingApiVersionParameter")])
def test_api_version_is_required_and_checked(arm: ArmApi, version: str | None,
                                             code: str) -> None:
    for method, path in ROUTES[:2] + ROUTES[4:6]:
        answer = arm.call(method, path, version=version, json={})
        error = assert_arm_error(answer, 400, code)
        assert not version or "'2017-01-01, 2016-05-01-preview'" in error["message"]


def test_missing_service_is_the_documented_404(arm: ArmApi) -> None:
    expected = {"error": {"code": "NotFound", "message": "The specified resource was not found.",
                          "details": [{"code": "WebServiceNotFound", "message":
                                       "No Web Service could be found with the provided name: "
                                       "nope."}]}}
    for method, suffix in (("GET", ""), ("GET", "/listKeys")):
        answer = arm.call(method, resource_id("nope") + suffix)
        assert (answer.status_code, answer.json()) == (404, expected)
    answer = arm.patch({"properties": {"packageType": "Graph", "title": "x"}}, "nope")
    assert (answer.status_code, answer.json()) == (404, expected)


def test_unknown_subscription_and_resource_group(arm: ArmApi) -> None:
    other = "00000000-0000-0000-0000-000000000000"
    assert_arm_error(arm.call("GET", resource_id(sub=other)), 404, "SubscriptionNotFound")
    assert_arm_error(arm.call("GET", f"/subscriptions/{other}{PROVIDER}/webServices"), 404,
                     "SubscriptionNotFound")
    assert_arm_error(arm.call("GET", resource_id(group="other-rg")), 404,
                     "ResourceGroupNotFound")
    assert_arm_error(arm.call("DELETE", resource_id(group="other-rg")), 404,
                     "ResourceGroupNotFound")


def test_path_segments_and_names_are_case_insensitive(arm: ArmApi) -> None:
    path = (f"/subscriptions/{SUB.upper()}/resourcegroups/{RG.upper()}/providers/"
            f"microsoft.machinelearning/webservices/{WS_NAME.upper()}")
    answer = arm.call("GET", path)
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == resource_id()  # the stored casing


def test_list_keys_by_get_only(arm: ArmApi) -> None:
    stored = arm.stored()["properties"]["keys"]
    answer = arm.call("GET", resource_id() + "/listKeys")
    assert answer.json() == {"primary": stored["primary"], "secondary": stored["secondary"]}
    assert answer.headers["Content-Type"] == JSON_TYPE
    assert arm.keys(RO_NAME)["primary"] != stored["primary"]
    # listKeys is a GET (SPEC17, PSREC1): a POST gets no keys, after ARM's own checks.
    for name in (WS_NAME, "nope"):
        posted = arm.call("POST", resource_id(name) + "/listKeys")
        error = assert_arm_error(posted, 405, "MethodNotAllowed")
        assert posted.headers["Allow"] == "GET" and stored["primary"] not in posted.text
        assert "'POST'" in error["message"]
    assert arm.call("POST", resource_id() + "/listKeys", token=None).status_code == 401
    assert_arm_error(arm.call("POST", resource_id(group="other-rg") + "/listKeys"), 404,
                     "ResourceGroupNotFound")


def _sparse_check(entries: list[dict[str, object]]) -> None:
    for entry in entries:
        properties = entry["properties"]
        assert isinstance(properties, dict)
        assert not {"assets", "input", "output", "package", "exampleRequest", "parameters",
                    "keys", "commitmentPlan"} & set(properties), properties
        assert properties["storageAccount"] == {"name": "devstoreaccount1"}
        assert properties["provisioningState"] == "Succeeded"


def test_lists_by_group_and_subscription_are_sparse(arm: ArmApi) -> None:
    for path in (f"/subscriptions/{SUB}/resourceGroups/{RG}{PROVIDER}/webServices",
                 f"/subscriptions/{SUB}{PROVIDER}/webServices"):
        answer = arm.call("GET", path)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert list(body) == ["value"]  # no nextLink on the last page
        assert [entry["name"] for entry in body["value"]] == [WS_NAME, RO_NAME, TRAINING_NAME]
        _sparse_check(body["value"])


def test_lists_page_with_next_link(arm: ArmApi) -> None:
    arm.configure(arm_page_size=2)
    path = f"/subscriptions/{SUB}{PROVIDER}/webServices"
    first = arm.call("GET", path).json()
    assert [entry["name"] for entry in first["value"]] == [WS_NAME, RO_NAME]
    assert first["nextLink"].startswith(arm.url + path + "?api-version=2017-01-01&")
    second = arm.call("GET", first["nextLink"], version=None).json()
    assert [entry["name"] for entry in second["value"]] == [TRAINING_NAME]
    assert "nextLink" not in second
    assert_arm_error(arm.call("GET", path, params={"$skiptoken": "abc"}), 400, "BadRequest",
                     "InvalidSkipToken")


def test_provider_operations_list(arm: ArmApi) -> None:
    answer = arm.call("GET", "/providers/Microsoft.MachineLearning/operations")
    names = [entry["name"] for entry in answer.json()["value"]]
    assert "Microsoft.MachineLearning/webServices/read" in names
    assert_arm_error(arm.call("GET", "/providers/Microsoft.MachineLearning/operations",
                              token=None), 401, "AuthenticationFailed")


def test_unknown_operation_is_404(arm: ArmApi) -> None:
    path = f"/subscriptions/{SUB}{PROVIDER}/locations/southcentralus/operationsStatus/nope"
    assert_arm_error(arm.call("GET", path), 404, "NotFound", "OperationNotFound")


def test_state_exposes_arm_services_token_and_operations(arm: ArmApi) -> None:
    state = arm.control("GET", "state")["arm"]
    assert state["token"] == arm.token
    assert state["subscriptions"] == [{"subscriptionId": SUB, "resourceGroups": [RG]}]
    assert [svc["name"] for svc in state["webServices"]] == [WS_NAME, RO_NAME, TRAINING_NAME]
    assert state["webServices"][1]["properties"]["readOnly"] is True
    assert state["operations"] == []


def test_seed_services_are_valid_web_service_definitions(arm: ArmApi) -> None:
    """The seed passes the emulator's own PUT validation (it cannot drift from the schema)."""
    from aml_emulator.arm.schema import WEB_SERVICE, validate

    for name in (WS_NAME, RO_NAME):
        stored = arm.stored(name)
        body = {"location": stored["location"], "tags": stored["tags"],
                "properties": stored["properties"]}
        clean = validate(WEB_SERVICE, body)
        assert clean["properties"]["assets"] == stored["properties"]["assets"]
        assert clean["properties"]["package"] == stored["properties"]["package"]
