"""Check that a PATCHed trained model can be downloaded, as the service does before accepting it.

The URL is ``BaseLocation + RelativeLocation + SasBlobToken`` (D-APIM, D-PROG). Error messages
name the blob path but never the SAS token.
"""

from __future__ import annotations

import logging

import requests

from .. import httpclient
from .errors import BlobNotFound, InvalidBlob, ResourceDownload
from .validation import ResourceUpdate

__all__ = ["blob_url", "check_model_blob"]

_log = logging.getLogger(__name__)
_TIMEOUT = (3.0, 10.0)  # (connect, read) seconds: a dead storage endpoint must not hang a PATCH
_DRAIN_LIMIT = 256 * 1024  # read bodies up to this size, so the connection goes back to the pool


def blob_url(update: ResourceUpdate) -> str:
    """Join base and relative location with exactly one ``/`` and append the SAS query."""
    url = update.base_location.rstrip("/") + "/" + update.relative_location.lstrip("/")
    sas = update.sas_blob_token.strip()
    if sas and not sas.startswith("?"):
        sas = "?" + sas
    return url + sas


def _shown(update: ResourceUpdate) -> str:
    return f"'{update.relative_location}' at '{update.base_location}'"


def _small(length: str | None) -> bool:
    return bool(length and length.isdigit() and int(length) <= _DRAIN_LIMIT)


def check_model_blob(update: ResourceUpdate) -> None:
    """GET the blob (a small body is drained to reuse the connection); map storage answers
    to the service's errors.

    404 → 400 BlobNotFound (D-ERR). 401/403 (expired or forged SAS) → 400 InvalidBlob (not
    documented; closest D-ERR code). Unreachable or any other answer → 500 ResourceDownload.
    """
    if not update.base_location.lower().startswith(("http://", "https://")):
        raise InvalidBlob(f"Location.BaseLocation of resource '{update.name}' is not an "
                          "http(s) URL.")
    try:
        # This thread's pooled session (keep-alive to storage); called outside any backend lock.
        with httpclient.session().get(blob_url(update), timeout=_TIMEOUT, stream=True) as answer:
            status = answer.status_code
            if _small(answer.headers.get("Content-Length")):
                _ = answer.content  # drained: the connection is reused; larger ones are closed
    except requests.RequestException as exc:
        _log.info("model blob unreachable for resource %r: %s", update.name, type(exc).__name__)
        raise ResourceDownload(f"Could not download the trained model {_shown(update)}: the "
                               "storage endpoint is unreachable.") from None
    if status == 404:
        raise BlobNotFound(f"The trained model blob {_shown(update)} was not found.")
    if status in (401, 403):
        raise InvalidBlob(f"Access to the trained model blob {_shown(update)} was denied. The SAS "
                          "token may be expired or lack read permission; get a fresh one (GET the "
                          "job status again) and retry.")
    if status >= 300:
        raise ResourceDownload(f"Could not download the trained model {_shown(update)}: storage "
                               f"answered HTTP {status}.")
