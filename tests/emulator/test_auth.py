"""Authorization: workspace token everywhere; an endpoint key only for its own endpoint.

azuremlps README (131af5e): the endpoint API key may replace the workspace token for "the rest
of the Endpoint management APIs" (GET, PATCH, refresh, DELETE of that endpoint).
"""

from __future__ import annotations

import uuid

import pytest

from .conftest import PREDICTIVE_ID, TOKEN, TRAINING_ID, Api, assert_error


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"},
                                     {"Authorization": f"Basic {TOKEN}"},
                                     {"Authorization": "Bearer"}])
def test_bad_credentials_get_401_envelope(api: Api, headers: dict[str, str]) -> None:
    answer = api.call("GET", api.ws(), token=None, headers=headers)
    error = assert_error(answer, 401, "ManagementRequestUnauthorized")
    assert error["message"] == "Unauthorized"
    uuid.UUID(answer.headers["x-ms-request-id"])
    assert "wrong-token" not in answer.text


def test_request_ids_are_unique(api: Api) -> None:
    ids = {api.call("GET", api.ws()).headers["x-ms-request-id"] for _ in range(3)}
    assert len(ids) == 3


def test_unknown_workspace_is_404(api: Api) -> None:
    answer = api.call("GET", "/workspaces/" + "0" * 32 + "/webservices")
    assert_error(answer, 404, "WorkspaceNotFound")


def test_endpoint_key_reads_and_patches_its_endpoint(api: Api) -> None:
    created = api.create("keyed").json()
    for key in (created["PrimaryKey"], created["SecondaryKey"]):
        answer = api.call("GET", api.ep("keyed"), token=key)
        assert answer.status_code == 200, answer.text
        answer = api.call("PATCH", api.ep("keyed"), token=key, json={"Description": key[:5]})
        assert answer.status_code == 200, answer.text
    assert api.get_endpoint("keyed")["Description"] == created["SecondaryKey"][:5]


def test_endpoint_key_refreshes_and_deletes_its_endpoint(api: Api) -> None:
    key = api.create("keyed").json()["SecondaryKey"]
    refresh = api.call("POST", api.ep("keyed") + "/refresh", token=key,
                       json={"OverwriteResources": "False"})
    assert refresh.status_code == 304, refresh.text
    deleted = api.call("DELETE", api.ep("keyed"), token=key)
    assert deleted.status_code == 200, deleted.text
    assert_error(api.call("GET", api.ep("keyed")), 404, "EndpointNotFound")


def test_endpoint_key_is_not_a_workspace_token(api: Api) -> None:
    key = api.create("keyed").json()["PrimaryKey"]
    api.create("other")
    unauthorized = [
        ("GET", api.ws()), ("GET", api.ws(f"/{PREDICTIVE_ID}")),
        ("GET", api.ws(f"/{PREDICTIVE_ID}/endpoints")), ("PUT", api.ep("keyed")),
        ("PUT", api.ep("new")), ("GET", api.ep("other")), ("PATCH", api.ep("other")),
        ("DELETE", api.ep("other")), ("POST", api.ep("other") + "/refresh"),
        ("DELETE", api.ep("default")), ("GET", api.ep("default", TRAINING_ID)),
    ]
    for method, path in unauthorized:
        assert_error(api.call(method, path, token=key, json={"Description": "x"}), 401,
                     "ManagementRequestUnauthorized")
    assert api.get_endpoint("other")["Description"] == "test"


def test_bad_token_on_unknown_endpoint_is_401_not_404(api: Api) -> None:
    answer = api.call("GET", api.ep("nope", PREDICTIVE_ID), token="guess")
    assert_error(answer, 401, "ManagementRequestUnauthorized")
