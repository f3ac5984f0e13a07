"""Plan → apply: a reviewable JSON plan of one promotion, applied only if the target is unchanged.

The plan records the live state's hash, the change a deploy would make (SAS never included) and
the gate verdict; ``plan_hash`` covers all of it, so an edited plan is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aml_retrain._json import JsonObject
from aml_retrain._structured import json_loads
from aml_retrain.errors import StalePlanError, ValidationError
from aml_retrain.evaluation import Metrics
from aml_retrain.promotion.context import (
    NO_GATE,
    GateOptions,
    ModelRef,
    PromotionContext,
    as_model,
)
from aml_retrain.promotion.promote import (
    PromotionResult,
    check_inputs,
    execute,
    held,
    metrics_from_entry,
    model_key,
    resolve_model,
    run_gate,
    utc_now,
)
from aml_retrain.promotion.targets import (
    Target,
    as_target,
    canonical_hash,
    deploy,
    kind_of,
    parse_target,
    read_state,
)

if TYPE_CHECKING:
    from aml_retrain.promotion._locks import TargetHold

__all__ = ["PLAN_VERSION", "Plan", "apply_plan", "make_plan"]

PLAN_VERSION = 1
_REQUIRED = ("version", "created", "actor", "target", "state_hash", "model_url", "change")


@dataclass(frozen=True)
class Plan:
    """A plan's content (without ``plan_hash``); ``plan_hash`` is the sha256 of its canonical JSON."""

    data: JsonObject

    @property
    def plan_hash(self) -> str:
        """Return the sha256 of the plan's canonical JSON (``plan_hash`` itself excluded)."""
        return canonical_hash(self.data)

    def to_dict(self) -> JsonObject:
        """Return the plan as written to the file."""
        return {**self.data, "plan_hash": self.plan_hash}

    def write(self, path: str | Path) -> Path:
        """Write the plan as indented JSON (atomically) and return the path."""
        from aml_retrain._files import replace_file

        target = Path(path)
        if target.is_dir():
            raise ValidationError(f"{target} is a folder: pass a file name such as plan.json")
        replace_file(target, json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n",
                     keep_backup=False)
        return target

    @classmethod
    def load(cls, path: str | Path) -> Plan:
        """Read and check a plan file: known version, required fields, hash matching the content."""
        source = Path(path)
        try:
            data = json_loads(source.read_text(encoding="utf-8-sig"), f"plan file {source}")
        except FileNotFoundError:
            raise ValidationError(f"plan file {source} not found: make one with "
                                  f"'aml-retrain plan TARGET --out {source}'") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(f"plan file {source} cannot be read: {exc}") from None
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"plan file {source} is not valid JSON (line {exc.lineno}, column {exc.colno})"
            ) from None
        if not isinstance(data, dict):
            raise ValidationError(f"plan file {source} must hold a JSON object")
        recorded = data.pop("plan_hash", None)
        missing = [name for name in _REQUIRED if name not in data]
        if missing:
            raise ValidationError(f"plan file {source} lacks {', '.join(missing)}: make a new plan")
        if data["version"] != PLAN_VERSION:
            raise ValidationError(
                f"plan file {source} has version {data['version']!r}; this tool applies version "
                f"{PLAN_VERSION}: make a new plan"
            )
        plan = cls(data)
        if recorded != plan.plan_hash:
            raise ValidationError(
                f"plan file {source} was changed after it was made (its plan_hash does not match "
                "its content); a reviewed plan must be applied as is: make a new plan"
            )
        return plan


def make_plan(
    target: Target | str,
    context: PromotionContext,
    model: ModelRef | str,
    gate: GateOptions = NO_GATE,
    *,
    candidate: Metrics | None = None,
) -> Plan:
    """Read the target, compute the change a promotion would make, run the gate; write nothing."""
    target, model = as_target(target), as_model(model)
    check_inputs(model, context, gate)
    url, job_metrics = resolve_model(target, context, model, want_metrics=candidate is None)
    candidate = candidate or job_metrics
    key = str(target)
    state = read_state(target, context)
    notices: list[str] = []
    gate_dict: JsonObject | None = None
    if gate.enabled:
        current = context.ledger.current(key) if context.ledger is not None else None
        gate_dict, notices = run_gate(key, candidate, metrics_from_entry(current), gate)
    shown = deploy(target, url, context, dry_run=True)
    change = kind_of(target).plan_change(shown)
    new_model = model_key(target, url)
    return Plan({
        "version": PLAN_VERSION, "created": utc_now(), "actor": context.who(), "target": key,
        "target_detail": state.detail, "state_hash": state.state_hash,
        "old_model": state.model_url or None, "model_url": new_model, "job_id": model.job_id,
        "training_service_id": model.training_service,
        "already_current": state.model_url == new_model, "change": change, "gate": gate_dict,
        "metrics": candidate.to_dict() if candidate else None, "reason": gate.reason,
        "notices": notices,
    })


def _apply_url(plan: Mapping[str, Any], target: Target, context: PromotionContext) -> str:
    wanted = str(plan["model_url"])
    job_id = plan.get("job_id")
    from_job = None
    if job_id and context.journal is not None:
        def from_job() -> str:
            # A job hands out a fresh SAS; it must still name the model that was reviewed.
            ref = ModelRef(job_id=str(job_id), training_service=plan.get("training_service_id"))
            url, _ = resolve_model(target, context, ref, want_metrics=False)
            if model_key(target, url) != wanted:
                raise ValidationError(
                    f"job {job_id} now reports model {model_key(target, url)}, not the planned "
                    f"{wanted}: make a new plan"
                )
            return url
    return kind_of(target).fresh_model(target, wanted, context, from_job)


def apply_plan(path: str | Path, context: PromotionContext) -> PromotionResult:
    """Apply a plan file if the target is as it was planned; StalePlanError otherwise."""
    plan = Plan.load(path)
    target = parse_target(str(plan.data["target"]))
    with held(context.the_ledger(), str(target)) as hold:
        return _apply(plan, target, context, hold)


def _apply(plan: Plan, target: Target, context: PromotionContext,
           hold: TargetHold) -> PromotionResult:
    data = plan.data
    key = str(target)
    state = read_state(target, context)
    current = context.the_ledger().current(key)
    if (state.model_url == data["model_url"] and current
            and current.get("plan_hash") == plan.plan_hash):
        return PromotionResult(
            "promote", key, state.model_url, state.model_url, already_current=True,
            entry=current, gate=data.get("gate"), metrics=data.get("metrics"),
            plan_hash=plan.plan_hash,
            notices=(f"plan already applied (ledger entry #{current.get('seq')}); nothing to do",),
        )
    if state.state_hash != data["state_hash"]:
        raise StalePlanError(
            f"{key} changed since the plan was made at {data['created']} (it now serves "
            f"{state.model_url or 'no model'}); nothing was applied: make a new plan",
            expected=str(data["state_hash"]), actual=state.state_hash,
        )
    url = _apply_url(data, target, context)
    gate_record = data.get("gate")
    # The plan's actor applies it unless this context names who does.
    as_actor = context if context.actor else replace(context, actor=str(data["actor"]))
    return execute(
        target, as_actor, url, GateOptions(reason=data.get("reason")),
        job_id=data.get("job_id"), candidate=metrics_from_entry(data),
        plan_hash=plan.plan_hash, before=state, hold=hold,
        gate_record=gate_record if isinstance(gate_record, Mapping) else None,
    )
