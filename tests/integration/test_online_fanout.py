"""A fan-out whose ``data`` targets include an online endpoint: its serving job re-runs, then promote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.emulator_support import Emulator, census_data
from tests.integration.cli import ok_json, run
from tests.integration.test_fanout import fanout, service, setup, statuses
from tests.integration.test_online_promotion import ENDPOINT, TARGET, fast, online_client

pytestmark = pytest.mark.integration
__all__ = ["setup"]  # the classic fan-out fixture, used here too


def test_an_online_data_target_retrains_without_a_training_service(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast(emulator)
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    data = census_data(tmp_path / "data")
    path = tmp_path / "online.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "targets": [
        {"name": "v2", "target": TARGET, "data": "data/census-2026.csv"}]}))
    result = fanout(path)
    assert statuses(result) == ["promoted"], result
    (done,) = result["results"]
    assert done["model"] == "azureml:census-model:2" and done["job_id"]
    client = online_client()
    assert client.get_job(done["job_id"]).raw["properties"]["inputs"]["training_data"]["uri"] \
        .split("?", 1)[0].endswith("census-2026.csv")
    assert {k: v for k, v in client.get_endpoint(ENDPOINT).traffic.items() if v} == {
        "census-model-v2": 100}
    (entry,) = ok_json("ledger", "show", TARGET)
    assert entry["job_id"] == done["job_id"] and entry["metrics"]["values"]["Accuracy"] > 0.5
    assert data  # the CSVs the manifest names


def test_classic_and_online_data_targets_retrain_in_one_fanout(
    emulator: Emulator, setup: dict[str, Any],
) -> None:
    fast(emulator)
    folder = Path(setup["dir"])
    census_data(folder / "data")
    path = folder / "mixed.yaml"
    path.write_text(yaml.safe_dump({
        "version": 1, "defaults": {"training_service": service("Training")},
        "targets": [
            {"name": "classic", "target": f"classic:{setup['svc']}/site-a",
             "data": "data/census-2026.csv"},
            {"name": "online", "target": TARGET, "data": "data/census-2026.csv"},
        ]}))
    result = fanout(path)
    assert statuses(result) == ["promoted", "promoted"], result
    classic, online = result["results"]
    assert classic["model"].endswith(".ilearner") and online["model"].startswith("azureml:")


def test_a_failing_online_job_fails_its_target_and_promotes_nothing(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast(emulator)
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    (tmp_path / "junk.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    path = tmp_path / "online.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "targets": [
        {"name": "v2", "target": TARGET, "data": "junk.csv"}]}))
    result = fanout(path, code=1)
    assert statuses(result) == ["failed"]
    assert "JobFailedError" in result["results"][0]["message"]
    assert {k: v for k, v in online_client().get_endpoint(ENDPOINT).traffic.items() if v} == {
        "blue": 100}
    assert run("-o", "json", "ledger", "show", TARGET).stdout.strip() in ("[]", "")
