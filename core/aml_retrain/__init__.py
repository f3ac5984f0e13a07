"""aml-retrain: retrain Azure ML Studio web services (classic and ARM) and repoint models, safely.

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
    AlreadyExistsError,
    AmlRetrainError,
    AuthError,
    ConfigError,
    ConflictError,
    ConnectionFailedError,
    GatedError,
    JobFailedError,
    NotFoundError,
    OperationFailedError,
    OperationTimeoutError,
    SasExpiredError,
    ServiceError,
    StalePlanError,
    ValidationError,
    VerificationError,
)

if TYPE_CHECKING:
    from aml_retrain._blobs import (
        BlobLocation,
        parse_model_url,
    )
    from aml_retrain._scoring import (
        ScoreResult,
        ScoringClient,
    )
    from aml_retrain._version import (
        __version__,
    )
    from aml_retrain.arm.auth import (
        StaticTokenCredential,
        describe_auth,
        make_credential,
    )
    from aml_retrain.arm.client import (
        ArmWebServiceClient,
    )
    from aml_retrain.arm.definition import (
        apply_patch,
        build_model_patch,
        check_guardrails,
        diff_uris,
        dumps_definition,
        export_definition,
        load_definition,
        model_uri_from_url,
        normalise_definition,
        payloads_in_blob_storage,
        select_asset,
        storage_account_of,
        trained_model_assets,
        validate_definition,
    )
    from aml_retrain.arm.results import (
        SetModelPlan,
        UpdateResult,
    )
    from aml_retrain.arm.webservices import (
        export_webservice,
        import_definition,
        list_webservices,
        score_webservice,
        set_model_in_file,
        set_model_live,
        show_webservice,
        update_webservice,
        webservice_keys,
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
        score,
    )
    from aml_retrain.classic.validation import (
        check_not_default,
        select_resource,
        validate_endpoint_name,
    )
    from aml_retrain.evaluation import (
        Metrics,
        parse_evaluation_csv,
    )
    from aml_retrain.promotion.gate import (
        GateResult,
        Policy,
        Rule,
        RuleResult,
        default_policy,
        evaluate_gate,
        load_metrics,
        load_policy,
    )
    from aml_retrain.promotion.ledger import (
        BlobLedger,
        Ledger,
        LocalLedger,
        VerifyResult,
        canonical_json,
        entry_hash,
        model_fingerprint,
        open_ledger,
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
    "AlreadyExistsError",
    "AmlRetrainError",
    "ArmWebServiceClient",
    "AuthError",
    "BatchExecutionClient",
    "BlobInfo",
    "BlobLedger",
    "BlobLocation",
    "BlobOutput",
    "ClassicManagementClient",
    "ConfigError",
    "ConflictError",
    "ConnectionFailedError",
    "GateResult",
    "GatedError",
    "JobFailedError",
    "JobJournal",
    "JobPoller",
    "JobState",
    "JobStatus",
    "JournalEntry",
    "Ledger",
    "LocalLedger",
    "Metrics",
    "NotFoundError",
    "OperationFailedError",
    "OperationTimeoutError",
    "Policy",
    "RetrainResult",
    "Rule",
    "RuleResult",
    "SasExpiredError",
    "ScoreResult",
    "ScoringClient",
    "ServiceError",
    "SetModelPlan",
    "SetModelResult",
    "Settings",
    "StalePlanError",
    "StaticTokenCredential",
    "UpdateResult",
    "ValidationError",
    "VerificationError",
    "VerifyResult",
    "__version__",
    "apply_patch",
    "blob_exists",
    "blob_properties",
    "build_model_patch",
    "cancel_job",
    "canonical_json",
    "check_guardrails",
    "check_not_default",
    "default_policy",
    "describe_auth",
    "diff_uris",
    "download_bytes",
    "download_text",
    "dumps_definition",
    "ensure_container",
    "entry_hash",
    "evaluate_gate",
    "export_definition",
    "export_webservice",
    "get_patch_info",
    "import_definition",
    "job_status",
    "list_webservices",
    "load_definition",
    "load_metrics",
    "load_policy",
    "make_credential",
    "make_read_sas_url",
    "make_user_delegation_sas_url",
    "model_fingerprint",
    "model_uri_from_url",
    "model_url_from_job",
    "normalise_definition",
    "open_ledger",
    "parse_evaluation_csv",
    "parse_model_url",
    "payloads_in_blob_storage",
    "redact_url",
    "retrain",
    "score",
    "score_webservice",
    "select_asset",
    "select_resource",
    "set_model_from_job",
    "set_model_in_file",
    "set_model_live",
    "set_trained_model",
    "show_webservice",
    "storage_account_of",
    "trained_model_assets",
    "training_endpoint",
    "update_webservice",
    "upload_file",
    "validate_definition",
    "validate_endpoint_name",
    "validate_job_request",
    "wait_for_job",
    "webservice_keys",
]

_LAZY = {
    "__version__": "aml_retrain._version",
    "ArmWebServiceClient": "aml_retrain.arm.client",
    "BatchExecutionClient": "aml_retrain.classic.bes",
    "BlobInfo": "aml_retrain.storage",
    "BlobLedger": "aml_retrain.promotion.ledger",
    "BlobLocation": "aml_retrain._blobs",
    "BlobOutput": "aml_retrain.classic.bes",
    "ClassicManagementClient": "aml_retrain.classic.management",
    "GateResult": "aml_retrain.promotion.gate",
    "JobJournal": "aml_retrain.classic.journal",
    "JobPoller": "aml_retrain.classic.bes",
    "JobState": "aml_retrain.classic.bes",
    "JobStatus": "aml_retrain.classic.bes",
    "JournalEntry": "aml_retrain.classic.journal",
    "Ledger": "aml_retrain.promotion.ledger",
    "LocalLedger": "aml_retrain.promotion.ledger",
    "Metrics": "aml_retrain.evaluation",
    "Policy": "aml_retrain.promotion.gate",
    "RetrainResult": "aml_retrain.classic.retrain",
    "Rule": "aml_retrain.promotion.gate",
    "RuleResult": "aml_retrain.promotion.gate",
    "ScoreResult": "aml_retrain._scoring",
    "ScoringClient": "aml_retrain._scoring",
    "SetModelPlan": "aml_retrain.arm.results",
    "SetModelResult": "aml_retrain.classic.endpoints",
    "StaticTokenCredential": "aml_retrain.arm.auth",
    "UpdateResult": "aml_retrain.arm.results",
    "VerifyResult": "aml_retrain.promotion.ledger",
    "apply_patch": "aml_retrain.arm.definition",
    "blob_exists": "aml_retrain.storage",
    "blob_properties": "aml_retrain.storage",
    "build_model_patch": "aml_retrain.arm.definition",
    "cancel_job": "aml_retrain.classic.retrain",
    "canonical_json": "aml_retrain.promotion.ledger",
    "check_guardrails": "aml_retrain.arm.definition",
    "check_not_default": "aml_retrain.classic.validation",
    "default_policy": "aml_retrain.promotion.gate",
    "describe_auth": "aml_retrain.arm.auth",
    "diff_uris": "aml_retrain.arm.definition",
    "download_bytes": "aml_retrain.storage",
    "download_text": "aml_retrain.storage",
    "dumps_definition": "aml_retrain.arm.definition",
    "ensure_container": "aml_retrain.storage",
    "entry_hash": "aml_retrain.promotion.ledger",
    "evaluate_gate": "aml_retrain.promotion.gate",
    "export_definition": "aml_retrain.arm.definition",
    "export_webservice": "aml_retrain.arm.webservices",
    "get_patch_info": "aml_retrain.classic.endpoints",
    "import_definition": "aml_retrain.arm.webservices",
    "job_status": "aml_retrain.classic.retrain",
    "list_webservices": "aml_retrain.arm.webservices",
    "load_definition": "aml_retrain.arm.definition",
    "load_metrics": "aml_retrain.promotion.gate",
    "load_policy": "aml_retrain.promotion.gate",
    "make_credential": "aml_retrain.arm.auth",
    "make_read_sas_url": "aml_retrain.storage",
    "make_user_delegation_sas_url": "aml_retrain.storage",
    "model_fingerprint": "aml_retrain.promotion.ledger",
    "model_uri_from_url": "aml_retrain.arm.definition",
    "model_url_from_job": "aml_retrain.classic.retrain",
    "normalise_definition": "aml_retrain.arm.definition",
    "open_ledger": "aml_retrain.promotion.ledger",
    "parse_evaluation_csv": "aml_retrain.evaluation",
    "parse_model_url": "aml_retrain._blobs",
    "payloads_in_blob_storage": "aml_retrain.arm.definition",
    "retrain": "aml_retrain.classic.retrain",
    "score": "aml_retrain.classic.scoring",
    "score_webservice": "aml_retrain.arm.webservices",
    "select_asset": "aml_retrain.arm.definition",
    "select_resource": "aml_retrain.classic.validation",
    "set_model_from_job": "aml_retrain.classic.endpoints",
    "set_model_in_file": "aml_retrain.arm.webservices",
    "set_model_live": "aml_retrain.arm.webservices",
    "set_trained_model": "aml_retrain.classic.endpoints",
    "show_webservice": "aml_retrain.arm.webservices",
    "storage_account_of": "aml_retrain.arm.definition",
    "trained_model_assets": "aml_retrain.arm.definition",
    "training_endpoint": "aml_retrain.classic.retrain",
    "update_webservice": "aml_retrain.arm.webservices",
    "upload_file": "aml_retrain.storage",
    "validate_definition": "aml_retrain.arm.definition",
    "validate_endpoint_name": "aml_retrain.classic.validation",
    "validate_job_request": "aml_retrain.classic.bes",
    "wait_for_job": "aml_retrain.classic.retrain",
    "webservice_keys": "aml_retrain.arm.webservices",
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
