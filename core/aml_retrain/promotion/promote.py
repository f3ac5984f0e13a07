"""Promote a model to a target: gate against the ledger baseline, deploy, fingerprint, record.

Order is the safety: every check (inputs, gate, model blob) runs before the one write, and the
ledger entry is appended only after the deploy's read-back agreed.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from aml_retrain._json import JsonObject
from aml_retrain.errors import (
    AmlRetrainError,
    BusyError,
    ConfigError,
    GatedError,
    HealthCheckError,
    OperationFailedError,
    ServiceError,
    SmokeTestError,
    ValidationError,
)
from aml_retrain.evaluation import Metrics
from aml_retrain.promotion._locks import TargetHold
from aml_retrain.promotion.context import (
    NO_GATE,
    GateOptions,
    ModelRef,
    PromotionContext,
    as_model,
)
from aml_retrain.promotion.targets import (
    Target,
    TargetState,
    as_target,
    deploy,
    kind_of,
    read_state,
)

if TYPE_CHECKING:
    from aml_retrain.promotion.bake import HealthCheck
    from aml_retrain.promotion.ledger import Ledger

__all__ = [
    "PromotionResult",
    "execute",
    "metrics_from_entry",
    "model_key",
    "promote",
]



@dataclass(frozen=True)
class PromotionResult:
    """What a promote, apply or rollback did (or would do); models are URLs without SAS."""

    action: str
    target: str
    old_model: str | None
    new_model: str
    dry_run: bool = False
    already_current: bool = False
    deploy: JsonObject | None = None
    entry: JsonObject | None = None
    gate: JsonObject | None = None
    metrics: JsonObject | None = None
    plan_hash: str | None = None
    notices: tuple[str, ...] = ()
    health: JsonObject | None = None  # the health probe's figures (promote --probe)

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict with the attribute names as keys."""
        return {
            "action": self.action, "target": self.target, "old_model": self.old_model,
            "new_model": self.new_model, "dry_run": self.dry_run,
            "already_current": self.already_current, "deploy": self.deploy, "entry": self.entry,
            "gate": self.gate, "metrics": self.metrics, "plan_hash": self.plan_hash,
            "notices": list(self.notices), "health": self.health,
        }


def model_key(target: Target, model: str) -> str:
    """Return a model reference as the ledger records it for ``target``'s kind (validated, no secret)."""
    return kind_of(target).model_key(target, model)


def metrics_from_entry(entry: Mapping[str, Any] | None) -> Metrics | None:
    """Return the metrics recorded in a ledger entry (``{"kind", "values"}``), if any."""
    data = entry.get("metrics") if entry else None
    if not isinstance(data, Mapping) or not isinstance(data.get("values"), Mapping):
        return None
    values = {str(k): float(v) for k, v in data["values"].items() if isinstance(v, (int, float))}
    return Metrics(str(data.get("kind") or ""), values)


def utc_now() -> str:
    """Return the current UTC time as ISO 8601 with a ``Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_inputs(model: ModelRef, context: PromotionContext, gate: GateOptions) -> None:
    """Refuse contradictory promotion inputs before any request."""
    model.check()
    if model.job_id is not None and context.journal is None:
        raise ValidationError(f"job {model.job_id}: the job journal is needed to look the job up")
    gate.check()


def resolve_model(target: Target, context: PromotionContext, model: ModelRef, *,
                  want_metrics: bool) -> tuple[str, Metrics | None]:
    """Return the model to deploy (fresh SAS for a job) and the job's metrics when wanted."""
    if model.url is not None:
        model_key(target, model.url)  # refuse a malformed reference before any request
        return model.url, None
    assert model.job_id is not None  # checked by check_inputs
    # What a job produced is the target kind's business (a BES .ilearner, a registered version, …).
    return kind_of(target).model_from_job(target, context, model.job_id, model.training_service,
                                          want_metrics=want_metrics)


