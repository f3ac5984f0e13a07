"""OnlineClient: one Azure ML v2 workspace's endpoints, deployments, models, jobs and metrics.

ARM calls go through azure-mgmt-resource (``_arm.ArmJson``) with the azure-identity credential
``arm.auth.make_credential`` builds; MLflow and scoring go through ``_http``. No azure-ai-ml.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aml_retrain.arm._pipeline import DEFAULT_ARM_URL, DEFAULT_REQUEST_TIMEOUT
from aml_retrain.online._arm import API_VERSION, ArmJson
from aml_retrain.online._base import Waiter
from aml_retrain.online.jobs import JobOps
from aml_retrain.online.jobspec import load_job_spec
from aml_retrain.online.mlflow import MetricsOps
from aml_retrain.online.names import check_subscription

if TYPE_CHECKING:
    import requests
    from azure.core.credentials import TokenCredential

    from aml_retrain._json import JsonObject
    from aml_retrain.config import Settings

__all__ = ["OnlineClient"]


class OnlineClient(JobOps, MetricsOps):
    """Azure ML v2 managed online endpoints of one workspace, and the models and jobs behind them."""

    def __init__(
        self, subscription_id: str, credential: TokenCredential, resource_group: str,
        workspace: str, *, base_url: str = DEFAULT_ARM_URL, ca_bundle: str | None = None,
        api_version: str = API_VERSION, polling_interval: float | None = None,
        timeout: float = DEFAULT_REQUEST_TIMEOUT, resource_client: Any = None,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        arm = ArmJson(check_subscription(subscription_id), credential, base_url=base_url,
                      ca_bundle=ca_bundle, api_version=api_version,
                      polling_interval=polling_interval, timeout=timeout,
                      resource_client=resource_client)
        super().__init__(arm, resource_group, workspace, session=session,
                         waiter=Waiter(arm.polling_interval, clock=clock, sleep=sleep))

    def __repr__(self) -> str:
        return (f"OnlineClient(workspace_id={self.workspace_id!r}, base_url={self._arm.base_url!r}, "
                f"credential={type(self._arm.credential).__name__})")

    @classmethod
    def from_settings(cls, settings: Settings, resource_group: str, workspace: str, *,
                      polling_interval: float | None = None) -> OnlineClient:
        """Build a client from resolved settings (subscription, ARM URL, auth mode, CA bundle)."""
        from aml_retrain.arm.auth import make_credential

        return cls(
            settings.require_subscription(), make_credential(settings), resource_group, workspace,
            base_url=settings.arm_url, ca_bundle=settings.ca_bundle,
            polling_interval=settings.poll_interval if polling_interval is None else polling_interval,
            timeout=settings.timeout,
        )

    def load_job_spec(self, path: str | Path) -> JsonObject:
        """Read an ``az ml job`` YAML file into a CommandJob body for this workspace."""
        return load_job_spec(path, self.workspace_id)

    def close(self) -> None:
        """Close the ARM pipeline and the data-plane session, if this client made them."""
        self._arm.close()
        if self._owns_session and self._http_session is not None:
            self._http_session.close()

    def __enter__(self) -> OnlineClient:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()
