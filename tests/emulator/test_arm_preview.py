"""api-version 2016-05-01-preview (SPEC16), as Data Factory's AzureMLUpdateResource uses it."""

from __future__ import annotations

import copy
from typing import Any

from aml_emulator import EmulatorServer

from .arm_support import PROVIDER, RG, SUB, ArmApi, assert_arm_error, definition, resource_id

PREVIEW = "2016-05-01-preview"


def get_preview(arm: ArmApi, name: str = "census-model-ws") -> dict[str, Any]:
    answer = arm.call("GET", resource_id(name), version=PREVIEW)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


def test_get_in_the_preview_shape(arm: ArmApi) -> None:
    stable, preview = arm.get(), get_preview(arm)
    props = preview["properties"]
    assert "payloadsInBlobStorage" not in props  # not in SPEC16
    nodes = props["package"]["nodes"]
    assert nodes["node4"]["parameters"] == {"Append score columns to output": "True"}
    # An encrypted credential is its ciphertext alone: SPEC16 has no certificateThumbprint.
    assert nodes["node6"]["parameters"]["Account Key"] == stable["properties"]["package"][
        "nodes"]["node6"]["parameters"]["Account Key"]["value"]
    assert props["parameters"] == {}
    assert props["assets"] == stable["properties"]["assets"]
    listed = arm.call("GET", f"/subscriptions/{SUB}/resourceGroups/{RG}{PROVIDER}/webServices",
                      version=PREVIEW).json()["value"]
    assert listed and all("payloadsInBlobStorage" not in e["properties"] for e in listed)
    assert arm.call("GET", resource_id() + "/listKeys", version=PREVIEW).json() == arm.keys()


def test_adf_style_patch_of_a_whole_web_service_updates_the_model(
    arm: ArmApi, server: EmulatorServer
) -> None:
    doc = get_preview(arm)
    body = definition(doc)  # what a preview client sends back: the whole WebService
    uri = body["properties"]["assets"]["asset3"]["locationInfo"]["uri"]
    body["properties"]["description"] = "Updated through the preview"
    answer = arm.call("PATCH", resource_id(), version=PREVIEW, json=body)
    assert answer.status_code == 200, answer.text
    assert "payloadsInBlobStorage" not in answer.json()["properties"]
    status_url = answer.headers["Azure-AsyncOperation"]
    assert status_url.endswith(f"?api-version={PREVIEW}")
    for _ in range(20):
        status = arm.call("GET", status_url, version=None).json()
        if status["status"] != "Provisioning":
            break
    assert status["status"] == "Succeeded"
    after = arm.get()["properties"]
    assert after["description"] == "Updated through the preview"
    assert after["assets"]["asset3"]["locationInfo"]["uri"] == uri
    key = after["package"]["nodes"]["node6"]["parameters"]["Account Key"]
    # The ciphertext came back without a thumbprint: recognised, decrypted, sealed anew.
    assert key["certificateThumbprint"] == server.app.arm.sealer.thumbprint
    assert key["value"] != doc["properties"]["package"]["nodes"]["node6"]["parameters"][
        "Account Key"]
    seed_key = arm.stored()["properties"]["storageAccount"]["key"]
    assert server.app.arm.sealer.open(key["value"]) == seed_key
    node4 = after["package"]["nodes"]["node4"]["parameters"]["Append score columns to output"]
    assert node4 == {"value": "True", "certificateThumbprint": ""}


def test_preview_patch_needs_location_and_string_parameters(arm: ArmApi) -> None:
    before = arm.get()
    answer = arm.call("PATCH", resource_id(), version=PREVIEW,
                      json={"properties": {"packageType": "Graph", "title": "x"}})
    error = assert_arm_error(answer, 400, "BadRequest", "MissingRequiredProperty")
    assert error["target"] == "location"
    body = definition(get_preview(arm))
    nodes = body["properties"]["package"]["nodes"]
    nodes["node4"]["parameters"]["Append score columns to output"] = {"value": "True"}
    answer = arm.call("PATCH", resource_id(), version=PREVIEW, json=copy.deepcopy(body))
    error = assert_arm_error(answer, 400, "BadRequest", "InvalidPropertyType")
    assert "node4" in error["target"]
    assert arm.get() == before


def test_create_regional_blob_is_not_in_the_preview(arm: ArmApi) -> None:
    answer = arm.call("POST", resource_id() + "/CreateRegionalBlob", version=PREVIEW,
                      params={"region": "westeurope"})
    assert_arm_error(answer, 400, "NoRegisteredProviderFound")