def run_gate(key: str, candidate: Metrics | None, baseline: Metrics | None,
             gate: GateOptions) -> tuple[JsonObject, list[str]]:
    """Evaluate the gate before any write: ``gated`` raises GatedError, ``error`` ValidationError."""
    from aml_retrain.promotion.gate import default_policy, evaluate_gate

    if candidate is None:
        raise ValidationError(
            f"the gate for {key} needs candidate metrics: pass --from-job JOB_ID (a job whose "
            "outputs include the evaluation table) instead of --model-url, or gate a metrics "
            f"file first with 'aml-retrain gate --candidate FILE --target {key}' and then deploy "
            "the URL without --gate"
        )
    chosen = gate.policy if gate.policy is not None else default_policy(candidate.kind)
    if gate.require_baseline and not chosen.require_baseline:
        chosen = replace(chosen, require_baseline=True)
    result = evaluate_gate(candidate, baseline, chosen, force=gate.force, reason=gate.reason)
    if result.outcome == "gated":
        raise GatedError.from_result(result)
    if result.outcome != "pass":
        raise ValidationError(f"the gate could not evaluate {key}: {result.summary}")
    return result.to_dict(), [f"gate: {note}" for note in result.notices]


# Refused by our own checks before anything was sent: the target is as it was.
# A failed smoke score stops before the switch too: the new deployment waits, unused.
_LOCAL_REFUSALS = (ValidationError, ConfigError, GatedError, BusyError, SmokeTestError)


def deploy_and_report(target: Target, url: str, context: PromotionContext, before: TargetState,
                      new_model: str, hold: TargetHold) -> JsonObject:
    """Deploy; if the write fails or times out, re-read the target and say what really happened.

    The error keeps its class (and exit code); its message gains "applied", "not applied" or
    "unknown — …": a failed poll or read-back does not mean the change did not land.
    """
    try:
        return deploy(target, url, context)
    except _LOCAL_REFUSALS:
        hold.done()
        raise
    except HealthCheckError as exc:
        if exc.rolled_back:  # a traffic step was unhealthy and the split is as it was
            hold.done()
            raise
        _add_note(exc, outcome_after_failure(target, context, before.model_url or None,
                                             new_model))
        raise
    except AmlRetrainError as exc:
        outcome = outcome_after_failure(target, context, before.model_url or None, new_model,
                                        refused=_write_refused(exc))
        if outcome.startswith("not applied"):
            hold.done()
        _add_note(exc, outcome)
        raise


def _write_refused(exc: AmlRetrainError) -> bool:
    """True when the write request itself was answered with an error: it did not take effect.

    A time-out, a dropped connection, or a failed poll or read-back after the write was accepted
    leave the write possibly in flight: the target may still change after we look.
    """
    return isinstance(exc, ServiceError) and not isinstance(exc, OperationFailedError) \
        and (exc.method or "").upper() in ("PATCH", "PUT", "POST", "DELETE")


def outcome_after_failure(target: Target, context: PromotionContext, old_model: str | None,
                          new_model: str, *, refused: bool = False) -> str:
    """Re-read ``target`` after a failed write: "applied: …", "not applied: …" or "unknown — …".

    ``refused``: the write was answered with an error, so an unchanged target means not applied;
    otherwise the write may still land, and an unchanged target is "unknown".
    """
    key = str(target)
    try:
        now = read_state(target, context)
    except AmlRetrainError as exc:
        return (f"unknown — {key} could not be read back ({type(exc).__name__}); check what it "
                f"serves with `aml-retrain plan {key} --model-url {new_model} --out check.json`")
    if now.model_url == new_model:
        return (f"applied: {key} now serves {new_model}; re-run the same command to record it "
                "in the ledger")
    if now.model_url == (old_model or ""):
        if refused:
            return f"not applied: {key} still serves {old_model or 'no model'}"
        return (f"unknown — {key} still serves {old_model or 'no model'}, but the change was sent "
                "and may still land: check again shortly (aml-retrain ledger show "
                f"{key}; re-running the same command is safe)")
    return f"unknown — {key} now serves {now.model_url or 'no model'}, neither the old nor the new model"


