"""Read a trained-model asset's blob the way the service would: through its storage account.

ARM §7 (inferred): the service reads ``locationInfo.uri`` through the web service's configured
``storageAccount`` (name + key). So a URI in that account is read with its key (the blob may be
private); a URI carrying a query (a SAS) or in another account is read as given (anonymous or
SAS). azure-storage-blob is imported lazily, with short timeouts and no retries.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ..classic.model import MAX_MODEL_BYTES

__all__ = ["AssetReadError", "account_of", "read_asset"]

_CLIENT_OPTIONS: dict[str, Any] = {"connection_timeout": 5, "read_timeout": 20, "retry_total": 0}


class AssetReadError(Exception):
    """The blob could not be read; ``code`` names why (AML D-ERR names), message has no secret."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def shown(uri: str) -> str:
    """The URI without its query (a SAS signature is a secret)."""
    return uri.split("?", 1)[0]


def account_of(uri: str) -> str | None:
    """The storage account a blob URL names: ``acct`` of ``acct.blob.…``, or the first path
    segment of a path-style URL (Azurite: ``http://127.0.0.1:10000/devstoreaccount1/…``)."""
    parts = urlsplit(uri)
    host = parts.hostname or ""
    try:
        ipaddress.ip_address(host)
        path_style = True
    except ValueError:
        path_style = host == "localhost"
    if path_style:
        return parts.path.lstrip("/").split("/", 1)[0] or None
    return host.split(".", 1)[0] or None


def _credential(uri: str, storage: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not storage or urlsplit(uri).query:
        return None
    name, key = storage.get("name"), storage.get("key")
    if isinstance(name, str) and isinstance(key, str) and name and key and account_of(uri) == name:
        return {"account_name": name, "account_key": key}
    return None


def read_asset(uri: str, storage: Mapping[str, Any] | None, *, content: bool = True) -> bytes:
    """The blob's bytes (``content=False``: only check it can be read; returns ``b""``)."""
    from azure.core.exceptions import (
        AzureError,
        ClientAuthenticationError,
        HttpResponseError,
        ResourceNotFoundError,
    )
    from azure.storage.blob import BlobClient

    if urlsplit(uri).scheme.lower() not in ("http", "https"):
        raise AssetReadError("InvalidBlob", f"The asset location '{shown(uri)[:200]}' is not an "
                                            "http(s) blob URL.")
    try:
        client = BlobClient.from_blob_url(uri, credential=_credential(uri, storage),
                                          **_CLIENT_OPTIONS)
        if not content:
            client.get_blob_properties()
            return b""
        data: bytes = client.download_blob(offset=0, length=MAX_MODEL_BYTES + 1).readall()
        return data
    except ResourceNotFoundError:
        raise AssetReadError("BlobNotFound", f"The blob '{shown(uri)}' was not found.") from None
    except ClientAuthenticationError:
        raise _denied(uri) from None
    except HttpResponseError as exc:
        if exc.status_code in (401, 403):  # anonymous read of a private container
            raise _denied(uri) from None
        if exc.status_code == 416:  # an empty blob has no byte range to read
            return b""
        raise AssetReadError("ResourceDownload", f"Could not read the blob '{shown(uri)}': "
                                                 f"storage answered HTTP {exc.status_code}.") from None
    except (AzureError, ValueError) as exc:
        raise AssetReadError("ResourceDownload", f"Could not read the blob '{shown(uri)}' "
                                                 f"({type(exc).__name__}).") from None


def _denied(uri: str) -> AssetReadError:
    return AssetReadError("InvalidBlob", f"Access to the blob '{shown(uri)}' was denied: it is "
                                         "not in the web service's storage account and has no "
                                         "valid SAS.")
