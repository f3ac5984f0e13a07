"""What a promotion runs with: clients, ledger, journal, actor and per-run caches; its option values.

``promote``, ``make_plan``, ``apply_plan``, ``rollback`` and ``run_fanout`` take a
:class:`PromotionContext`, the model as a :class:`ModelRef` and the gate as :class:`GateOptions`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from aml_retrain._json import JsonObject
from aml_retrain.errors import ValidationError

if TYPE_CHECKING:
    from aml_retrain.classic.journal import JobJournal
    from aml_retrain.config import Settings
    from aml_retrain.promotion.gate import Policy
    from aml_retrain.promotion.ledger import Ledger
    from aml_retrain.promotion.steps import TrafficSteps
    from aml_retrain.promotion.targets import Clients

__all__ = ["NO_GATE", "GateOptions", "ModelRef", "PromotionContext", "RunCaches", "as_model"]

DEFAULT_OPERATION_TIMEOUT = 900.0


@dataclass(frozen=True)
class ModelRef:
    """The model to promote: a reference the target's kind deploys (a blob URL), or a BES job's output."""

    url: str | None = None
    job_id: str | None = None
    training_service: str | None = None  # the training service of ``job_id`` (default: settings')

    def check(self) -> None:
        """Refuse a reference naming both or neither of a URL and a job."""
        if (self.url is None) == (self.job_id is None):
            raise ValidationError("pass exactly one of a model URL or a BES job id to promote")


def as_model(model: ModelRef | str) -> ModelRef:
    """Return ``model`` as a ModelRef; text is a model URL (the library accepts both)."""
    return ModelRef(url=model) if isinstance(model, str) else model


@dataclass(frozen=True)
class GateOptions:
    """How to gate a promotion; the gate runs when ``gate`` is set or a policy is given."""

    policy: Policy | None = None
    gate: bool = False
    force: bool = False
    reason: str | None = None  # why: recorded in the ledger (and needed by ``force``)
    require_baseline: bool = False

    @property
    def enabled(self) -> bool:
        """True when the gate runs: asked for, or implied by a policy."""
        return self.gate or self.policy is not None

    def check(self) -> None:
        """Refuse ``force`` without a reason before any request."""
        if self.force and not (self.reason or "").strip():
            raise ValidationError("--force needs --reason: overriding the gate is recorded with why")


NO_GATE = GateOptions()


class RunCaches:
    """Objects read once per run, shared by a fan-out's threads (each write under one lock).

    ``fingerprints``: model records by model key (one download and hash per model per run);
    ``services``: classic web services by id (stable for a run); ``endpoints``: what read_state
    read, by target, handed to the deploy that follows and then dropped (used once).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: dict[str, dict[Any, JsonObject]] = {}

    def get(self, table: str, key: Any) -> JsonObject | None:
        """Return the cached object, or None."""
        with self._lock:
            return self._tables.get(table, {}).get(key)

    def put(self, table: str, key: Any, value: JsonObject) -> JsonObject:
        """Cache ``value`` and return it."""
        with self._lock:
            self._tables.setdefault(table, {})[key] = value
        return value

    def take(self, table: str, key: Any) -> JsonObject | None:
        """Return and forget the cached object (None when absent)."""
        with self._lock:
            return self._tables.get(table, {}).pop(key, None)


@dataclass
class PromotionContext:
    """Clients, ledger, journal and actor of promotions, with the caches of one run."""

    clients: Clients
    ledger: Ledger | None = None
    journal: JobJournal | None = None
    actor: str | None = None  # who promotes, as the ledger records it (settings' actor)
    # Seconds a write (PATCH and its polling) may take: `--timeout` of promote and friends.
    operation_timeout: float = DEFAULT_OPERATION_TIMEOUT
    # Rows (a CSV/JSON file) the new model must score before the switch (`promote --smoke`);
    # only kinds whose ``smoke_scores`` is True take it.
    smoke_input: str | None = None
    # Move traffic gradually (`promote --steps/--mirror`, manifest rollout.steps/mirror); only
    # kinds whose ``traffic_steps`` is True take it (see promotion.steps).
    traffic_steps: TrafficSteps | None = None
    caches: RunCaches = field(default_factory=RunCaches, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, operation_timeout: float | None = None,
                      ledger: Ledger | None = None, journal: JobJournal | None = None,
                      ) -> PromotionContext:
        """Build a context from resolved settings; nothing is contacted until it is used."""
        from aml_retrain.classic.journal import JobJournal
        from aml_retrain.promotion.ledger import open_ledger
        from aml_retrain.promotion.targets import Clients

        if ledger is None:
            ledger = open_ledger(settings.ledger,
                                 storage_connection_string=settings.storage_connection_string)
        return cls(Clients.from_settings(settings), ledger,
                   journal if journal is not None else JobJournal(settings.journal_path),
                   settings.actor,
                   DEFAULT_OPERATION_TIMEOUT if operation_timeout is None else operation_timeout)

    def who(self, default: str = "unknown") -> str:
        """Return the actor, or ``default`` when none was set."""
        return self.actor or default

    def the_ledger(self) -> Ledger:
        """Return the ledger; a context without one cannot record promotions."""
        if self.ledger is None:
            raise ValidationError("this promotion needs a ledger: build the context with one")
        return self.ledger

    def for_thread(self, ledger: Ledger | None = None) -> PromotionContext:
        """A copy with its own clients (HTTP sessions are per thread), the same caches and journal."""
        return replace(self, clients=self.clients.fresh(),
                       ledger=ledger if ledger is not None else self.ledger)

    def close(self) -> None:
        """Close the clients that were built."""
        self.clients.close()

    def __enter__(self) -> PromotionContext:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
