"""A fan-out run as the ledger records it: rolling back its switches, resuming it, showing it.

Every entry a run writes carries ``run_id``, ``run_manifest`` (the manifest's digest) and
``run_wave``; entries written before run ids existed simply have none and belong to no run.
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

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict with the attribute names as keys."""
        return {"name": self.name, "target": self.target, "wave": self.wave, "status": self.status,
                "model": self.model, "replaced": self.replaced, "seq": self.seq,
                "message": self.message}


def _unknown(exc: AmlRetrainError) -> bool:
    """True when the failed rollback's write may still have happened (timeouts, lost answers, 5xx)."""
    if isinstance(exc, (OperationTimeoutError, ConnectionFailedError)):
        return True
    return isinstance(exc, ServiceError) and (exc.status_code or 0) >= 500


def rollback_switched(switched: Iterable[tuple[TargetSpec, str | None]], context: PromotionContext,
                      reason: str) -> tuple[RollbackOutcome, ...]:
    """Roll back every ``(spec, model it switched to)`` through the normal rollback path, in order.

    One target's failure does not stop the others: each outcome says what happened.
    """
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
    return tuple(out)


def run_entries(ledger: Ledger, run_id: str) -> list[JsonObject]:
    """Return the ledger entries written by run ``run_id``, oldest first."""
    return [e for e in ledger.entries() if e.get("run_id") == run_id]


def done_targets(manifest: Manifest, ledger: Ledger, run_id: str) -> dict[str, JsonObject]:
    """Return ``{target: promote entry}`` of the targets run ``run_id`` already promoted.

    Refuses (one line) a run the ledger does not know, one recorded with another manifest, and
    one that already rolled back (its switches were undone: start a new run instead).
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
    if any(e.get("action") == "rollback" for e in entries):
        raise ValidationError(f"run {run_id} already rolled back its targets: start a new run "
                              "(without --resume) once the cause is fixed")
    return {str(e["target"]): e for e in entries if e.get("action") == "promote"}


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
            "rolled_back_seq": None, "model": None, "state": None, "time": None})
        key = "promoted_seq" if entry.get("action") == "promote" else "rolled_back_seq"
        row[key] = entry.get("seq")
        row.update(model=entry.get("new_model"), time=entry.get("time"),
                   state="rolled-back" if entry.get("action") == "rollback" else "promoted")
    rows = sorted(targets.values(), key=_wave_order)
    return {"run_id": run_id, "manifest": entries[0].get("run_manifest"),
            "entries": len(entries), "targets": rows,
            "waves": sorted({r["wave"] for r in rows if isinstance(r["wave"], int)})}


def _wave_order(row: Mapping[str, Any]) -> tuple[int, str]:
    wave = row.get("wave")
    return (wave if isinstance(wave, int) else 0, str(row.get("target")))


def stamper(run_id: str, manifest: Manifest) -> Callable[[str], JsonObject]:
    """Return ``target -> run fields`` for the entries the run writes."""
    waves = {str(s.target): s.wave for s in manifest.targets}
    return lambda target: {"run_id": run_id, "run_manifest": manifest.digest,
                           "run_wave": waves.get(target)}
