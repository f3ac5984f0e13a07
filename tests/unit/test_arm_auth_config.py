"""ARM settings precedence, credential selection, and secrets kept out of reprs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from aml_retrain.arm.auth import StaticTokenCredential, describe_auth, make_credential
from aml_retrain.config import Settings
from aml_retrain.errors import ConfigError, OperationFailedError, ServiceError

TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOi.SECRET.sig"


def profile(tmp_path: Path, **data: object) -> Path:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- config -------------------------------------------------------------------------------------

def test_arm_defaults() -> None:
    s = Settings.resolve(env={})
    assert (s.subscription_id, s.arm_url, s.arm_token, s.auth) == (
        None, "https://management.azure.com", None, "default")


def test_subscription_precedence(tmp_path: Path) -> None:
    p = profile(tmp_path, subscription_id="from-profile")
    env = {"AML_RETRAIN_SUBSCRIPTION_ID": "aml", "AZURE_SUBSCRIPTION_ID": "azure"}
    assert Settings.resolve(profile=p, subscription_id="arg", env=env).subscription_id == "arg"
    assert Settings.resolve(profile=p, env=env).subscription_id == "aml"
    assert Settings.resolve(profile=p, env={"AZURE_SUBSCRIPTION_ID": "azure"}).subscription_id == "azure"
    assert Settings.resolve(profile=p, env={}).subscription_id == "from-profile"


def test_arm_url_and_token_precedence(tmp_path: Path) -> None:
    p = profile(tmp_path, arm_url="https://profile.test/", arm_token="profile-token", auth="cli")
    s = Settings.resolve(profile=p, env={})
    assert (s.arm_url, s.arm_token, s.auth) == ("https://profile.test", "profile-token", "cli")
    env = {"AML_RETRAIN_ARM_URL": "https://127.0.0.1:8443", "AML_RETRAIN_ARM_TOKEN": "env-token",
           "AML_RETRAIN_AUTH": "TOKEN"}
    s = Settings.resolve(profile=p, env=env)
    assert (s.arm_url, s.arm_token, s.auth) == ("https://127.0.0.1:8443", "env-token", "token")
    assert Settings.resolve(profile=p, env=env, auth="env").auth == "env"


def test_auth_defaults_to_token_when_a_token_is_present() -> None:
    assert Settings.resolve(env={"AML_RETRAIN_ARM_TOKEN": TOKEN}).auth == "token"


def test_unknown_auth_mode_and_http_arm_url_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown auth mode 'kerberos'"):
        Settings.resolve(env={"AML_RETRAIN_AUTH": "kerberos"})
    with pytest.raises(ConfigError, match="https://"):
        Settings.resolve(env={"AML_RETRAIN_ARM_URL": "http://127.0.0.1:8080"})


def test_tenant_and_client_from_standard_variables() -> None:
    s = Settings.resolve(env={"AZURE_TENANT_ID": "t1", "AZURESUBSCRIPTION_CLIENT_ID": "c2",
                              "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": "sc",
                              "SYSTEM_ACCESSTOKEN": "ado-SECRET"})
    assert (s.tenant_id, s.client_id, s.service_connection_id) == ("t1", "c2", "sc")
    assert "ado-SECRET" not in repr(s)


def test_settings_repr_hides_arm_token() -> None:
    s = Settings.resolve(env={"AML_RETRAIN_ARM_TOKEN": TOKEN})
    assert TOKEN not in repr(s) and "arm_token=<hidden>" in repr(s)


def test_require_subscription() -> None:
    with pytest.raises(ConfigError, match="AML_RETRAIN_SUBSCRIPTION_ID"):
        Settings.resolve(env={}).require_subscription()
    assert Settings.resolve(env={"AZURE_SUBSCRIPTION_ID": "s"}).require_subscription() == "s"


# -- credentials ----------------------------------------------------------------------------------

def test_static_token_credential_returns_token_and_hides_it() -> None:
    cred = StaticTokenCredential(f"Bearer {TOKEN}")
    assert cred.get_token("https://management.azure.com/.default").token == TOKEN
    info = cred.get_token_info("scope")
    assert info.token == TOKEN and info.expires_on > time.time() + 365 * 24 * 3600
    for text in (repr(cred), str(cred), f"{cred}", repr([cred])):
        assert TOKEN not in text and "<hidden>" in text


def test_static_token_must_not_be_empty() -> None:
    with pytest.raises(ConfigError):
        StaticTokenCredential("  ")


def test_make_credential_token_mode() -> None:
    cred = make_credential(Settings.resolve(env={"AML_RETRAIN_ARM_TOKEN": TOKEN}))
    assert isinstance(cred, StaticTokenCredential)
    with pytest.raises(ConfigError, match="AML_RETRAIN_ARM_TOKEN"):
        make_credential(Settings.resolve(env={"AML_RETRAIN_AUTH": "token"}))


@pytest.mark.parametrize(("mode", "cls"), [
    ("cli", "AzureCliCredential"), ("env", "EnvironmentCredential"),
    ("managed", "ManagedIdentityCredential"), ("default", "DefaultAzureCredential"),
])
def test_make_credential_builds_the_named_identity(mode: str, cls: str) -> None:
    cred = make_credential(Settings.resolve(env={"AML_RETRAIN_AUTH": mode}))
    assert type(cred).__name__ == cls


def test_pipelines_mode_names_what_is_missing() -> None:
    with pytest.raises(ConfigError, match=r"SERVICE_CONNECTION_ID.*SYSTEM_ACCESSTOKEN"):
        make_credential(Settings.resolve(env={"AML_RETRAIN_AUTH": "pipelines",
                                              "AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c"}))


def test_pipelines_mode_builds_credential() -> None:
    cred = make_credential(Settings.resolve(env={
        "AML_RETRAIN_AUTH": "pipelines", "AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c",
        "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": "sc", "SYSTEM_ACCESSTOKEN": "ado"}))
    assert type(cred).__name__ == "AzurePipelinesCredential"


def test_describe_auth_never_shows_the_token() -> None:
    s = Settings.resolve(env={"AML_RETRAIN_ARM_TOKEN": TOKEN, "AZURE_SUBSCRIPTION_ID": "sub",
                              "AZURE_TENANT_ID": "tenant"})
    info = describe_auth(s)
    assert info == {"credential": "StaticTokenCredential", "mode": "token", "subscription_id": "sub",
                    "arm_url": "https://management.azure.com", "tenant_id": "tenant"}
    assert TOKEN not in json.dumps(info)


# -- the new error ----------------------------------------------------------------------------------

def test_operation_failed_error_is_a_service_error_with_exit_1() -> None:
    err = OperationFailedError("model unreadable", status="Failed", error_code="ModelLoadFailed",
                               request_id="rid", method="PATCH",
                               url="https://arm.test/x?api-version=2017-01-01&sig=SECRET")
    assert isinstance(err, ServiceError) and err.exit_code == 1
    text = str(err)
    assert text.startswith("model unreadable (operation Failed, ModelLoadFailed, request id rid")
    assert "SECRET" not in text and "HTTP 200" not in text
