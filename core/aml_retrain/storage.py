"""Blob storage: uploads, downloads, properties and read-only SAS URLs (account key or Azure AD).

``azure.storage.blob`` is imported inside the functions so ``import aml_retrain`` stays fast.
Connection strings are never returned, logged or quoted in an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aml_retrain._redact import redact_text, redact_url
from aml_retrain.errors import ConfigError, ConnectionFailedError, ValidationError, class_for_status

if TYPE_CHECKING:
    from azure.storage.blob import BlobClient, BlobServiceClient

__all__ = [
    "CLIENT_OPTIONS",
    "BlobInfo",
    "blob_exists",
    "blob_path",
    "blob_properties",
    "blob_url",
    "download_bytes",
    "download_text",
    "ensure_container",
    "in_account",
    "make_read_sas_url",
    "make_user_delegation_sas_url",
    "open_blob",
    "service_client",
    "storage_errors",
    "upload_file",
    "validate_container_name",
    "without_query",
]

Progress = Callable[[int, int], None]

_CONTAINER = re.compile(r"^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$")
# Start the SAS a little in the past: the storage service's clock may lag ours.
_CLOCK_SKEW = timedelta(minutes=5)

# azure-storage-blob's defaults (10 retries, back-off 15 s + 3^n, 20 s to connect) take 80+ s to
# give up on an unreachable account. Ours: one more try of a refused or timed-out connect, three
# of a 5xx/429 answer, back-off 1 s + 2^n (± 1 s), 4 s to connect, 30 s between reads; an
# unreachable account fails in about 10 s (connect 4 s, back-off ~1 s, connect 4 s).
CLIENT_OPTIONS: dict[str, Any] = {
    "connection_timeout": 4, "read_timeout": 30,
    "retry_total": 3, "retry_connect": 1, "retry_read": 1, "retry_status": 3,
    "initial_backoff": 1, "increment_base": 2, "random_jitter_range": 1,
}


@dataclass(frozen=True)
class BlobInfo:
    """A blob's size, ETag, content type and last-modified time."""

    size: int
    etag: str | None
    content_type: str | None
    last_modified: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "size": self.size,
            "etag": self.etag,
            "content_type": self.content_type,
            "last_modified": self.last_modified.isoformat() if self.last_modified else None,
        }


def validate_container_name(container: str) -> str:
    """Return ``container`` if Azure accepts it as a container name, else raise ValidationError."""
    if not _CONTAINER.match(container):
        raise ValidationError(
            f"invalid container name {container!r}: use 3-63 lowercase letters, digits and "
            "single hyphens, starting and ending with a letter or digit"
        )
    return container


def validate_blob_name(name: str) -> str:
    """Return ``name`` if it names one blob unambiguously, else raise ValidationError.

    Azure allows 1-1,024 characters but advises against a name ending in '.' or '/' and forbids
    control characters ("Naming and Referencing Containers, Blobs, and Metadata"). An empty,
    '.' or '..' segment ('/etc/x.csv' makes models//etc/x.csv) is refused too rather than
    normalised: such a URL is read back as another blob, and set-model refuses it.
    """
    segments = name.split("/")
    problem = (
        "is empty" if not name.strip() else
        "is longer than 1,024 characters" if len(name) > 1024 else
        "has a control character" if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in name) else
        "has an empty, '.' or '..' path segment (a leading, trailing or double '/')"
        if any(s in ("", ".", "..") for s in segments) else
        "ends with '.'" if name.endswith(".") else None
    )
    if problem:
        suggestion = "/".join(s for s in segments if s not in ("", ".", "..")).rstrip(".")
        hint = f", e.g. {suggestion!r}" if suggestion.strip() and suggestion != name else ""
        raise ValidationError(f"blob name {name[:80]!r} {problem}: pass --blob with a relative "
                              f"name such as models/site-a/model.ilearner{hint}")
    return name


