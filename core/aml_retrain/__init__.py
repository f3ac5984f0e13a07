"""aml-retrain: retrain Azure ML Studio web services (classic and ARM) and promote models, safely.

The product in three lines (docs/library.md)::

    import aml_retrain
    context = aml_retrain.connect(profile="profile.json")
    aml_retrain.promote("classic:SERVICE_ID/ENDPOINT", context, "https://…/model.ilearner")

Light names (errors, settings) are imported eagerly; the rest loads on first access, so
``import aml_retrain`` does not import requests or the Azure SDK. Lower-level helpers live in
their subpackages (``aml_retrain.classic``, ``aml_retrain.arm``, ``aml_retrain.storage``, …).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
    from aml_retrain._connect import (
        connect,
    )
    from aml_retrain._scoring import (
        ScoringClient,
    )
    from aml_retrain._version import (
        __version__,
    )
    from aml_retrain.arm.client import (
        ArmWebServiceClient,
    )
    from aml_retrain.classic.bes import (
        BatchExecutionClient,
    )
    from aml_retrain.classic.journal import (
        JobJournal,
    )
    from aml_retrain.classic.management import (
        ClassicManagementClient,
    )
    from aml_retrain.evaluation import (
        Metrics,
    )
    from aml_retrain.promotion.bake import (
        HealthCheck,
    )
    from aml_retrain.promotion.context import (
        GateOptions,
        ModelRef,
        PromotionContext,
    )
    from aml_retrain.promotion.fanout import (
        FanoutResult,
        load_manifest,
        run_fanout,
    )
    from aml_retrain.promotion.gate import (
        GateResult,
        Policy,
        load_metrics,
        load_policies,
        load_policy,
    )
    from aml_retrain.promotion.health import (
        HealthPolicy,
    )
    from aml_retrain.promotion.ledger import (
        Ledger,
        open_ledger,
    )
    from aml_retrain.promotion.plan import (
        Plan,
        apply_plan,
        make_plan,
    )
    from aml_retrain.promotion.promote import (
        PromotionResult,
        promote,
    )
    from aml_retrain.promotion.rollback import (
        rollback,
    )
    from aml_retrain.promotion.targets import (
        TargetState,
        parse_target,
        read_state,
    )

__all__ = [
    "AlreadyExistsError",
    "AmlRetrainError",
    "ArmWebServiceClient",
    "AuthError",
    "BatchExecutionClient",
    "ClassicManagementClient",
    "ConfigError",
    "ConflictError",
    "ConnectionFailedError",
    "FanoutResult",
    "GateOptions",
    "GateResult",
    "GatedError",
    "HealthCheck",
    "HealthPolicy",
    "JobFailedError",
    "JobJournal",
    "Ledger",
    "Metrics",
    "ModelRef",
    "NotFoundError",
    "OperationFailedError",
    "OperationTimeoutError",
    "Plan",
    "Policy",
    "PromotionContext",
    "PromotionResult",
    "SasExpiredError",
    "ScoringClient",
    "ServiceError",
    "Settings",
    "StalePlanError",
    "TargetState",
    "ValidationError",
    "VerificationError",
    "__version__",
    "apply_plan",
    "connect",
    "load_manifest",
    "load_metrics",
    "load_policies",
    "load_policy",
    "make_plan",
    "open_ledger",
    "parse_target",
    "promote",
    "read_state",
    "rollback",
    "run_fanout",
]

_LAZY = {
    "__version__": "aml_retrain._version",
    "ArmWebServiceClient": "aml_retrain.arm.client",
    "BatchExecutionClient": "aml_retrain.classic.bes",
    "ClassicManagementClient": "aml_retrain.classic.management",
    "FanoutResult": "aml_retrain.promotion.fanout",
    "GateOptions": "aml_retrain.promotion.context",
    "GateResult": "aml_retrain.promotion.gate",
    "HealthCheck": "aml_retrain.promotion.bake",
    "HealthPolicy": "aml_retrain.promotion.health",
    "JobJournal": "aml_retrain.classic.journal",
    "Ledger": "aml_retrain.promotion.ledger",
    "Metrics": "aml_retrain.evaluation",
    "ModelRef": "aml_retrain.promotion.context",
    "Plan": "aml_retrain.promotion.plan",
    "Policy": "aml_retrain.promotion.gate",
    "PromotionContext": "aml_retrain.promotion.context",
    "PromotionResult": "aml_retrain.promotion.promote",
    "ScoringClient": "aml_retrain._scoring",
    "TargetState": "aml_retrain.promotion.targets",
    "apply_plan": "aml_retrain.promotion.plan",
    "connect": "aml_retrain._connect",
    "load_manifest": "aml_retrain.promotion.fanout",
    "load_metrics": "aml_retrain.promotion.gate",
    "load_policies": "aml_retrain.promotion.gate",
    "load_policy": "aml_retrain.promotion.gate",
    "make_plan": "aml_retrain.promotion.plan",
    "open_ledger": "aml_retrain.promotion.ledger",
    "parse_target": "aml_retrain.promotion.targets",
    "promote": "aml_retrain.promotion.promote",
    "read_state": "aml_retrain.promotion.targets",
    "rollback": "aml_retrain.promotion.rollback",
    "run_fanout": "aml_retrain.promotion.fanout",
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
