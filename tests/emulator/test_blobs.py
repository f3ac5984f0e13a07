"""PATCH reads the model blob from real Azurite: missing, forbidden, and successful updates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from azure.storage.blob import (
    BlobSasPermissions,
    BlobServiceClient,
    ContainerSasPermissions,
    generate_blob_sas,
    generate_container_sas,
)

from aml_emulator.azurite import AzuriteProcess
from aml_emulator.classic.blobs import blob_url
from aml_emulator.classic.validation import ResourceUpdate
from aml_emulator.storage import DEVSTORE_ACCOUNT, DEVSTORE_KEY

from .conftest import MODEL_RESOURCE, Api, assert_error

CONTAINER = "experimentoutput"


@pytest.fixture(scope="module")
def storage(azurite: AzuriteProcess) -> Iterator[BlobServiceClient]:
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    container = service.get_container_client(CONTAINER)
    if not container.exists():
        container.create_container()
    yield service


def _expiry() -> datetime:
    return datetime.now(timezone.utc) + timedelta(hours=1)


def _blob_sas(blob: str) -> str:
    return "?" + generate_blob_sas(DEVSTORE_ACCOUNT, CONTAINER, blob, account_key=DEVSTORE_KEY,
                                   permission=BlobSasPermissions(read=True), expiry=_expiry())


def _patch_body(azurite: AzuriteProcess, blob: str, sas: str) -> dict[str, Any]:
    return {"Resources": [{"Name": MODEL_RESOURCE, "Location": {
        "BaseLocation": azurite.blob_endpoint + "/", "RelativeLocation": f"{CONTAINER}/{blob}",
        "SasBlobToken": sas}}]}


def test_blob_url_joins_with_exactly_one_slash() -> None:
    for base, rel in [("http://h/acct/", "/c/b.ilearner"), ("http://h/acct", "c/b.ilearner")]:
        update = ResourceUpdate("n", base, rel, "sv=1&sig=x")
        assert blob_url(update) == "http://h/acct/c/b.ilearner?sv=1&sig=x"


def test_patch_with_missing_blob_is_blob_not_found(api: Api, azurite: AzuriteProcess,
                                                   storage: BlobServiceClient) -> None:
    api.create("ep01")
    sas = "?" + generate_container_sas(DEVSTORE_ACCOUNT, CONTAINER, account_key=DEVSTORE_KEY,
                                       permission=ContainerSasPermissions(read=True),
                                       expiry=_expiry())
    answer = api.call("PATCH", api.ep("ep01"), json=_patch_body(azurite, "none.ilearner", sas))
    error = assert_error(answer, 400, "BlobNotFound")
    assert "sig=" not in error["message"]
    assert error["message"].startswith("Unable to access the provided Azure blob - ")  # D-ERR
    assert api.get_endpoint("ep01")["Resources"] == api.get_endpoint("default")["Resources"]


def test_patch_with_forged_sas_is_invalid_blob(api: Api, azurite: AzuriteProcess,
                                               storage: BlobServiceClient) -> None:
    storage.get_blob_client(CONTAINER, "forged.ilearner").upload_blob(b"m", overwrite=True)
    api.create("ep01")
    sas = _blob_sas("forged.ilearner").replace("sig=", "sig=AAAA")
    answer = api.call("PATCH", api.ep("ep01"), json=_patch_body(azurite, "forged.ilearner", sas))
    message = assert_error(answer, 400, "InvalidBlob")["message"]
    assert "AAAA" not in message and message.startswith("Invalid blob specification for blob: ")


def test_patch_success_then_refresh_restores_default(api: Api, azurite: AzuriteProcess,
                                                     storage: BlobServiceClient) -> None:
    storage.get_blob_client(CONTAINER, "run1/model.ilearner").upload_blob(b"m", overwrite=True)
    before = api.create("ep01").json()
    body = _patch_body(azurite, "run1/model.ilearner", _blob_sas("run1/model.ilearner"))
    answer = api.call("PATCH", api.ep("ep01"), json=body)
    assert (answer.status_code, answer.content) == (200, b""), answer.text
    after = api.get_endpoint("ep01")
    assert after["Resources"][0]["Location"] == body["Resources"][0]["Location"]
    assert after["Resources"][0]["Kind"] == "TrainedModel"
    assert after["Version"] > before["Version"]
    refresh = api.ep("ep01") + "/refresh"
    assert api.call("POST", refresh, json={"OverwriteResources": "False"}).status_code == 304
    assert api.call("POST", refresh, json={"OverwriteResources": "True"}).status_code == 200
    restored = api.get_endpoint("ep01")
    assert restored["Resources"] == api.get_endpoint("default")["Resources"]
    assert restored["Version"] > after["Version"]
    assert api.call("POST", refresh, json={"OverwriteResources": "True"}).status_code == 304
