"""ARM web services with real storage: the trained-model asset, RRS at swaggerLocation, and the
real azure-mgmt-resource client driving GET + PATCH + LRO polling end to end."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.storage.blob import BlobSasPermissions, generate_blob_sas

from aml_emulator.azurite import AzuriteProcess
from aml_emulator.classic.training import parse_table, seed_model, train
from aml_emulator.storage import DEVSTORE_ACCOUNT, DEVSTORE_KEY

from .arm_support import API_VERSION, SUB, WS_NAME, ArmApi, assets_patch, resource_id
from .support import RETRAIN_CSV, upload

COLUMNS = ["age", "education_num", "hours_per_week", "capital_gain", "income"]
ROWS = [["39", "13", "40", "2174", "<=50K"], ["52", "16", "70", "15024", ">50K"],
        ["23", "9", "20", "0", "<=50K"], ["45", "10", "85", "0", "<=50K"]]
RETRAINED = "retrained/census-v2.ilearner"  # a private container: read with the account key


def _scoring_url(arm: ArmApi, name: str = WS_NAME) -> str:
    location: str = arm.get(name)["properties"]["swaggerLocation"]
    return location.rsplit("/", 1)[0]


def _score(arm: ArmApi, key: str | None = None, **params: str) -> requests.Response:
    body = {"Inputs": {"input1": {"ColumnNames": COLUMNS, "Values": ROWS}},
            "GlobalParameters": {}}
    token = key if key is not None else arm.keys()["primary"]
    return requests.post(_scoring_url(arm) + "/execute", json=body, verify=arm.ca, timeout=30,
                         headers={"Authorization": f"Bearer {token}"},
                         params={"api-version": "2.0", "details": "true", **params})


def _predictions(arm: ArmApi) -> list[tuple[str, float]]:
    answer = _score(arm)
    assert answer.status_code == 200, answer.text
    values = answer.json()["Results"]["output1"]["value"]["Values"]
    return [(row[-2], float(row[-1])) for row in values]


def _close(actual: list[tuple[str, float]], expected: list[tuple[str, float]]) -> bool:
    return [label for label, _p in actual] == [label for label, _p in expected] and \
        [p for _l, p in actual] == pytest.approx([p for _l, p in expected], rel=1e-9)


def _seed_predictions() -> list[tuple[str, float]]:
    model = seed_model()
    out = [model.predict([float(v) for v in row[:4]]) for row in ROWS]
    return [(p.label, p.probability or 0.0) for p in out]


@pytest.fixture
def retrained_uri(sarm: ArmApi, azurite: AzuriteProcess) -> str:
    model, _evaluation = train(parse_table(RETRAIN_CSV, ".csv"), "income", 1.0)
    upload(azurite, RETRAINED, model.to_bytes())
    return f"{azurite.blob_endpoint}/{RETRAINED}"


def test_rrs_scores_with_the_seed_model_and_checks_keys(sarm: ArmApi) -> None:
    assert _close(_predictions(sarm), _seed_predictions())
    secondary = _score(sarm, sarm.keys()["secondary"])
    assert secondary.status_code == 200
    swagger = _score(sarm, format="swagger")
    assert swagger.status_code == 400  # format=swagger wants records, as the classic RRS
    for key in ("wrong", sarm.token):
        answer = _score(sarm, key)
        assert answer.status_code == 401
        assert answer.json()["error"]["details"][0]["code"] == "ScoreRequestUnauthorized"
    document = requests.get(_scoring_url(sarm) + "/swagger.json", verify=sarm.ca, timeout=30)
    assert document.status_code == 200  # anonymous, like the classic one
    assert document.json()["info"]["title"] == WS_NAME
    assert document.json()["basePath"] == urlsplit(_scoring_url(sarm)).path
    missing = requests.post(_scoring_url(sarm).rsplit("/", 1)[0] + "/" + "0" * 32 + "/execute",
                            json={}, verify=sarm.ca, timeout=30)
    assert missing.status_code == 404


def test_patched_asset_uri_changes_predictions_after_the_operation(
        sarm: ArmApi, retrained_uri: str) -> None:
    sarm.configure(propagation_seconds=0)
    before = _predictions(sarm)
    assert _close(before, _seed_predictions())
    answer = sarm.patch(assets_patch(sarm.get(), retrained_uri))
    assert answer.status_code == 200, answer.text
    assert _predictions(sarm) == before  # not applied while the operation runs
    assert sarm.wait(answer.headers["Azure-AsyncOperation"])["status"] == "Succeeded"
    asset = sarm.get()["properties"]["assets"]["asset3"]
    assert asset["locationInfo"]["uri"] == retrained_uri
    assert asset["name"] == "Census Model [trained model]"
    after = _predictions(sarm)
    assert [label for label, _p in after] != [label for label, _p in before]


def test_model_change_waits_for_propagation(sarm: ArmApi, retrained_uri: str) -> None:
    sarm.configure(propagation_seconds=3600)
    before = _predictions(sarm)
    sarm.patch_done(assets_patch(sarm.get(), retrained_uri))
    assert sarm.get()["properties"]["assets"]["asset3"]["locationInfo"]["uri"] == retrained_uri
    assert _predictions(sarm) == before  # still propagating
    sarm.configure(propagation_seconds=0)
    assert _predictions(sarm) != before


def _sas_uri(azurite: AzuriteProcess, relative: str, hours: float) -> str:
    container, blob = relative.split("/", 1)
    sas = generate_blob_sas(DEVSTORE_ACCOUNT, container, blob, account_key=DEVSTORE_KEY,
                            permission=BlobSasPermissions(read=True),
                            expiry=datetime.now(timezone.utc) + timedelta(hours=hours))
    return f"{azurite.blob_endpoint}/{relative}?{sas}"


@pytest.mark.parametrize(("uri", "code"), [
    ("{endpoint}/models/missing/none.ilearner", "BlobNotFound"),
    ("http://127.0.0.1:9/devstoreaccount1/models/x.ilearner", "ResourceDownload"),
    ("not-a-url/model.ilearner", "InvalidBlob"),
    ("sas-expired", "InvalidBlob"),
])
def test_unreadable_model_blob_fails_the_operation(sarm: ArmApi, azurite: AzuriteProcess,
                                                   retrained_uri: str, uri: str,
                                                   code: str) -> None:
    sarm.configure(propagation_seconds=0)
    if uri == "sas-expired":  # another account's view: a SAS that no longer works
        uri = _sas_uri(azurite, RETRAINED, -1)
    uri = uri.format(endpoint=azurite.blob_endpoint)
    before = sarm.get()
    predictions = _predictions(sarm)
    answer = sarm.patch(assets_patch(before, uri))
    assert answer.status_code == 200, answer.text
    failed = sarm.wait(answer.headers["Azure-AsyncOperation"])
    assert failed["status"] == "Failed"
    assert failed["error"]["code"] == code, failed
    assert "asset3" in failed["error"]["message"] and "sig=" not in failed["error"]["message"]
    after = sarm.get()
    assert after["properties"]["provisioningState"] == "Failed"
    assert after["properties"]["assets"] == before["properties"]["assets"]
    assert _predictions(sarm) == predictions


def test_a_valid_sas_uri_is_read_as_given(sarm: ArmApi, azurite: AzuriteProcess,
                                          retrained_uri: str) -> None:
    uri = _sas_uri(azurite, RETRAINED, 1)
    assert sarm.patch_done(assets_patch(sarm.get(), uri))["status"] == "Succeeded"


class _Token:
    """The tiniest TokenCredential: the profile's ARM token."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **_kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, int(datetime.now(timezone.utc).timestamp()) + 3600)


