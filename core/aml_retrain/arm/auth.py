"""Credentials for ARM: a static bearer token, or one explicitly chosen azure-identity credential.

azure-identity is imported inside ``make_credential`` so importing this module stays cheap.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aml_retrain.errors import ConfigError

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken, AccessTokenInfo, TokenCredential

    from aml_retrain.config import Settings

__all__ = ["StaticTokenCredential", "describe_auth", "make_credential"]

# A static token is whatever the caller gave us; we cannot refresh it, so claim a far expiry
# and let the service answer 401 when it is really stale.
_FAR_AHEAD = 10 * 365 * 24 * 3600


class StaticTokenCredential:
    """A TokenCredential that always returns one bearer token (for CI secrets and the emulator)."""

    def __init__(self, token: str) -> None:
        token = token.strip()
        if token.lower().startswith("bearer "):
            token = token[len("bearer ") :].strip()
        if not token:
            raise ConfigError("the ARM token is empty: set AML_RETRAIN_ARM_TOKEN to a bearer token")
        self._token = token

    def __repr__(self) -> str:
        return "StaticTokenCredential(token='<hidden>')"

    __str__ = __repr__

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        """Return the token with a far-future expiry, whatever the scopes."""
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + _FAR_AHEAD)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        """Return the token as AccessTokenInfo (azure-core prefers this method when present)."""
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo(self._token, int(time.time()) + _FAR_AHEAD)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> StaticTokenCredential:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


def make_credential(settings: Settings) -> TokenCredential:
    """Build the credential ``settings.auth`` names (``token`` needs ``settings.arm_token``)."""
    mode = settings.auth
    if mode == "token":
        if not settings.arm_token:
            raise ConfigError(
                "auth mode 'token' needs a bearer token: set AML_RETRAIN_ARM_TOKEN "
                "(or arm_token in the profile), or choose AML_RETRAIN_AUTH=cli|env|default"
            )
        return StaticTokenCredential(settings.arm_token)
    import azure.identity as identity

    # Only the identity the user asked for: a silently different one surprises CI users.
    if mode == "cli":
        return identity.AzureCliCredential(tenant_id=settings.tenant_id or "")
    if mode == "env":
        return identity.EnvironmentCredential()
    if mode == "workload":
        return identity.WorkloadIdentityCredential(
            tenant_id=settings.tenant_id, client_id=settings.client_id
        )
    if mode == "managed":
        return identity.ManagedIdentityCredential(client_id=settings.client_id)
    if mode == "pipelines":
        return _pipelines_credential(settings)
    return identity.DefaultAzureCredential()


def _pipelines_credential(settings: Settings) -> TokenCredential:
    import azure.identity as identity

    missing = [
        name
        for name, value in (
            ("AZURE_TENANT_ID (or AZURESUBSCRIPTION_TENANT_ID)", settings.tenant_id),
            ("AZURE_CLIENT_ID (or AZURESUBSCRIPTION_CLIENT_ID)", settings.client_id),
            ("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", settings.service_connection_id),
            ("SYSTEM_ACCESSTOKEN (map $(System.AccessToken))", settings.system_access_token),
        )
        if not value
    ]
    if missing:
        raise ConfigError(f"auth mode 'pipelines' needs {', '.join(missing)}")
    assert settings.tenant_id and settings.client_id  # narrowed by the check above
    assert settings.service_connection_id and settings.system_access_token
    return identity.AzurePipelinesCredential(
        tenant_id=settings.tenant_id,
        client_id=settings.client_id,
        service_connection_id=settings.service_connection_id,
        system_access_token=settings.system_access_token,
    )


_MODE_CLASSES = {
    "token": "StaticTokenCredential",
    "default": "DefaultAzureCredential",
    "cli": "AzureCliCredential",
    "env": "EnvironmentCredential",
    "workload": "WorkloadIdentityCredential",
    "managed": "ManagedIdentityCredential",
    "pipelines": "AzurePipelinesCredential",
}


def describe_auth(settings: Settings) -> dict[str, Any]:
    """Return which credential, subscription and ARM URL would be used; never the token."""
    info: dict[str, Any] = {
        "credential": _MODE_CLASSES.get(settings.auth, settings.auth),
        "mode": settings.auth,
        "subscription_id": settings.subscription_id,
        "arm_url": settings.arm_url,
    }
    if settings.tenant_id:
        info["tenant_id"] = settings.tenant_id
    if settings.client_id:
        info["client_id"] = settings.client_id
    return info
