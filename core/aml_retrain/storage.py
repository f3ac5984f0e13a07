"""Blob storage for ``.ilearner`` files: upload, existence check and read-only SAS URLs.

``azure.storage.blob`` is imported inside the functions so ``import aml_retrain`` stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aml_retrain._redact import redact_text, redact_url
from aml_retrain.errors import (
    AuthError,
    ConfigError,
    ConflictError,
    ConnectionFailedError,
    NotFoundError,
    ServiceError,
    ValidationError,
)

if TYPE_CHECKING:
    from azure.storage.blob import BlobClient, BlobServiceClient

__all__ = ["blob_exists", "make_read_sas_url", "upload_file"]

_CONTAINER = re.compile(r"^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$")
# Start the SAS a little in the past: the storage service's clock may lag ours.
_CLOCK_SKEW = timedelta(minutes=5)


def upload_file(
    connection_string: str,
    container: str,
    blob_name: str,
    path: str | Path,
    *,
    overwrite: bool = True,
) -> str:
    """Upload a local file (creating the container if needed); return the blob URL without SAS."""
    if not _CONTAINER.match(container):
        raise ValidationError(
            f"invalid container name {container!r}: use 3-63 lowercase letters, digits and "
            "single hyphens, starting and ending with a letter or digit"
        )
    source = Path(path)
    if not source.is_file():
        raise ValidationError(f"{source} is not a file")
    from azure.core.exceptions import ResourceExistsError

    service = _service_client(connection_string)
    container_client = service.get_container_client(container)
    blob = container_client.get_blob_client(blob_name)
    url = _without_query(blob.url)
    with _storage_errors(url):
        try:
            container_client.create_container()
        except ResourceExistsError:
            pass  # already there: the common case
        with source.open("rb") as data:
            blob.upload_blob(data, overwrite=overwrite)
    return url


def make_read_sas_url(
    connection_string: str, blob_url: str, *, expires_in: timedelta = timedelta(hours=1)
) -> str:
    """Return ``blob_url`` with a read-only SAS signed by the connection string's account key."""
    from azure.storage.blob import BlobSasPermissions, generate_blob_sas

    blob = _blob_client(connection_string, blob_url)
    account_key = getattr(blob.credential, "account_key", None)
    if not account_key:
        raise ConfigError(
            "the storage connection string has no AccountKey, so no SAS can be signed: "
            "use a connection string with AccountKey, or pass a URL that already has a SAS"
        )
    now = datetime.now(timezone.utc)
    sas = generate_blob_sas(
        account_name=str(blob.account_name),
        container_name=blob.container_name,
        blob_name=blob.blob_name,
        account_key=account_key,
        permission=BlobSasPermissions(read=True),
        start=now - _CLOCK_SKEW,
        expiry=now + expires_in,
    )
    return f"{_without_query(blob_url)}?{sas}"


def blob_exists(connection_string: str, blob_url: str) -> bool:
    """Return True if the blob exists (HEAD with the connection string's credential)."""
    blob = _blob_client(connection_string, blob_url)
    with _storage_errors(_without_query(blob_url)):
        return bool(blob.exists())


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]


def _service_client(connection_string: str) -> BlobServiceClient:
    from azure.storage.blob import BlobServiceClient

    try:
        return BlobServiceClient.from_connection_string(connection_string)
    except (ValueError, TypeError):
        # Not chained: the SDK's exception may quote the string, AccountKey included.
        raise ConfigError(
            "the storage connection string is malformed: expected "
            "DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…[;BlobEndpoint=…]"
        ) from None


def _blob_client(connection_string: str, blob_url: str) -> BlobClient:
    from azure.storage.blob import BlobClient

    service = _service_client(connection_string)
    try:
        parsed = BlobClient.from_blob_url(_without_query(blob_url))
    except ValueError as exc:
        raise ValidationError(
            f"{redact_url(blob_url)} is not a blob URL: expected "
            "https://<account>.blob.core.windows.net/<container>/<blob>"
        ) from exc
    if parsed.account_name and service.account_name and parsed.account_name != service.account_name:
        raise ValidationError(
            f"the blob is in storage account {parsed.account_name!r} but the connection string "
            f"is for {service.account_name!r}"
        )
    return service.get_blob_client(parsed.container_name, parsed.blob_name)


@contextmanager
def _storage_errors(url: str) -> Iterator[None]:
    """Translate Azure SDK exceptions into ours, with redacted text."""
    from azure.core.exceptions import (
        AzureError,
        ClientAuthenticationError,
        HttpResponseError,
        ResourceExistsError,
        ResourceNotFoundError,
        ServiceRequestError,
        ServiceResponseError,
    )

    safe_url = redact_url(url)
    try:
        yield
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise ConnectionFailedError(
            f"could not reach blob storage at {safe_url}: check the connection string's "
            "BlobEndpoint and your network"
        ) from exc
    except HttpResponseError as exc:
        status = exc.status_code or 0
        error_cls: type[ServiceError] = ServiceError
        if isinstance(exc, ClientAuthenticationError) or status in (401, 403):
            error_cls = AuthError
        elif isinstance(exc, ResourceNotFoundError) or status == 404:
            error_cls = NotFoundError
        elif isinstance(exc, ResourceExistsError) or status == 409:
            error_cls = ConflictError
        raise error_cls(
            _first_line(exc),
            status_code=status,
            error_code=getattr(exc, "error_code", None),
            request_id=_request_id(exc.response),
            url=safe_url,
        ) from exc
    except AzureError as exc:
        raise ConnectionFailedError(
            f"blob storage call to {safe_url} failed: {_first_line(exc)}"
        ) from exc


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "message", None) or exc).strip().splitlines()
    return redact_text(text[0]) if text else type(exc).__name__


def _request_id(response: Any) -> str | None:
    headers = getattr(response, "headers", None)
    return headers.get("x-ms-request-id") if headers is not None else None
