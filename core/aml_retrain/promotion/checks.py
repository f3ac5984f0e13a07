"""The standalone ``gate`` command: candidate metrics vs the baseline, without deploying anything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aml_retrain.errors import ValidationError

if TYPE_CHECKING:
    from aml_retrain.classic.journal import JobJournal
    from aml_retrain.classic.management import ClassicManagementClient
    from aml_retrain.evaluation import Metrics
    from aml_retrain.promotion.gate import GateResult
    from aml_retrain.promotion.ledger import Ledger
    from aml_retrain.training_services import TrainingServices

JOB_PREFIX = "job:"


def run_gate(
    candidate: str,
    *,
    ledger: Ledger,
    classic: Callable[[], ClassicManagementClient | TrainingServices],
    journal: Callable[[], JobJournal],
    baseline: str | None = None,
    target: str | None = None,
    policy_path: str | Path | None = None,
    require_baseline: bool = False,
    force: bool = False,
    reason: str | None = None,
    service_id: str | None = None,
) -> GateResult:
    """Evaluate the gate for ``candidate`` (a metrics file or ``job:JOB_ID``) against a baseline.

    ``classic`` builds what looks jobs up: a classic management client or TrainingServices;
    ``service_id`` names the candidate job's training service when the journal lacks it.
    """
    from dataclasses import replace

    from aml_retrain.promotion.gate import default_policy, evaluate_gate, load_policy
    from aml_retrain.promotion.promote import metrics_from_entry
    from aml_retrain.promotion.targets import parse_target

    if baseline is not None and target is not None:
        raise ValidationError("give --baseline or --target, not both")
    cand = _metrics(candidate, classic, journal, service_id)
    if target is not None:
        base = metrics_from_entry(ledger.current(str(parse_target(target))))
    else:
        base = _metrics(baseline, classic, journal) if baseline is not None else None
    policy = load_policy(policy_path) if policy_path is not None else default_policy(cand.kind)
    if require_baseline and not policy.require_baseline:
        policy = replace(policy, require_baseline=True)
    return evaluate_gate(cand, base, policy, force=force, reason=reason)


def _metrics(
    source: str, classic: Callable[[], ClassicManagementClient | TrainingServices],
    journal: Callable[[], JobJournal], service_id: str | None = None,
) -> Metrics:
    from aml_retrain.promotion.gate import load_metrics

    if not source.startswith(JOB_PREFIX):
        return load_metrics(source)
    from aml_retrain.classic.retrain import job_status

    job_id = source[len(JOB_PREFIX):]
    metrics = job_status(classic(), job_id, journal=journal(), service_id=service_id).metrics
    if metrics is None:
        raise ValidationError(
            f"job {job_id} has no evaluation output to gate on; pass a metrics file instead"
        )
    return metrics
