"""Download a PATCHed trained model when the PATCH comes in, as the service does before accepting it.

The URL is ``BaseLocation + RelativeLocation + SasBlobToken`` (D-APIM, D-PROG). The bytes read
here are the endpoint's copy of the model (:meth:`.scoring.ModelCache.keep_copy`): users report
predictions going on after they deleted the blob, so the service does not read it again at
scoring time, when the SAS may long have expired. Error messages name the blob path but never
the SAS token.
"""

from __future__ import annotations

import logging

import requests

from .. import httpclient
from .errors import BlobNotFound, InvalidBlob, ResourceDownload
from .model import MAX_MODEL_BYTES
from .validation import ResourceUpdate

__all__ = ["blob_url", "fetch_model_blob", "get_model_bytes"]

_log = logging.getLogger(__name__)
_TIMEOUT = (3.0, 10.0)  # (connect, read) seconds: a dead storage endpoint must not hang a PATCH


def blob_url(update: ResourceUpdate) -> str:
    """Join base and relative location with exactly one ``/`` and append the SAS query."""
    url = update.base_location.rstrip("/") + "/" + update.relative_location.lstrip("/")
    sas = update.sas_blob_token.strip()
    if sas and not sas.startswith("?"):
        sas = "?" + sas
    return url + sas


def _shown(update: ResourceUpdate) -> str:
    return f"'{update.relative_location}' at '{update.base_location}'"


def get_model_bytes(url: str) -> tuple[int, bytes]:
    """(status, body) of a GET of a model blob; the body only for 200, at most one byte over
    :data:`MAX_MODEL_BYTES` (a larger blob then fails to load). Raises ``RequestException``."""
    # This thread's pooled session (keep-alive to storage); called outside any backend lock.
    with httpclient.session().get(url, timeout=_TIMEOUT, stream=True) as answer:
        status = answer.status_code
        data: bytes = answer.raw.read(MAX_MODEL_BYTES + 1, decode_content=True) \
            if status == 200 else b""
    return status, data


def fetch_model_blob(update: ResourceUpdate) -> bytes:
    """GET the blob and return its bytes (:func:`get_model_bytes`); map storage answers to the
    service's errors.

    404 → 400 BlobNotFound (D-ERR). 401/403 (expired or forged SAS) → 400 InvalidBlob (not
    documented; closest D-ERR code). Unreachable or any other answer → 500 ResourceDownload.
    Whether the bytes are a model is not checked here: as before, a bad blob shows at scoring
    (500 ResourceLoadFailed).
    """
    if not update.base_location.lower().startswith(("http://", "https://")):
        raise InvalidBlob(f"Location.BaseLocation of resource '{update.name}' is not an "
                          "http(s) URL.")
    try:
        status, data = get_model_bytes(blob_url(update))
    except requests.RequestException as exc:
        _log.info("model blob unreachable for resource %r: %s", update.name, type(exc).__name__)
        raise ResourceDownload(f"Could not download the trained model {_shown(update)}: the "
                               "storage endpoint is unreachable.") from None
    # The first sentence of each is the D-ERR user message with its {0}/{1} filled in.
    if status == 404:
        raise BlobNotFound(f"Unable to access the provided Azure blob - {_shown(update)}. Azure "
                           "error message: The specified blob does not exist.")
    if status in (401, 403):
        raise InvalidBlob(f"Invalid blob specification for blob: {_shown(update)}. Verify that "
                          "connection string / relative path or SAS token specification is "
                          "correct and try again. (Storage refused the SAS: it may be expired "
                          "or lack read permission; GET the job status again for a fresh one.)")
    if status >= 300:
        raise ResourceDownload(f"Could not download the trained model {_shown(update)}: storage "
                               f"answered HTTP {status}.")
    return data
