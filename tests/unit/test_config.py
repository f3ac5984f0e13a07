from __future__ import annotations

import json
from pathlib import Path

import pytest

from aml_retrain.config import REGION_MANAGEMENT_URLS, Settings
from aml_retrain.errors import ConfigError


def write_profile(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_defaults_without_anything() -> None:
    s = Settings.resolve(env={})
    assert s.region == "southcentralus"
    assert s.management_url == "https://management.azureml.net"
    assert s.timeout == 30.0
    assert s.workspace_id is None
    assert s.profile_path is None


def test_precedence_explicit_over_env_over_profile_over_default(tmp_path: Path) -> None:
    profile = write_profile(tmp_path / "p.json", {
        "workspace_id": "from-profile", "workspace_token": "tok-profile",
        "management_url": "https://profile.test", "timeout": 5, "unknown_key": {"x": 1},
    })
    env = {"AML_RETRAIN_WORKSPACE_ID": "from-env", "AML_RETRAIN_TIMEOUT": "7"}
    s = Settings.resolve(profile=profile, workspace_id="from-arg", env=env)
    assert s.workspace_id == "from-arg"          # explicit wins
    assert s.timeout == 7.0                      # env beats profile
    assert s.workspace_token == "tok-profile"    # profile beats default
    assert s.management_url == "https://profile.test"
    assert s.region == "southcentralus"          # default
    assert s.profile_path == profile


def test_env_beats_profile_for_every_setting(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("pem")
    profile = write_profile(tmp_path / "p.json", {
        "workspace_id": "p", "workspace_token": "p", "region": "westeurope",
        "storage_connection_string": "p", "ca_bundle": "/nonexistent/ca.pem",
    })
    env = {
        "AML_RETRAIN_WORKSPACE_ID": "e", "AML_RETRAIN_WORKSPACE_TOKEN": "e-tok",
        "AML_RETRAIN_REGION": "japaneast", "AML_RETRAIN_STORAGE_CONNECTION_STRING": "e-cs",
        "AML_RETRAIN_CA_BUNDLE": str(bundle),
    }
    s = Settings.resolve(profile=profile, env=env)
    assert (s.workspace_id, s.workspace_token) == ("e", "e-tok")
    assert s.storage_connection_string == "e-cs"
    assert s.management_url == "https://japaneast.management.azureml.net"
    assert s.ca_bundle == str(bundle)


def test_default_profile_in_home_is_used_when_present(clean_environ: Path) -> None:
    write_profile(clean_environ / ".aml-retrain" / "profile.json", {"workspace_id": "home-ws"})
    s = Settings.resolve(env={})
    assert s.workspace_id == "home-ws"
    assert s.profile_path == clean_environ / ".aml-retrain" / "profile.json"


def test_profile_from_env_variable(tmp_path: Path) -> None:
    profile = write_profile(tmp_path / "e.json", {"workspace_id": "env-profile"})
    s = Settings.resolve(env={"AML_RETRAIN_PROFILE": str(profile)})
    assert s.workspace_id == "env-profile"


def test_reads_os_environ_when_no_mapping_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AML_RETRAIN_WORKSPACE_ID", "real-env")
    assert Settings.resolve().workspace_id == "real-env"


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("southcentralus", "https://management.azureml.net"),
        ("westeurope", "https://europewest.management.azureml.net"),
        ("southeastasia", "https://asiasoutheast.management.azureml.net"),
        ("japaneast", "https://japaneast.management.azureml.net"),
        ("westcentralus", "https://uswestcentral.management.azureml.net"),
        ("germanycentral", "https://germanycentral.management.azureml.de"),
        ("West Europe", "https://europewest.management.azureml.net"),
    ],
)
def test_region_map(region: str, url: str) -> None:
    assert Settings.resolve(region=region, env={}).management_url == url


def test_region_map_is_complete() -> None:
    assert len(REGION_MANAGEMENT_URLS) == 6


def test_unknown_region_lists_valid_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown region 'mars'.*germanycentral, japaneast"):
        Settings.resolve(region="mars", env={})


def test_explicit_management_url_wins_over_region() -> None:
    s = Settings.resolve(region="westeurope", management_url="https://127.0.0.1:5000/", env={})
    assert s.management_url == "https://127.0.0.1:5000"


def test_missing_explicit_profile_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"profile .*nope\.json not found"):
        Settings.resolve(profile=tmp_path / "nope.json", env={})


def test_bad_json_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match=r"bad\.json is not valid JSON \(line 1"):
        Settings.resolve(profile=bad, env={})


def test_profile_must_be_an_object(tmp_path: Path) -> None:
    path = write_profile(tmp_path / "list.json", [1, 2])
    with pytest.raises(ConfigError, match="must hold a JSON object"):
        Settings.resolve(profile=path, env={})


def test_profile_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"workspace_id": "bom"}')
    assert Settings.resolve(profile=path, env={}).workspace_id == "bom"


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1e309", "inf", "-inf", "nan", "NaN",
                                   "86401", "1e300", "1" * 400])
def test_bad_timeout(value: str) -> None:
    with pytest.raises(ConfigError, match="timeout") as info:
        Settings.resolve(env={"AML_RETRAIN_TIMEOUT": value})
    assert "\n" not in str(info.value) and "AML_RETRAIN_TIMEOUT" in str(info.value)