def _add_note(exc: AmlRetrainError, note: str) -> None:
    if isinstance(getattr(exc, "message", None), str):
        exc.message = f"{exc.message.rstrip('. ')}. {note}"  # type: ignore[attr-defined]
    exc.args = (f"{str(exc.args[0] if exc.args else exc).rstrip('. ')}. {note}",)


def record(ledger: Ledger, entry: JsonObject, key: str) -> JsonObject:
    """Append ``entry``; on failure, say the deploy happened and how to record it."""
    try:
        return ledger.append(entry)
    except AmlRetrainError as exc:
        _add_note(exc, f"the model WAS deployed to {key} but the ledger entry was not written; "
                       "re-run the same command to record it")
        raise


def promote(
    target: Target | str,
    context: PromotionContext,
    model: ModelRef | str,
    gate: GateOptions = NO_GATE,
    *,
    candidate: Metrics | None = None,
    dry_run: bool = False,
    plan_hash: str | None = None,
    health: HealthCheck | None = None,
) -> PromotionResult:
    """Gate, deploy and record a model for ``target``; a re-run at the same model changes nothing.

    With ``health``, the probe is scored before the switch and baked after it; an unhealthy
    target is rolled back (HealthCheckError).
    """
    target, model = as_target(target), as_model(model)
    check_inputs(model, context, gate)
    if context.smoke_input is not None and not kind_of(target).smoke_scores:
        raise ValidationError(f"--smoke scores a new model before the switch, which {target} "
                              "cannot do: promote without it, then score the endpoint")
    check_steps(target, context, health, dry_run)
    if health is not None:
        health.check()
        if dry_run:
            raise ValidationError("--probe scores the target after its switch and a dry run "
                                  "switches nothing: drop --probe or --dry-run")
    url, job_metrics = resolve_model(target, context, model, want_metrics=candidate is None)
    with held(context.the_ledger(), str(target), dry_run) as hold:
        baseline = None
        if health is not None:
            from aml_retrain.promotion.bake import baseline_of

            baseline = baseline_of(target, context, health)
            if context.traffic_steps is not None and context.traffic_steps.gradual:
                from aml_retrain.promotion.bake import step_check

                context = replace(context, traffic_steps=replace(
                    context.traffic_steps, check=step_check(target, context, baseline, health)))
        result = execute(target, context, url, gate, job_id=model.job_id,
                         candidate=candidate or job_metrics, dry_run=dry_run, plan_hash=plan_hash,
                         hold=hold)
    if health is None or baseline is None:
        return result
    from aml_retrain.promotion.bake import watch

    return watch(target, context, result, baseline, health)


def check_steps(target: Target, context: PromotionContext, health: HealthCheck | None,
                dry_run: bool = False) -> None:
    """Refuse traffic steps a target cannot take, or steps with nothing to check between them."""
    plan = context.traffic_steps
    if plan is None or not plan.gradual:
        return
    if not kind_of(target).traffic_steps:
        raise ValidationError(f"--steps/--mirror move part of an endpoint's traffic, and {target} "
                              "serves one model at a time: drop them (fan out to a canary "
                              "endpoint first instead)")
    # A fan-out brings its own check; a dry run shows the steps and probes nothing.
    if health is None and plan.check is None and not dry_run:
        raise ValidationError("--steps/--mirror bake each phase with the health probe: pass "
                              "--probe FILE (and --bake SECONDS for how long each phase lasts)")


def held(ledger: Ledger, key: str, dry_run: bool = False) -> AbstractContextManager[TargetHold]:
    """Hold ``key`` from the first read of the target to its ledger entry (a dry run holds nothing)."""
    return nullcontext(TargetHold()) if dry_run else ledger.lock(key)


