"""Blob URLs of trained models, classic or ARM alike: parse one, check its SAS, never print the SAS."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from aml_retrain._redact import redact_sas
from aml_retrain.errors import SasExpiredError, ValidationError

__all__ = ["LOOPBACK_HOSTS", "MODEL_EXTENSION", "BlobLocation", "parse_model_url"]

MODEL_EXTENSION = ".ilearner"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

_SPACE = re.compile(r"\s")  # what str.isspace() calls whitespace, found in C


@dataclass(frozen=True)
class BlobLocation:
    """The service's AzureBlobDetails: where a trained model lives and how to read it."""

    base_location: str
    relative_location: str
    sas_token: str = ""

    def __repr__(self) -> str:
        return (
            f"BlobLocation(base_location={self.base_location!r}, "
            f"relative_location={self.relative_location!r}, "
            f"sas_token={redact_sas(self.sas_token)!r})"
        )

    @property
    def url_without_sas(self) -> str:
        """Return BaseLocation + RelativeLocation, safe to show."""
        return self.base_location + self.relative_location

    def to_api(self) -> dict[str, str]:
        """Return the ``Location`` object the PATCH body expects."""
        return {
            "BaseLocation": self.base_location,
            "RelativeLocation": self.relative_location,
            "SasBlobToken": self.sas_token,
        }


def parse_model_url(url: str, *, now: datetime | None = None) -> BlobLocation:
    """Split a ``.ilearner`` blob URL (with optional SAS) into the service's blob location."""
    if url != url.strip() or _SPACE.search(url):
        raise ValidationError(
            "model URL contains whitespace: paste it again without spaces or line breaks"
        )
    if url.endswith("."):
        raise ValidationError(
            "model URL ends with '.': remove the trailing '.' (copied from a sentence?)"
        )
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    loopback = host in LOOPBACK_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValidationError(
            "model URL must start with https:// (http:// is accepted only for a local "
            "storage emulator on 127.0.0.1 or localhost)"
        )
    if not parts.path.lower().endswith(MODEL_EXTENSION):
        raise ValidationError(
            f"model URL must point to a {MODEL_EXTENSION} blob (the trained-model output of "
            "the training web service), not a dataset or a folder"
        )
    segments = parts.path.lstrip("/").split("/")
    # Azurite and other emulators are path-style: the first segment is the account name.
    prefix = segments[:1] if loopback else []
    blob_path = segments[len(prefix) :]
    if len(blob_path) < 2 or "" in segments:
        raise ValidationError(
            "model URL must name a container and a blob: "
            "https://<account>.blob.core.windows.net/<container>/<path>.ilearner"
        )
    base = f"{parts.scheme}://{parts.netloc}/" + "".join(f"{p}/" for p in prefix)
    sas = f"?{parts.query}" if parts.query else ""
    _check_sas_expiry(parts.query, now)
    return BlobLocation(base, "/".join(blob_path), sas)


def _check_sas_expiry(query: str, now: datetime | None) -> None:
    if not query:
        return
    fields = parse_qs(query, keep_blank_values=True)
    # The query is passed on as the SAS (SasBlobToken): without a signature the service cannot
    # read the blob, and an unreadable expiry cannot be checked — refuse both before sending.
    if not any(v.strip() for v in fields.get("sig", [])):
        raise ValidationError(
            "model URL has a query but no SAS signature (no sig parameter): pass a full SAS URL on stdin "
            "(--model-url -), or the URL without a query to have a read SAS minted"
        )
    values = fields.get("se")
    if not values:
        return
    expiry = _parse_sas_time(values[0])
    if expiry is None:
        raise ValidationError(
            f"the SAS expiry se={values[0][:40]!r} is not an ISO 8601 UTC time "
            "(e.g. 2030-01-31T12:00:00Z): mint a new SAS"
        )
    current = now or datetime.now(timezone.utc)
    if current.tzinfo is None:
        current = current.replace(tzinfo=timezone.utc)
    if expiry <= current:
        raise SasExpiredError(
            f"the SAS token expired at {expiry.strftime('%Y-%m-%dT%H:%M:%SZ')}: mint a new one, "
            "or GET the BES job status again for a fresh SAS"
        )


def _parse_sas_time(text: str) -> datetime | None:
    # SAS times are ISO 8601 in UTC, with or without a time part.
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
