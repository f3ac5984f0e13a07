"""start_services / stop_services: in-process and detached, with the profile contract."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
import requests

from aml_emulator import (
    AlreadyRunningError,
    AzuriteError,
    AzuriteNotFoundError,
    find_azurite,
    start_services,
    stop_services,
)
from aml_emulator.azurite import start_azurite
from aml_emulator.services import read_profile
from aml_emulator.storage import SEED_BLOB, SEED_CONTAINER

from .arm_support import API_VERSION, SUB, resource_id
from .conftest import PREDICTIVE_ID, WS_ID

PROFILE_KEYS = {"name", "management_url", "workspace_id", "workspace_token", "region",
                "ca_bundle", "storage_connection_string", "emulator", "arm_url", "arm_token",
                "subscription_id", "ledger", "journal", "backup_dir", "ml_resource_group",
                "ml_workspace"}


@pytest.fixture
def needs_azurite() -> None:
    try:
        find_azurite()
    except AzuriteError as exc:
        pytest.skip(f"Azurite is not installed (run `npm ci` in the repo): {exc}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _check_profile(profile_path: Path) -> dict[str, Any]:
    assert stat.S_IMODE(profile_path.stat().st_mode) == 0o600
    profile = read_profile(profile_path)
    assert profile is not None
    assert set(profile) == PROFILE_KEYS
    assert profile["workspace_id"] == WS_ID
    assert set(profile["emulator"]) == {"pid", "url", "azurite_pid", "state_dir"}
    state_dir = Path(profile["emulator"]["state_dir"])  # the client's records stay with it
    assert (profile["ledger"], profile["journal"], profile["backup_dir"]) == (
        str(state_dir / "ledger.jsonl"), str(state_dir / "jobs.jsonl"), str(state_dir / "backups"))
    answer = requests.get(f"{profile['management_url']}/workspaces/{WS_ID}/webservices/"
                          f"{PREDICTIVE_ID}/endpoints/default", verify=profile["ca_bundle"],
                          headers={"Authorization": f"Bearer {profile['workspace_token']}"},
                          timeout=10)
    location = answer.json()["Resources"][0]["Location"]
    blob = requests.get(location["BaseLocation"] + location["RelativeLocation"], timeout=10)
    assert blob.status_code == 200 and blob.content  # the seed model is in Azurite
    assert location["RelativeLocation"] == f"{SEED_CONTAINER}/{SEED_BLOB}"
    _check_arm(profile)
    return profile


def _check_arm(profile: dict[str, Any]) -> None:
    """The ARM keys of the profile reach the seed web service, whose model blob is readable."""
    assert profile["arm_url"] == profile["management_url"]
    assert profile["subscription_id"] == SUB and len(profile["arm_token"]) >= 32
    url = f"{profile['arm_url']}{resource_id()}"
    answer = requests.get(url, params={"api-version": API_VERSION}, verify=profile["ca_bundle"],
                          headers={"Authorization": f"Bearer {profile['arm_token']}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    uri = answer.json()["properties"]["assets"]["asset3"]["locationInfo"]["uri"]
    assert uri.endswith(f"/{SEED_CONTAINER}/{SEED_BLOB}")
    workspace = (f"{profile['arm_url']}/subscriptions/{SUB}/resourceGroups/"
                 f"{profile['ml_resource_group']}/providers/Microsoft.MachineLearningServices/"
                 f"workspaces/{profile['ml_workspace']}")
    online = requests.get(workspace + "/onlineEndpoints/census-online",
                          params={"api-version": "2025-12-01"}, verify=profile["ca_bundle"],
                          headers={"Authorization": f"Bearer {profile['arm_token']}"}, timeout=10)
    assert online.status_code == 200 and online.json()["properties"]["traffic"] == {"blue": 100}
    assert requests.get(uri, timeout=10).status_code == 200  # rebased onto this storage
    denied = requests.get(url, params={"api-version": API_VERSION}, verify=profile["ca_bundle"],
                          headers={"Authorization": f"Bearer {profile['workspace_token']}"},
                          timeout=10)
    assert denied.status_code == 401


def test_in_process_start_and_stop(tmp_path: Path, needs_azurite: None) -> None:
    profile_path = tmp_path / "profile.json"
    handle = start_services(profile_path)
    try:
        profile = _check_profile(profile_path)
        assert profile["emulator"]["pid"] == os.getpid()
        with pytest.raises(AlreadyRunningError, match="aml-retrain emulator stop --profile"):
            start_services(profile_path)
    finally:
        assert stop_services(profile_path) is True
    assert not profile_path.exists()
    assert handle.azurite is None and handle.server is None
    assert not _alive(profile["emulator"]["azurite_pid"])
    assert stop_services(profile_path) is False


def test_detached_start_and_stop(tmp_path: Path, needs_azurite: None) -> None:
    profile_path = tmp_path / "p" / "profile.json"
    handle = start_services(profile_path, detach=True)
    profile = _check_profile(profile_path)
    pids = [profile["emulator"]["pid"], profile["emulator"]["azurite_pid"]]
    assert pids[0] == handle.pid != os.getpid() and all(_alive(pid) for pid in pids)
    assert (tmp_path / "p" / "emulator-state" / "emulator.log").exists()
    assert stop_services(profile_path) is True
    assert not any(_alive(pid) for pid in pids)
    assert not profile_path.exists()


def test_given_connection_string_skips_azurite(tmp_path: Path, needs_azurite: None) -> None:
    azurite = start_azurite()
    try:
        handle = start_services(tmp_path / "profile.json",
                                storage_connection_string=azurite.connection_string)
        try:
            profile = _check_profile(tmp_path / "profile.json")
            assert profile["emulator"]["azurite_pid"] is None
            assert handle.azurite is None
        finally:
            handle.stop()
    finally:
        azurite.stop()


def test_missing_azurite_has_install_hint(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    monkeypatch.setenv("AML_EMULATOR_AZURITE", str(tmp_path / "nope"))
    with pytest.raises(AzuriteNotFoundError, match="aml-retrain emulator install-azurite"):
        start_services(tmp_path / "profile.json")
    assert not (tmp_path / "profile.json").exists()
