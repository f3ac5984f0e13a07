"""Promotion targets: a registry of kinds by prefix (``classic:``, ``arm:``), and the clients they use.

Each kind lives in one module of :mod:`aml_retrain.promotion.kinds`; adding a kind is that module
plus one line in ``KINDS``. ``read_state`` reads what a target serves now (and a hash of the state
a deploy depends on); ``deploy`` repoints it through the kind's guarded path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aml_retrain.errors import ValidationError
from aml_retrain.promotion.kinds import (
    JsonObject,
    Target,
    TargetKind,
    TargetState,
    canonical_hash,
    strip_sas,
)
from aml_retrain.promotion.kinds import arm as _arm
from aml_retrain.promotion.kinds import classic as _classic
from aml_retrain.promotion.kinds import online as _online

if TYPE_CHECKING:
    from aml_retrain.config import Settings
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.training_services import TrainingServices

__all__ = [
    "KINDS",
    "TARGET_FORMS",
    "TARGET_USAGE",
    "Clients",
    "Target",
    "TargetKind",
    "TargetState",
    "as_target",
    "canonical_hash",
    "deploy",
    "kind_of",
    "parse_target",
    "read_state",
    "strip_sas",
]

# The kinds of target, by prefix; the order is the one help and errors list them in.
KINDS: dict[str, TargetKind] = {kind.prefix: kind for kind in (_classic.KIND, _arm.KIND, _online.KIND)}
TARGET_FORMS = tuple(form for kind in KINDS.values() for form in kind.forms)
TARGET_USAGE = " or ".join(kind.usage for kind in KINDS.values())


def kind_of(target: Target) -> TargetKind:
    """Return the kind that handles ``target``."""
    return KINDS[target.kind]


def as_target(target: Target | str) -> Target:
    """Return ``target`` parsed when it is text (the library accepts both)."""
    return parse_target(target) if isinstance(target, str) else target


def _bad(text: str, why: str) -> ValidationError:
    forms = ", ".join(TARGET_FORMS)
    return ValidationError(f"invalid target {text!r}: {why}; accepted forms are {forms}")


def parse_target(text: str) -> Target:
    """Parse ``PREFIX:PATH[#SELECTOR]`` with the kind named by the prefix (see ``TARGET_FORMS``)."""
    raw = text.strip()
    prefix, colon, rest = raw.partition(":")
    kind = KINDS.get(prefix.lower()) if colon else None
    if kind is None:
        names = [f"'{p}:'" for p in KINDS]
        starts = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        raise _bad(text, f"it must start with {starts}")
    path, hash_sign, selector = rest.partition("#")
    if hash_sign and not selector.strip():
        raise _bad(text, "nothing after '#': name the resource or asset, or drop the '#'")
    try:
        return kind.parse(path, selector.strip() or None)
    except ValidationError as exc:
        raise _bad(text, str(exc)) from None


@dataclass
class Clients:
    """What a promotion needs to reach targets: one client factory per kind, each built on first use.

    ``factories`` maps a kind's prefix to a callable that builds its client (by default the kind's
    ``make_client`` on the settings); a kind asks for its own with ``get(prefix)``.
    """

    factories: Mapping[str, Callable[[], Any]] = field(default_factory=dict)
    storage_connection_string: str | None = field(default=None, repr=False)
    backup_dir: Path | None = None
    workspace_id: str | None = None
    subscription_id: str | None = None
    _built: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _training: TrainingServices | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Clients:
        """Build factories from resolved settings; nothing is contacted until a client is used."""
        factories = {prefix: partial(kind.make_client, settings) for prefix, kind in KINDS.items()}
        return cls(factories, settings.storage_connection_string, settings.backup_dir,
                   settings.workspace_id, settings.subscription_id)

    def fresh(self) -> Clients:
        """The same factories and settings, no client built yet (one set per thread)."""
        return Clients(self.factories, self.storage_connection_string, self.backup_dir,
                       self.workspace_id, self.subscription_id)

    def get(self, prefix: str) -> Any:
        """Return the client of the kind ``prefix``, building it on first use."""
        client = self._built.get(prefix)
        if client is None:
            factory = self.factories.get(prefix)
            if factory is None:
                raise ValidationError(f"no client configured for {prefix}: targets")
            client = self._built[prefix] = factory()
        return client

    def training(self) -> TrainingServices:
        """Return the BES training services (classic ids or ``arm:RG/NAME``), sharing these clients."""
        if self._training is None:
            from aml_retrain.training_services import TrainingServices

            # Training references name a classic or an ARM web service: their kinds' clients serve them.
            self._training = TrainingServices(classic=partial(self.get, "classic"),
                                              arm=partial(self.get, "arm"))
        return self._training

    def close(self) -> None:
        """Close the clients that were built."""
        if self._training is not None:
            self._training.close()
        for client in self._built.values():
            client.close()


def read_state(target: Target, context: PromotionContext) -> TargetState:
    """GET the target and return the model it serves and the hash of the state a deploy touches."""
    return kind_of(target).read_state(target, context)


def deploy(target: Target, model_url: str, context: PromotionContext, *,
           dry_run: bool = False) -> JsonObject:
    """Repoint the target at ``model_url`` through the guarded deploy path; return its result."""
    return kind_of(target).deploy(target, model_url, context, dry_run=dry_run)
