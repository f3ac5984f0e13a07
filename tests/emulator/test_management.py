"""Management API reads and endpoint lifecycle (CLASSIC-API §5) against a real HTTPS server."""

from __future__ import annotations

import re
from typing import Any

import pytest

from aml_emulator import EmulatorServer

from .conftest import (
    MODEL_RESOURCE,
    PREDICTIVE_ID,
    TRAINING_ID,
    WS_ID,
    Api,
    assert_error,
)

ENDPOINT_FIELDS = {"Name", "Description", "CreationTime", "WorkspaceId", "WebServiceId",
                   "HelpLocation", "PrimaryKey", "SecondaryKey", "ApiLocation",
                   "ExperimentLocation", "Resources", "Version", "MaxConcurrentCalls",
                   "DiagnosticsTraceLevel", "ThrottleLevel"}
HEX32 = re.compile(r"[0-9a-f]{32}")


def test_list_web_services(api: Api) -> None:
    answer = api.call("GET", api.ws())
    assert answer.status_code == 200
    services = answer.json()
    assert [s["Name"] for s in services] == ["Census Model [Training Exp.]",
                                             "Census Model [Predictive Exp.]"]
    for service in services:
        assert set(service) == {"Id", "Name", "Description", "CreationTime", "WorkspaceId",
                                "DefaultEndpointName"}
        assert HEX32.fullmatch(service["Id"]) and service["WorkspaceId"] == WS_ID
        assert service["DefaultEndpointName"] == "default"


def test_get_web_service_and_unknown_one(api: Api) -> None:
    assert api.call("GET", api.ws("/" + PREDICTIVE_ID)).json()["Id"] == PREDICTIVE_ID
    error = assert_error(api.call("GET", api.ws("/" + "f" * 32)), 404, "WebServiceNotFound")
    assert error["message"] == ("Web service not found. Verify the web service Id is correct "
                                "and try again.")
    assert_error(api.call("GET", api.ws("/" + "f" * 32 + "/endpoints")), 404,
                 "WebServiceNotFound")


def test_default_endpoints_have_every_swagger_field(api: Api, server: EmulatorServer) -> None:
    predictive = api.get_endpoint("default")
    assert set(predictive) == ENDPOINT_FIELDS
    guid = predictive["ApiLocation"].rsplit("/", 1)[1]
    assert HEX32.fullmatch(guid)
    assert predictive["ApiLocation"] == f"{server.url}/workspaces/{WS_ID}/services/{guid}"
    # CLASSIC-API §2: the Studio host, same endpoint GUID as in ApiLocation.
    assert predictive["HelpLocation"] == ("https://studio.azureml.net/apihelp/workspaces/"
                                          f"{WS_ID}/webservices/{PREDICTIVE_ID}/endpoints/{guid}")
    [resource] = predictive["Resources"]
    assert resource["Name"] == MODEL_RESOURCE and resource["Kind"] == "TrainedModel"
    assert set(resource["Location"]) == {"BaseLocation", "RelativeLocation", "SasBlobToken"}
    assert api.get_endpoint("default", TRAINING_ID)["Resources"] == []


def test_list_endpoints_and_unknown_endpoint(api: Api) -> None:
    answer = api.call("GET", api.ws(f"/{PREDICTIVE_ID}/endpoints"))
    assert [e["Name"] for e in answer.json()] == ["default"]
    assert_error(api.call("GET", api.ep("missing")), 404, "EndpointNotFound")


def test_create_endpoint_copies_model_with_new_identity(api: Api) -> None:
    answer = api.create("ep01", Description="retrained", ThrottleLevel="High",
                        MaxConcurrentCalls=50, Unknown="ignored")
    assert answer.status_code == 200, answer.text
    created, default = answer.json(), api.get_endpoint("default")
    assert set(created) == ENDPOINT_FIELDS
    assert (created["Name"], created["Description"]) == ("ep01", "retrained")
    assert (created["ThrottleLevel"], created["MaxConcurrentCalls"]) == ("High", 50)
    assert created["Resources"] == default["Resources"]
    assert created["ApiLocation"] != default["ApiLocation"]
    assert {created["PrimaryKey"], created["SecondaryKey"]}.isdisjoint(
        {default["PrimaryKey"], default["SecondaryKey"]})
    assert api.get_endpoint("ep01") == created


