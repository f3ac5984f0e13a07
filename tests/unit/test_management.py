from __future__ import annotations

import pytest

from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.config import Settings
from aml_retrain.errors import ConfigError, NotFoundError, ServiceError, ValidationError

from .conftest import TOKEN, WS
from .fakes import FakeAdapter, fake_session

W = f"/workspaces/{WS}/webservices"
SVC = "a" * 32


def test_list_web_services(client: ClassicManagementClient, adapter: FakeAdapter) -> None:
    adapter.add("GET", W, json=[{"Id": SVC, "Name": "predictive"}])
    assert client.list_web_services() == [{"Id": SVC, "Name": "predictive"}]
    assert adapter.calls() == [("GET", W)]
    assert adapter.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_204_on_lists_is_empty(client: ClassicManagementClient, adapter: FakeAdapter) -> None:
    adapter.add("GET", W, status=204)
    adapter.add("GET", f"{W}/{SVC}/endpoints", status=204)
    assert client.list_web_services() == []
    assert client.list_endpoints(SVC) == []


def test_get_web_service_and_endpoint_paths(
    client: ClassicManagementClient, adapter: FakeAdapter
) -> None:
    adapter.add("GET", f"{W}/{SVC}", json={"Id": SVC, "DefaultEndpointName": "default"})
    adapter.add("GET", f"{W}/{SVC}/endpoints", json=[{"Name": "default"}])
    adapter.add("GET", f"{W}/{SVC}/endpoints/ep1", json={"Name": "ep1"})
    assert client.get_web_service(SVC)["DefaultEndpointName"] == "default"
    assert client.list_endpoints(SVC) == [{"Name": "default"}]
    assert client.get_endpoint(SVC, "ep1") == {"Name": "ep1"}


def test_ids_are_url_quoted(client: ClassicManagementClient, adapter: FakeAdapter) -> None:
    adapter.add("GET", f"{W}/a%2Fb%3Fc/endpoints/x%20y", json={})
    client.get_endpoint("a/b?c", "x y")
    assert adapter.requests[0].url == f"https://mgmt.test{W}/a%2Fb%3Fc/endpoints/x%20y"


def test_get_endpoint_204_is_not_found(
    client: ClassicManagementClient, adapter: FakeAdapter
) -> None:
    adapter.add("GET", f"{W}/{SVC}/endpoints/ep1", status=204)
    with pytest.raises(NotFoundError):
        client.get_endpoint(SVC, "ep1")


def test_404_raises_not_found(client: ClassicManagementClient, adapter: FakeAdapter) -> None:
    adapter.add("GET", f"{W}/{SVC}", status=404,
                json={"error": {"code": "WebServiceNotFound", "message": "Web service not found."}})
    with pytest.raises(NotFoundError, match="WebServiceNotFound"):
        client.get_web_service(SVC)


def test_non_json_success_body(client: ClassicManagementClient, adapter: FakeAdapter) -> None:
    adapter.add("GET", W, text="<html>login</html>")
    with pytest.raises(ServiceError, match="not JSON"):
        client.list_web_services()


def test_create_endpoint_sends_only_given_fields_then_reads_back(
    client: ClassicManagementClient, adapter: FakeAdapter
) -> None:
    adapter.add("PUT", f"{W}/{SVC}/endpoints/ep1", status=200)
    adapter.add("GET", f"{W}/{SVC}/endpoints/ep1", json={"Name": "ep1", "ThrottleLevel": "High"})
    created = client.create_endpoint(SVC, "ep1", description="d", throttle_level="High")
    assert created == {"Name": "ep1", "ThrottleLevel": "High"}
    path = f"{W}/{SVC}/endpoints/ep1"
    assert adapter.calls() == [("PUT", path), ("GET", path)]
    assert adapter.body(0) == {"Description": "d", "ThrottleLevel": "High"}
    assert adapter.requests[0].headers["Content-Type"] == "application/json"


