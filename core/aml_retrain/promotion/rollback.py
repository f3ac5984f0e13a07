"""Roll a target back to a model the ledger recorded, through the same guarded deploy path.

Everything comes from the ledger and the live target, so a rollback works days later from another
machine; the old blob is checked (exists, same sha256) before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from aml_retrain._json import JsonObject
from aml_retrain.errors import ValidationError
from aml_retrain.promotion.promote import (
    PromotionResult,
    deploy_and_report,
    held,
    record,
    true_old_model,
)
from aml_retrain.promotion.targets import Target, as_target, deploy, kind_of, read_state

if TYPE_CHECKING:
    from aml_retrain.promotion._locks import TargetHold
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.ledger import Ledger

__all__ = ["rollback", "select_entry"]



def select_entry(ledger: Ledger, key: str, to_entry: int | None = None) -> JsonObject:
    """Return the entry to roll back to: ``to_entry`` (a seq) or the ledger's previous model."""
    if to_entry is None:
        current = ledger.current(key)
        if current is not None and current.get("action") == "rollback":
            # A re-run of the same rollback must not flip back to the model it rolled away from.
            raise ValidationError(
                f"{key} already serves the model restored by rollback #{current.get('seq')}; to go "
                "further back pass --to SEQ (see aml-retrain ledger show)"
            )
        chosen = ledger.previous(key)
        if chosen is None and current is not None and current.get("old_model") \
                and current.get("old_model") != current.get("new_model"):
            # The first promotion replaced a model the ledger never recorded: go back to it.
            chosen = {"seq": current.get("seq"), "target": key, "new_model": current["old_model"],
                      "metrics": None, "blob": None, "job_id": None, "replaced_by": True}
        if chosen is None:
            raise ValidationError(f"no earlier model recorded for {key}; nothing to roll back to")
    else:
        chosen = ledger.get(key, to_entry)  # raises ValidationError for an unknown seq
    if chosen.get("target") not in (None, key) or not chosen.get("new_model"):
        raise ValidationError(f"ledger entry #{chosen.get('seq')} records no model for {key}")
    return chosen


def rollback(
    target: Target | str,
    context: PromotionContext,
    *,
    to_entry: int | None = None,
    dry_run: bool = False,
    reason: str | None = None,
) -> PromotionResult:
    """Redeploy the previous (or ``to_entry``'s) model of ``target`` and record a rollback entry."""
    target = as_target(target)
    with held(context.the_ledger(), str(target), dry_run) as hold:
        return _rollback(target, context, to_entry=to_entry, dry_run=dry_run, reason=reason,
                         hold=hold)


def _rollback(target: Target, context: PromotionContext, *, to_entry: int | None, dry_run: bool,
              reason: str | None, hold: TargetHold) -> PromotionResult:
    ledger = context.the_ledger()
    key = str(target)
    chosen = select_entry(ledger, key, to_entry)
    model = str(chosen["new_model"])
    seq = chosen.get("seq")
    state = read_state(target, context)
    current = ledger.current(key)
    metrics = chosen.get("metrics") if isinstance(chosen.get("metrics"), Mapping) else None
    base = PromotionResult("rollback", key, state.model_url or None, model, dry_run=dry_run,
                           metrics=metrics)
    if state.model_url == model and current and current.get("new_model") == model:
        return replace(base, already_current=True, entry=current, notices=(
            f"{key} already serves {model} (ledger entry #{current.get('seq')}); nothing to do",))
    blob = kind_of(target).check_restorable(target, context, model, chosen)
    if dry_run:
        return replace(base, deploy=deploy(target, model, context, dry_run=True))
    old_model = state.model_url or None
    if state.model_url == model:  # rolled back by an earlier run that did not record it
        old_model = true_old_model(hold, current, model)
        deployed: JsonObject = {"deployed_earlier": True}
    else:
        hold.intend(old_model, model)
        deployed = deploy_and_report(target, model, context, state, model, hold)
    entry = record(ledger, {
        "actor": context.who(), "action": "rollback", "target": key,
        "target_detail": state.detail, "old_model": old_model, "new_model": model,
        "blob": blob, "job_id": chosen.get("job_id"),
        # The restored model's own metrics: they are the baseline of the next gate.
        "metrics": metrics, "gate": None, "plan_hash": None, "reason": reason,
        "rolled_back_to": seq,
    }, key)
    hold.done()
    notices = (f"restored the model that ledger entry #{seq} replaced (recorded there as "
               "old_model)",) if chosen.get("replaced_by") else ()
    return replace(base, deploy=deployed, entry=entry, notices=notices)

