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
    JobFailedError,
    NotFoundError,
    OperationTimeoutError,
    SasExpiredError,
    ServiceError,
    ValidationError,
    VerificationError,
)

if TYPE_CHECKING:
    from aml_retrain._version import (
        __version__,
    )
    from aml_retrain.classic.bes import (
        BatchExecutionClient,
        BlobOutput,
        JobPoller,
        JobState,
        JobStatus,
        validate_job_request,
    )
    from aml_retrain.classic.endpoints import (
        SetModelResult,
        get_patch_info,
        set_model_from_job,
        set_trained_model,
    )
    from aml_retrain.classic.journal import (
        JobJournal,
        JournalEntry,
    )
    from aml_retrain.classic.management import (
        ClassicManagementClient,
    )
    from aml_retrain.classic.retrain import (
        RetrainResult,
        cancel_job,
        job_status,
        model_url_from_job,
        retrain,
        training_endpoint,
        wait_for_job,
    )
    from aml_retrain.classic.scoring import (
        ScoreResult,
        ScoringClient,
        score,
    )
    from aml_retrain.classic.validation import (
        BlobLocation,
        check_not_default,
        parse_model_url,
        select_resource,
        validate_endpoint_name,
    )
    from aml_retrain.evaluation import (
        Metrics,
        parse_evaluation_csv,
    )
    from aml_retrain.storage import (
        BlobInfo,
        blob_exists,
        blob_properties,
        download_bytes,
        download_text,
        ensure_container,
        make_read_sas_url,
        make_user_delegation_sas_url,
        upload_file,
    )

__all__ = [
    "AmlRetrainError",
    "AuthError",
    "BatchExecutionClient",
    "BlobInfo",
    "BlobLocation",
    "BlobOutput",
    "ClassicManagementClient",
    "ConfigError",
    "ConflictError",
    "ConnectionFailedError",
    "JobFailedError",
    "JobJournal",
    "JobPoller",
    "JobState",
    "JobStatus",
    "JournalEntry",
    "Metrics",
    "NotFoundError",
    "OperationTimeoutError",
    "RetrainResult",
    "SasExpiredError",
    "ScoreResult",
    "ScoringClient",
    "ServiceError",
    "SetModelResult",
    "Settings",
    "ValidationError",
    "VerificationError",
    "__version__",
    "blob_exists",
    "blob_properties",
    "cancel_job",
    "check_not_default",
    "download_bytes",
    "download_text",
    "ensure_container",
    "get_patch_info",
    "job_status",
    "make_read_sas_url",
    "make_user_delegation_sas_url",
    "model_url_from_job",
    "parse_evaluation_csv",
    "parse_model_url",
    "redact_url",
    "retrain",
    "score",
    "select_resource",
    "set_model_from_job",
    "set_trained_model",
    "training_endpoint",
    "upload_file",
    "validate_endpoint_name",
    "validate_job_request",
    "wait_for_job",
]

_LAZY = {
    "__version__": "aml_retrain._version",
    "BatchExecutionClient": "aml_retrain.classic.bes",
    "BlobInfo": "aml_retrain.storage",
    "BlobLocation": "aml_retrain.classic.validation",
    "BlobOutput": "aml_retrain.classic.bes",
    "ClassicManagementClient": "aml_retrain.classic.management",
    "JobJournal": "aml_retrain.classic.journal",
    "JobPoller": "aml_retrain.classic.bes",
    "JobState": "aml_retrain.classic.bes",
    "JobStatus": "aml_retrain.classic.bes",
    "JournalEntry": "aml_retrain.classic.journal",
    "Metrics": "aml_retrain.evaluation",
    "RetrainResult": "aml_retrain.classic.retrain",
    "ScoreResult": "aml_retrain.classic.scoring",
    "ScoringClient": "aml_retrain.classic.scoring",
    "SetModelResult": "aml_retrain.classic.endpoints",
    "blob_exists": "aml_retrain.storage",
    "blob_properties": "aml_retrain.storage",
    "cancel_job": "aml_retrain.classic.retrain",
    "check_not_default": "aml_retrain.classic.validation",
    "download_bytes": "aml_retrain.storage",
    "download_text": "aml_retrain.storage",
    "ensure_container": "aml_retrain.storage",
    "get_patch_info": "aml_retrain.classic.endpoints",
    "job_status": "aml_retrain.classic.retrain",
    "make_read_sas_url": "aml_retrain.storage",
    "make_user_delegation_sas_url": "aml_retrain.storage",
    "model_url_from_job": "aml_retrain.classic.retrain",
    "parse_evaluation_csv": "aml_retrain.evaluation",
    "parse_model_url": "aml_retrain.classic.validation",
    "retrain": "aml_retrain.classic.retrain",
    "score": "aml_retrain.classic.scoring",
    "select_resource": "aml_retrain.classic.validation",
    "set_model_from_job": "aml_retrain.classic.endpoints",
    "set_trained_model": "aml_retrain.classic.endpoints",
    "training_endpoint": "aml_retrain.classic.retrain",
    "upload_file": "aml_retrain.storage",
    "validate_endpoint_name": "aml_retrain.classic.validation",
    "validate_job_request": "aml_retrain.classic.bes",
    "wait_for_job": "aml_retrain.classic.retrain",
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