def upload_file(
    connection_string: str,
    container: str,
    blob_name: str,
    path: str | Path,
    *,
    overwrite: bool = True,
    max_concurrency: int = 4,
    progress: Progress | None = None,
) -> str:
    """Upload a local file in parallel blocks (creating the container); return its URL without SAS."""
    validate_container_name(container)
    validate_blob_name(blob_name)
    source = Path(path)
    if not source.is_file():
        raise ValidationError(f"{source} is not a file")
    if max_concurrency < 1:
        raise ValidationError(f"max_concurrency must be at least 1, got {max_concurrency}")
    size = source.stat().st_size
    service = service_client(connection_string)
    container_client = service.get_container_client(container)
    blob = container_client.get_blob_client(blob_name)
    url = without_query(blob.url)
    options: dict[str, Any] = {"overwrite": overwrite, "max_concurrency": max_concurrency}
    sent = [0]
    if progress is not None:

        def hook(done: int, total: int | None) -> None:
            # The SDK may report total=None; we know the size, so callers always get a number.
            sent[0] = done
            progress(done, total if total is not None else size)

        options["progress_hook"] = hook
    with storage_errors(url):
        _create_container(container_client)
        if progress is not None:
            progress(0, size)  # the total is known before the first block (the SDK may not say)
        with source.open("rb") as data:
            blob.upload_blob(data, length=size, **options)
        if progress is not None and sent[0] < size:
            progress(size, size)  # a single-shot upload may report nothing at all
    return url


def ensure_container(connection_string: str, container: str) -> bool:
    """Create the container if it is missing; return True if it was created."""
    validate_container_name(container)
    container_client = service_client(connection_string).get_container_client(container)
    with storage_errors(without_query(container_client.url)):
        return _create_container(container_client)


def blob_url(connection_string: str, container: str, blob_name: str) -> str:
    """Return the URL (without SAS) a blob has in the connection string's account; no request."""
    validate_container_name(container)
    return without_query(service_client(connection_string).get_blob_client(container, blob_name).url)


def blob_path(connection_string: str, url: str) -> str:
    """Return ``container/blob`` of a URL in the connection string's account; no request."""
    blob = _blob_client(connection_string, url)
    return f"{blob.container_name}/{blob.blob_name}"


def download_bytes(url: str, *, connection_string: str | None = None) -> bytes:
    """Download a blob by SAS URL, or with the connection string's credential when given."""
    blob = open_blob(connection_string, url)
    with storage_errors(url):
        return bytes(blob.download_blob().readall())


def download_text(
    url: str, *, connection_string: str | None = None, encoding: str = "utf-8-sig"
) -> str:
    """Download a blob as text (a UTF-8 BOM is dropped by default)."""
    data = download_bytes(url, connection_string=connection_string)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{redact_url(url)} is not {encoding} text: {exc.reason}") from None


def blob_properties(connection_string: str, url: str) -> BlobInfo:
    """Return size, ETag, content type and last-modified time of a blob."""
    blob = _blob_client(connection_string, url)
    with storage_errors(without_query(url)):
        props = blob.get_blob_properties()
    settings = getattr(props, "content_settings", None)
    return BlobInfo(
        size=int(getattr(props, "size", 0) or 0),
        etag=getattr(props, "etag", None),
        content_type=getattr(settings, "content_type", None) if settings is not None else None,
        last_modified=getattr(props, "last_modified", None),
    )


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
    return f"{without_query(blob_url)}?{sas}"


def make_user_delegation_sas_url(
    account_url: str,
    credential: Any,
    blob_url: str,
    *,
    expires_in: timedelta = timedelta(hours=1),
) -> str:
    """Return ``blob_url`` with a read-only user-delegation SAS (Azure AD credential, no key)."""
    from azure.storage.blob import BlobSasPermissions, BlobServiceClient, generate_blob_sas

    parsed = _parse_blob_url(blob_url)
    service = BlobServiceClient(account_url, credential=credential, **CLIENT_OPTIONS)
    if parsed.account_name and service.account_name \
            and parsed.account_name.lower() != service.account_name.lower():
        raise ValidationError(
            f"the blob is in storage account {parsed.account_name!r} but the account URL "
            f"is for {service.account_name!r}"
        )
    now = datetime.now(timezone.utc)
    start = now - _CLOCK_SKEW
    expiry = now + expires_in
    with storage_errors(account_url):
        # Needs the "Storage Blob Delegator" role (or any role with generateUserDelegationKey).
        key = service.get_user_delegation_key(start, expiry)
    sas = generate_blob_sas(
        account_name=str(service.account_name),
        container_name=parsed.container_name,
        blob_name=parsed.blob_name,
        user_delegation_key=key,
        permission=BlobSasPermissions(read=True),
        start=start,
        expiry=expiry,
    )
    return f"{without_query(blob_url)}?{sas}"


