"""A fan-out run as the ledger records it: rolling back its switches, resuming it, showing it.

Every entry a run writes carries ``run_id``, ``run_manifest`` (the manifest's digest) and
``run_wave``; entries written before run ids existed simply have none and belong to no run. A
rollback entry of a run also says what it undid in ``run_rollback``: ``"target"`` (one unhealthy
target, at once) or ``"run"`` (every switch of the run, after a wave exceeded its budget).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aml_retrain._json import JsonObject
from aml_retrain.errors import (
    AmlRetrainError,
    ConnectionFailedError,
    OperationTimeoutError,
    ServiceError,
    ValidationError,
)

if TYPE_CHECKING:
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.ledger import Ledger
    from aml_retrain.promotion.manifest import Manifest, TargetSpec

__all__ = ["RollbackOutcome", "done_targets", "rollback_switched", "run_entries", "run_status"]

RUN_FIELDS = ("run_id", "run_manifest", "run_wave")
TARGET_SCOPE, RUN_SCOPE = "target", "run"  # the values of a rollback entry's run_rollback


@dataclass(frozen=True)
class RollbackOutcome:
    """One automatic rollback: ``rolled-back``, ``failed``, or ``unknown`` (the write may have landed)."""

    name: str
    target: str
    wave: int
    status: str
    model: str | None = None  # the model restored (or meant to be)
    replaced: str | None = None  # the model this run had switched to
    seq: int | None = None
    message: str = ""
    scope: str = RUN_SCOPE  # "target": one unhealthy target, rolled back at once

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict with the attribute names as keys."""
        return {"name": self.name, "target": self.target, "wave": self.wave, "status": self.status,
                "model": self.model, "replaced": self.replaced, "seq": self.seq,
                "message": self.message, "scope": self.scope}


def _unknown(exc: AmlRetrainError) -> bool:
    """True when the failed rollback's write may still have happened (timeouts, lost answers, 5xx)."""
    if isinstance(exc, (OperationTimeoutError, ConnectionFailedError)):
        return True
    return isinstance(exc, ServiceError) and (exc.status_code or 0) >= 500


def rollback_switched(switched: Iterable[tuple[TargetSpec, str | None]], context: PromotionContext,
                      reason: str, scope: str = RUN_SCOPE) -> tuple[RollbackOutcome, ...]:
    """Roll back every ``(spec, model it switched to)`` through the normal rollback path, in order.

    One target's failure does not stop the others: each outcome says what happened. ``scope``
    only labels the outcomes; the ledger entries get it from the run's :func:`stamper`.
    """
    from dataclasses import replace

    return tuple(replace(o, scope=scope) for o in _rollback_each(switched, context, reason))


def _rollback_each(switched: Iterable[tuple[TargetSpec, str | None]], context: PromotionContext,
                   reason: str) -> list[RollbackOutcome]:
    from aml_retrain.promotion.rollback import rollback

    out = []
    for spec, model in switched:
        base = RollbackOutcome(spec.name, str(spec.target), spec.wave, "failed", replaced=model)
        try:
            done = rollback(spec.target, context, reason=reason)
        except AmlRetrainError as exc:
            text = " ".join(f"{type(exc).__name__}: {exc}".split())
            if _unknown(exc):
                out.append(RollbackOutcome(
                    base.name, base.target, base.wave, "unknown", replaced=model,
                    message=f"unknown — {text}; check with `aml-retrain target show {spec.target}` "
                            f"and `aml-retrain ledger show {spec.target}`, then run `aml-retrain "
                            f"rollback {spec.target}` if it still serves {model}"))
            else:
                out.append(RollbackOutcome(base.name, base.target, base.wave, "failed",
                                           replaced=model, message=text))
            continue
        entry = done.entry or {}
        seq = entry.get("seq") if isinstance(entry.get("seq"), int) else None
        out.append(RollbackOutcome(base.name, base.target, base.wave, "rolled-back",
                                   model=done.new_model, replaced=model, seq=seq,
                                   message=f"restored {done.new_model}"))
    return out


