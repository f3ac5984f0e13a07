"""ARM web services, write side: PATCH/PUT/DELETE, async operations, merge, guards, failures."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit

from .arm_support import (
    JSON_TYPE,
    PROVIDER,
    RO_NAME,
    SUB,
    WS_NAME,
    ArmApi,
    assert_arm_error,
    definition,
    resource_id,
)

TITLE_PATCH = {"properties": {"packageType": "Graph", "title": "Renamed"}}


def _status_url(op_id: str = "") -> str:
    return f"/subscriptions/{SUB}{PROVIDER}/locations/southcentralus/operationsStatus/{op_id}"


def test_patch_is_async_and_applied_only_when_the_operation_succeeds(arm: ArmApi) -> None:
    before = arm.get()
    answer = arm.patch(TITLE_PATCH)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == JSON_TYPE
    assert answer.json() == {"id": resource_id(), "name": WS_NAME,
                             "type": "Microsoft.MachineLearning/webServices",
                             "location": "South Central US", "tags": before["tags"],
                             "properties": {"provisioningState": "Provisioning"}}
    url = answer.headers["Azure-AsyncOperation"]
    assert answer.headers["Azure-AsyncOperationPercentComplete"] == "0"
    assert "Location" not in answer.headers
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == arm.url
    assert parts.path.startswith(_status_url()) and parts.query == "api-version=2017-01-01"
    during = arm.get()["properties"]
    assert (during["title"], during["provisioningState"]) == (before["properties"]["title"],
                                                              "Provisioning")
    op_id = parts.path.rsplit("/", 1)[1]
    for _ in range(2):  # arm_polls_before_done = 2
        status = arm.poll(url)
        assert list(status) == ["id", "name", "status", "startTime", "percentComplete"]
        assert (status["id"], status["name"], status["status"]) == (
            _status_url(op_id), op_id, "Provisioning")
        assert 0 < status["percentComplete"] < 1
        assert arm.get()["properties"]["title"] == before["properties"]["title"]
    done = arm.poll(url)
    assert (done["status"], done["percentComplete"]) == ("Succeeded", 1.0)
    assert done["endTime"] >= done["startTime"]
    after = arm.get()["properties"]
    assert (after["title"], after["provisioningState"]) == ("Renamed", "Succeeded")
    assert after["modifiedOn"] > before["properties"]["modifiedOn"]
    assert after["createdOn"] == before["properties"]["createdOn"]
    assert arm.poll(url)["status"] == "Succeeded"  # terminal stays terminal


def test_polls_before_done_is_configurable(arm: ArmApi) -> None:
    for polls in (0, 4):
        arm.configure(arm_polls_before_done=polls)
        url = arm.patch(TITLE_PATCH).headers["Azure-AsyncOperation"]
        statuses = [arm.poll(url)["status"] for _ in range(polls + 1)]
        assert statuses == ["Provisioning"] * polls + ["Succeeded"]


def test_patch_deep_merges_properties(arm: ArmApi) -> None:
    old_keys = arm.keys()
    new_asset = {"name": "Apply Math Operation", "type": "Module",
                 "locationInfo": {"uri": "aml://module/abc.def.v1-default-1743"}}
    arm.patch_done({"tags": {"stage": "test"}, "properties": {
        "packageType": "Graph", "keys": {"primary": "new-primary"},
        "realtimeConfiguration": {"maxConcurrentCalls": 4}, "assets": {"asset9": new_asset},
        "package": {"nodes": {"node9": {"assetId": "asset9"}}, "edges": []}}})
    assert arm.keys() == {"primary": "new-primary", "secondary": old_keys["secondary"]}
    doc = arm.get()
    properties = doc["properties"]
    assert doc["tags"] == {"stage": "test"}
    assert sorted(properties["assets"]) == ["asset1", "asset2", "asset3", "asset4", "asset9"]
    assert properties["assets"]["asset9"] == new_asset
    assert properties["realtimeConfiguration"] == {"maxConcurrentCalls": 4}
    assert sorted(properties["package"]["nodes"]) == [f"node{i}" for i in (1, 2, 3, 4, 5, 6, 9)]
    assert properties["package"]["edges"] == []  # arrays are replaced
    assert properties["diagnostics"] == {"level": "None"}  # untouched fields stay


def test_patch_of_a_whole_get_document_is_accepted(arm: ArmApi) -> None:
    doc = arm.get()
    doc["properties"]["description"] = "From the exported definition"
    assert arm.patch_done(doc)["status"] == "Succeeded"  # read-only fields are ignored
    after = arm.get()
    assert after["properties"]["description"] == "From the exported definition"
    assert after["properties"]["createdOn"] == doc["properties"]["createdOn"]
    assert arm.stored()["properties"]["storageAccount"]["key"]  # not lost by the merge


INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({"properties": {"title": "x"}}, "properties.packageType", "MissingRequiredProperty"),
    ({"properties": {"packageType": "Code"}}, "properties.packageType", "InvalidPropertyValue"),
    ({"properties": {"packageType": "graph"}}, "properties.packageType", "InvalidPropertyValue"),
    ({"properties": {"packageType": "Graph", "realtimeConfiguration": {
        "maxConcurrentCalls": 3}}}, "properties.realtimeConfiguration.maxConcurrentCalls",
     "InvalidPropertyValue"),
    ({"properties": {"packageType": "Graph", "realtimeConfiguration": {
        "maxConcurrentCalls": 201}}}, "properties.realtimeConfiguration.maxConcurrentCalls",
     "InvalidPropertyValue"),
    ({"properties": {"packageType": "Graph", "realtimeConfiguration": {
        "maxConcurrentCalls": "20"}}}, "properties.realtimeConfiguration.maxConcurrentCalls",
     "InvalidPropertyType"),
    ({"properties": {"packageType": "Graph", "diagnostics": {"level": "Verbose"}}},
     "properties.diagnostics.level", "InvalidPropertyValue"),
    ({"properties": {"packageType": "Graph", "diagnostics": {"expiry": "2030-01-01T00:00:00Z"}}},
     "properties.diagnostics.level", "MissingRequiredProperty"),
    ({"properties": {"packageType": "Graph", "diagnostics": {"level": "All", "expiry": "soon"}}},
     "properties.diagnostics.expiry", "InvalidPropertyValue"),
    ({"properties": {"packageType": "Graph", "readOnly": "yes"}}, "properties.readOnly",
     "InvalidPropertyType"),
    ({"tags": {"a": 1}, "properties": {"packageType": "Graph"}}, "tags.a", "InvalidPropertyType"),
    ({"properties": {"packageType": "Graph", "assets": {"asset3": {
        "type": "Resource", "locationInfo": {"uri": "https://a/b.ilearner"}}}}},
     "properties.assets.asset3.name", "MissingRequiredProperty"),
    ({"properties": {"packageType": "Graph", "assets": {"asset3": {
        "name": "m", "type": "Resource", "locationInfo": {"credentials": ""}}}}},
     "properties.assets.asset3.locationInfo.uri", "MissingRequiredProperty"),
    ({"properties": {"packageType": "Graph", "assets": {"my asset": {
        "name": "m", "type": "Dataset", "locationInfo": {"uri": "aml://x"}}}}},
     "properties.assets['my asset'].type", "InvalidPropertyValue"),
    ({"properties": {"packageType": "Graph", "package": {"edges": {"a": 1}}}},
     "properties.package.edges", "InvalidPropertyType"),
    ({"properties": {"packageType": "Graph", "package": {"graphParameters": {"p": {
        "type": "String", "links": [{"nodeId": "node1"}]}}}}},
     "properties.package.graphParameters.p.links[0].parameterKey", "MissingRequiredProperty"),
    ({"properties": {"packageType": "Graph", "input": {"type": "object", "properties": {
        "input1": {"type": "object", "properties": {"age": {"type": "Int"}}}}}}},
     "properties.input.properties.input1.properties.age.type", "InvalidPropertyValue"),
]


def test_invalid_patch_bodies_are_400_naming_the_path(arm: ArmApi) -> None:
    before = arm.stored()
    for body, target, code in INVALID:
        answer = arm.patch(body)
        error = assert_arm_error(answer, 400, "BadRequest", code)
        assert error["message"] == "The request is invalid."
        assert (error["target"], error["details"][0]["target"]) == (target, target), body
        assert target in error["details"][0]["message"]
        assert "Azure-AsyncOperation" not in answer.headers
    assert arm.stored() == before
    assert arm.control("GET", "state")["arm"]["operations"] == []


def test_unreadable_bodies_are_invalid_request_content(arm: ArmApi) -> None:
    for data in (b"{not json", b"", b"[1, 2]"):
        answer = arm.call("PATCH", resource_id(), data=data,
                          headers={"Content-Type": "application/json"})
        assert_arm_error(answer, 400, "InvalidRequestContent")


def test_storage_account_name_cannot_change(arm: ArmApi) -> None:
    answer = arm.patch({"properties": {"packageType": "Graph",
                                       "storageAccount": {"name": "otheraccount", "key": "k"}}})
    error = assert_arm_error(answer, 400, "BadRequest", "CannotChangeStorageAccount")
    assert error["message"] == "The request is invalid."
    assert error["details"][0]["message"] == ("The StorageAccount cannot be changed. Currently "
                                              "configured storage account name = "
                                              "'devstoreaccount1' .")
    arm.patch_done({"properties": {"packageType": "Graph", "storageAccount": {"key": "rotated"}}})
    assert arm.stored()["properties"]["storageAccount"] == {"name": "devstoreaccount1",
                                                           "key": "rotated"}
    commitment = {"id": f"/subscriptions/{SUB}/resourceGroups/x{PROVIDER}/commitmentPlans/other"}
    assert_arm_error(arm.patch({"properties": {"packageType": "Graph",
                                               "commitmentPlan": commitment}}),
                     400, "BadRequest", "CannotChangeCommitmentPlan")


def test_read_only_service_refuses_patch_and_put_but_can_be_deleted(arm: ArmApi) -> None:
    before = arm.stored(RO_NAME)
    for body in (TITLE_PATCH, {"properties": {"packageType": "Graph", "readOnly": False}}):
        assert_arm_error(arm.patch(body, RO_NAME), 400, "BadRequest", "WebServiceIsReadOnly")
    answer = arm.call("PUT", resource_id(RO_NAME), json=definition(arm.get(RO_NAME)))
    assert_arm_error(answer, 400, "BadRequest", "WebServiceIsReadOnly")
    assert arm.stored(RO_NAME) == before
    assert arm.call("DELETE", resource_id(RO_NAME)).status_code == 202
    assert arm.call("GET", resource_id(RO_NAME)).status_code == 404
    arm.patch_done({"properties": {"packageType": "Graph", "readOnly": True}})  # may be set
    assert_arm_error(arm.patch(TITLE_PATCH), 400, "BadRequest", "WebServiceIsReadOnly")


def _new_service(arm: ArmApi) -> dict[str, Any]:
    body = definition(arm.get())
    del body["properties"]["assets"]["asset3"]  # no model blob: this emulator has no storage
    body["properties"]["storageAccount"]["key"] = "a-storage-key"
    body["tags"] = {}
    return body


def test_put_creates_then_overwrites(arm: ArmApi) -> None:
    body = _new_service(arm)
    answer = arm.call("PUT", resource_id("new-ws"), json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"id": resource_id("new-ws"), "name": "new-ws",
                             "type": "Microsoft.MachineLearning/webServices",
                             "location": "South Central US", "tags": {}, "properties": {
                                 "payloadsInBlobStorage": False,
                                 "provisioningState": "Provisioning"}}
    assert answer.headers["Azure-AsyncOperationPercentComplete"] == "0"
    assert arm.get("new-ws")["properties"]["provisioningState"] == "Provisioning"
    assert arm.wait(answer.headers["Azure-AsyncOperation"])["status"] == "Succeeded"
    created = arm.get("new-ws")
    assert created["properties"]["provisioningState"] == "Succeeded"
    keys = arm.keys("new-ws")
    assert keys["primary"] and keys["secondary"] and keys != arm.keys()  # generated
    assert created["properties"]["swaggerLocation"] != arm.get()["properties"]["swaggerLocation"]
    body["properties"]["title"] = "Overwritten"
    del body["properties"]["storageAccount"]
    again = arm.call("PUT", resource_id("new-ws"), json=body)
    assert again.status_code == 200, again.text
    arm.wait(again.headers["Azure-AsyncOperation"])
    assert arm.get("new-ws")["properties"]["title"] == "Overwritten"
    assert arm.keys("new-ws") == keys  # secrets a PUT leaves out are kept
    assert arm.stored("new-ws")["properties"]["storageAccount"]["key"] == "a-storage-key"


def test_put_validation(arm: ArmApi) -> None:
    body = _new_service(arm)
    without_location = {k: v for k, v in body.items() if k != "location"}
    error = assert_arm_error(arm.call("PUT", resource_id("x"), json=without_location), 400,
                             "BadRequest", "MissingRequiredProperty")
    assert error["target"] == "location"
    assert_arm_error(arm.call("PUT", resource_id("x"), json={"location": "South Central US"}),
                     400, "BadRequest", "MissingRequiredProperty")
    assert_arm_error(arm.call("PUT", resource_id("x"), json=dict(body, location="Mars")), 400,
                     "LocationNotAvailableForResourceType")
    no_key = copy.deepcopy(body)
    del no_key["properties"]["storageAccount"]["key"]
    error = assert_arm_error(arm.call("PUT", resource_id("x"), json=no_key), 400, "BadRequest",
                             "MissingRequiredProperty")
    assert error["target"] == "properties.storageAccount.key"
    assert arm.call("GET", resource_id("x")).status_code == 404
    moved = dict(body, location="West Europe")
    assert_arm_error(arm.call("PUT", resource_id(), json=moved), 409, "InvalidResourceLocation")


def test_delete_is_async_with_location_also_for_a_missing_service(arm: ArmApi) -> None:
    arm.configure(arm_polls_before_done=3)  # PUT/PATCH take polls; a DELETE does not (PSREC1)
    for name, existed in ((WS_NAME, True), ("never-there", False)):
        answer = arm.call("DELETE", resource_id(name))
        # PSREC1: 202, Content-Length 0 and no Content-Type, three async headers.
        assert (answer.status_code, answer.content) == (202, b"")
        assert "Content-Type" not in answer.headers and answer.headers["Content-Length"] == "0"
        assert answer.headers["Azure-AsyncOperationPercentComplete"] == "0"
        status_url, result_url = answer.headers["Azure-AsyncOperation"], answer.headers["Location"]
        assert urlsplit(result_url).path == urlsplit(status_url).path.replace(
            "/operationsStatus/", "/operationresults/")
        assert result_url.startswith(arm.url) and result_url.endswith("?api-version=2017-01-01")
        assert_arm_error(arm.call("GET", resource_id(name)), 404, "NotFound", "WebServiceNotFound")
        first = arm.poll(status_url)
        assert (first["status"], first["percentComplete"]) == ("Succeeded", 1.0), existed
        assert first["endTime"]
        done = arm.call("GET", result_url, version=None)
        assert done.status_code == 204 and "Content-Type" not in done.headers


def test_operation_result_of_a_running_patch_is_an_empty_202(arm: ArmApi) -> None:
    arm.configure(arm_polls_before_done=3)
    status_url = arm.patch(TITLE_PATCH).headers["Azure-AsyncOperation"]
    result_url = status_url.replace("/operationsStatus/", "/operationresults/")
    pending = arm.call("GET", result_url, version=None)
    assert (pending.status_code, pending.headers["Location"], pending.content) == (
        202, result_url, b"")
    assert "Content-Type" not in pending.headers
    assert arm.wait(status_url)["status"] == "Succeeded"


def test_injected_failure_leaves_the_definition_unchanged(arm: ArmApi) -> None:
    arm.configure(arm_fail_next=1)
    before = arm.get()
    answer = arm.patch(TITLE_PATCH)
    assert answer.status_code == 200  # accepted: the failure shows in the operation
    assert arm.control("GET", "config")["arm_fail_next"] == 0
    failed = arm.wait(answer.headers["Azure-AsyncOperation"])
    assert failed["status"] == "Failed" and failed["endTime"]
    assert failed["error"]["code"] == "InternalServerError"
    assert "arm_fail_next" in failed["error"]["message"]
    after = arm.get()
    assert after["properties"].pop("provisioningState") == "Failed"
    before["properties"].pop("provisioningState")
    assert after == before
    result = arm.call("GET", answer.headers["Azure-AsyncOperation"].replace(
        "/operationsStatus/", "/operationresults/"), version=None)
    assert_arm_error(result, 500, "InternalServerError")
    assert arm.patch_done(TITLE_PATCH)["status"] == "Succeeded"  # only the next one failed
    assert arm.get()["properties"]["title"] == "Renamed"


def test_injected_failure_of_a_delete_keeps_the_service(arm: ArmApi) -> None:
    arm.configure(arm_fail_next=1)
    answer = arm.call("DELETE", resource_id())
    assert answer.status_code == 202
    assert arm.wait(answer.headers["Azure-AsyncOperation"])["status"] == "Failed"
    assert arm.get()["properties"]["provisioningState"] == "Failed"


def test_a_new_write_completes_the_pending_operation_first(arm: ArmApi) -> None:
    first = arm.patch({"properties": {"packageType": "Graph", "title": "First"}})
    second = arm.patch({"properties": {"packageType": "Graph", "description": "Second"}})
    assert arm.poll(first.headers["Azure-AsyncOperation"])["status"] == "Succeeded"
    assert arm.get()["properties"]["title"] == "First"
    arm.wait(second.headers["Azure-AsyncOperation"])
    properties = arm.get()["properties"]
    assert (properties["title"], properties["description"]) == ("First", "Second")


def test_faults_apply_to_arm_routes(arm: ArmApi) -> None:
    arm.control("POST", "faults", json={"method": "PATCH", "path": "/webServices/", "status": 503,
                                        "retry_after": 2})
    answer = arm.patch(TITLE_PATCH)
    assert_arm_error(answer, 503, "ServiceUnavailable")
    assert answer.headers["Retry-After"] == "2"
    assert arm.patch(TITLE_PATCH).status_code == 200


def test_reset_restores_the_arm_seed(arm: ArmApi) -> None:
    keys = arm.keys()
    arm.patch_done(TITLE_PATCH)
    arm.call("DELETE", resource_id(RO_NAME))
    arm.configure(arm_fail_next=3, arm_polls_before_done=0, arm_page_size=5)
    arm.control("POST", "reset")
    assert arm.get()["properties"]["title"] == "Census Model [Predictive Exp.]"
    assert arm.get(RO_NAME)["properties"]["readOnly"] is True
    assert arm.keys() != keys  # new keys at each reset, like the classic endpoints
    assert arm.control("GET", "state")["arm"]["operations"] == []
    config = arm.control("GET", "config")
    assert (config["arm_fail_next"], config["arm_polls_before_done"],
            config["arm_page_size"]) == (0, 2, 20)
    for bad in ({"arm_fail_next": -1}, {"arm_polls_before_done": 1.5},
                {"arm_page_size": 0}, {"arm_fail_next": True}):
        answer = arm.call("POST", "/_emulator/config", token=None, version=None, json=bad)
        assert answer.status_code == 400, bad
