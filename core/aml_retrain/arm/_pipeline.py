"""azure-mgmt-resource's client as every ARM caller builds it: token scope, timeouts, retries.

Shared by the web services client (``arm.client``) and the v2 workspace client (``online._arm``);
azure is imported only when a client is built, so ``--help`` stays fast.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aml_retrain._redact import redact_text
from aml_retrain._version import __version__
from aml_retrain.config import DEFAULT_ARM_URL
from aml_retrain.errors import ConfigError, ValidationError

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

__all__ = [
    "CONNECT_TIMEOUT",
    "DEFAULT_ARM_URL",
    "DEFAULT_REQUEST_TIMEOUT",
    "MAX_OPERATION_TIMEOUT",
    "REQUEST_RETRIES",
    "RETRY_BACKOFF_MAX",
    "arm_scope",
    "build_resource_client",
    "check_budget",
    "transport_options",
]

# Per request, as the classic session: azure-core's own defaults (300 s to connect and to read,
# 10 retries with back-off up to 120 s) would wait out any stall far past AML_RETRAIN_TIMEOUT.
DEFAULT_REQUEST_TIMEOUT = 30.0
CONNECT_TIMEOUT = 10.0
REQUEST_RETRIES = 3
RETRY_BACKOFF_MAX = 30
MAX_OPERATION_TIMEOUT = 86400.0


def arm_scope(base_url: str) -> str:
    """The token scope for an ARM host: sovereign clouds have their own audience, the emulator any."""
    host = urlsplit(base_url).hostname or ""
    audience = base_url.rstrip("/") if host.startswith("management.") else DEFAULT_ARM_URL
    return f"{audience}/.default"


def transport_options(timeout: float) -> dict[str, Any]:
    """Return azure-core's per-request timeout and retry options for ``timeout`` seconds."""
    return {
        "connection_timeout": min(CONNECT_TIMEOUT, timeout),
        "read_timeout": timeout,
        "retry_total": REQUEST_RETRIES,
        "retry_backoff_max": RETRY_BACKOFF_MAX,
    }


def build_resource_client(credential: TokenCredential, subscription_id: str, *, base_url: str,
                          ca_bundle: str | None, timeout: float) -> Any:
    """Build a ResourceManagementClient for one subscription; ConfigError for unusable settings."""
    from azure.mgmt.resource.resources import ResourceManagementClient

    try:
        return ResourceManagementClient(
            credential, subscription_id, base_url=base_url.rstrip("/"),
            credential_scopes=[arm_scope(base_url)], connection_verify=ca_bundle or True,
            user_agent=f"aml-retrain/{__version__}", **transport_options(timeout),
        )
    except ValueError as exc:  # azure-core's word for unusable settings
        raise ConfigError(f"cannot build the ARM client: {redact_text(str(exc))}") from exc


def check_budget(timeout: float) -> None:
    """Raise ValidationError unless 0 < ``timeout`` <= one day (refuses nan and inf too)."""
    if not (math.isfinite(timeout) and 0 < timeout <= MAX_OPERATION_TIMEOUT):
        raise ValidationError(
            f"timeout must be more than 0 and at most {MAX_OPERATION_TIMEOUT:g} seconds, got "
            f"{timeout:g}: pass another --timeout"
        )