def test_low_throttle_caps_concurrent_calls_at_four(api: Api) -> None:
    # SW-MGMT ThrottleLevel: "When ThrottleLevel=Low MaxConcurrentCalls is capped to 4".
    created = api.create("low", ThrottleLevel="Low", MaxConcurrentCalls=100).json()
    assert (created["ThrottleLevel"], created["MaxConcurrentCalls"]) == ("Low", 4)
    assert api.create("two", MaxConcurrentCalls=2).json()["MaxConcurrentCalls"] == 2
    plain = api.create("plain").json()
    assert (plain["ThrottleLevel"], plain["MaxConcurrentCalls"]) == ("Low", 4)


@pytest.mark.parametrize("name", ["Upper", "-lead", "trail-", "a" * 25, "under_score", "dot.s"])
def test_create_rejects_invalid_names(api: Api, name: str) -> None:
    assert_error(api.create(name), 400, "BadParameterValue")


def test_create_accepts_24_char_name_with_hyphens(api: Api) -> None:
    assert api.create("a-" * 11 + "b1").status_code == 200


@pytest.mark.parametrize(("body", "code"), [
    ({"Description": "x" * 2001}, "BadParameterValue"),
    ({"ThrottleLevel": "Medium"}, "BadParameterValue"),
    ({"ThrottleLevel": "High", "MaxConcurrentCalls": 201},
     "WebServiceTooManyConcurrentRequestRequirement"),
    ({"ThrottleLevel": "High", "MaxConcurrentCalls": 0},
     "WebServiceConcurrentRequestRequirementInvalid"),
])
def test_create_validates_body(api: Api, body: dict[str, Any], code: str) -> None:
    assert_error(api.create("ep01", **body), 400, code)


def test_put_on_an_existing_endpoint_replaces_its_settings_not_its_identity(api: Api) -> None:
    # No public source says PUT answers 409; a client that relies on it overwrites live settings.
    first = api.create("ep01", Description="live", ThrottleLevel="High",
                       MaxConcurrentCalls=50).json()
    again = api.create("ep01", Description="overwritten")
    assert again.status_code == 200, again.text
    after = again.json()
    assert (after["Description"], after["ThrottleLevel"], after["MaxConcurrentCalls"]) == (
        "overwritten", "Low", 4)
    for kept in ("PrimaryKey", "SecondaryKey", "ApiLocation", "Resources", "CreationTime"):
        assert after[kept] == first[kept]
    assert [e["Name"] for e in api.call("GET", api.ws(f"/{PREDICTIVE_ID}/endpoints")).json()
            ].count("ep01") == 1


def test_patch_refused_on_default_endpoint(api: Api) -> None:
    body = {"Resources": [{"Name": MODEL_RESOURCE, "Location": {
        "BaseLocation": "http://127.0.0.1:1/", "RelativeLocation": "m/x.ilearner",
        "SasBlobToken": ""}}]}
    error = assert_error(api.call("PATCH", api.ep("default"), json=body), 400, "InvalidOperation")
    assert "non-default endpoint" in error["message"]


def test_patch_refused_on_training_endpoint(api: Api) -> None:
    assert api.create("train2", TRAINING_ID).status_code == 200
    body = {"Resources": [{"Name": MODEL_RESOURCE, "Location": {
        "BaseLocation": "http://127.0.0.1:1/", "RelativeLocation": "m/x.ilearner"}}]}
    answer = api.call("PATCH", api.ep("train2", TRAINING_ID), json=body)
    error = assert_error(answer, 400, "InvalidOperation")
    assert "This Web Service has no updatable resources" in error["message"]


