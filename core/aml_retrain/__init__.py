"""aml-retrain: retrain Azure ML Studio (classic) web services and repoint endpoints, safely.

Light names (errors, settings, redaction) are imported eagerly; the HTTP client, workflows and
storage helpers load on first access so ``import aml_retrain`` does not import requests or the
Azure SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from aml_retrain._redact import redact_url
from aml_retrain.config import Settings
from aml_retrain.errors import (
    AmlRetrainError,
    AuthError,
    ConfigError,
    ConflictError,
    ConnectionFailedError,
    NotFoundError,
    OperationTimeoutError,
    ServiceError,
    ValidationError,
    VerificationError,
)

if TYPE_CHECKING:
    from aml_retrain._version import __version__
    from aml_retrain.classic.endpoints import SetModelResult, get_patch_info, set_trained_model
    from aml_retrain.classic.management import ClassicManagementClient
    from aml_retrain.classic.validation import (
        BlobLocation,
        check_not_default,
        parse_model_url,
        select_resource,
        validate_endpoint_name,
    )
    from aml_retrain.storage import blob_exists, make_read_sas_url, upload_file

__all__ = [
    "AmlRetrainError",
    "AuthError",
    "BlobLocation",
    "ClassicManagementClient",
    "ConfigError",
    "ConflictError",
    "ConnectionFailedError",
    "NotFoundError",
    "OperationTimeoutError",
    "ServiceError",
    "SetModelResult",
    "Settings",
    "ValidationError",
    "VerificationError",
    "__version__",
    "blob_exists",
    "check_not_default",
    "get_patch_info",
    "make_read_sas_url",
    "parse_model_url",
    "redact_url",
    "select_resource",
    "set_trained_model",
    "upload_file",
    "validate_endpoint_name",
]

_LAZY = {
    "__version__": "aml_retrain._version",
    "BlobLocation": "aml_retrain.classic.validation",
    "ClassicManagementClient": "aml_retrain.classic.management",
    "SetModelResult": "aml_retrain.classic.endpoints",
    "blob_exists": "aml_retrain.storage",
    "check_not_default": "aml_retrain.classic.validation",
    "get_patch_info": "aml_retrain.classic.endpoints",
    "make_read_sas_url": "aml_retrain.storage",
    "parse_model_url": "aml_retrain.classic.validation",
    "select_resource": "aml_retrain.classic.validation",
    "set_trained_model": "aml_retrain.classic.endpoints",
    "upload_file": "aml_retrain.storage",
    "validate_endpoint_name": "aml_retrain.classic.validation",
}


def __getattr__(name: str) -> Any:
    """Import heavy public names on first access."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'aml_retrain' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
