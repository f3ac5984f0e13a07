"""Settings, resolved once: explicit argument > ``AML_RETRAIN_*`` environment > profile > default.

This is the only module that reads ``os.environ``.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aml_retrain._redact import redact_url
from aml_retrain._structured import json_loads
from aml_retrain.errors import AmlRetrainError, ConfigError, ConnectionFailedError

__all__ = [
    "AUTH_MODES",
    "DEFAULT_ARM_URL",
    "DEFAULT_REGION",
    "DEFAULT_TIMEOUT",
    "MAX_SECONDS",
    "REGION_MANAGEMENT_URLS",
    "Settings",
]

ENV_PREFIX = "AML_RETRAIN_"
DEFAULT_REGION = "southcentralus"
DEFAULT_TIMEOUT = 30.0
# Longer than any sane wait, and small enough for socket and thread timeouts (no OverflowError).
MAX_SECONDS = 86400.0

# Management hosts per workspace region (classic Studio, PS-SDK SetApiUrl).
REGION_MANAGEMENT_URLS: Mapping[str, str] = {
    "southcentralus": "https://management.azureml.net",
    "westeurope": "https://europewest.management.azureml.net",
    "southeastasia": "https://asiasoutheast.management.azureml.net",
    "japaneast": "https://japaneast.management.azureml.net",
    "westcentralus": "https://uswestcentral.management.azureml.net",
    "germanycentral": "https://germanycentral.management.azureml.de",
}

DEFAULT_ARM_URL = "https://management.azure.com"
# "token" = a static bearer token; the rest name the azure-identity credential to build.
AUTH_MODES = ("token", "default", "cli", "env", "workload", "managed", "pipelines")

_SECRET_FIELDS = frozenset(
    {"workspace_token", "endpoint_key", "storage_connection_string", "arm_token",
     "system_access_token"}
)


def default_profile_path() -> Path:
    """Return ``~/.aml-retrain/profile.json`` (used only when it exists)."""
    return Path.home() / ".aml-retrain" / "profile.json"


def default_ledger_path() -> Path:
    """Return ``~/.aml-retrain/ledger.jsonl``, the promotion ledger used when none is set."""
    return Path.home() / ".aml-retrain" / "ledger.jsonl"

_WORKSPACE_ID = re.compile(r"[0-9a-fA-F]{32}")


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one run; secrets are shown as ``<hidden>`` in its repr."""

    workspace_id: str | None = None
    workspace_token: str | None = field(default=None, repr=False)
    # An endpoint's API key: set-model can run with it alone (azuremlps README: the endpoint
    # key works "in lieu of" the workspace token for that endpoint's management calls).
    endpoint_key: str | None = field(default=None, repr=False)
    region: str = DEFAULT_REGION
    management_url: str = REGION_MANAGEMENT_URLS[DEFAULT_REGION]
    ca_bundle: str | None = None
    storage_connection_string: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    # Seconds between polls of an ARM async operation when the service sends no Retry-After.
    poll_interval: float | None = None
    online_keep: int = 1  # idle deployments an online promotion keeps (the rollback's first)
    profile_path: Path | None = None
    backup_dir: Path = field(default_factory=lambda: Path.home() / ".aml-retrain" / "backups")
    journal_path: Path = field(default_factory=lambda: Path.home() / ".aml-retrain" / "jobs.jsonl")
    # A path or az://container/blob; kept as text so the blob form passes through unchanged.
    ledger: str = field(default_factory=lambda: str(default_ledger_path()))
    actor: str = "unknown"
    subscription_id: str | None = None
    arm_url: str = DEFAULT_ARM_URL
    arm_token: str | None = field(default=None, repr=False)
    auth: str = "default"
    tenant_id: str | None = None
    client_id: str | None = None
    service_connection_id: str | None = None
    system_access_token: str | None = field(default=None, repr=False)
    # Set when the profile was written by `aml-retrain emulator start` (its "emulator" key), with
    # the (host, port) of every endpoint that profile names: the emulator's and its Azurite's.
    emulator_url: str | None = None
    emulator_addresses: frozenset[tuple[str, int]] = frozenset()

    def __repr__(self) -> str:
        shown = []
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            text = "<hidden>" if name in _SECRET_FIELDS and value else repr(value)
            shown.append(f"{name}={text}")
        return f"Settings({', '.join(shown)})"

    @classmethod
    def resolve(
        cls,
        *,
        profile: str | Path | None = None,
        workspace_id: str | None = None,
        workspace_token: str | None = None,
        endpoint_key_file: str | Path | None = None,
        region: str | None = None,
        management_url: str | None = None,
        ca_bundle: str | Path | None = None,
        storage_connection_string: str | None = None,
        timeout: float | None = None,
        poll_interval: float | None = None,
        backup_dir: str | Path | None = None,
        journal_path: str | Path | None = None,
        ledger: str | Path | None = None,
        actor: str | None = None,
        subscription_id: str | None = None,
        arm_url: str | None = None,
        arm_token: str | None = None,
        auth: str | None = None,
        tenant_id: str | None = None,
        client_id: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Settings:
        """Merge explicit values, ``AML_RETRAIN_*`` variables, the profile file and defaults.

        The endpoint key comes from ``endpoint_key_file`` or ``AML_RETRAIN_ENDPOINT_KEY`` only:
        it belongs to one endpoint, so no profile key holds it.
        """
        environ = os.environ if env is None else env
        profile_path, data = _load_profile(profile, environ)
        source = _Layers(environ, data, profile_path)
        region_value = _normalize_region(source.pick(region, "REGION", "region") or DEFAULT_REGION)
        url = source.pick(management_url, "MANAGEMENT_URL", "management_url")
        if url is None:
            url = _region_url(region_value)
        bundle = source.pick(
            str(ca_bundle) if ca_bundle is not None else None, "CA_BUNDLE", "ca_bundle"
        )
        return cls(
            workspace_id=source.pick(workspace_id, "WORKSPACE_ID", "workspace_id"),
            workspace_token=source.pick(workspace_token, "WORKSPACE_TOKEN", "workspace_token"),
            endpoint_key=source.pick(_read_secret_file(endpoint_key_file, "--endpoint-key-file"),
                                     "ENDPOINT_KEY", ""),
            region=region_value,
            management_url=_check_url(url),
            ca_bundle=_check_ca_bundle(bundle),
            storage_connection_string=source.pick(
                storage_connection_string, "STORAGE_CONNECTION_STRING", "storage_connection_string"
            ),
            timeout=_resolve_timeout(timeout, source),
            poll_interval=(
                _resolve_seconds(poll_interval, source, "POLL_INTERVAL", "poll_interval", 0.0,
                                 allow_zero=True)
                if poll_interval is not None or source.pick(None, "POLL_INTERVAL", "poll_interval")
                is not None else None
            ),
            online_keep=_resolve_keep(source),
            profile_path=profile_path,
            backup_dir=Path(
                source.pick(str(backup_dir) if backup_dir else None, "BACKUP_DIR", "backup_dir")
                or Path.home() / ".aml-retrain" / "backups"
            ).expanduser(),
            journal_path=Path(
                source.pick(str(journal_path) if journal_path else None, "JOURNAL", "journal")
                or Path.home() / ".aml-retrain" / "jobs.jsonl"
            ).expanduser(),
            ledger=_resolve_ledger(ledger, source),
            actor=_resolve_actor(actor, source),
            emulator_url=_emulator_url(data),
            emulator_addresses=_profile_addresses(data) if _emulator_url(data) else frozenset(),
            **_arm_settings(
                source, subscription_id=subscription_id, arm_url=arm_url, arm_token=arm_token,
                auth=auth, tenant_id=tenant_id, client_id=client_id,
            ),
        )

    def explain(self, exc: AmlRetrainError) -> AmlRetrainError:
        """Return ``exc`` as these settings' user should read it.

        Under an emulator profile, a connection refused by one of the profile's own endpoints
        (the emulator's or its Azurite's, not one set elsewhere) means the emulator is not
        running: say so, and how to start it.
        """
        if (self.emulator_url and isinstance(exc, ConnectionFailedError)
                and exc.refused_address() in self.emulator_addresses):
            return ConnectionFailedError.emulator_not_running(self.emulator_url, exc)
        return exc

    def require_workspace(self) -> tuple[str, str]:
        """Return ``(workspace_id, workspace_token)`` or raise ConfigError naming what to set."""
        workspace_id = self._require_workspace_id("or workspace_id in the profile")
        if not self.workspace_token:
            raise ConfigError(
                "no workspace token: set AML_RETRAIN_WORKSPACE_TOKEN, pass --token-file "
                "(or workspace_token in the profile); find it in Studio → Settings → "
                "Authorization Tokens"
            )
        return workspace_id, self.workspace_token

    def require_endpoint_key(self) -> tuple[str, str]:
        """Return ``(workspace_id, endpoint_key)`` or raise ConfigError naming what to set."""
        workspace_id = self._require_workspace_id("the endpoint key alone does not name it")
        if not self.endpoint_key:
            raise ConfigError(
                "no endpoint key: set AML_RETRAIN_ENDPOINT_KEY or pass --endpoint-key-file PATH "
                "(the endpoint's PrimaryKey or SecondaryKey)"
            )
        return workspace_id, self.endpoint_key

    def _require_workspace_id(self, hint: str) -> str:
        if not self.workspace_id:
            raise ConfigError(
                f"no workspace id: pass --workspace or set AML_RETRAIN_WORKSPACE_ID ({hint})"
            )
        # CLASSIC-API.md §2: workspaceId is 32 hex digits (Studio → Settings → Workspace ID).
        if not _WORKSPACE_ID.fullmatch(self.workspace_id):
            raise ConfigError(
                f"workspace id {self.workspace_id[:40]!r} is not 32 hex digits: copy the "
                "Workspace ID from Studio → Settings (--workspace / AML_RETRAIN_WORKSPACE_ID)"
            )
        return self.workspace_id

    def require_storage(self) -> str:
        """Return the storage connection string or raise ConfigError naming what to set."""
        if not self.storage_connection_string:
            raise ConfigError(
                "no storage connection string: set AML_RETRAIN_STORAGE_CONNECTION_STRING "
                "(or storage_connection_string in the profile)"
            )
        return self.storage_connection_string

    def require_subscription(self) -> str:
        """Return the Azure subscription id or raise ConfigError naming what to set."""
        if not self.subscription_id:
            raise ConfigError(
                "no Azure subscription id: pass --subscription or set AML_RETRAIN_SUBSCRIPTION_ID "
                "(or AZURE_SUBSCRIPTION_ID, or subscription_id in the profile)"
            )
        return self.subscription_id


class _Layers:
    """Looks a setting up in the env mapping, then the profile data."""

    def __init__(self, environ: Mapping[str, str], data: Mapping[str, Any], path: Path | None):
        self.environ = environ
        self.data = data
        self.path = path

    def pick(self, explicit: str | None, env_suffix: str, key: str) -> str | None:
        if explicit is not None and explicit != "":
            return explicit.strip()
        from_env = self.environ.get(ENV_PREFIX + env_suffix)
        if from_env:
            return from_env.strip()
        return self.from_profile(key)

    def pick_env_first(self, explicit: str | None, env_suffix: str, key: str,
                       *fallback_env: str) -> str | None:
        """Like ``pick`` but standard variables (AZURE_*, pipeline ones) come before the profile."""
        value = self.pick(explicit, env_suffix, "")
        if value is not None:
            return value
        for name in fallback_env:
            if self.environ.get(name):
                return self.environ[name].strip()
        return self.from_profile(key)

    def from_profile(self, key: str) -> str | None:
        value = self.data.get(key) if key else None
        if value is None or value == "":
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigError(f"profile {self.path}: {key!r} must be a string")
        return str(value).strip()


def _read_secret_file(path: str | Path | None, option: str) -> str | None:
    # A secret's file is read here, like any other setting, so it never has to sit on argv.
    if path is None or str(path) == "":
        return None
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read {option} {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{option} {path} is not UTF-8 text: put the key on its first line") from None
    if not text:
        raise ConfigError(f"{option} {path} is empty: put the key on its first line")
    return text


def _load_profile(
    profile: str | Path | None, environ: Mapping[str, str]
) -> tuple[Path | None, Mapping[str, Any]]:
    # A path the user named must exist; the default one is optional.
    named = profile if profile not in (None, "") else environ.get(ENV_PREFIX + "PROFILE")
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"profile {path} not found: check --profile / AML_RETRAIN_PROFILE "
                "(start the emulator to create one)"
            )
    else:
        path = default_profile_path()
        if not path.is_file():
            return None, {}
    try:
        data = json_loads(path.read_text(encoding="utf-8-sig"), f"profile {path}")
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"profile {path} is not valid JSON (line {exc.lineno}, column {exc.colno}): "
            "fix or delete it"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"profile {path} cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"profile {path} must hold a JSON object, not {type(data).__name__}")
    return path, data


def _emulator_url(data: Mapping[str, Any]) -> str | None:
    emulator = data.get("emulator")
    url = emulator.get("url") if isinstance(emulator, dict) else None
    return url if isinstance(url, str) and url else None


def _profile_addresses(data: Mapping[str, Any]) -> frozenset[tuple[str, int]]:
    """``(host, port)`` of each endpoint a profile names (URLs, the storage BlobEndpoint)."""
    emulator = data.get("emulator")
    urls = [data.get("management_url"), data.get("arm_url"),
            emulator.get("url") if isinstance(emulator, dict) else None]
    storage = data.get("storage_connection_string")
    if isinstance(storage, str):
        urls += [part.split("=", 1)[1] for part in storage.split(";")
                 if part.strip().lower().startswith("blobendpoint=")]
    found = set()
    for url in urls:
        if not isinstance(url, str):
            continue
        try:
            parts = urlsplit(url.strip())
            port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
        except ValueError:
            continue
        if parts.hostname and port:
            found.add((parts.hostname.lower(), port))
    return frozenset(found)


def _resolve_ledger(explicit: str | Path | None, source: _Layers) -> str:
    value = source.pick(str(explicit) if explicit else None, "LEDGER", "ledger")
    if value is None:
        return str(default_ledger_path())
    return value if value.startswith("az://") else os.path.expanduser(value)


# Who is promoting: pipeline identities first, then the login name; never a token variable.
_ACTOR_ENV = ("BUILD_REQUESTEDFOREMAIL", "BUILD_REQUESTEDFOR", "GITHUB_ACTOR", "USER", "USERNAME")


def _resolve_actor(explicit: str | None, source: _Layers) -> str:
    value = source.pick_env_first(explicit, "ACTOR", "", *_ACTOR_ENV)
    # One line only: the actor is written into ledger entries and printed in tables.
    return " ".join(value.split()) if value and value.strip() else "unknown"


def _normalize_region(region: str) -> str:
    # Accept the portal's display form ("West Europe") as well as the short name.
    return "".join(region.split()).lower()


def _region_url(region: str) -> str:
    try:
        return REGION_MANAGEMENT_URLS[region]
    except KeyError:
        valid = ", ".join(sorted(REGION_MANAGEMENT_URLS))
        raise ConfigError(
            f"unknown region {region!r}: use one of {valid}, or set the management URL "
            "(AML_RETRAIN_MANAGEMENT_URL)"
        ) from None


def _check_url(url: str) -> str:
    # The workspace token travels with every request: never over plain http (the emulator is https).
    if not url.startswith("https://"):
        raise ConfigError(
            f"management URL {redact_url(url)!r} must start with https:// (check "
            "AML_RETRAIN_MANAGEMENT_URL; the emulator serves HTTPS, trust it with "
            "AML_RETRAIN_CA_BUNDLE)"
        )
    return url.rstrip("/")


def _check_ca_bundle(bundle: str | None) -> str | None:
    if bundle is None:
        return None
    path = Path(bundle).expanduser()
    if not path.exists():
        raise ConfigError(f"CA bundle {path} not found: check AML_RETRAIN_CA_BUNDLE or the profile")
    return str(path)


def _resolve_seconds(
    explicit: float | None, source: _Layers, env_suffix: str, key: str, default: float, *,
    allow_zero: bool = False,
) -> float:
    raw: str | float | None = explicit
    if raw is None:
        raw = source.pick(None, env_suffix, key)
    if raw is None:
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        value = math.nan
    low_ok = value >= 0 if allow_zero else value > 0
    if not (math.isfinite(value) and low_ok and value <= MAX_SECONDS):
        low = "from 0" if allow_zero else "above 0 and"
        raise ConfigError(
            f"{key} {raw!r} must be a number of seconds {low} up to {MAX_SECONDS:g} (check "
            f"AML_RETRAIN_{env_suffix} or {key} in the profile)"
        )
    return value


def _resolve_keep(source: _Layers) -> int:
    raw = source.pick(None, "ONLINE_KEEP", "online_keep")
    if raw is not None and not (raw.isdigit() and 1 <= int(raw) <= 100):  # 1: rollback's stays
        raise ConfigError(f"online_keep {raw!r} must be a whole number from 1 to 100 (check "
                          "AML_RETRAIN_ONLINE_KEEP or online_keep in the profile)")
    return 1 if raw is None else int(raw)


def _resolve_timeout(explicit: float | None, source: _Layers) -> float:
    return _resolve_seconds(explicit, source, "TIMEOUT", "timeout", DEFAULT_TIMEOUT)


def _arm_settings(
    source: _Layers,
    *,
    subscription_id: str | None,
    arm_url: str | None,
    arm_token: str | None,
    auth: str | None,
    tenant_id: str | None,
    client_id: str | None,
) -> dict[str, Any]:
    token = source.pick(arm_token, "ARM_TOKEN", "arm_token")
    mode = (source.pick(auth, "AUTH", "auth") or ("token" if token else "default")).lower()
    if mode not in AUTH_MODES:
        raise ConfigError(
            f"unknown auth mode {mode!r}: use one of {', '.join(AUTH_MODES)} "
            "(AML_RETRAIN_AUTH or auth in the profile)"
        )
    url = (source.pick(arm_url, "ARM_URL", "arm_url") or DEFAULT_ARM_URL).rstrip("/")
    if not url.startswith("https://"):
        # azure-core refuses to send a bearer token over plain http.
        raise ConfigError(
            f"ARM URL {url!r} must start with https:// (check AML_RETRAIN_ARM_URL or arm_url in "
            "the profile; the emulator serves HTTPS, trust it with AML_RETRAIN_CA_BUNDLE)"
        )
    return {
        "subscription_id": source.pick_env_first(
            subscription_id, "SUBSCRIPTION_ID", "subscription_id", "AZURE_SUBSCRIPTION_ID"
        ),
        "arm_url": url,
        "arm_token": token,
        "auth": mode,
        "tenant_id": source.pick_env_first(
            tenant_id, "TENANT_ID", "tenant_id", "AZURE_TENANT_ID", "AZURESUBSCRIPTION_TENANT_ID"
        ),
        "client_id": source.pick_env_first(
            client_id, "CLIENT_ID", "client_id", "AZURE_CLIENT_ID", "AZURESUBSCRIPTION_CLIENT_ID"
        ),
        "service_connection_id": source.pick_env_first(
            None, "SERVICE_CONNECTION_ID", "service_connection_id",
            "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
        ),
        # Azure Pipelines exposes $(System.AccessToken) only when mapped into SYSTEM_ACCESSTOKEN.
        "system_access_token": source.pick_env_first(None, "SYSTEM_ACCESS_TOKEN", "",
                                                     "SYSTEM_ACCESSTOKEN"),
    }
