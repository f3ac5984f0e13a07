"""Per-invocation state shared by commands: global options, settings and clients."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from aml_retrain_cli import _gc

if TYPE_CHECKING:
    from aml_retrain.arm.client import ArmWebServiceClient
    from aml_retrain.classic.journal import JobJournal
    from aml_retrain.classic.management import ClassicManagementClient
    from aml_retrain.config import Settings
    from aml_retrain.errors import AmlRetrainError
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.gate import Policy
    from aml_retrain.promotion.health import HealthPolicy
    from aml_retrain.promotion.ledger import Ledger
    from aml_retrain.promotion.steps import TrafficSteps
    from aml_retrain.promotion.targets import Clients
    from aml_retrain.training_services import TrainingServices


@dataclass
class State:
    """Global options of one CLI invocation."""

    profile: Path | None = None
    subscription: str | None = None
    ledger_location: str | None = None
    workspace: str | None = None
    token_file: str | None = None
    endpoint_key_file: str | None = None  # set by `classic endpoints set-model` before settings()
    output: str = "table"
    debug: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        """Resolve settings once: options > AML_RETRAIN_* env > profile > defaults."""
        if self._settings is None:
            from aml_retrain.config import Settings

            self._settings = Settings.resolve(
                profile=self.profile,
                workspace_id=self.workspace,
                workspace_token=self._read_token(),
                endpoint_key_file=self.endpoint_key_file,
                subscription_id=self.subscription,
                ledger=self.ledger_location,
            )
        return self._settings

    def explain(self, exc: AmlRetrainError) -> AmlRetrainError:
        """The error as the resolved settings explain it (unchanged if they were never resolved)."""
        return exc if self._settings is None else self._settings.explain(exc)

    def classic_client(self, *, endpoint_key: bool = False) -> ClassicManagementClient:
        """Build the classic management client (workspace token, or the endpoint's API key)."""
        with _gc.paused():  # the build imports requests
            from aml_retrain.classic.management import ClassicManagementClient

            return ClassicManagementClient.from_settings(self.settings(), endpoint_key=endpoint_key)

    def arm_client(self) -> ArmWebServiceClient:
        """Build the ARM web services client (credential chosen by the settings)."""
        with _gc.paused():  # the build imports the Azure SDK: nothing for the collector there
            from aml_retrain.arm.client import ArmWebServiceClient

            return ArmWebServiceClient.from_settings(self.settings())

    def training_services(self) -> TrainingServices:
        """Training services of either kind; a kind's client is built only when a job needs it."""
        from aml_retrain.training_services import TrainingServices

        return TrainingServices(classic=self.classic_client, arm=self.arm_client)

    def ledger(self) -> Ledger:
        """The promotion ledger (local file or append blob)."""
        from aml_retrain.promotion.ledger import open_ledger

        settings = self.settings()
        return open_ledger(settings.ledger, storage_connection_string=settings.storage_connection_string)

    def promotion_clients(self) -> Clients:
        """Clients and settings a promotion needs, built lazily per target kind."""
        from aml_retrain.promotion.targets import Clients

        return Clients.from_settings(self.settings())

    def promotion_context(self, operation_timeout: float | None = None, *,
                          smoke_input: Path | None = None,
                          traffic_steps: TrafficSteps | None = None) -> PromotionContext:
        """Clients, ledger, journal and actor of a promotion command (nothing contacted yet)."""
        from aml_retrain.promotion.context import DEFAULT_OPERATION_TIMEOUT, PromotionContext

        timeout = DEFAULT_OPERATION_TIMEOUT if operation_timeout is None else operation_timeout
        return PromotionContext(self.promotion_clients(), self.ledger(), self.journal(),
                                self.settings().actor, timeout,
                                smoke_input=None if smoke_input is None else str(smoke_input),
                                traffic_steps=traffic_steps)

    def policy(self, path: Path | None, enabled: bool) -> Policy | None:
        """The gate policy from a file, or None (default rules / no gate, per ``enabled``)."""
        if not enabled or path is None:
            return None
        from aml_retrain.promotion.gate import load_policy

        return load_policy(path)

    def policies(self, path: Path | None) -> tuple[Policy | None, HealthPolicy | None]:
        """A policy file's gate rules (None when it has none) and health thresholds (None: no file)."""
        if path is None:
            return None, None
        from aml_retrain.promotion.gate import load_policies

        return load_policies(path)

    def journal(self) -> JobJournal:
        """The local journal of submitted BES jobs."""
        from aml_retrain.classic.journal import JobJournal

        return JobJournal(self.settings().journal_path)

    def _read_token(self) -> str | None:
        # Secrets never travel on argv: a file path, or "-" for stdin.
        # An empty one is refused: falling back to the profile's token would act as someone else.
        if self.token_file is None:
            return None
        source = "stdin" if self.token_file == "-" else self.token_file  # noqa: S105 (marker)
        try:
            token = (sys.stdin.readline() if source == "stdin"
                     else Path(self.token_file).read_text(encoding="utf-8")).strip()
        except OSError as exc:
            raise typer.BadParameter(
                f"cannot read {source}: {exc.strerror}", param_hint="--token-file"
            ) from exc
        except UnicodeDecodeError:
            raise typer.BadParameter(
                f"{source} is not UTF-8 text: pass the file holding the workspace token",
                param_hint="--token-file",
            ) from None
        if not token:
            raise typer.BadParameter(
                f"{source} is empty: put the workspace token on its first line",
                param_hint="--token-file",
            )
        return token

    @property
    def json(self) -> bool:
        """True when the caller asked for machine-readable output."""
        return self.output == "json"


def model_url_arg(value: str | None) -> str | None:
    """A ``--model-url`` value; ``-`` reads it from stdin so a SAS never sits on the command line."""
    return sys.stdin.readline().strip() if value == "-" else value


def state(ctx: typer.Context) -> State:
    """Return the State stored on the root context by the app callback."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):  # commands invoked without the callback (tests)
        root.obj = State()
    st: State = root.obj
    return st
