"""Authorization: workspace token everywhere, endpoint keys only for GET/PATCH of that endpoint."""

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


def test_endpoint_key_is_not_a_workspace_token(api: Api) -> None:
    key = api.create("keyed").json()["PrimaryKey"]
    assert_error(api.call("GET", api.ws(), token=key), 401, "ManagementRequestUnauthorized")
    assert_error(api.call("PUT", api.ep("other"), token=key, json={}), 401,
                 "ManagementRequestUnauthorized")
    assert_error(api.call("DELETE", api.ep("keyed"), token=key), 401,
                 "ManagementRequestUnauthorized")
    assert_error(api.call("GET", api.ep("default"), token=key), 401,
                 "ManagementRequestUnauthorized")
    assert_error(api.call("GET", api.ep("default", TRAINING_ID), token=key), 401,
                 "ManagementRequestUnauthorized")


def test_bad_token_on_unknown_endpoint_is_401_not_404(api: Api) -> None:
    answer = api.call("GET", api.ep("nope", PREDICTIVE_ID), token="guess")
    assert_error(answer, 401, "ManagementRequestUnauthorized")