@pytest.mark.parametrize("value", ["1e309", "nan"])
def test_bad_timeout_in_the_profile_or_argument(tmp_path: Path, value: str) -> None:
    profile = tmp_path / "p.json"
    profile.write_text(f'{{"timeout": {value!r}}}'.replace("'", '"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="timeout"):
        Settings.resolve(profile=profile, env={})
    with pytest.raises(ConfigError, match="timeout"):
        Settings.resolve(timeout=float(value), env={})


def test_timeout_up_to_a_day_is_accepted() -> None:
    assert Settings.resolve(env={"AML_RETRAIN_TIMEOUT": "86400"}).timeout == 86400.0
    assert Settings.resolve(env={"AML_RETRAIN_TIMEOUT": "0.5"}).timeout == 0.5


def test_missing_ca_bundle_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"CA bundle .* not found"):
        Settings.resolve(ca_bundle="/nonexistent/ca.pem", env={})


def test_repr_hides_secrets() -> None:
    s = Settings.resolve(workspace_token="TOPSECRET",
                         storage_connection_string="AccountKey=KEYSECRET", env={})
    text = repr(s)
    assert "TOPSECRET" not in text and "KEYSECRET" not in text
    assert "workspace_token=<hidden>" in text
    assert "storage_connection_string=<hidden>" in text
    assert "workspace_token=None" in repr(Settings.resolve(env={}))


def test_settings_are_frozen() -> None:
    s = Settings.resolve(env={})
    with pytest.raises(AttributeError):
        s.region = "x"  # type: ignore[misc]


HEX_WS = "5e1c0a7b9d2f4c3e8a6b1d0f2e4c6a8b"


def test_a_workspace_id_not_of_32_hex_digits_is_refused_before_any_request() -> None:
    # CLASSIC-API.md §2: workspaceId is 32-hex; "ws" or a GUID with dashes addresses nothing.
    for bad in ("ws", "5e1c0a7b-9d2f-4c3e-8a6b-1d0f2e4c6a8b", HEX_WS[:-1], HEX_WS + "0", "g" * 32):
        with pytest.raises(ConfigError, match="is not 32 hex digits"):
            Settings.resolve(workspace_id=bad, workspace_token="tok", env={}).require_workspace()
    assert Settings.resolve(workspace_id=HEX_WS.upper(), workspace_token="t", env={}).require_workspace()


def test_require_workspace() -> None:
    s = Settings.resolve(workspace_id=HEX_WS, workspace_token="tok", env={})
    assert s.require_workspace() == (HEX_WS, "tok")
    with pytest.raises(ConfigError, match="--workspace or set AML_RETRAIN_WORKSPACE_ID"):
        Settings.resolve(workspace_token="tok", env={}).require_workspace()
    with pytest.raises(ConfigError, match="AML_RETRAIN_WORKSPACE_TOKEN, pass --token-file"):
        Settings.resolve(workspace_id=HEX_WS, env={}).require_workspace()


def test_require_storage() -> None:
    with pytest.raises(ConfigError, match="AML_RETRAIN_STORAGE_CONNECTION_STRING"):
        Settings.resolve(env={}).require_storage()
    assert Settings.resolve(storage_connection_string="cs", env={}).require_storage() == "cs"


def test_backup_dir_follows_env_then_profile(tmp_path: Path) -> None:
    from aml_retrain.config import Settings

    profile = tmp_path / "p.json"
    profile.write_text('{"backup_dir": "/from/profile"}')
    assert Settings.resolve(profile=profile, env={}).backup_dir == Path("/from/profile")
    env = {"AML_RETRAIN_BACKUP_DIR": "/from/env"}
    assert Settings.resolve(profile=profile, env=env).backup_dir == Path("/from/env")


def test_poll_interval_from_env_and_validation(tmp_path: Path) -> None:
    assert Settings.resolve(env={}).poll_interval is None
    assert Settings.resolve(env={"AML_RETRAIN_POLL_INTERVAL": "0.25"}).poll_interval == 0.25
    with pytest.raises(ConfigError, match="poll_interval"):
        Settings.resolve(env={"AML_RETRAIN_POLL_INTERVAL": "-1"})
    with pytest.raises(ConfigError, match="poll_interval"):
        Settings.resolve(env={"AML_RETRAIN_POLL_INTERVAL": "1e309"})


def test_endpoint_key_from_file_beats_env_never_from_profile(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("  FILEKEY\n", encoding="utf-8")
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"endpoint_key": "PROFILEKEY"}), encoding="utf-8")
    env = {"AML_RETRAIN_ENDPOINT_KEY": "ENVKEY"}
    assert Settings.resolve(endpoint_key_file=key_file, env=env).endpoint_key == "FILEKEY"
    assert Settings.resolve(env=env).endpoint_key == "ENVKEY"
    assert Settings.resolve(profile=profile, env={}).endpoint_key is None
    shown = repr(Settings.resolve(env=env))
    assert "ENVKEY" not in shown and "endpoint_key=<hidden>" in shown


def test_endpoint_key_file_errors_name_the_option(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read --endpoint-key-file"):
        Settings.resolve(endpoint_key_file=tmp_path / "missing", env={})
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is empty"):
        Settings.resolve(endpoint_key_file=tmp_path / "empty", env={})
    (tmp_path / "binary").write_bytes(b"\xff\xfe\x00\x80")
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        Settings.resolve(endpoint_key_file=tmp_path / "binary", env={})


def test_require_endpoint_key() -> None:
    s = Settings.resolve(workspace_id=HEX_WS, env={"AML_RETRAIN_ENDPOINT_KEY": "k"})
    assert s.require_endpoint_key() == (HEX_WS, "k")
    with pytest.raises(ConfigError, match="AML_RETRAIN_ENDPOINT_KEY or pass --endpoint-key-file"):
        Settings.resolve(workspace_id=HEX_WS, workspace_token="tok", env={}).require_endpoint_key()
    with pytest.raises(ConfigError, match="no workspace id"):
        Settings.resolve(env={"AML_RETRAIN_ENDPOINT_KEY": "k"}).require_endpoint_key()
