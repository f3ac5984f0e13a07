from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from aml_retrain import storage
from aml_retrain.errors import (
    AuthError,
    ConfigError,
    ConnectionFailedError,
    NotFoundError,
    ValidationError,
)

KEY = base64.b64encode(b"k" * 64).decode()
AZURITE = (
    f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={KEY};"
    "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
)
CLOUD = (
    f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={KEY};"
    "EndpointSuffix=core.windows.net"
)


def test_read_sas_url_for_azurite_blob() -> None:
    url = "http://127.0.0.1:10000/devstoreaccount1/models/v2/m.ilearner"
    signed = storage.make_read_sas_url(AZURITE, url)
    base, _, query = signed.partition("?")
    assert base == url
    params = parse_qs(query)
    assert params["sp"] == ["r"]
    assert params["sr"] == ["b"]
    assert "sig" in params and "se" in params


def test_read_sas_url_replaces_an_existing_query() -> None:
    url = "https://acct.blob.core.windows.net/c/m.ilearner?sig=OLD"
    signed = storage.make_read_sas_url(CLOUD, url)
    assert "OLD" not in signed
    assert urlsplit(signed).path == "/c/m.ilearner"


def test_account_mismatch_is_rejected() -> None:
    with pytest.raises(ValidationError, match="storage account 'other'"):
        storage.make_read_sas_url(CLOUD, "https://other.blob.core.windows.net/c/m.ilearner")


def test_sas_needs_an_account_key() -> None:
    sas_only = "BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=1&sig=x"
    with pytest.raises(ConfigError, match="no AccountKey"):
        storage.make_read_sas_url(sas_only, "https://acct.blob.core.windows.net/c/m.ilearner")


def test_malformed_connection_string_does_not_leak() -> None:
    with pytest.raises(ConfigError) as info:
        storage.make_read_sas_url("AccountKey=SUPERSECRET", "https://a.blob.core.windows.net/c/b")
    assert "SUPERSECRET" not in str(info.value)
    assert info.value.__cause__ is None


@pytest.mark.parametrize("container", ["UPPER", "ab", "a--b", "-ab", "a_b"])
def test_upload_rejects_bad_container_names(container: str, tmp_path: Path) -> None:
    path = tmp_path / "m.ilearner"
    path.write_bytes(b"x")
    with pytest.raises(ValidationError, match="invalid container name"):
        storage.upload_file(AZURITE, container, "m.ilearner", path)


def test_upload_rejects_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="is not a file"):
        storage.upload_file(AZURITE, "models", "m.ilearner", tmp_path / "missing")


def test_upload_creates_container_and_returns_url_without_sas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob import BlobClient, ContainerClient

    calls: list[Any] = []

    def create_container(self: ContainerClient, **kw: Any) -> None:
        calls.append(("create", self.container_name))
        raise ResourceExistsError("exists")

    def upload_blob(self: BlobClient, data: Any, **kw: Any) -> None:
        calls.append(("upload", self.blob_name, data.read(), kw.get("overwrite")))

    monkeypatch.setattr(ContainerClient, "create_container", create_container)
    monkeypatch.setattr(BlobClient, "upload_blob", upload_blob)
    path = tmp_path / "m.ilearner"
    path.write_bytes(b"model")
    url = storage.upload_file(AZURITE, "models", "v2/m.ilearner", path)
    assert url == "http://127.0.0.1:10000/devstoreaccount1/models/v2/m.ilearner"
    assert calls == [("create", "models"), ("upload", "v2/m.ilearner", b"model", True)]


def _raise_on_exists(monkeypatch: pytest.MonkeyPatch, exc: Exception) -> None:
    from azure.storage.blob import BlobClient

    def exists(self: BlobClient, **kw: Any) -> bool:
        raise exc

    monkeypatch.setattr(BlobClient, "exists", exists)


def test_blob_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.storage.blob import BlobClient

    seen: list[str] = []

    def exists(self: BlobClient, **kw: Any) -> bool:
        seen.append(f"{self.container_name}/{self.blob_name}")
        return True

    monkeypatch.setattr(BlobClient, "exists", exists)
    assert storage.blob_exists(CLOUD, "https://acct.blob.core.windows.net/c/d/m.ilearner?sig=x")
    assert seen == ["c/d/m.ilearner"]


@pytest.mark.parametrize(
    ("factory", "expected"),
    [
        ("ClientAuthenticationError", AuthError),
        ("ResourceNotFoundError", NotFoundError),
        ("ServiceRequestError", ConnectionFailedError),
    ],
)
def test_sdk_errors_are_mapped_without_secrets(
    monkeypatch: pytest.MonkeyPatch, factory: str, expected: type[Exception]
) -> None:
    import azure.core.exceptions as azure_errors

    exc = getattr(azure_errors, factory)(
        message=f"Server failed to authenticate AccountKey={KEY}\nRequestId:1"
    )
    _raise_on_exists(monkeypatch, exc)
    with pytest.raises(expected) as info:
        storage.blob_exists(CLOUD, "https://acct.blob.core.windows.net/c/m.ilearner?sig=SIGX")
    assert KEY not in str(info.value)
    assert "SIGX" not in str(info.value)
    assert info.value.__cause__ is exc


BLOB = "https://acct.blob.core.windows.net"


def _pipeline_limits(client: Any) -> dict[str, Any]:
    pipeline = client._pipeline
    retry = next(p for p in pipeline._impl_policies if type(p).__name__ == "ExponentialRetry")
    transport = pipeline._transport
    # A blob client made from a service client shares its transport through a wrapper.
    config = getattr(transport, "_transport", transport).connection_config
    return {"connect": config.timeout, "read": config.read_timeout,
            "total": retry.total_retries, "connect_retries": retry.connect_retries,
            "status_retries": retry.status_retries, "backoff": retry.initial_backoff,
            "base": retry.increment_base}


def test_every_blob_client_gives_up_on_an_unreachable_account_in_about_10_s() -> None:
    expected = {"connect": 4, "read": 30, "total": 3, "connect_retries": 1, "status_retries": 3,
                "backoff": 1, "base": 2}
    # The SDK's defaults: 20 s connect, 10 retries, back-off 15 s + 3^n (80+ s when unreachable).
    service = storage.service_client(CLOUD)
    assert _pipeline_limits(service) == expected
    blob = storage._blob_client(CLOUD, f"{BLOB}/models/m.ilearner")
    assert _pipeline_limits(blob) == expected
    assert _pipeline_limits(storage._sas_blob_client(f"{BLOB}/models/m.ilearner?sv=1&sig=x")) \
        == expected
    # Worst case for a black-holed endpoint: 2 connects + 1 back-off (initial 1 s, jitter 1 s).
    worst = 2 * expected["connect"] + expected["backoff"] + 1
    assert worst <= 10