def true_old_model(hold: TargetHold, current: Mapping[str, Any] | None,
                   new_model: str) -> str | None:
    """The model a deploy that was never recorded replaced: the crashed run's note, else the ledger's."""
    left = hold.leftover
    if left and left.get("new_model") == new_model:
        return left.get("old_model")
    return str(current["new_model"]) if current and current.get("new_model") else None


def execute(
    target: Target,
    context: PromotionContext,
    url: str,
    gate: GateOptions = NO_GATE,
    *,
    job_id: str | None = None,
    candidate: Metrics | None = None,
    dry_run: bool = False,
    plan_hash: str | None = None,
    gate_record: Mapping[str, Any] | None = None,
    before: TargetState | None = None,
    hold: TargetHold | None = None,
) -> PromotionResult:
    """Promote a resolved model URL: idempotency check, gate, fingerprint, deploy, ledger entry."""
    hold = hold or TargetHold()
    ledger = context.the_ledger()
    key = str(target)
    new_model = model_key(target, url)
    before = before or read_state(target, context)
    current = ledger.current(key)
    metrics = candidate.to_dict() if candidate else None
    base = PromotionResult("promote", key, before.model_url or None, new_model, dry_run=dry_run,
                           metrics=metrics, plan_hash=plan_hash)
    if before.model_url == new_model and current and current.get("new_model") == new_model:
        if not dry_run:
            hold.done()
        return replace(base, already_current=True, entry=current, notices=(
            f"{key} already serves {new_model} as recorded in ledger entry "
            f"#{current.get('seq')}; nothing to do",))
    # Serving it without the ledger knowing: someone set it by hand before the first promotion,
    # or an earlier run deployed it and died before its entry. Nothing is sent; the entry records
    # it (with the model it really replaced, never old = new) so a rollback has a baseline.
    unrecorded = bool(before.model_url) and before.model_url == new_model
    gate_dict: JsonObject | None = dict(gate_record) if gate_record is not None else None
    notices: list[str] = []
    if gate_record is None and gate.enabled:
        gate_dict, notices = run_gate(key, candidate, metrics_from_entry(current), gate)
    if dry_run:
        shown = deploy(target, url, context, dry_run=True)
        return replace(base, deploy=shown, gate=gate_dict, notices=tuple(notices))
    blob, more = kind_of(target).fingerprint_of(target, context, url, new_model)
    old_model = before.model_url or None
    # Nothing of ours to finish recording (no entry, no crashed run's intent): it was put in
    # place by other means, so this run is a no-op that records the baseline, not a promotion.
    in_place = unrecorded and current is None and hold.leftover is None
    if unrecorded:
        old_model = true_old_model(hold, current, new_model)
        deployed: JsonObject = {"deployed_earlier": True}
        if in_place:
            notices.append(f"{key} already serves {new_model}: nothing was sent; recorded as the "
                           "first ledger entry for it, the baseline a rollback returns to")
        else:
            notices.append(f"{key} already served {new_model}, deployed by an earlier run that "
                           f"did not record it; nothing was sent; recorded now with the model it "
                           f"replaced ({old_model})")
    else:
        hold.intend(old_model, new_model)
        deployed = deploy_and_report(target, url, context, before, new_model, hold)
    entry = record(ledger, {
        "actor": context.who(), "action": "promote", "target": key,
        "target_detail": before.detail, "old_model": old_model,
        "new_model": new_model, "blob": blob, "job_id": job_id, "metrics": metrics,
        "gate": gate_dict, "plan_hash": plan_hash, "reason": gate.reason,
        **({"steps": deployed["steps"]} if deployed.get("steps") else {}),
    }, key)
    hold.done()
    return replace(base, old_model=old_model, already_current=in_place, deploy=deployed,
                   entry=entry, gate=gate_dict, notices=tuple(notices + more))
