"""Promotion targets: a registry of kinds by prefix (``classic:``, ``arm:``), and the clients they use.

Each kind lives in one module of :mod:`aml_retrain.promotion.kinds`; adding a kind is that module
plus one line in ``KINDS``. ``read_state`` reads what a target serves now (and a hash of the state
a deploy depends on); ``deploy`` repoints it through the kind's guarded path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from aml_retrain.arm.client import ArmWebServiceClient
    from aml_retrain.classic.management import ClassicManagementClient
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
KINDS: dict[str, TargetKind] = {kind.prefix: kind for kind in (_classic.KIND, _arm.KIND)}
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
    """What a promotion needs to reach targets: client factories (built once, on first use)."""

    classic_factory: Callable[[], ClassicManagementClient] | None = None
    arm_factory: Callable[[], ArmWebServiceClient] | None = None
    storage_connection_string: str | None = field(default=None, repr=False)
    backup_dir: Path | None = None
    workspace_id: str | None = None
    subscription_id: str | None = None
    _classic: ClassicManagementClient | None = field(default=None, init=False, repr=False)
    _arm: ArmWebServiceClient | None = field(default=None, init=False, repr=False)
    _training: TrainingServices | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Clients:
        """Build factories from resolved settings; nothing is contacted until a client is used."""

        def classic() -> ClassicManagementClient:
            from aml_retrain.classic.management import ClassicManagementClient

            return ClassicManagementClient.from_settings(settings)

        def arm() -> ArmWebServiceClient:
            from aml_retrain.arm.client import ArmWebServiceClient

            return ArmWebServiceClient.from_settings(settings)

        return cls(classic, arm, settings.storage_connection_string, settings.backup_dir,
                   settings.workspace_id, settings.subscription_id)

    def fresh(self) -> Clients:
        """The same factories and settings, no client built yet (one set per thread)."""
        return Clients(self.classic_factory, self.arm_factory, self.storage_connection_string,
                       self.backup_dir, self.workspace_id, self.subscription_id)

    def classic(self) -> ClassicManagementClient:
        """Return the classic management client, building it on first use."""
        if self._classic is None:
            if self.classic_factory is None:
                raise ValidationError("no classic workspace client configured for a classic target")
            self._classic = self.classic_factory()
        return self._classic

    def arm(self) -> ArmWebServiceClient:
        """Return the ARM web service client, building it on first use."""
        if self._arm is None:
            if self.arm_factory is None:
                raise ValidationError("no ARM client configured for an arm target")
            self._arm = self.arm_factory()
        return self._arm

    def training(self) -> TrainingServices:
        """Return the training services of either kind (for jobs), sharing these clients."""
        if self._training is None:
            from aml_retrain.training_services import TrainingServices

            self._training = TrainingServices(classic=self.classic, arm=self.arm)
        return self._training

    def close(self) -> None:
        """Close the clients that were built."""
        if self._training is not None:
            self._training.close()
        for client in (self._classic, self._arm):
            if client is not None:
                client.close()


def read_state(target: Target, context: PromotionContext) -> TargetState:
    """GET the target and return the model it serves and the hash of the state a deploy touches."""
    return kind_of(target).read_state(target, context)


def deploy(target: Target, model_url: str, context: PromotionContext, *,
           dry_run: bool = False) -> JsonObject:
    """Repoint the target at ``model_url`` through the guarded deploy path; return its result."""
    return kind_of(target).deploy(target, model_url, context, dry_run=dry_run)