def blob_exists(connection_string: str, blob_url: str) -> bool:
    """Return True if the blob exists (HEAD with the connection string's credential)."""
    blob = _blob_client(connection_string, blob_url)
    with storage_errors(without_query(blob_url)):
        return bool(blob.exists())


def _create_container(container_client: Any) -> bool:
    from azure.core.exceptions import ResourceExistsError

    try:
        container_client.create_container()
    except ResourceExistsError:
        return False  # already there: the common case
    return True


def without_query(url: str) -> str:
    """Return ``url`` without its query (where a SAS would be)."""
    return url.split("?", 1)[0]


def service_client(connection_string: str) -> BlobServiceClient:
    """Return the account's BlobServiceClient (our timeouts and retries); ConfigError if malformed."""
    from azure.storage.blob import BlobServiceClient

    try:
        return BlobServiceClient.from_connection_string(connection_string, **CLIENT_OPTIONS)
    except (ValueError, TypeError):
        # Not chained: the SDK's exception may quote the string, AccountKey included.
        raise ConfigError(
            "the storage connection string is malformed: expected "
            "DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…[;BlobEndpoint=…]"
        ) from None


def _parse_blob_url(blob_url: str, *, keep_sas: bool = False) -> BlobClient:
    from azure.storage.blob import BlobClient

    try:
        return BlobClient.from_blob_url(blob_url if keep_sas else without_query(blob_url),
                                        **CLIENT_OPTIONS)
    except ValueError:
        # Not chained: the SDK's message may quote the URL, SAS included.
        raise ValidationError(
            f"{redact_url(blob_url)} is not a blob URL: expected "
            "https://<account>.blob.core.windows.net/<container>/<blob>"
        ) from None


def _sas_blob_client(blob_url: str) -> BlobClient:
    # The SAS in the query is the credential; from_blob_url picks it up.
    return _parse_blob_url(blob_url, keep_sas=True)


def _endpoint_of(url: str) -> tuple[str, str, int | None, str]:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme.lower())
    try:
        port = parts.port or default
    except ValueError:
        port = -1  # an unparseable port matches nothing
    return parts.scheme.lower(), (parts.hostname or "").lower(), port, parts.path


def in_account(connection_string: str, blob_url: str) -> bool:
    """True if ``blob_url`` is on the connection string's blob endpoint (scheme, host, port, path)."""
    service = service_client(connection_string)
    scheme, host, port, path = _endpoint_of(blob_url)
    base_scheme, base_host, base_port, base_path = _endpoint_of(str(service.url))
    return (scheme, host, port) == (base_scheme, base_host, base_port) and \
        path.startswith(base_path.rstrip("/") + "/")


def open_blob(connection_string: str | None, blob_url: str) -> BlobClient:
    """Return a BlobClient: key-authorised when a connection string is given, else by the URL's SAS."""
    return _blob_client(connection_string, blob_url) if connection_string else _sas_blob_client(blob_url)


def _blob_client(connection_string: str, blob_url: str) -> BlobClient:
    service = service_client(connection_string)
    parsed = _parse_blob_url(blob_url)
    if parsed.account_name and service.account_name \
            and parsed.account_name.lower() != service.account_name.lower():
        raise ValidationError(
            f"the blob is in storage account {parsed.account_name!r} but the connection string "
            f"is for {service.account_name!r}"
        )
    # The account key signs for, and is used on, its own endpoint only: a look-alike host, another
    # port or plain http would receive a SAS (or the key's requests) meant for the account.
    if not in_account(connection_string, blob_url):
        raise ValidationError(
            f"{redact_url(without_query(blob_url))} is not on the blob endpoint of the configured "
            f"storage account ({without_query(str(service.url))}): nothing is signed or sent for "
            "another host; give the URL with its own read SAS (--model-url - reads it from stdin)"
        )
    return service.get_blob_client(parsed.container_name, parsed.blob_name)


@contextmanager
def storage_errors(url: str) -> Iterator[None]:
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
        # The SDK's own class wins when it names the kind (its status may be missing).
        kind = next((code for code, sdk in ((401, ClientAuthenticationError), (404, ResourceNotFoundError),
                                             (409, ResourceExistsError)) if isinstance(exc, sdk)), status)
        raise class_for_status(kind)(
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
