"""Storage connection strings and the seed model blob (azure-storage-blob imported lazily)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "DEVSTORE_ACCOUNT",
    "DEVSTORE_KEY",
    "SEED_BLOB",
    "SEED_CONTAINER",
    "SEED_TRAINING",
    "azurite_connection_string",
    "blob_base_url",
    "parse_connection_string",
    "upload_seed_model",
]

# Azurite's well-known development account; the key is public (Azurite README), not a secret.
DEVSTORE_ACCOUNT = "devstoreaccount1"
DEVSTORE_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
                "K1SZFPTOtr/KBHBeksoGMGw==")
SEED_CONTAINER = "models"
SEED_BLOB = "seed/census-model.ilearner"  # matches data/seed.json RelativeLocation
SEED_TRAINING = "datasets/census/train.csv"  # the v2 seed job's input (seed.json trainingData)


def azurite_connection_string(port: int, host: str = "127.0.0.1") -> str:
    return (f"DefaultEndpointsProtocol=http;AccountName={DEVSTORE_ACCOUNT};"
            f"AccountKey={DEVSTORE_KEY};BlobEndpoint=http://{host}:{port}/{DEVSTORE_ACCOUNT};")


def parse_connection_string(value: str) -> dict[str, str]:
    """``Key=Value;…`` → dict (values may contain ``=``, e.g. base64 keys)."""
    parts = (item.split("=", 1) for item in value.split(";") if "=" in item)
    return {key.strip(): val.strip() for key, val in parts}


def blob_base_url(connection_string: str) -> str:
    """The blob service URL of a connection string, with one trailing ``/``."""
    parts = parse_connection_string(connection_string)
    if parts.get("UseDevelopmentStorage", "").lower() == "true":
        return f"http://127.0.0.1:10000/{DEVSTORE_ACCOUNT}/"
    if parts.get("BlobEndpoint"):
        return parts["BlobEndpoint"].rstrip("/") + "/"
    protocol = parts.get("DefaultEndpointsProtocol", "https")
    account = parts.get("AccountName")
    if not account:
        raise ValueError("the storage connection string has neither BlobEndpoint nor AccountName")
    suffix = parts.get("EndpointSuffix", "core.windows.net")
    return f"{protocol}://{account}.blob.{suffix}/"


def upload_seed_model(connection_string: str) -> str:
    """Train the predictive default endpoint's model and upload it; return ``container/blob``.

    The model is real: trained at each start on a deterministic synthetic census dataset
    (``classic.training.census_csv``, fixed seeds), so the bytes are the same every time. The
    container allows anonymous blob reads where the storage permits it, so the seed Location
    (empty ``SasBlobToken``) can be read by RRS and PATCHed back onto an endpoint (a rollback).
    The seed model's training data goes beside it at :data:`SEED_TRAINING` (same container
    rules): the input of the Azure ML v2 seed job, which a client may train on again.
    """
    from azure.core.exceptions import HttpResponseError, ResourceExistsError
    from azure.storage.blob import BlobServiceClient, ContentSettings

    from .classic.training import census_csv, seed_model

    service = BlobServiceClient.from_connection_string(connection_string)
    container = service.get_container_client(SEED_CONTAINER)
    try:
        container.create_container(public_access="blob")
    except ResourceExistsError:
        pass
    except HttpResponseError:  # e.g. an account that forbids public access
        container.create_container()
    container.upload_blob(SEED_BLOB, seed_model().to_bytes(), overwrite=True,
                          content_settings=ContentSettings(content_type="application/octet-stream"))
    _upload_public(service, SEED_TRAINING, census_csv(), "text/csv")
    return f"{SEED_CONTAINER}/{SEED_BLOB}"


def _upload_public(service: Any, relative: str, data: bytes, content_type: str) -> None:
    from azure.core.exceptions import HttpResponseError, ResourceExistsError
    from azure.storage.blob import ContentSettings

    name, blob = relative.split("/", 1)
    container = service.get_container_client(name)
    try:
        container.create_container(public_access="blob")
    except ResourceExistsError:
        pass
    except HttpResponseError:
        container.create_container()
    container.upload_blob(blob, data, overwrite=True,
                          content_settings=ContentSettings(content_type=content_type))
