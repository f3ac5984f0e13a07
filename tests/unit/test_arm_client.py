"""ArmWebServiceClient over azure-core's real pipeline with a canned transport."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from aml_retrain.arm.client import ArmWebServiceClient
from aml_retrain.config import Settings
from aml_retrain.errors import (
    AuthError,
    ConfigError,
    ConflictError,
    ConnectionFailedError,
    NotFoundError,
    OperationFailedError,
    OperationTimeoutError,
    ServiceError,
    ValidationError,
)

from .arm_fakes import (
    ARM,
    ARM_TOKEN,
    NAME,
    NEW_URI,
    OP_PATH,
    RG,
    SUB,
    WS_PATH,
    ArmAdapter,
    add_update_flow,
    make_client,
    webservice,
)

LIST_RG = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearning/webServices"
LIST_SUB = f"/subscriptions/{SUB}/providers/Microsoft.MachineLearning/webServices"
NOT_FOUND = {"error": {"code": "NotFound", "message": "The specified resource was not found.",
                       "details": [{"code": "WebServiceNotFound",
                                    "message": "No Web Service could be found with the provided "
                                               f"name: {NAME}."}]}}


@pytest.fixture
def adapter() -> ArmAdapter:
    return ArmAdapter()


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_get_returns_arm_json_unchanged_with_api_version_and_bearer(adapter: ArmAdapter) -> None:
    body = webservice()
    adapter.add("GET", WS_PATH, json=body)
    client, _ = make_client(adapter)
    assert client.get(RG, NAME) == body  # camelCase keys, key order and all
    request = adapter.requests[0]
    assert query(request.url or "") == {"api-version": ["2017-01-01"]}
    assert request.headers["Authorization"] == f"Bearer {ARM_TOKEN}"


def test_list_by_resource_group_follows_next_link(adapter: ArmAdapter) -> None:
    first = {"value": [{"id": WS_PATH, "name": "a"}],
             "nextLink": f"{ARM}{LIST_RG}?api-version=2017-01-01&$skiptoken=page2"}
    adapter.add("GET", LIST_RG, json=first)
    adapter.add("GET", LIST_RG, json={"value": [{"id": WS_PATH, "name": "b"}]})
    client, _ = make_client(adapter)
    assert [w["name"] for w in client.list(RG)] == ["a", "b"]
    assert query(adapter.requests[1].url or "")["$skiptoken"] == ["page2"]


def test_list_by_subscription(adapter: ArmAdapter) -> None:
    adapter.add("GET", LIST_SUB, json={"value": [{"name": "x"}, "junk"]})
    client, _ = make_client(adapter)
    assert client.list() == [{"name": "x"}]


def test_list_refuses_next_link_to_another_host(adapter: ArmAdapter) -> None:
    adapter.add("GET", LIST_SUB, json={"value": [], "nextLink": "https://evil.test/steal"})
    client, _ = make_client(adapter)
    with pytest.raises(ServiceError, match="another host"):
        client.list()
    assert len(adapter.requests) == 1


def test_list_keys_is_a_get(adapter: ArmAdapter) -> None:
    adapter.add("GET", WS_PATH + "/listKeys", json={"primary": "P", "secondary": "S"})
    client, _ = make_client(adapter)
    assert client.list_keys(RG, NAME) == {"primary": "P", "secondary": "S"}
    assert adapter.calls()[0][0] == "GET"


def test_update_patches_polls_and_returns_final_get(adapter: ArmAdapter) -> None:
    add_update_flow(adapter, webservice(NEW_URI), statuses=("Provisioning", "Provisioning", "Succeeded"))
    client, transport = make_client(adapter, polling_interval=0.25)
    body = {"properties": {"packageType": "Graph", "assets": {}}}
    final = client.update(RG, NAME, body)
    assert final["properties"]["assets"]["asset3"]["locationInfo"]["uri"] == NEW_URI
    assert [(m, p.split("?")[0]) for m, p in adapter.calls()] == [
        ("PATCH", WS_PATH), ("GET", OP_PATH), ("GET", OP_PATH), ("GET", OP_PATH), ("GET", WS_PATH)]
    assert adapter.body(0) == body  # the dict goes out unchanged
    assert transport.sleeps == [0.25, 0.25]


def test_update_honours_retry_after(adapter: ArmAdapter) -> None:
    add_update_flow(adapter, webservice(NEW_URI), retry_after="7")
    client, transport = make_client(adapter, polling_interval=0.0)
    client.update(RG, NAME, {"properties": {"packageType": "Graph"}})
    assert transport.sleeps == [7.0]


def test_update_failed_operation_raises_operation_failed(adapter: ArmAdapter) -> None:
    add_update_flow(adapter, webservice(), statuses=("Provisioning", "Failed"), failure={
        "code": "ModelLoadFailed", "message": "The .ilearner could not be read."})
    client, _ = make_client(adapter)
    with pytest.raises(OperationFailedError) as info:
        client.update(RG, NAME, {"properties": {"packageType": "Graph"}})
    err = info.value
    assert err.exit_code == 1 and err.error_code == "ModelLoadFailed"
    assert err.request_id == "req-patch-1"  # the PATCH's id, not the poll's
    assert "could not be read" in str(err) and "operation Failed" in str(err)
    assert ("GET", WS_PATH) not in [(m, p.split("?")[0]) for m, p in adapter.calls()]


def test_update_times_out_on_budget(adapter: ArmAdapter) -> None:
    add_update_flow(adapter, webservice(), statuses=("Provisioning",) * 3, retry_after="30")
    client, transport = make_client(adapter)
    with pytest.raises(OperationTimeoutError, match=r"PATCH .* was still .* after 45 s") as info:
        client.update(RG, NAME, {"properties": {"packageType": "Graph"}}, timeout=45)
    assert f"check it with 'aml-retrain webservice show {RG} {NAME}'" in str(info.value)
    assert transport.sleeps[0] == 30.0 and 14.9 < transport.sleeps[1] <= 15.0  # cut to budget


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), 1e309, 86401])
def test_update_rejects_a_budget_out_of_range(adapter: ArmAdapter, timeout: float) -> None:
    client, _ = make_client(adapter)
    with pytest.raises(ValidationError, match="--timeout"):
        client.update(RG, NAME, {}, timeout=timeout)
    assert adapter.requests == []


def _pipeline_limits(client: ArmWebServiceClient) -> tuple[float, float, int, int]:
    pipeline = client._client._client._pipeline  # the ResourceManagementClient's own
    config = pipeline._transport.connection_config
    retry = next(p for p in pipeline._impl_policies if type(p).__name__ == "RetryPolicy")
    return config.timeout, config.read_timeout, retry.total_retries, retry.backoff_max


def test_arm_requests_use_the_settings_timeout_not_azure_cores_300_s() -> None:
    env = {"AML_RETRAIN_SUBSCRIPTION_ID": SUB, "AML_RETRAIN_ARM_TOKEN": ARM_TOKEN,
           "AML_RETRAIN_TIMEOUT": "3"}
    with ArmWebServiceClient.from_settings(Settings.resolve(env=env)) as client:
        # azure-core's defaults: 300 s to connect, 300 s to read, 10 retries, back-off up to 120 s.
        assert _pipeline_limits(client) == (3.0, 3.0, 3, 30)
    env["AML_RETRAIN_TIMEOUT"] = "45"
    with ArmWebServiceClient.from_settings(Settings.resolve(env=env)) as client:
        assert _pipeline_limits(client) == (10.0, 45.0, 3, 30)


def test_404_maps_to_not_found_with_detail_code(adapter: ArmAdapter) -> None:
    adapter.add("GET", WS_PATH, status=404, json=NOT_FOUND, headers={"x-ms-request-id": "rid-404"})
    client, _ = make_client(adapter)
    with pytest.raises(NotFoundError) as info:
        client.get(RG, NAME)
    err = info.value
    assert (err.exit_code, err.error_code, err.request_id) == (3, "WebServiceNotFound", "rid-404")
    assert f"provided name: {NAME}" in str(err) and "aml-retrain webservice list" in str(err)
    assert err.details[0]["code"] == "WebServiceNotFound"


def test_401_maps_to_auth_error_without_the_token(adapter: ArmAdapter) -> None:
    adapter.add("GET", WS_PATH, status=401, json={"error": {
        "code": "InvalidAuthenticationToken", "message": "The access token is invalid."}})
    client, _ = make_client(adapter)
    with pytest.raises(AuthError) as info:
        client.get(RG, NAME)
    assert info.value.exit_code == 5 and ARM_TOKEN not in str(info.value) + repr(info.value)


def test_patch_400_keeps_cannot_change_storage_account(adapter: ArmAdapter) -> None:
    adapter.add("PATCH", WS_PATH, status=400, json={"error": {
        "code": "BadRequest", "message": "The request is invalid.", "details": [{
            "code": "CannotChangeStorageAccount",
            "message": "The StorageAccount cannot be changed. Currently configured storage "
                       "account name = 'mlstorage' ."}]}})
    client, _ = make_client(adapter)
    with pytest.raises(ServiceError) as info:
        client.update(RG, NAME, {"properties": {"packageType": "Graph"}})
    err = info.value
    assert type(err) is ServiceError and err.status_code == 400
    assert err.error_code == "CannotChangeStorageAccount" and "fixed at creation" in str(err)
    assert err.method == "PATCH"


def test_patch_409_maps_to_conflict(adapter: ArmAdapter) -> None:
    adapter.add("PATCH", WS_PATH, status=409, json={"error": {"code": "Conflict", "message": "busy"}})
    client, _ = make_client(adapter)
    with pytest.raises(ConflictError):
        client.update(RG, NAME, {"properties": {"packageType": "Graph"}})


def test_connection_error_maps_to_connection_failed(adapter: ArmAdapter) -> None:
    adapter.add("GET", WS_PATH, exc=requests.exceptions.ConnectionError("refused"))
    client, _ = make_client(adapter)
    with pytest.raises(ConnectionFailedError, match="AML_RETRAIN_ARM_URL"):
        client.get(RG, NAME)


def test_non_json_body_is_a_service_error(adapter: ArmAdapter) -> None:
    adapter.add("GET", WS_PATH, text="<html>proxy</html>")
    client, _ = make_client(adapter)
    with pytest.raises(ServiceError, match="not JSON"):
        client.get(RG, NAME)


@pytest.mark.parametrize(("rg", "name"), [("bad/rg", NAME), (RG, "a/b"), (RG, ""), ("x.", NAME)])
def test_names_are_checked_before_any_request(adapter: ArmAdapter, rg: str, name: str) -> None:
    client, _ = make_client(adapter)
    with pytest.raises(ValidationError):
        client.get(rg, name)
    assert adapter.requests == []


def test_credential_failure_is_a_config_error(adapter: ArmAdapter) -> None:
    from azure.core.exceptions import ClientAuthenticationError
    from azure.mgmt.resource.resources import ResourceManagementClient

    from .arm_fakes import RecordingTransport

    class Broken:
        def get_token(self, *scopes: str, **kwargs: object) -> object:
            raise ClientAuthenticationError("Please run 'az login' to set up an account.")

    rc = ResourceManagementClient(Broken(), SUB, base_url=ARM,  # type: ignore[arg-type]
                                  transport=RecordingTransport(adapter), retry_total=0)
    client = ArmWebServiceClient(SUB, Broken(), base_url=ARM, resource_client=rc)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="az login"):
        client.get(RG, NAME)


def test_from_settings_builds_a_real_client_without_network(tmp_path: object) -> None:
    settings = Settings.resolve(env={"AML_RETRAIN_SUBSCRIPTION_ID": SUB,
                                     "AML_RETRAIN_ARM_TOKEN": ARM_TOKEN,
                                     "AML_RETRAIN_ARM_URL": "https://127.0.0.1:8443"})
    client = ArmWebServiceClient.from_settings(settings)
    assert client.base_url == "https://127.0.0.1:8443" and client.subscription_id == SUB
    assert ARM_TOKEN not in repr(client)
    assert client.resource_id(RG, NAME) == WS_PATH
    client.close()


def test_from_settings_needs_subscription() -> None:
    with pytest.raises(ConfigError, match="subscription"):
        ArmWebServiceClient.from_settings(Settings.resolve(env={"AML_RETRAIN_ARM_TOKEN": "t"}))


def test_error_body_secrets_are_redacted(adapter: ArmAdapter) -> None:
    adapter.add("GET", WS_PATH, status=400, json={"error": {
        "code": "BadRequest", "message": "bad uri https://a.blob.core.windows.net/c/m.ilearner?sig=LEAK"}})
    client, _ = make_client(adapter)
    with pytest.raises(ServiceError) as info:
        client.get(RG, NAME)
    assert "LEAK" not in str(info.value)
