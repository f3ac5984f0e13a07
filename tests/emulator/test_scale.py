"""Many endpoints per web service (CLASSIC-API §9): dict lookups, the 10,000 limit, listing."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from aml_emulator import EmulatorServer
from aml_emulator.classic.backend import MAX_ENDPOINTS
from aml_emulator.classic.state import WebService

from .conftest import PREDICTIVE_ID, SEED, TOKEN, WS_ID, Api, assert_error
from .load import Target, create_endpoints, fan_out


class NoScanDict(dict[str, Any]):
    """Endpoints that refuse to be iterated: any per-request O(n) scan raises (→ a 500)."""

    def _scan(self, *_args: Any) -> Any:
        raise AssertionError("an O(n) scan of the endpoints")

    __iter__ = values = items = keys = _scan


def _target(api: Api) -> Target:
    return Target(api.url, api.ca, TOKEN, api.ws(f"/{PREDICTIVE_ID}"))


def _service(server: EmulatorServer) -> WebService:
    return server.app.classic._workspaces[WS_ID].webservices[PREDICTIVE_ID]


def _fill(server: EmulatorServer, count: int) -> None:
    """Create endpoints in-process (the HTTP path is covered by the 1,000-endpoint test)."""
    for i in range(count):
        server.app.classic.create_endpoint(WS_ID, PREDICTIVE_ID, f"bulk-{i:05d}", {})


def test_thousand_endpoints_are_listed_once_and_reachable(api: Api) -> None:
    names = [f"many-{i:04d}" for i in range(1000)]
    assert set(create_endpoints(_target(api), names)) == {200}
    listed = api.call("GET", api.ws(f"/{PREDICTIVE_ID}/endpoints"))
    assert listed.status_code == 200
    listed_names = [ep["Name"] for ep in listed.json()]
    assert sorted(listed_names) == sorted([*names, "default"])  # each once
    # the execution API finds endpoints by GUID; a deleted one is gone from it at once
    chosen = [api.get_endpoint(name) for name in ("many-0000", "many-0500", "many-0999")]
    for endpoint in chosen:
        assert api.call("GET", endpoint["ApiLocation"][len(api.url):] + "/swagger.json",
                        token=None).status_code == 200
    assert api.call("DELETE", api.ep("many-0500")).status_code == 200
    assert_error(api.call("GET", api.ep("many-0500")), 404, "EndpointNotFound")
    gone = api.call("GET", chosen[1]["ApiLocation"][len(api.url):] + "/swagger.json", token=None)
    assert gone.status_code == 404
    assert len(api.call("GET", api.ws(f"/{PREDICTIVE_ID}/endpoints")).json()) == 1000


def test_requests_never_scan_all_endpoints(api: Api, server: EmulatorServer) -> None:
    """With 2,000 endpoints whose map refuses iteration, every per-endpoint operation works."""
    _fill(server, 2000)
    service = _service(server)
    endpoint = api.get_endpoint("bulk-01234")
    with server.app.classic._lock:
        service.endpoints = NoScanDict(service.endpoints)
    api_path = endpoint["ApiLocation"][len(api.url):]
    assert api.call("GET", api_path + "/swagger.json", token=None).status_code == 200
    execute = api.call("POST", api_path + "/execute", params={"api-version": "2.0"},
                       token=endpoint["PrimaryKey"], json={"Inputs": {}})
    assert execute.status_code == 400, execute.text  # found and authorised; the body is wrong
    assert api.get_endpoint("bulk-01999", )["Name"] == "bulk-01999"
    assert api.call("GET", api.ep("bulk-00001"), token=endpoint["PrimaryKey"]).status_code == 401
    assert api.call("PATCH", api.ep("bulk-01234"), json={"Description": "x"}).status_code == 200
    assert api.create("one-more").status_code == 200
    assert api.call("DELETE", api.ep("bulk-00007")).status_code == 200
    assert api.call("POST", api.ep("bulk-00008") + "/refresh",
                    json={"OverwriteResources": "True"}).status_code == 304


def test_the_10001st_endpoint_is_refused(api: Api, server: EmulatorServer) -> None:
    _fill(server, MAX_ENDPOINTS - 2)  # + default = 9,999
    assert api.create("last-allowed").status_code == 200
    error = assert_error(api.create("one-too-many"), 400, "WebServiceTooManyEndpoints")
    assert "10000" in error["message"]
    listed = api.call("GET", api.ws(f"/{PREDICTIVE_ID}/endpoints"))
    assert listed.status_code == 200 and len(listed.json()) == MAX_ENDPOINTS
    assert api.call("DELETE", api.ep("bulk-00000")).status_code == 200
    assert api.create("one-too-many").status_code == 200  # room again
    assert_error(api.create("and-another"), 400, "WebServiceTooManyEndpoints")
    # the limit is per web service: the training service still takes endpoints
    assert api.call("PUT", api.ep("other", SEED["workspaces"][0]["WebServices"][0]["Id"]),
                    json={}).status_code == 200


@pytest.fixture(scope="module")
def free_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    seed = copy.deepcopy(SEED)
    seed["workspaces"][0]["Tier"] = "Free"
    with EmulatorServer(tmp_path_factory.mktemp("free-state"), seed=seed) as running:
        yield running


def test_free_workspace_allows_three_endpoints_including_default(
        free_server: EmulatorServer) -> None:
    api = Api(free_server.url, str(free_server.ca_path))
    assert api.create("first").status_code == 200
    assert api.create("second").status_code == 200
    error = assert_error(api.create("third"), 400, "WebServiceTooManyEndpoints")
    assert "free workspace" in error["message"]


def test_concurrent_creates_of_the_same_name_make_one_endpoint(api: Api) -> None:
    statuses, _ = fan_out(_target(api), [("PUT", "same", {"Description": "x"})] * 40)
    assert set(statuses) == {200}  # PUT creates or replaces (backend.create_endpoint)
    names = [ep["Name"] for ep in api.call("GET", api.ws(f"/{PREDICTIVE_ID}/endpoints")).json()]
    assert names.count("same") == 1
