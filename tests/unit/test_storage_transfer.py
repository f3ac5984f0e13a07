from __future__ import annotations

import base64
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from aml_retrain import storage
from aml_retrain.errors import NotFoundError, ValidationError

from .test_storage import AZURITE, CLOUD, KEY

SAS_URL = "https://acct.blob.core.windows.net/c/out/eval.csv?sv=2020&sr=b&sig=DLSIG&sp=r"


def test_upload_passes_concurrency_and_reports_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from azure.storage.blob import BlobClient, ContainerClient

    seen: dict[str, Any] = {}
    monkeypatch.setattr(ContainerClient, "create_container", lambda self, **kw: None)

    def upload_blob(self: BlobClient, data: Any, **kw: Any) -> None:
        seen.update(kw)
        kw["progress_hook"](3, None)
        kw["progress_hook"](5, 5)

    monkeypatch.setattr(BlobClient, "upload_blob", upload_blob)
    path = tmp_path / "train.csv"
    path.write_bytes(b"a,b\n1")
    progress: list[tuple[int, int]] = []
    storage.upload_file(
        AZURITE,
        "data",
        "x/train.csv",
        path,
        max_concurrency=8,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert seen["max_concurrency"] == 8 and seen["length"] == 5 and seen["overwrite"] is True
    assert progress == [(0, 5), (3, 5), (5, 5)]  # the total from the start, the end once


def test_upload_reports_start_and_end_when_the_sdk_reports_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from azure.storage.blob import BlobClient, ContainerClient

    monkeypatch.setattr(ContainerClient, "create_container", lambda self, **kw: None)
    monkeypatch.setattr(BlobClient, "upload_blob", lambda self, data, **kw: None)
    path = tmp_path / "train.csv"
    path.write_bytes(b"a,b\n1")
    progress: list[tuple[int, int]] = []
    storage.upload_file(AZURITE, "data", "train.csv", path,
                        progress=lambda done, total: progress.append((done, total)))
    assert progress == [(0, 5), (5, 5)]


def test_upload_rejects_zero_concurrency(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("x")
    with pytest.raises(ValidationError, match="max_concurrency"):
        storage.upload_file(AZURITE, "data", "a.csv", path, max_concurrency=0)


def test_ensure_container_reports_creation(monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob import ContainerClient

    answers = iter([None, ResourceExistsError("exists")])

    def create(self: ContainerClient, **kw: Any) -> None:
        answer = next(answers)
        if answer is not None:
            raise answer

    monkeypatch.setattr(ContainerClient, "create_container", create)
    assert storage.ensure_container(CLOUD, "models") is True
    assert storage.ensure_container(CLOUD, "models") is False
    with pytest.raises(ValidationError):
        storage.ensure_container(CLOUD, "Bad_Name")


class _Downloader:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def readall(self) -> bytes:
        return self.data


def test_download_text_with_a_sas_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.storage.blob import BlobClient

    seen: list[Any] = []

    def download_blob(self: BlobClient, **kw: Any) -> _Downloader:
        seen.append((self.container_name, self.blob_name, self.url))
        return _Downloader("\ufeffAccuracy\n0.9\n".encode())

    monkeypatch.setattr(BlobClient, "download_blob", download_blob)
    assert storage.download_text(SAS_URL) == "Accuracy\n0.9\n"
    container, name, url = seen[0]
    assert (container, name) == ("c", "out/eval.csv")
    assert "sig=DLSIG" in url  # the SAS in the URL is the credential


def test_download_bytes_with_connection_string(monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.storage.blob import BlobClient

    monkeypatch.setattr(BlobClient, "download_blob", lambda self, **kw: _Downloader(b"\x00\x01"))
    url = "http://127.0.0.1:10000/devstoreaccount1/models/m.ilearner"
    assert storage.download_bytes(url, connection_string=AZURITE) == b"\x00\x01"


def test_download_errors_are_mapped_without_the_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.core.exceptions import ResourceNotFoundError
    from azure.storage.blob import BlobClient

    def download_blob(self: BlobClient, **kw: Any) -> None:
        raise ResourceNotFoundError(message=f"BlobNotFound {SAS_URL}")

    monkeypatch.setattr(BlobClient, "download_blob", download_blob)
    with pytest.raises(NotFoundError) as info:
        storage.download_text(SAS_URL)
    assert "DLSIG" not in str(info.value)


def test_blob_properties(monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.storage.blob import BlobClient, BlobProperties, ContentSettings

    props = BlobProperties()
    props.size = 42
    props.etag = '"0x1"'
    props.last_modified = datetime(2025, 6, 1, tzinfo=timezone.utc)
    props.content_settings = ContentSettings(content_type="text/csv")
    monkeypatch.setattr(BlobClient, "get_blob_properties", lambda self, **kw: props)
    info = storage.blob_properties(CLOUD, "https://acct.blob.core.windows.net/c/x.csv?sig=S")
    assert info == storage.BlobInfo(42, '"0x1"', "text/csv", props.last_modified)
    assert info.to_dict()["last_modified"] == "2025-06-01T00:00:00+00:00"


def test_blob_path_and_url_are_offline_and_check_the_account() -> None:
    assert storage.blob_path(CLOUD, "https://acct.blob.core.windows.net/c/d/x.csv?sig=S") == "c/d/x.csv"
    assert (
        storage.blob_url(AZURITE, "data", "a/b.csv") == "http://127.0.0.1:10000/devstoreaccount1/data/a/b.csv"
    )
    with pytest.raises(ValidationError, match="storage account 'other'"):
        storage.blob_path(CLOUD, "https://other.blob.core.windows.net/c/x.csv")


def test_user_delegation_sas_with_a_fake_service(monkeypatch: pytest.MonkeyPatch) -> None:
    import azure.storage.blob as blob_module
    from azure.storage.blob import UserDelegationKey

    calls: list[Any] = []

    class FakeService:
        account_name = "acct"

        def __init__(self, account_url: str, credential: Any = None, **options: Any) -> None:
            assert options == storage.CLIENT_OPTIONS  # bounded retries and timeouts here too
            calls.append(("init", account_url, credential))

        def get_user_delegation_key(self, start: datetime, expiry: datetime) -> UserDelegationKey:
            calls.append(("key", expiry - start))
            key = UserDelegationKey()
            key.signed_oid, key.signed_tid = "oid", "tid"
            key.signed_start, key.signed_expiry = "2025-06-01T00:00:00Z", "2025-06-01T02:00:00Z"
            key.signed_service, key.signed_version = "b", "2020-02-10"
            key.value = base64.b64encode(b"d" * 32).decode()
            return key

    monkeypatch.setattr(blob_module, "BlobServiceClient", FakeService)
    credential = object()
    url = storage.make_user_delegation_sas_url(
        "https://acct.blob.core.windows.net",
        credential,
        "https://acct.blob.core.windows.net/models/v2/m.ilearner",
    )
    base, _, query = url.partition("?")
    assert base == "https://acct.blob.core.windows.net/models/v2/m.ilearner"
    params = parse_qs(query)
    assert params["skoid"] == ["oid"] and params["sp"] == ["r"] and "sig" in params
    assert calls[0] == ("init", "https://acct.blob.core.windows.net", credential)
    assert KEY not in url
    with pytest.raises(ValidationError, match="storage account 'other'"):
        storage.make_user_delegation_sas_url(
            "https://acct.blob.core.windows.net",
            credential,
            "https://other.blob.core.windows.net/models/m.ilearner",
        )