def test_create_endpoint_with_max_concurrent_calls(
    client: ClassicManagementClient, adapter: FakeAdapter
) -> None:
    adapter.add("PUT", f"{W}/{SVC}/endpoints/ep2", status=201)
    adapter.add("GET", f"{W}/{SVC}/endpoints/ep2", json={"Name": "ep2"})
    client.create_endpoint(SVC, "ep2", throttle_level="High", max_concurrent_calls=50)
    assert adapter.body(0) == {"ThrottleLevel": "High", "MaxConcurrentCalls": 50}


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"name": "Bad_Name"}, "invalid endpoint name"),
        ({"throttle_level": "Medium"}, "must be Low or High"),
        ({"max_concurrent_calls": 201}, "between 1 and 200"),
        ({"max_concurrent_calls": 5}, "needs throttle level High"),
        ({"max_concurrent_calls": 5, "throttle_level": "Low"}, "caps it at 4"),
        ({"description": "x" * 2001}, "allows 2000"),
    ],
)
def test_create_endpoint_validates_before_sending(
    client: ClassicManagementClient, adapter: FakeAdapter, kwargs: dict[str, object], fragment: str
) -> None:
    name = str(kwargs.pop("name", "ep1"))
    with pytest.raises(ValidationError, match=fragment):
        client.create_endpoint(SVC, name, **kwargs)  # type: ignore[arg-type]
    assert adapter.requests == []


def test_delete_and_patch(client: ClassicManagementClient, adapter: FakeAdapter) -> None:
    adapter.add("DELETE", f"{W}/{SVC}/endpoints/ep1", status=204)
    adapter.add("PATCH", f"{W}/{SVC}/endpoints/ep1", status=200)
    client.delete_endpoint(SVC, "ep1")
    client.patch_endpoint(SVC, "ep1", {"Description": "new"})
    assert [m for m, _ in adapter.calls()] == ["DELETE", "PATCH"]
    assert adapter.body(1) == {"Description": "new"}


@pytest.mark.parametrize("status", [429, 503])
def test_a_throttled_patch_is_sent_again(
    client: ClassicManagementClient, adapter: FakeAdapter, monkeypatch: pytest.MonkeyPatch,
    status: int,
) -> None:
    from aml_retrain import _http

    waits: list[float] = []
    monkeypatch.setattr(_http, "_sleep", waits.append)
    adapter.add("PATCH", f"{W}/{SVC}/endpoints/ep1", status=status, headers={"Retry-After": "1"})
    adapter.add("PATCH", f"{W}/{SVC}/endpoints/ep1", status=200)
    client.patch_endpoint(SVC, "ep1", {"Description": "new"})
    assert [m for m, _ in adapter.calls()] == ["PATCH", "PATCH"] and waits == [1.0]


@pytest.mark.parametrize(("status", "changed"), [(200, True), (204, True), (304, False)])
def test_refresh_endpoint(
    client: ClassicManagementClient, adapter: FakeAdapter, status: int, changed: bool
) -> None:
    adapter.add("POST", f"{W}/{SVC}/endpoints/ep1/refresh", status=status)
    assert client.refresh_endpoint(SVC, "ep1", overwrite_resources=True) is changed
    assert adapter.body(0) == {"OverwriteResources": "True"}


def test_refresh_default_flag_is_string_false(
    client: ClassicManagementClient, adapter: FakeAdapter
) -> None:
    adapter.add("POST", f"{W}/{SVC}/endpoints/ep1/refresh", status=200)
    client.refresh_endpoint(SVC, "ep1")
    assert adapter.body(0) == {"OverwriteResources": "False"}


def test_patch_url(client: ClassicManagementClient) -> None:
    assert client.patch_url(SVC, "ep1") == f"https://mgmt.test{W}/{SVC}/endpoints/ep1"


def test_from_settings(adapter: FakeAdapter) -> None:
    settings = Settings.resolve(workspace_id=WS, workspace_token=TOKEN,
                                management_url="https://other.test/", timeout=9, env={})
    client = ClassicManagementClient.from_settings(settings, session=fake_session(adapter))
    adapter.add("GET", W, json=[])
    client.list_web_services()
    assert adapter.requests[0].url == f"https://other.test{W}"
    assert adapter.timeouts[0] == (9.0, 9.0)
    assert TOKEN not in repr(client)


def test_from_settings_requires_workspace() -> None:
    with pytest.raises(ConfigError, match="no workspace id"):
        ClassicManagementClient.from_settings(Settings.resolve(env={}))
