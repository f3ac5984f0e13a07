"""Poll and read-back failures are labelled with the GET that failed, not with the PATCH (issue 12.7)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from aml_retrain.errors import (
    ConnectionFailedError,
    NotFoundError,
    OperationFailedError,
    OperationTimeoutError,
    ServiceError,
)

from .arm_fakes import (
    NAME,
    OP_PATH,
    OP_URL,
    RG,
    WS_PATH,
    ArmAdapter,
    add_update_flow,
    make_client,
    webservice,
)

BODY = {"properties": {"packageType": "Graph"}}


@pytest.fixture
def adapter() -> ArmAdapter:
    return ArmAdapter()


def _patch_accepted(adapter: ArmAdapter) -> None:
    adapter.add("PATCH", WS_PATH, json={"id": WS_PATH, "properties": {
        "provisioningState": "Provisioning"}}, headers={
        "Azure-AsyncOperation": OP_URL, "x-ms-request-id": "req-patch-1"})


def _update(adapter: ArmAdapter) -> Any:
    client, _ = make_client(adapter)
    return client.update(RG, NAME, BODY)


def test_a_failing_poll_is_labelled_with_the_operation_get(adapter: ArmAdapter) -> None:
    _patch_accepted(adapter)
    adapter.add("GET", OP_PATH, status=500, headers={"x-ms-request-id": "req-poll"},
                json={"error": {"code": "InternalServerError", "message": "poll broke"}})
    with pytest.raises(ServiceError) as info:
        _update(adapter)
    err = info.value
    assert err.method == "GET" and OP_PATH in str(err.url) and err.request_id == "req-poll"


@pytest.mark.parametrize(("exc", "expected"), [
    (requests.exceptions.ConnectionError("reset"), ConnectionFailedError),
    (requests.exceptions.ReadTimeout("slow"), OperationTimeoutError),
])
def test_a_poll_that_gets_no_answer_names_the_operation_url(
    adapter: ArmAdapter, exc: Exception, expected: type[Exception]
) -> None:
    _patch_accepted(adapter)
    adapter.add("GET", OP_PATH, exc=exc)
    with pytest.raises(expected) as info:
        _update(adapter)
    assert "operationsStatus/op-1" in str(info.value)
    assert "PATCH" not in str(info.value)


def test_a_failing_read_back_is_labelled_with_the_resource_get(adapter: ArmAdapter) -> None:
    _patch_accepted(adapter)
    adapter.add("GET", OP_PATH, json={"id": OP_PATH, "status": "Succeeded"})
    adapter.add("GET", WS_PATH, status=404, headers={"x-ms-request-id": "req-read"},
                json={"error": {"code": "NotFound", "message": "gone"}})
    with pytest.raises(NotFoundError) as info:
        _update(adapter)
    err = info.value
    assert err.method == "GET" and WS_PATH in str(err.url) and err.request_id == "req-read"


def test_a_failed_operation_is_still_the_patch(adapter: ArmAdapter) -> None:
    add_update_flow(adapter, webservice(), statuses=("Failed",),
                    failure={"code": "ModelLoadFailed", "message": "could not be read"})
    with pytest.raises(OperationFailedError) as info:
        _update(adapter)
    assert info.value.method == "PATCH" and info.value.request_id == "req-patch-1"


def test_a_failing_patch_is_the_patch(adapter: ArmAdapter) -> None:
    adapter.add("PATCH", WS_PATH, exc=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(ConnectionFailedError) as info:
        _update(adapter)
    assert "webServices/" in str(info.value) and "operationsStatus" not in str(info.value)


def test_an_arm_read_that_times_out_after_retries_exits_4(adapter: ArmAdapter) -> None:
    # Issue 12.8 on the ARM side: azure-core retries the GET's read time-out, then gives up.
    from azure.mgmt.resource.resources import ResourceManagementClient

    from aml_retrain.arm._pipeline import REQUEST_RETRIES
    from aml_retrain.arm.auth import StaticTokenCredential
    from aml_retrain.arm.client import ArmWebServiceClient

    from .arm_fakes import ARM, SUB, RecordingTransport

    adapter.add("GET", WS_PATH, exc=requests.exceptions.ReadTimeout("slow"), times=None)
    transport = RecordingTransport(adapter)
    credential = StaticTokenCredential("t")
    resource_client = ResourceManagementClient(credential, SUB, base_url=ARM, transport=transport,
                                               retry_total=REQUEST_RETRIES)
    client = ArmWebServiceClient(SUB, credential, base_url=ARM, resource_client=resource_client)
    with pytest.raises(OperationTimeoutError) as info:
        client.get(RG, NAME)
    assert info.value.exit_code == 4 and "AML_RETRAIN_TIMEOUT" in str(info.value)
    assert len(adapter.requests) == REQUEST_RETRIES + 1
