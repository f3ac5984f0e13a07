"""OnlineClient endpoints: reads, the whole-envelope PUT with ARM polling, traffic, keys, scoring."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from aml_retrain.errors import (
    AuthError,
    ConfigError,
    ConnectionFailedError,
    NotFoundError,
    OperationFailedError,
    OperationTimeoutError,
    ServiceError,
    ValidationError,
    VerificationError,
)

from .arm_fakes import ArmAdapter
from .test_online_fakes import (
    ARM,
    ARM_TOKEN,
    DEP_PATH,
    EP,
    EP_PATH,
    OP_PATH,
    PRIMARY_KEY,
    SCORING,
    FakeClock,
    W,
    add_put_flow,
    deployment,
    endpoint,
    make_client,
)


@pytest.fixture
def adapter() -> ArmAdapter:
    return ArmAdapter()


def paths(adapter: ArmAdapter) -> list[tuple[str, str]]:
    return [(m, p.split("?")[0]) for m, p in adapter.calls()]


def test_get_endpoint_sends_api_version_and_bearer_and_reads_fields(adapter: ArmAdapter) -> None:
    adapter.add("GET", EP_PATH, json=endpoint({"blue": 90, "green": 10}, mirror={"red": 5}))
    client, _ = make_client(adapter)
    found = client.get_endpoint(EP)
    assert (found.name, found.auth_mode, found.scoring_uri) == (EP, "Key", SCORING)
    assert found.traffic == {"blue": 90, "green": 10} and found.mirror_traffic == {"red": 5}
    assert found.serving() == "blue"
    request = adapter.requests[0]
    assert parse_qs(urlsplit(request.url or "").query) == {"api-version": ["2025-12-01"]}
    assert request.headers["Authorization"] == f"Bearer {ARM_TOKEN}"
    assert set(found.to_dict()) == {"name", "id", "location", "auth_mode", "scoring_uri",
                                    "provisioning_state", "traffic", "mirror_traffic"}


def test_list_endpoints_follows_next_link_on_the_same_host(adapter: ArmAdapter) -> None:
    adapter.add("GET", f"{W}/onlineEndpoints", json={
        "value": [endpoint()], "nextLink": f"{ARM}{W}/onlineEndpoints?api-version=2025-12-01&$skip=1"})
    adapter.add("GET", f"{W}/onlineEndpoints", json={"value": [endpoint()]})
    client, _ = make_client(adapter)
    assert [e.name for e in client.list_endpoints()] == [EP, EP]
    adapter.add("GET", f"{W}/onlineEndpoints", json={"value": [], "nextLink": "https://evil.test/x"})
    with pytest.raises(ServiceError, match="another host"):
        client.list_endpoints()


def test_put_endpoint_polls_azure_async_operation_then_gets_the_original_uri(
        adapter: ArmAdapter) -> None:
    final = endpoint({"blue": 100})
    add_put_flow(adapter, EP_PATH, final, statuses=("InProgress", "InProgress", "Succeeded"),
                 retry_after="3")
    client, transport = make_client(adapter)
    result = client.put_endpoint(EP, endpoint({"blue": 100}))
    assert result.provisioning_state == "Succeeded"
    assert paths(adapter) == [("PUT", EP_PATH), ("GET", OP_PATH), ("GET", OP_PATH),
                              ("GET", OP_PATH), ("GET", EP_PATH)]
    assert transport.sleeps == [3.0, 3.0]  # Retry-After on the status answers wins
    sent = adapter.body(0)
    assert "keys" not in sent["properties"]  # create-only, read back null: never sent
    assert sent["properties"]["mirrorTraffic"] == {}  # sent explicitly, as omitting it clears it
    assert sent["properties"]["properties"] == {"owner": "ml-team"}  # everything else kept
    assert sent["identity"] == {"type": "SystemAssigned"}


def test_put_endpoint_without_traffic_is_refused_before_any_request(adapter: ArmAdapter) -> None:
    body = endpoint()
    del body["properties"]["traffic"]
    client, _ = make_client(adapter)
    with pytest.raises(ValidationError, match="without it sets every deployment to 0%"):
        client.put_endpoint(EP, body)
    assert adapter.requests == []


def add_deployments(adapter: ArmAdapter, *states: tuple[str, str]) -> None:
    adapter.add("GET", DEP_PATH, json={"value": [deployment(n, state=s) for n, s in states]})


def test_set_traffic_puts_the_whole_envelope_and_rereads_until_visible(adapter: ArmAdapter) -> None:
    adapter.add("GET", EP_PATH, json=endpoint({"blue": 100}, mirror={"red": 10}))
    add_deployments(adapter, ("blue", "Succeeded"), ("green", "Succeeded"), ("red", "Succeeded"))
    add_put_flow(adapter, EP_PATH, endpoint({"blue": 100}, mirror={"red": 10}))
    # Eventual consistency: the operation's final GET and two more still show the old split.
    adapter.add("GET", EP_PATH, json=endpoint({"blue": 100}, mirror={"red": 10}), times=2)
    adapter.add("GET", EP_PATH, json=endpoint({"blue": 20, "green": 80}, mirror={"red": 10}))
    clock = FakeClock()
    client, _ = make_client(adapter, clock=clock, polling_interval=2.0)
    change = client.set_traffic(EP, {"blue": 20, "green": 80})
    assert change.before == {"blue": 100}
    assert change.after == {"blue": 20, "green": 80}
    assert change.changed and change.mirror_traffic == {"red": 10}
    assert change.reads == 5  # before, the final GET, then three re-reads
    put = adapter.body(next(i for i, (m, _p) in enumerate(adapter.calls()) if m == "PUT"))
    # The omitted-traffic trap: traffic and mirrorTraffic always go back, with the rest.
    assert put["properties"]["traffic"] == {"blue": 20, "green": 80}
    assert put["properties"]["mirrorTraffic"] == {"red": 10}
    assert put["properties"]["authMode"] == "Key" and put["location"] == "westeurope"
    assert "keys" not in put["properties"]
    assert clock.sleeps == [2.0, 2.0, 2.0]  # a wait before each re-read


def test_set_traffic_stops_when_the_operations_final_get_shows_it(adapter: ArmAdapter) -> None:
    adapter.add("GET", EP_PATH, json=endpoint({"blue": 100}))
    add_deployments(adapter, ("blue", "Succeeded"), ("green", "Succeeded"))
    add_put_flow(adapter, EP_PATH, endpoint({"green": 100}))
    clock = FakeClock()
    client, _ = make_client(adapter, clock=clock)
    change = client.set_traffic(EP, {"green": 100})
    assert change.after == {"green": 100} and change.reads == 2 and clock.sleeps == []
    put = adapter.body(next(i for i, (m, _p) in enumerate(adapter.calls()) if m == "PUT"))
    assert put["properties"]["traffic"] == {"blue": 0, "green": 100}  # left out -> explicit 0
    assert paths(adapter)[-1] == ("GET", EP_PATH)


def test_set_traffic_that_never_shows_is_a_verification_error(adapter: ArmAdapter) -> None:
    adapter.add("GET", EP_PATH, json=endpoint({"blue": 100}))
    add_deployments(adapter, ("blue", "Succeeded"), ("green", "Succeeded"))
    add_put_flow(adapter, EP_PATH, endpoint({"blue": 100}))
    adapter.add("GET", EP_PATH, json=endpoint({"blue": 100}), times=None)
    client, _ = make_client(adapter, polling_interval=5.0)
    with pytest.raises(VerificationError, match="still shows"):
        client.set_traffic(EP, {"green": 100}, timeout=12.0)


def test_set_traffic_with_no_change_sends_no_put(adapter: ArmAdapter) -> None:
    adapter.add("GET", EP_PATH, json=endpoint({"blue": 100, "green": 0}))
    client, _ = make_client(adapter)
    change = client.set_traffic(EP, {"blue": 100})
    assert not change.changed and paths(adapter) == [("GET", EP_PATH)]


@pytest.mark.parametrize(("traffic", "mirror", "message"), [
    ({"blue": 60, "green": 30}, None, "adds up to 90"),
    ({"blue": 101}, None, "0-100"),
    ({"blue": 50.5, "green": 49.5}, None, "whole percentage"),
    ({"Blue_1": 100}, None, "invalid deployment name"),
    ({"blue": 50, "purple": 50}, None, "no deployment purple"),
    ({"blue": 50, "green": 50}, None, "green is Creating"),
    ({"blue": 100}, {"blue": 10}, "live and mirrored"),
    ({"blue": 100}, {"red": 60}, "at most 50"),
    ({"blue": 100}, {"green": 10}, "green is Creating"),
])
def test_bad_traffic_is_refused_before_the_put(adapter: ArmAdapter, traffic: dict[str, int],
                                               mirror: dict[str, int] | None, message: str) -> None:
    adapter.add("GET", EP_PATH, json=endpoint({"blue": 90, "red": 10}), times=None)
    adapter.add("GET", DEP_PATH, times=None, json={"value": [
        deployment("blue"), deployment("green", state="Creating"), deployment("red")]})
    client, _ = make_client(adapter)
    with pytest.raises(ValidationError, match=message):
        client.set_traffic(EP, traffic, mirror_traffic=mirror)
    assert all(m == "GET" for m, _p in adapter.calls())


def test_put_error_keeps_detail_code_request_id_and_online_hint(adapter: ArmAdapter) -> None:
    adapter.add("GET", EP_PATH, json=endpoint({"blue": 100}))
    add_deployments(adapter, ("blue", "Succeeded"), ("green", "Succeeded"))
    adapter.add("PUT", EP_PATH, status=400, headers={"x-ms-request-id": "req-400"}, json={
        "error": {"code": "UserError", "message": "Traffic is invalid.",
                  "details": [{"code": "InvalidTraffic", "message": "green is not ready"}]}})
    client, _ = make_client(adapter)
    with pytest.raises(ServiceError) as info:
        client.set_traffic(EP, {"green": 100})
    err = info.value
    assert (err.status_code, err.error_code, err.request_id) == (400, "InvalidTraffic", "req-400")
    assert err.method == "PUT" and "onlineEndpoints/census-online" in (err.url or "")
    assert "green is not ready" in str(err) and "webservice" not in str(err)


def test_failed_operation_reports_the_put_with_its_request_id(adapter: ArmAdapter) -> None:
    add_put_flow(adapter, EP_PATH, endpoint(), statuses=("InProgress", "Failed"),
                 failure={"code": "DeploymentFailed", "message": "Quota exceeded."})
    client, _ = make_client(adapter)
    with pytest.raises(OperationFailedError) as info:
        client.put_endpoint(EP, endpoint())
    assert info.value.request_id == "req-put-1" and info.value.method == "PUT"
    assert "Quota exceeded" in str(info.value)


def test_lro_past_its_budget_is_a_timeout(adapter: ArmAdapter) -> None:
    adapter.add("PUT", EP_PATH, status=201, json=endpoint(state="Updating"),
                headers={"Azure-AsyncOperation": f"{ARM}{OP_PATH}?api-version=2025-12-01"})
    adapter.add("GET", OP_PATH, json={"status": "InProgress"}, headers={"Retry-After": "30"},
                times=None)
    client, _ = make_client(adapter)
    with pytest.raises(OperationTimeoutError, match=r"PUT .* was still InProgress after 45 s"):
        client.put_endpoint(EP, endpoint(), timeout=45)


def test_not_found_maps_with_request_id(adapter: ArmAdapter) -> None:
    adapter.add("GET", EP_PATH, status=404, headers={"x-ms-request-id": "req-404"}, json={
        "error": {"code": "NotFound", "message": "Not found."}})
    client, _ = make_client(adapter)
    with pytest.raises(NotFoundError) as info:
        client.get_endpoint(EP)
    assert info.value.request_id == "req-404" and "req-404" in str(info.value)
    assert "workspace and resource names" in str(info.value)


def test_error_text_is_redacted(adapter: ArmAdapter) -> None:
    adapter.add("GET", EP_PATH, status=400, json={"error": {
        "code": "BadArgument", "message": "bad uri https://a.blob.core.windows.net/c?sig=SASSECRET "
                                          "with Bearer tok.SECRET.x"}})
    client, _ = make_client(adapter)
    with pytest.raises(ServiceError) as info:
        client.get_endpoint(EP)
    assert "SECRET" not in str(info.value) and "SECRET" not in repr(info.value)


@pytest.mark.parametrize("name", ["", "-lead", "has space", "a/b", "x" * 256])
def test_bad_endpoint_names_are_refused_before_any_request(adapter: ArmAdapter, name: str) -> None:
    client, _ = make_client(adapter)
    with pytest.raises(ValidationError, match="invalid endpoint name"):
        client.get_endpoint(name)
    assert adapter.requests == []


def test_list_keys_hides_them(adapter: ArmAdapter) -> None:
    adapter.add("POST", EP_PATH + "/listKeys", json={"primaryKey": PRIMARY_KEY, "secondaryKey": "S2"})
    client, _ = make_client(adapter)
    keys = client.list_keys(EP)
    assert keys.primary == PRIMARY_KEY
    assert "SECRET" not in repr(keys) and "SECRET" not in str(keys)
    assert not hasattr(keys, "to_dict")
    assert adapter.requests[0].body in (None, b"")  # listKeys takes no body


def test_score_with_key_sends_bearer_and_deployment_header(adapter: ArmAdapter) -> None:
    adapter.add("GET", EP_PATH, json=endpoint())
    adapter.add("POST", EP_PATH + "/listKeys", json={"primaryKey": PRIMARY_KEY, "secondaryKey": "S2"})
    adapter.add("POST", urlsplit(SCORING).path, json=[">50K", "<=50K"],
                headers={"azureml-model-deployment": "green", "x-ms-request-id": "req-score"})
    client, _ = make_client(adapter)
    outcome = client.score(EP, [{"age": 39, "workclass": "State-gov"}, {"age": 50}],
                           deployment="green")
    assert outcome.predictions == [">50K", "<=50K"] and outcome.deployment == "green"
    request = adapter.requests[-1]
    assert request.headers["Authorization"] == f"Bearer {PRIMARY_KEY}"
    assert request.headers["azureml-model-deployment"] == "green"
    assert json.loads(request.body or b"") == {"input_data": {
        "columns": ["age", "workclass"], "index": [0, 1],
        "data": [[39, "State-gov"], [50, None]]}}
    assert PRIMARY_KEY not in json.dumps(outcome.to_dict())


def test_score_on_an_aad_endpoint_uses_the_credentials_token(adapter: ArmAdapter) -> None:
    adapter.add("GET", EP_PATH, json=endpoint(auth_mode="AADToken"))
    adapter.add("POST", urlsplit(SCORING).path, json={"predictions": [1]})
    client, _ = make_client(adapter)
    assert client.score(EP, {"columns": ["age"], "data": [[30]]}).predictions == [1]
    assert adapter.requests[-1].headers["Authorization"] == f"Bearer {ARM_TOKEN}"
    assert "azureml-model-deployment" not in adapter.requests[-1].headers


def test_refused_key_is_an_auth_error_without_the_key(adapter: ArmAdapter) -> None:
    adapter.add("GET", EP_PATH, json=endpoint())
    adapter.add("POST", EP_PATH + "/listKeys", json={"primaryKey": PRIMARY_KEY, "secondaryKey": "S2"})
    adapter.add("POST", urlsplit(SCORING).path, status=401, text="unauthorized")
    client, _ = make_client(adapter)
    with pytest.raises(AuthError) as info:
        client.score(EP, [{"age": 1}])
    assert PRIMARY_KEY not in str(info.value) and "listKeys" in str(info.value)


def test_wait_endpoint_times_out_with_what_to_do(adapter: ArmAdapter) -> None:
    adapter.add("GET", EP_PATH, json=endpoint(state="Updating"), times=None)
    client, _ = make_client(adapter, polling_interval=10.0)
    with pytest.raises(OperationTimeoutError, match="still Updating after 30 s"):
        client.wait_endpoint(EP, timeout=30)
    assert len(adapter.requests) == 4  # reads at 0, 10, 20, 30 s of the fake clock


def test_unreachable_arm_is_a_connection_error(adapter: ArmAdapter) -> None:
    import requests

    adapter.add("GET", EP_PATH, exc=requests.ConnectionError("refused"))
    client, _ = make_client(adapter)
    with pytest.raises(ConnectionFailedError, match="could not reach"):
        client.get_endpoint(EP)


def test_a_credential_that_fails_is_a_config_error(adapter: ArmAdapter) -> None:
    from azure.core.exceptions import ClientAuthenticationError
    from azure.mgmt.resource.resources import ResourceManagementClient

    from aml_retrain.online import OnlineClient

    from .arm_fakes import RecordingTransport
    from .test_online_fakes import RG, SUB, WS

    class Refusing:
        def get_token(self, *scopes: str, **kwargs: object) -> None:
            raise ClientAuthenticationError("AADSTS700016: no such app; secret=abc")

    resource_client = ResourceManagementClient(Refusing(), SUB, base_url=ARM,  # type: ignore[arg-type]
                                               transport=RecordingTransport(adapter), retry_total=0)
    client = OnlineClient(SUB, Refusing(), RG, WS, base_url=ARM,  # type: ignore[arg-type]
                          resource_client=resource_client)
    with pytest.raises(ConfigError, match="could not get an Azure token"):
        client.get_endpoint(EP)
    assert adapter.requests == []


def test_from_settings_builds_without_network(tmp_path: object) -> None:
    from aml_retrain.config import Settings
    from aml_retrain.online import OnlineClient

    settings = Settings.resolve(subscription_id="00000000-1111-2222-3333-444444444444",
                                arm_token="tok-SECRET", arm_url="https://arm.test", timeout=12,
                                poll_interval=0.5, env={})
    client = OnlineClient.from_settings(settings, "rg", "census-workspace")
    assert client._arm.timeout == 12 and client._arm.polling_interval == 0.5
    assert client._arm.scope == "https://management.azure.com/.default"
    assert "SECRET" not in repr(client)
    client.close()
