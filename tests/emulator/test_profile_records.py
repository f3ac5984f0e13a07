"""Started as a user starts it (`aml-retrain emulator start --detach`), the emulator's profile keeps
the client's records in its state folder, and the sample data works against it end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from aml_emulator.classic.model import load_model
from tests.emulator_support import Emulator, azurite_available
from tests.integration.cli import ok_json

pytestmark = pytest.mark.integration
ENDPOINT = "sample01"


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    if not azurite_available():
        pytest.skip("Azurite is not installed: run `make setup` (it runs `npm ci`)")
    profile = tmp_path_factory.mktemp("emu") / "emulator.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(tmp_path_factory.mktemp("start-home")))
        shown = ok_json("emulator", "start", "--detach", "--profile", str(profile))
    try:
        assert set(shown) == {"profile", "url", "pid"} and shown["profile"] == str(profile)
        yield Emulator(profile, json.loads(profile.read_text(encoding="utf-8")))
    finally:
        stopped = ok_json("emulator", "stop", "--profile", str(profile))
        assert stopped == {"profile": str(profile), "stopped": True}


@pytest.fixture
def emulator(started: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """Reset, models switch at once; only AML_RETRAIN_PROFILE set (HOME is a tmp folder)."""
    started.reset()
    started.config(propagation_seconds=0)
    monkeypatch.setenv("AML_RETRAIN_PROFILE", str(started.profile_path))
    monkeypatch.setenv("AML_RETRAIN_POLL_INTERVAL", "0.05")
    return started


def predictive() -> str:
    listed = ok_json("classic", "services", "list")
    return str(next(s["Id"] for s in listed if "[Predictive Exp.]" in s["Name"]))


def upload(path: Path, blob: str) -> str:
    shown = ok_json("storage", "upload", str(path), "--container", "models", "--blob", blob)
    return str(shown.get("url") or shown["Url"])  # snake_case once issue 13's JSON rule lands


def test_a_promotion_records_under_the_state_folder_not_home(
        emulator: Emulator, tmp_path: Path, clean_environ: Path) -> None:
    state_dir = Path(emulator.profile["emulator"]["state_dir"])
    sample = ok_json("emulator", "sample-data", str(tmp_path / "sample"))
    svc = predictive()
    ok_json("classic", "endpoints", "create", svc, ENDPOINT, "--exist-ok")
    url = upload(Path(sample["model"]), "records/model.ilearner")
    promoted = ok_json("promote", f"classic:{svc}/{ENDPOINT}", "--model-url", url)
    assert promoted["entry"]["seq"] >= 1
    lines = (state_dir / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["target"] == f"classic:{svc}/{ENDPOINT}"
    assert not (clean_environ / ".aml-retrain" / "ledger.jsonl").exists()
    assert list((state_dir / "backups").iterdir())  # the endpoint's backup is kept there too
    assert not (clean_environ / ".aml-retrain" / "backups").exists()


def test_the_sample_model_is_accepted_and_scores(emulator: Emulator, tmp_path: Path) -> None:
    sample = ok_json("emulator", "sample-data", str(tmp_path / "sample"))
    svc = predictive()
    ok_json("classic", "endpoints", "create", svc, ENDPOINT, "--exist-ok")
    url = upload(Path(sample["model"]), "sample/model.ilearner")
    ok_json("classic", "endpoints", "set-model", svc, ENDPOINT, "--model-url", url)
    scored = ok_json("classic", "score", svc, ENDPOINT, "--input", sample["score"])["rows"]
    model = load_model(Path(sample["model"]).read_bytes())
    rows = Path(sample["score"]).read_text(encoding="utf-8").splitlines()[1:]
    assert len(scored) == len(rows) == 20
    for row, answer in zip(rows, scored, strict=True):
        expected = model.predict([float(v) for v in row.split(",")])
        assert answer[-2] == expected.label
        assert float(answer[-1]) == pytest.approx(expected.probability)
