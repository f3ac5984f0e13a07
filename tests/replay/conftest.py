"""Replay ring: cassettes recorded from the emulator, replayed with the network blocked.

``make record`` (``--record-mode=rewrite``) runs these tests against a freshly started emulator in
its own process and rewrites the cassettes; a plain run replays them and needs no server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.emulator_support import REPO, Emulator, running_emulator
from tests.scrub import vcr_config as _vcr_config

SETTINGS_FILE = REPO / "cassettes" / "replay-settings.json"
REPLAY_TOKEN = "replay-token"  # never sent anywhere: replay needs some token to build the client


def pacing(live: Emulator | None) -> Any:
    """The waiter's sleep: real while recording (a few polls per job in the cassette), none in replay."""
    import time

    return time.sleep if live is not None else (lambda _seconds: None)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return _vcr_config()


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(REPO / "cassettes" / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture(scope="session")
def recording(pytestconfig: pytest.Config) -> bool:
    return pytestconfig.getoption("--record-mode", "none") not in (None, "none")


@pytest.fixture(scope="session")
def live_emulator(recording: bool, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator | None]:
    """A detached emulator while recording (so its own blob reads are not recorded); else None."""
    if not recording:
        yield None
        return
    yield from running_emulator(tmp_path_factory.mktemp("record"), detach=True)


@pytest.fixture
def replay_target(live_emulator: Emulator | None) -> dict[str, Any]:
    """Settings for the client: the live emulator's while recording, the recorded ones in replay."""
    if live_emulator is not None:
        live_emulator.reset()
        profile = live_emulator.profile
        target = {"management_url": profile["management_url"], "workspace_id": profile["workspace_id"],
                  "workspace_token": profile["workspace_token"], "ca_bundle": profile["ca_bundle"],
                  "arm_url": profile["arm_url"], "arm_token": profile["arm_token"],
                  "subscription_id": profile["subscription_id"]}
        SETTINGS_FILE.parent.mkdir(exist_ok=True)
        recorded = json.loads(SETTINGS_FILE.read_text(encoding="utf-8")) if SETTINGS_FILE.exists() else {}
        SETTINGS_FILE.write_text(json.dumps(
            {**recorded, "workspace_id": profile["workspace_id"],
             "subscription_id": profile["subscription_id"],
             "management_url": "https://127.0.0.1", "arm_url": "https://127.0.0.1"},
            indent=2) + "\n", encoding="utf-8")
        return target
    if not SETTINGS_FILE.exists():
        pytest.skip("no cassettes recorded yet: run `make record`")
    recorded = json.loads(SETTINGS_FILE.read_text(encoding="utf-8"))
    return {**recorded, "workspace_token": REPLAY_TOKEN, "arm_token": REPLAY_TOKEN, "ca_bundle": None}
