"""Kinds of promotion target: one module per kind, each implementing :class:`TargetKind`.

Code outside this package never names a kind: it asks the registry in ``targets.py`` for the
target's kind and calls it. What a model *is* (a blob URL, a registered model version) is the
kind's business too: generic code only passes the reference along and records ``model_key``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from aml_retrain._json import JsonObject

if TYPE_CHECKING:
    from aml_retrain.config import Settings
    from aml_retrain.evaluation import Metrics
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.health import Probe, ProbeResult

__all__ = [
    "JsonObject",
    "Target",
    "TargetKind",
    "TargetState",
    "canonical_hash",
    "path_parts",
    "strip_sas",
]



def canonical_hash(value: Any) -> str:
    """Return the hex sha256 of the canonical JSON (the ledger's form) of ``value``."""
    from aml_retrain.promotion.ledger import canonical_json

    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def strip_sas(url: str) -> str:
    """Return a blob URL without its query (the SAS): the form models are recorded in."""
    return url.split("?", 1)[0]


def path_parts(path: str, count: int, form: str, prefix: str) -> list[str]:
    """Split a target's path on '/' into exactly ``count`` non-empty parts, else ValidationError."""
    from aml_retrain.errors import ValidationError

    parts = path.split("/")
    if len(parts) != count or not all(parts):
        raise ValidationError(f"expected exactly {form} after '{prefix}:'")
    return parts


class Target(Protocol):
    """A parsed target: ``kind`` is its registry prefix, ``str()`` its canonical text (ledger key)."""

    @property
    def kind(self) -> str: ...

    def __str__(self) -> str: ...


@dataclass(frozen=True)
class TargetState:
    """What a target serves now: model (as ``model_key`` records it), a hash of the live state, detail."""

    target: Target
    model_url: str
    state_hash: str
    detail: JsonObject
    raw: JsonObject = field(repr=False)

    def to_dict(self) -> JsonObject:
        """Return a JSON-ready dict (the raw live object is left out)."""
        return {"target": str(self.target), "model_url": self.model_url,
                "state_hash": self.state_hash, "detail": dict(self.detail)}


class TargetKind(Protocol):
    """What promotion needs from a kind of target; one instance per kind, in the registry."""

    prefix: str  # "classic": targets read "classic:…"
    forms: tuple[str, ...]  # the accepted target forms, for help and errors
    usage: str  # the forms in one, for --help: "classic:SERVICE_ID/ENDPOINT[#RESOURCE]"
    # True when the kind takes a read SAS apart from the model URL, so a fan-out may mint one per
    # model and share it (a kind that stores the URL as given must not get a SAS in it).
    shares_sas: bool
    # True when retraining (a manifest's ``data``) runs on a separate training service, so a
    # ``training_service`` must be named; False when the kind re-runs the job behind its model.
    needs_training_service: bool
    # True when deploy can score ``context.smoke_input`` on the new model before the switch
    # (promote --smoke); a kind without it refuses the option before any request.
    smoke_scores: bool
    # True when deploy can move traffic in steps (``context.traffic_steps``: promote --steps and
    # --mirror); a kind that swaps the model whole refuses them before any request.
    traffic_steps: bool

    def parse(self, path: str, selector: str | None) -> Target:
        """Parse the text after ``prefix:`` (``selector`` is what followed ``#``); ValidationError if bad."""

    def make_client(self, settings: Settings) -> Any:
        """Build the API client this kind's targets use (``context.clients.get(prefix)``); no request."""

    def read_state(self, target: Target, context: PromotionContext) -> TargetState:
        """GET the target: the model it serves, the hash of the state a deploy depends on, detail."""

    def deploy(self, target: Target, model: str, context: PromotionContext, *,
               dry_run: bool = False) -> JsonObject:
        """Point the target at ``model`` through the guarded path (backup, write, read-back)."""

    def plan_change(self, shown: Mapping[str, Any]) -> JsonObject:
        """Return the plan's ``change`` from a dry-run deploy's result (no secret in it)."""

    def probe(self, target: Target, context: PromotionContext, probe: Probe, *,
              deployment: str | None = None,
              clock: Callable[[], float] = time.perf_counter) -> ProbeResult:
        """Score each probe row (one request each) against what ``target`` serves now, timed."""

    def model_key(self, target: Target, model: str) -> str:
        """Validate a model reference and return it as the ledger records it (no secret)."""

    def model_from_job(self, target: Target, context: PromotionContext, job_id: str,
                       training_service: str | None,
                       *, want_metrics: bool) -> tuple[str, Metrics | None]:
        """Return the model a training job produced (deployable as is) and, if wanted, its metrics."""

    def job_metrics(self, target: Target, context: PromotionContext, job_id: str,
                    training_service: str | None) -> Metrics | None:
        """Return a training job's evaluation metrics (None when it has none), for the gate."""

    def retrain(self, target: Target, context: PromotionContext, data: str,
                training_service: str | None, *, budget: float) -> tuple[str, Metrics | None]:
        """Train a model for ``target`` on ``data``; return the job id and its metrics (fan-out)."""

    def fresh_model(self, target: Target, planned: str, context: PromotionContext,
                    from_job: Callable[[], str] | None) -> str:
        """Return what to deploy for a reviewed plan's model (e.g. with a fresh SAS)."""

    def fingerprint_of(self, target: Target, context: PromotionContext, model: str,
                    key: str) -> tuple[JsonObject, list[str]]:
        """Return the ledger's ``blob`` record of the model to deploy, and notices."""

    def check_restorable(self, target: Target, context: PromotionContext, key: str,
                         chosen: Mapping[str, Any]) -> JsonObject:
        """Refuse a rollback to a model gone or changed since ``chosen``; return its record."""