@pytest.mark.parametrize(("resource", "code"), [
    ({"Name": "Census Model [Trained Model]"}, "BadParameterValue"),  # case matters
    ({"Name": ""}, "BadParameterValue"),
    ({"Name": MODEL_RESOURCE, "RelativeLocation": "m/model.csv"}, "InvalidBlobExtension"),
])
def test_patch_rejects_bad_resources(api: Api, resource: dict[str, str], code: str) -> None:
    api.create("ep01")
    location = {"BaseLocation": "http://127.0.0.1:1/", "SasBlobToken": "?sig=SECRETSIG",
                "RelativeLocation": resource.pop("RelativeLocation", "m/x.ilearner")}
    answer = api.call("PATCH", api.ep("ep01"), json={"Resources": [dict(resource,
                                                                         Location=location)]})
    error = assert_error(answer, 400, code)
    assert "SECRETSIG" not in error["message"]
    if resource["Name"]:
        assert MODEL_RESOURCE in error["message"] or code == "InvalidBlobExtension"


def test_patch_unreachable_storage_is_500_resource_download(api: Api) -> None:
    from aml_emulator.azurite import free_port

    api.create("ep01")
    location = {"BaseLocation": f"http://127.0.0.1:{free_port()}/devstoreaccount1",
                "RelativeLocation": "models/x.ilearner", "SasBlobToken": "?sig=SECRETSIG"}
    answer = api.call("PATCH", api.ep("ep01"), json={
        "Resources": [{"Name": MODEL_RESOURCE, "Location": location}]})
    assert "SECRETSIG" not in assert_error(answer, 500, "ResourceDownload")["message"]


def test_patch_plain_fields_keeps_model_version(api: Api) -> None:
    before = api.create("ep01").json()
    answer = api.call("PATCH", api.ep("ep01"), json={
        "Description": "new", "DiagnosticsTraceLevel": "all", "ThrottleLevel": "High",
        "MaxConcurrentCalls": 30})
    assert (answer.status_code, answer.content) == (200, b"")
    after = api.get_endpoint("ep01")
    assert (after["Description"], after["DiagnosticsTraceLevel"]) == ("new", "All")
    assert (after["ThrottleLevel"], after["MaxConcurrentCalls"]) == ("High", 30)
    assert after["Version"] == before["Version"]
    assert_error(api.call("PATCH", api.ep("ep01"), json={"DiagnosticsTraceLevel": "Verbose"}),
                 400, "BadParameterValue")
    assert_error(api.call("PATCH", api.ep("ep01"), data="not json"), 400, "RequestBodyInvalid")


def test_refresh_unchanged_is_304_and_default_is_refused(api: Api) -> None:
    api.create("ep01")
    for flag in ("False", "True"):
        answer = api.call("POST", api.ep("ep01") + "/refresh", json={"OverwriteResources": flag})
        assert answer.status_code == 304, answer.text
        assert answer.headers.get("x-ms-request-id")
    answer = api.call("POST", api.ep("default") + "/refresh", json={"OverwriteResources": "True"})
    assert_error(answer, 400, "InvalidOperation")
    answer = api.call("POST", api.ep("ep01") + "/refresh", json={"OverwriteResources": "maybe"})
    assert_error(answer, 400, "BadParameterValue")


def test_delete_endpoint(api: Api) -> None:
    api.create("ep01")
    assert_error(api.call("DELETE", api.ep("default")), 400, "InvalidOperation")
    answer = api.call("DELETE", api.ep("ep01"))
    assert (answer.status_code, answer.content) == (200, b"")
    assert_error(api.call("GET", api.ep("ep01")), 404, "EndpointNotFound")
    assert_error(api.call("DELETE", api.ep("ep01")), 404, "EndpointNotFound")


def test_default_endpoint_can_go_once_alone_then_list_is_204(api: Api) -> None:
    assert api.call("DELETE", api.ep("default", TRAINING_ID)).status_code == 200
    answer = api.call("GET", api.ws(f"/{TRAINING_ID}/endpoints"))
    assert (answer.status_code, answer.content) == (204, b"")


def test_unknown_route_and_method(api: Api) -> None:
    assert_error(api.call("GET", "/nowhere"), 404, "NotFound")
    assert_error(api.call("POST", api.ws()), 405, "MethodNotAllowed")


def test_too_many_concurrent_calls_has_the_error_code_pages_text(api: Api) -> None:
    error = assert_error(api.create("ep01", ThrottleLevel="High", MaxConcurrentCalls=500), 400,
                         "WebServiceTooManyConcurrentRequestRequirement")
    assert error["message"] == "Cannot set concurrent request requirement to more than 200."
