"""BES ``AzureBlobDataReference``: parse, validate, read and write blobs, mint read SAS tokens.

A reference is either ``ConnectionString`` + ``RelativeLocation`` (``container/blob``, a
leading ``/`` tolerated: D-APIM's sample has one) or ``BaseLocation`` + ``RelativeLocation`` +
``SasBlobToken`` (CLASSIC-API §6.1). Storage I/O uses azure-storage-blob, imported lazily, with
short timeouts and no retries: a wrong host must fail a job quickly, not hang it.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..storage import DEVSTORE_ACCOUNT, DEVSTORE_KEY, blob_base_url, parse_connection_string
from .exec_errors import bad_argument

__all__ = ["BlobRef", "StorageFailure", "parse_blob_ref"]

_CLIENT_OPTIONS: dict[str, Any] = {"connection_timeout": 5, "read_timeout": 20, "retry_total": 0}


class StorageFailure(Exception):
    """A blob could not be read or written; the message is safe to show (no secrets)."""


@dataclass(frozen=True)
class BlobRef:
    """Where one input or output lives. ``connection_string`` or ``base_location`` is set."""

    container: str
    blob: str
    connection_string: str | None = None
    base_location: str | None = None
    sas_token: str = ""

    @property
    def relative_location(self) -> str:
        return f"{self.container}/{self.blob}"

    @property
    def extension(self) -> str:
        name = self.blob.rsplit("/", 1)[-1]
        return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""

    def shown(self) -> str:
        return f"'{self.relative_location}'"

    def _client(self) -> Any:
        from azure.storage.blob import BlobClient

        if self.connection_string is not None:
            return self._container().get_blob_client(self.blob)
        assert self.base_location is not None
        token = self.sas_token.strip()
        url = (self.base_location.rstrip("/") + "/" + self.relative_location
               + ("" if not token or token.startswith("?") else "?") + token)
        return BlobClient.from_blob_url(url, **_CLIENT_OPTIONS)

    def _container(self) -> Any:
        from azure.storage.blob import BlobServiceClient

        assert self.connection_string is not None
        service = BlobServiceClient.from_connection_string(self.connection_string,
                                                           **_CLIENT_OPTIONS)
        return service.get_container_client(self.container)

    def read(self, what: str) -> bytes:
        from azure.core.exceptions import (
            AzureError,
            ClientAuthenticationError,
            HttpResponseError,
            ResourceNotFoundError,
        )

        try:
            data: bytes = self._client().download_blob().readall()
            return data
        except ResourceNotFoundError:
            raise StorageFailure(f"BlobNotFound: the {what} blob {self.shown()} was not found "
                                 "in storage.") from None
        except ClientAuthenticationError:
            raise StorageFailure(f"InvalidBlob: access to the {what} blob {self.shown()} was "
                                 "denied; check the credentials or SAS token.") from None
        except (HttpResponseError, AzureError, ValueError) as exc:
            raise StorageFailure(f"The {what} blob {self.shown()} could not be read "
                                 f"({type(exc).__name__}).") from None

    def write(self, data: bytes, content_type: str, what: str) -> None:
        from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
        from azure.storage.blob import ContentSettings

        client = self._client()
        settings = ContentSettings(content_type=content_type)
        try:
            try:
                client.upload_blob(data, overwrite=True, content_settings=settings)
            except ResourceNotFoundError:  # the container does not exist yet
                if self.connection_string is None:
                    raise
                try:
                    self._container().create_container()
                except ResourceExistsError:
                    pass
                client.upload_blob(data, overwrite=True, content_settings=settings)
        except (AzureError, ValueError) as exc:
            raise StorageFailure(f"The {what} blob {self.shown()} could not be written "
                                 f"({type(exc).__name__}).") from None

    def account(self) -> tuple[str, str, str] | None:
        """(blob endpoint with ``/``, account name, key) when we can mint a SAS for it."""
        if self.connection_string is None:
            return None
        parts = parse_connection_string(self.connection_string)
        if parts.get("UseDevelopmentStorage", "").lower() == "true":
            return blob_base_url(self.connection_string), DEVSTORE_ACCOUNT, DEVSTORE_KEY
        return blob_base_url(self.connection_string), parts["AccountName"], parts["AccountKey"]

    def result(self, expiry: datetime, *, start: datetime,
               container: bool = False) -> dict[str, Any]:
        """The ``Results`` entry: a read SAS from *start* until *expiry* (or the given SAS).

        D-CLASSIC: an output without an override comes back with a *container* SAS
        (``sr=c``, ``sp=rl``); D-CONSUME16's overridden output has a blob SAS (``sr=b``,
        ``sp=r``). Both samples start 5 minutes back and end 24 h after the GET.
        """
        from azure.storage.blob import (
            BlobSasPermissions,
            ContainerSasPermissions,
            generate_blob_sas,
            generate_container_sas,
        )

        account = self.account()
        if account is None:  # an override given as a SAS: echo it, we hold no key to sign with
            token = self.sas_token.strip()
            return {"ConnectionString": None, "BaseLocation": self.base_location,
                    "RelativeLocation": self.relative_location,
                    "SasBlobToken": token if not token or token.startswith("?") else "?" + token}
        base, name, key = account
        if container:
            sas = generate_container_sas(name, self.container, account_key=key,
                                         permission=ContainerSasPermissions(read=True, list=True),
                                         expiry=expiry, start=start)
        else:
            sas = generate_blob_sas(name, self.container, self.blob, account_key=key,
                                    permission=BlobSasPermissions(read=True), expiry=expiry,
                                    start=start)
        return {"ConnectionString": None, "BaseLocation": base,
                "RelativeLocation": self.relative_location, "SasBlobToken": "?" + sas}


def _check_connection_string(value: str, name: str) -> None:
    parts = parse_connection_string(value)
    if parts.get("UseDevelopmentStorage", "").lower() == "true":
        return
    problem = ""
    if not parts.get("AccountName") or not parts.get("AccountKey"):
        problem = "it needs AccountName and AccountKey"
    else:
        try:
            base64.b64decode(parts["AccountKey"], validate=True)
        except (binascii.Error, ValueError):
            problem = "its AccountKey is not base64"
    if not problem:
        try:
            blob_base_url(value)
        except ValueError:
            problem = "it names no blob endpoint"
    if problem:  # never echo the string: it holds the account key
        raise bad_argument("InvalidBlobConnectionString",
                           f"The connection string for '{name}' is not valid: {problem}.")


def parse_blob_ref(raw: Any, name: str, *, output: bool) -> BlobRef:
    """Validate one reference (no storage I/O); 400 with the D-ERR code when it is wrong."""
    missing = "MissingOutputOverrideSpecification" if output else "MissingInputBlobInformation"
    if not isinstance(raw, dict):
        raise bad_argument(missing, f"'{name}' must be an AzureBlobDataReference object.")
    relative = raw.get("RelativeLocation")
    connection = raw.get("ConnectionString")
    base = raw.get("BaseLocation")
    if not isinstance(relative, str) or not relative.strip():
        raise bad_argument(missing, f"'{name}' has no RelativeLocation (container/blob).")
    container, _, blob = relative.strip().lstrip("/").partition("/")
    if not container or not blob or blob.endswith("/"):
        raise bad_argument("InputBlobRelativeLocationInvalid" if not output else missing,
                           f"RelativeLocation of '{name}' must be 'container/blob'.")
    if isinstance(connection, str) and connection.strip():
        _check_connection_string(connection, name)
        return BlobRef(container, blob, connection_string=connection.strip())
    if isinstance(base, str) and base.strip():
        if not base.lower().startswith(("http://", "https://")):
            raise bad_argument("InvalidBlob", f"BaseLocation of '{name}' is not an http(s) URL.")
        token = raw.get("SasBlobToken")
        if not isinstance(token, str) or not token.strip():
            raise bad_argument(missing, f"'{name}' has a BaseLocation but no SasBlobToken.")
        return BlobRef(container, blob, base_location=base.strip(), sas_token=token.strip())
    raise bad_argument(missing, f"'{name}' needs a ConnectionString, or a BaseLocation with a "
                                "SasBlobToken.")