def run_entries(ledger: Ledger, run_id: str) -> list[JsonObject]:
    """Return the promote/rollback entries written by run ``run_id``, oldest first (not wave marks)."""
    from aml_retrain.promotion.ledger import ACTIONS

    return [e for e in ledger.entries() if e.get("run_id") == run_id and e.get("action") in ACTIONS]


def done_targets(manifest: Manifest, ledger: Ledger, run_id: str) -> dict[str, JsonObject]:
    """Return ``{target: promote entry}`` of the targets run ``run_id`` already promoted.

    Refuses (one line) a run the ledger does not know, one recorded with another manifest, and
    one rolled back as a whole (its switches were undone: start a new run instead). A target the
    run rolled back alone (unhealthy) is not done: the resume promotes it again.
    """
    entries = run_entries(ledger, run_id)
    if not entries:
        raise ValidationError(f"the ledger {ledger.location} has no entry of run {run_id}: nothing "
                              "to resume (start the rollout again without --resume)")
    digests = {e.get("run_manifest") for e in entries}
    if digests != {manifest.digest}:
        raise ValidationError(f"run {run_id} was started with another manifest (ledger records "
                              f"{sorted(map(str, digests))[0]}, {manifest.source} is {manifest.digest}): "
                              "resume it with the manifest it started with")
    # A rollback entry without run_rollback predates per-target rollbacks: it undid the run.
    if any(e.get("action") == "rollback" and e.get("run_rollback", RUN_SCOPE) == RUN_SCOPE
           for e in entries):
        raise ValidationError(f"run {run_id} already rolled back its targets: start a new run "
                              "(without --resume) once the cause is fixed")
    latest = {str(e["target"]): e for e in entries}  # oldest first: the last entry wins
    return {t: e for t, e in latest.items() if e.get("action") == "promote"}


def run_status(ledger: Ledger, run_id: str) -> JsonObject:
    """Return what the ledger says of run ``run_id``: per wave and target, its entries and state."""
    entries = run_entries(ledger, run_id)
    if not entries:
        raise ValidationError(f"the ledger {ledger.location} has no entry of run {run_id}: check "
                              "the run id and the ledger setting")
    targets: dict[str, dict[str, Any]] = {}
    for entry in entries:
        row = targets.setdefault(str(entry["target"]), {
            "wave": entry.get("run_wave"), "target": entry["target"], "promoted_seq": None,
            "rolled_back_seq": None, "model": None, "state": None, "time": None, "rollback": None})
        back = entry.get("action") == "rollback"
        row["rolled_back_seq" if back else "promoted_seq"] = entry.get("seq")
        row.update(model=entry.get("new_model"), time=entry.get("time"),
                   state="rolled-back" if back else "promoted",
                   rollback=entry.get("run_rollback", RUN_SCOPE) if back else None)
    rows = sorted(targets.values(), key=_wave_order)
    return {"run_id": run_id, "manifest": entries[0].get("run_manifest"),
            "entries": len(entries), "targets": rows,
            "waves": sorted({r["wave"] for r in rows if isinstance(r["wave"], int)})}


def _wave_order(row: Mapping[str, Any]) -> tuple[int, str]:
    wave = row.get("wave")
    return (wave if isinstance(wave, int) else 0, str(row.get("target")))


def stamper(run_id: str, manifest: Manifest,
            scopes: Mapping[str, str] | None = None) -> Callable[[str], JsonObject]:
    """Return ``target -> run fields`` for the entries the run writes.

    ``scopes`` (target -> TARGET_SCOPE or RUN_SCOPE), filled by the run while it rolls a target
    back, adds ``run_rollback`` to that rollback entry.
    """
    waves = {str(s.target): s.wave for s in manifest.targets}

    def stamp(target: str) -> JsonObject:
        fields: JsonObject = {"run_id": run_id, "run_manifest": manifest.digest,
                              "run_wave": waves.get(target)}
        scope = (scopes or {}).get(target)
        if scope is not None:
            fields["run_rollback"] = scope
        return fields

    return stamp
