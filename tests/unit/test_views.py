from __future__ import annotations

import json
from pathlib import Path

import pytest

from aml_retrain.classic import views
from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.errors import AlreadyExistsError, ConflictError, ValidationError

from .conftest import WS
from .fakes import FakeAdapter

SVC = "c" * 32
W = f"/workspaces/{WS}/webservices/{SVC}"
EP = {"Name": "ep1", "PrimaryKey": "PK", "SecondaryKey": "SK",
      "Resources": [{"Name": "m", "Location": {"SasBlobToken": "?sv=1&sig=SIG"}}]}


def test_list_and_show_hide_keys_and_sas(
    client: ClassicManagementClient, adapter: FakeAdapter
) -> None:
    adapter.add("GET", f"{W}/endpoints", json=[EP], times=2)
    adapter.add("GET", f"{W}/endpoints/ep1", json=EP)
    listed = views.list_endpoints(client, SVC)
    assert "PrimaryKey" not in listed[0]
    assert listed[0]["Resources"][0]["Location"]["SasBlobToken"] == "?sv=1&sig=REDACTED"
    assert views.list_endpoints(client, SVC, include_keys=True)[0]["PrimaryKey"] == "PK"
    assert "SK" not in json.dumps(views.show_endpoint(client, SVC, "ep1"))


def test_create_exist_ok_returns_existing_without_put(
    client: ClassicManagementClient, adapter: FakeAdapter
) -> None:
    adapter.add("GET", f"{W}/endpoints/ep1", json=EP)
    result = views.create_endpoint(client, SVC, "ep1", exist_ok=True)
    assert (result.endpoint["Name"], result.created) == ("ep1", False)
    assert [m for m, _ in adapter.calls()] == ["GET"]


def test_create_existing_without_exist_ok_is_refused_before_any_put(
    client: ClassicManagementClient, adapter: FakeAdapter
) -> None:
    # A real PUT may overwrite a live endpoint: the refusal must come from the GET, not a 409.
    adapter.add("GET", f"{W}/endpoints/ep1", json=EP)
    adapter.add("PUT", f"{W}/endpoints/ep1", status=200)
    with pytest.raises(AlreadyExistsError, match=r"already exists.*--exist-ok") as info:
        views.create_endpoint(client, SVC, "ep1", throttle_level="High")
    assert [m for m, _ in adapter.calls()] == ["GET"]
    assert info.value.exit_code == 6 and isinstance(info.value, ConflictError)
    assert "409" not in str(info.value) and "GET https://" in str(info.value)


@pytest.mark.parametrize("kwargs", [
    {"max_concurrent_calls": 5},
    {"max_concurrent_calls": 50, "throttle_level": "Low"},
])
def test_more_than_four_calls_needs_throttle_high_nothing_sent(
    client: ClassicManagementClient, adapter: FakeAdapter, kwargs: dict[str, object]
) -> None:
    with pytest.raises(ValidationError, match=r"needs throttle level High.*caps it at 4"):
        views.create_endpoint(client, SVC, "ep1", **kwargs)  # type: ignore[arg-type]
    assert adapter.calls() == []


def test_create_reports_the_concurrency_read_back(
    client: ClassicManagementClient, adapter: FakeAdapter
) -> None:
    adapter.add("GET", f"{W}/endpoints/ep1", status=404)
    adapter.add("PUT", f"{W}/endpoints/ep1", status=200)
    adapter.add("GET", f"{W}/endpoints/ep1",
                json=dict(EP, ThrottleLevel="High", MaxConcurrentCalls=20))
    result = views.create_endpoint(client, SVC, "ep1", throttle_level="High",
                                   max_concurrent_calls=50)
    assert result.created
    assert result.warnings == (
        "in effect: ThrottleLevel High, MaxConcurrentCalls 20",
        "the service set MaxConcurrentCalls to 20, not the requested 50",
    )


def test_create_exist_ok_creates_when_missing(
    client: ClassicManagementClient, adapter: FakeAdapter
) -> None:
    adapter.add("GET", f"{W}/endpoints/ep1", status=404)
    adapter.add("PUT", f"{W}/endpoints/ep1", status=200)
    adapter.add("GET", f"{W}/endpoints/ep1", json=EP)
    created = views.create_endpoint(client, SVC, "ep1", exist_ok=True)
    assert [m for m, _ in adapter.calls()] == ["GET", "PUT", "GET"]
    assert "PrimaryKey" not in created.endpoint and created.created


def test_delete_backs_up_then_deletes(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    adapter.add("GET", W, json={"DefaultEndpointName": "default"})
    adapter.add("GET", f"{W}/endpoints/ep1", json=EP)
    adapter.add("DELETE", f"{W}/endpoints/ep1", status=204)
    result = views.delete_endpoint(client, SVC, "ep1", backup_dir=tmp_path)
    saved = json.loads(Path(result["backup_path"]).read_text())
    assert saved["Name"] == "ep1" and "PrimaryKey" not in saved
    assert Path(result["backup_path"]).parent == tmp_path / WS / SVC / "ep1"
    assert adapter.calls()[-1] == ("DELETE", f"{W}/endpoints/ep1")


def test_delete_default_refused(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    adapter.add("GET", W, json={"DefaultEndpointName": "default"})
    with pytest.raises(ValidationError, match="is the default endpoint"):
        views.delete_endpoint(client, SVC, "default", backup_dir=tmp_path)
    assert [m for m, _ in adapter.calls()] == ["GET"]
