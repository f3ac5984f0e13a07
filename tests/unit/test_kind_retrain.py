"""Retraining is each kind's business: BES for classic/ARM, the serving job for online (fan-out)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aml_retrain.errors import ConfigError, JobFailedError, ValidationError
from aml_retrain.online import workflows
from aml_retrain.online.workflows import OnlineRetrainResult
from aml_retrain.promotion import fanout
from aml_retrain.promotion.manifest import parse_manifest
from aml_retrain.promotion.targets import Clients, kind_of, parse_target

from .promotion_fakes import SVC, ctx_of

ONLINE = "online:rg/census-workspace/census-online"


def test_an_online_data_target_needs_no_training_service_a_classic_one_does(tmp_path: Path) -> None:
    parsed = parse_manifest({"version": 1, "targets": [
        {"name": "v2", "target": ONLINE, "data": "d.csv"},
        {"name": "v2b", "target": f"{ONLINE}#blue", "data": "azureml:census-data:3"}]}, tmp_path)
    first, second = parsed.targets
    assert first.training_service is None and first.data == str(tmp_path / "d.csv")
    assert second.data == "azureml:census-data:3"  # a data asset is not a local path
    with pytest.raises(ValidationError, match="needs training_service"):
        parse_manifest({"version": 1, "targets": [
            {"name": "c", "target": f"classic:{SVC}/e", "data": "d.csv"}]}, tmp_path)


def test_the_fanout_asks_the_targets_kind_to_retrain(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    seen: dict[str, Any] = {}

    def fake(client: Any, data: str, **kw: Any) -> OnlineRetrainResult:
        seen.update(kw, data=data, client=client)
        return OnlineRetrainResult("job-2", "Completed", "census-model", "2", {"AUC": 0.9},
                                   "classification")

    monkeypatch.setattr(workflows, "retrain_online", fake)
    spec = parse_manifest({"version": 1, "targets": [
        {"name": "v2", "target": f"{ONLINE}#blue", "data": "https://a/d.csv"}]}, tmp_path).targets[0]
    context = ctx_of(Clients(storage_connection_string="conn"))
    monkeypatch.setattr(context.clients, "get", lambda prefix: type(
        "C", (), {"workspace": lambda self, rg, ws: ("client", rg, ws)})())
    job_id, metrics = fanout._retrain(spec, context, 60.0)
    assert job_id == "job-2" and metrics is not None and metrics.values == {"AUC": 0.9}
    assert (seen["endpoint"], seen["deployment"], seen["timeout"]) == ("census-online", "blue", 60.0)
    assert seen["client"] == ("client", "rg", "census-workspace")
    assert seen["storage_connection_string"] == "conn"


def test_an_online_job_that_fails_is_a_job_failure_of_the_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workflows, "retrain_online", lambda *a, **k: OnlineRetrainResult(
        "job-3", "Failed", "census-model", error="no label column"))
    target = parse_target(ONLINE)
    context = ctx_of(Clients())
    monkeypatch.setattr(context.clients, "get", lambda prefix: type(
        "C", (), {"workspace": lambda self, rg, ws: None})())
    with pytest.raises(JobFailedError, match="no label column"):
        kind_of(target).retrain(target, context, "https://a/d.csv", None, budget=5)


def test_a_classic_retrain_without_storage_or_service_is_refused_before_any_job() -> None:
    target = parse_target(f"classic:{SVC}/e")
    kind = kind_of(target)
    with pytest.raises(ConfigError, match="STORAGE_CONNECTION_STRING"):
        kind.retrain(target, ctx_of(Clients()), "d.csv", SVC, budget=5)
    with pytest.raises(ValidationError, match="training_service"):
        kind.retrain(target, ctx_of(Clients(storage_connection_string="c"), journal=object()),
                     "d.csv", None, budget=5)
