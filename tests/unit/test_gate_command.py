"""The gate command's core (``promotion.checks.run_gate``): where candidate and baseline come from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aml_retrain.errors import ValidationError
from aml_retrain.evaluation import Metrics
from aml_retrain.promotion import targets
from aml_retrain.promotion.checks import run_gate
from aml_retrain.promotion.targets import Clients, parse_target

from .promotion_fakes import ctx_of, local_ledger

TARGET = "classic:svc/ep1"


def metrics_file(tmp_path: Path, auc: float, name: str = "m.csv") -> str:
    path = tmp_path / name
    path.write_text(f"AUC,Accuracy\n{auc},0.8\n", encoding="utf-8")
    return str(path)


class JobsOfKind:
    """Stands in for a kind's ``job_metrics``: records the call, answers fixed metrics."""

    def __init__(self, metrics: Metrics | None) -> None:
        self.metrics = metrics
        self.calls: list[tuple[str, str | None]] = []

    def __call__(self, target: Any, context: Any, job_id: str,
                 service: str | None) -> Metrics | None:
        assert str(target) == TARGET  # the kind is told which target the job is for
        self.calls.append((job_id, service))
        return self.metrics


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> JobsOfKind:
    fake = JobsOfKind(Metrics("classification", {"AUC": 0.91, "Accuracy": 0.85}))
    kind = targets.kind_of(parse_target(TARGET))
    monkeypatch.setattr(type(kind), "job_metrics", lambda self, *a: fake(*a))
    return fake


def test_files_against_files_pass_and_gate(tmp_path: Path) -> None:
    context = ctx_of(Clients())
    better = run_gate(metrics_file(tmp_path, 0.9, "c.csv"), context=context,
                      baseline=metrics_file(tmp_path, 0.8, "b.csv"))
    worse = run_gate(metrics_file(tmp_path, 0.7, "c2.csv"), context=context,
                     baseline=metrics_file(tmp_path, 0.8, "b2.csv"))
    assert (better.outcome, worse.outcome) == ("pass", "gated")


def test_a_job_candidate_with_a_target_is_read_through_the_targets_kind(
    tmp_path: Path, jobs: JobsOfKind
) -> None:
    ledger = local_ledger(tmp_path)
    ledger.append({"action": "promote", "target": TARGET, "actor": "a", "new_model": "m",
                   "old_model": None, "blob": None, "job_id": None, "gate": None,
                   "metrics": {"kind": "classification", "values": {"AUC": 0.95, "Accuracy": 0.9}},
                   "plan_hash": None, "reason": None, "target_detail": {}})
    result = run_gate("job:J1", context=ctx_of(Clients(), ledger), target=TARGET, service_id="S")
    assert jobs.calls == [("J1", "S")]
    assert result.outcome == "gated"  # 0.91 < the 0.95 the target serves now


def test_a_target_without_a_ledger_baseline_passes_and_require_baseline_gates(
    tmp_path: Path, jobs: JobsOfKind
) -> None:
    context = ctx_of(Clients(), local_ledger(tmp_path))
    assert run_gate("job:J1", context=context, target=TARGET).outcome == "pass"
    assert run_gate("job:J1", context=context, target=TARGET,
                    require_baseline=True).outcome == "gated"


def test_a_job_without_metrics_is_refused_with_what_to_do(tmp_path: Path,
                                                          jobs: JobsOfKind) -> None:
    jobs.metrics = None
    with pytest.raises(ValidationError, match=r"no evaluation output.*pass a metrics file"):
        run_gate("job:J1", context=ctx_of(Clients(), local_ledger(tmp_path)), target=TARGET)


def test_baseline_and_target_together_are_refused_before_any_lookup(tmp_path: Path,
                                                                    jobs: JobsOfKind) -> None:
    with pytest.raises(ValidationError, match="--baseline or --target, not both"):
        run_gate("job:J1", context=ctx_of(Clients()), target=TARGET,
                 baseline=metrics_file(tmp_path, 0.8))
    assert jobs.calls == []


def test_a_job_without_a_target_needs_the_journal(jobs: JobsOfKind) -> None:
    with pytest.raises(ValidationError, match="journal is needed"):
        run_gate("job:J1", context=ctx_of(Clients()))
    assert jobs.calls == []  # no target: a BES job of a training service, not a kind's
