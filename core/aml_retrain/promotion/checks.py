"""The standalone ``gate`` command: candidate metrics vs the baseline, without deploying anything."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aml_retrain.errors import ValidationError

if TYPE_CHECKING:
    from aml_retrain.evaluation import Metrics
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.gate import GateResult
    from aml_retrain.promotion.kinds import Target

JOB_PREFIX = "job:"


def run_gate(
    candidate: str,
    *,
    context: PromotionContext,
    baseline: str | None = None,
    target: str | None = None,
    policy_path: str | Path | None = None,
    require_baseline: bool = False,
    force: bool = False,
    reason: str | None = None,
    service_id: str | None = None,
) -> GateResult:
    """Evaluate the gate for ``candidate`` (a metrics file or ``job:JOB_ID``) against a baseline.

    A job is looked up through ``target``'s kind when a target is given (its training jobs are
    that kind's), else as a BES job of a training web service; ``service_id`` names the job's
    training service when the journal lacks it.
    """
    from dataclasses import replace

    from aml_retrain.promotion.gate import default_policy, evaluate_gate, load_policy
    from aml_retrain.promotion.promote import metrics_from_entry
    from aml_retrain.promotion.targets import parse_target

    if baseline is not None and target is not None:
        raise ValidationError("give --baseline or --target, not both")
    parsed = parse_target(target) if target is not None else None
    cand = _metrics(candidate, context, parsed, service_id)
    if parsed is not None:
        if context.ledger is None:
            raise ValidationError("--target needs the promotion ledger to find the baseline")
        base = metrics_from_entry(context.ledger.current(str(parsed)))
    else:
        base = _metrics(baseline, context, None) if baseline is not None else None
    policy = load_policy(policy_path) if policy_path is not None else default_policy(cand.kind)
    if require_baseline and not policy.require_baseline:
        policy = replace(policy, require_baseline=True)
    return evaluate_gate(cand, base, policy, force=force, reason=reason)


def _metrics(source: str, context: PromotionContext, target: Target | None,
             service_id: str | None = None) -> Metrics:
    from aml_retrain.promotion.gate import load_metrics

    if not source.startswith(JOB_PREFIX):
        return load_metrics(source)
    job_id = source[len(JOB_PREFIX):]
    if target is not None:
        from aml_retrain.promotion.targets import kind_of

        metrics = kind_of(target).job_metrics(target, context, job_id, service_id)
    else:
        from aml_retrain.classic.retrain import job_status

        if context.journal is None:
            raise ValidationError(f"job {job_id}: the job journal is needed to look the job up")
        metrics = job_status(context.clients.training(), job_id, journal=context.journal,
                             service_id=service_id).metrics
    if metrics is None:
        raise ValidationError(
            f"job {job_id} has no evaluation output to gate on; pass a metrics file instead"
        )
    return metrics