def _client(arm: ArmApi, token: str | None = None) -> tuple[ResourceManagementClient, _Token]:
    credential = _Token(token or arm.token)
    client = ResourceManagementClient(credential=credential, subscription_id=SUB,
                                      base_url=arm.url, connection_verify=arm.ca)
    return client, credential


def test_azure_mgmt_resource_client_patches_the_model_end_to_end(
        sarm: ArmApi, retrained_uri: str) -> None:
    sarm.configure(propagation_seconds=0)
    client, credential = _client(sarm)
    before = _predictions(sarm)
    doc = client.resources.get_by_id(resource_id(), api_version=API_VERSION).as_dict()
    assert doc["properties"]["provisioningState"] == "Succeeded"
    assert "keys" not in doc["properties"]
    body = assets_patch(doc, retrained_uri)
    poller = client.resources.begin_update_by_id(resource_id(), parameters=body,
                                                 api_version=API_VERSION, polling_interval=0)
    result = poller.result()
    assert poller.status() == "Succeeded"
    assert result.properties is not None
    assert result.properties["assets"]["asset3"]["locationInfo"]["uri"] == retrained_uri
    assert result.properties["provisioningState"] == "Succeeded"
    assert credential.scopes and credential.scopes[0] == ("https://management.azure.com/.default",)
    log = sarm.control("GET", "requests")
    polls = [e for e in log if "/operationsStatus/" in e["path"]]
    assert len(polls) == 3  # two "Provisioning" then "Succeeded"
    assert log[-1]["method"] == "GET" and log[-1]["path"] == resource_id()  # the final GET
    again = client.resources.get_by_id(resource_id(), api_version=API_VERSION)
    assert again.properties is not None
    assert again.properties["assets"]["asset3"]["locationInfo"]["uri"] == retrained_uri
    assert _predictions(sarm) != before


def test_azure_mgmt_resource_client_sees_failures_and_auth(sarm: ArmApi,
                                                           retrained_uri: str) -> None:
    client, _ = _client(sarm)
    doc = client.resources.get_by_id(resource_id(), api_version=API_VERSION).as_dict()
    sarm.configure(arm_fail_next=1)
    poller = client.resources.begin_update_by_id(
        resource_id(), parameters=assets_patch(doc, retrained_uri), api_version=API_VERSION,
        polling_interval=0)
    with pytest.raises(HttpResponseError):
        poller.result()
    assert poller.status() == "Failed"
    unchanged = client.resources.get_by_id(resource_id(), api_version=API_VERSION)
    assert unchanged.properties is not None
    assert unchanged.properties["assets"] == doc["properties"]["assets"]
    wrong, _ = _client(sarm, "not-the-token")
    with pytest.raises(HttpResponseError) as raised:
        wrong.resources.get_by_id(resource_id(), api_version=API_VERSION)
    assert raised.value.status_code == 401
    assert raised.value.error is not None and raised.value.error.code == "AuthenticationFailed"
    delete = client.resources.begin_delete_by_id(resource_id(), api_version=API_VERSION,
                                                 polling_interval=0)
    delete.result()
    assert delete.status() == "Succeeded"
    assert not client.resources.check_existence_by_id(resource_id(), api_version=API_VERSION)
