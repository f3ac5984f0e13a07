"""Health checks inside a fan-out: WaveHealth, per-target rollback, resume after one, JUnit."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.errors import ValidationError
from aml_retrain.promotion import wave_health as wave_health_module
from aml_retrain.promotion.context import PromotionContext
from aml_retrain.promotion.health import HealthPolicy, Probe, ProbeResult
from aml_retrain.promotion.junit import junit_xml
from aml_retrain.promotion.promote import PromotionResult
from aml_retrain.promotion.runs import done_targets, run_status
from aml_retrain.promotion.targets import Clients
from aml_retrain.promotion.wave_health import WaveHealth, wave_health

from .promotion_fakes import local_ledger
from .test_rollout import NEW, OLD, Sick, Writer, go, manifest, rollbacks, statuses, target

__all__ = ["rollbacks"]  # the fixture, shared with test_rollout

PROBE = Probe("rows.csv", ({"age": 1}, {"age": 2}, {"age": 3}, {"age": 4}))


class FakeKind:
    """A target kind whose probe answers the next prediction list queued for its target."""

    def __init__(self, answers: dict[str, list[list[Any]]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def probe(self, target: Any, context: Any, probe: Probe) -> ProbeResult:
        self.calls.append(str(target))
        predictions = self.answers[str(target)].pop(0)
        return ProbeResult(tuple(predictions), tuple(p is not None for p in predictions),
                           tuple(5.0 for p in predictions if p is not None))


@pytest.fixture
def kinds(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[list[Any]]]:
    answers: dict[str, list[list[Any]]] = {}
    fake = FakeKind(answers)
    monkeypatch.setattr(wave_health_module, "kind_of", lambda _target: fake)
    return answers


def spec_of(i: int, policy: HealthPolicy | None = None) -> Any:
    from dataclasses import replace

    spec = manifest(n=4).targets[i]
    return replace(spec, health=policy) if policy else spec


def context(ledger: Any = None) -> PromotionContext:
    """A context with no client factories (the fake kind needs none), with ``ledger`` if given."""
    return PromotionContext(Clients(), ledger)


def promoted(i: int, **deploy: Any) -> PromotionResult:
    return PromotionResult("promote", target(i), OLD, NEW, deploy=deploy or None)


def test_the_probe_after_the_switch_is_measured_against_the_baseline(kinds: Any) -> None:
    kinds[target(0)] = [["<=50K"] * 4, ["<=50K", ">50K", ">50K", ">50K"]]
    check = WaveHealth(PROBE)
    check.before_switch(spec_of(0), context())
    reason = check.after_switch(spec_of(0, HealthPolicy(min_agreement=0.7)), promoted(0), context())
    assert reason is not None and "agreement 0.25 with the old model < min_agreement 0.7" in reason
    figures = check.figures(target(0))
    assert figures is not None and figures["agreement"] == 0.25 and figures["probes"] == 1
    assert figures["healthy"] is False


def test_a_target_agreeing_with_its_old_model_is_healthy_and_baked(kinds: Any) -> None:
    kinds[target(1)] = [[1, 0, 1, 0]] * 3
    check = WaveHealth(PROBE)
    check.before_switch(spec_of(1), context())
    assert check.after_switch(spec_of(1), promoted(1), context()) is None
    assert check.during_bake(1, [spec_of(1)], context()) == {}
    assert check.figures(target(1))["probes"] == 2  # type: ignore[index]


def test_a_deployment_an_earlier_run_made_is_not_probed(kinds: Any) -> None:
    kinds[target(2)] = [[1, 1, 1, 1]]
    check = WaveHealth(PROBE)
    check.before_switch(spec_of(2), context())
    assert check.after_switch(spec_of(2), promoted(2, deployed_earlier=True), context()) is None
    assert check.figures(target(2)) is None


def test_failed_requests_fail_the_success_rate(kinds: Any) -> None:
    kinds[target(3)] = [[1, 1, 1, 1], [None, None, 1, 1]]
    check = WaveHealth(PROBE)
    check.before_switch(spec_of(3), context())
    bad = check.during_bake(2, [spec_of(3)], context())
    assert list(bad) == ["t3"] and "success rate 0.5 < min_success_rate" in bad["t3"]


def test_the_manifest_probe_builds_the_check_and_a_bake_needs_one(tmp_path: Path) -> None:
    assert wave_health(manifest()) is None
    with pytest.raises(ValidationError, match=r"rollout\.bake has nothing to check without"):
        wave_health(manifest(bake=60))
    rows = tmp_path / "rows.csv"
    rows.write_text("age,hours\n39,40\n50,13\n")
    made = wave_health(manifest(probe=str(rows), bake=60))
    assert made is not None and len(made.probe.rows) == 2


def test_run_fanout_refuses_a_bake_without_a_probe_before_any_write(tmp_path: Path) -> None:
    ledger = local_ledger(tmp_path)
    writer = Writer()
    with pytest.raises(ValidationError, match="pause_between_waves"):
        go(manifest(bake=60), writer, ledger)
    assert writer.started == [] and ledger.entries() == []


def test_an_unhealthy_target_within_budget_is_rolled_back_alone_and_the_run_goes_on(
        tmp_path: Path, rollbacks: dict[str, Any]) -> None:
    ledger = local_ledger(tmp_path)
    result = go(manifest(max_failures=1, on_failure="rollback"), Writer(), ledger,
                health=Sick(after={"t1": "agreement 0.2 < min_agreement 0.7"}))
    assert statuses(result) == ["promoted", "unhealthy", "promoted", "promoted"]
    assert [c[0] for c in rollbacks["calls"]] == [target(1)]
    assert [(r.name, r.scope, r.status) for r in result.rollbacks] == [("t1", "target", "rolled-back")]
    assert result.failed_wave is None and result.outcome == "failed"
    [back] = [e for e in ledger.entries() if e["action"] == "rollback"]
    assert back["run_rollback"] == "target" and back["run_id"] == result.run_id
    rows = {r["target"]: r for r in run_status(ledger, result.run_id)["targets"]}
    assert rows[target(1)]["state"] == "rolled-back" and rows[target(1)]["rollback"] == "target"
    # JUnit: the unhealthy target is a failure; no budget case (the run was not rolled back).
    root = ET.fromstring(junit_xml(result))
    [failure] = root.findall(".//testcase[@name='t1']/failure")
    assert failure.get("type") == "unhealthy" and "rolled back" in str(failure.get("message"))
    assert not root.findall(".//testcase[@name='failure budget']")
    assert root.get("failures") == "1"


def test_a_run_with_one_target_rolled_back_alone_resumes_and_retries_it(
        tmp_path: Path, rollbacks: dict[str, Any]) -> None:
    ledger = local_ledger(tmp_path)
    parsed = manifest(max_failures=1)
    first = go(parsed, Writer(), ledger, health=Sick(after={"t1": "p95 3x"}))
    assert sorted(done_targets(parsed, ledger, first.run_id)) == [target(0), target(2), target(3)]
    again = Writer()
    second = go(parsed, again, ledger, resume=first.run_id)
    assert again.started == ["t1"] and statuses(second) == ["promoted"] * 4


def test_a_wave_over_budget_rolls_back_the_run_and_refuses_a_resume(
        tmp_path: Path, rollbacks: dict[str, Any]) -> None:
    ledger = local_ledger(tmp_path)
    parsed = manifest(on_failure="rollback")
    result = go(parsed, Writer(), ledger, health=Sick(after={"t2": "success rate 0"}))
    scopes = [e.get("run_rollback") for e in ledger.entries() if e["action"] == "rollback"]
    assert scopes == ["target", "run", "run"]
    root = ET.fromstring(junit_xml(result))
    [budget] = root.findall(".//testcase[@name='failure budget']/failure")
    assert "rolled back: t0 (rolled-back), t1 (rolled-back)" in str(budget.get("message"))
    with pytest.raises(ValidationError, match="already rolled back its targets"):
        go(parsed, Writer(), ledger, resume=result.run_id)


def test_a_rollback_entry_from_before_scopes_counts_as_the_whole_run(tmp_path: Path) -> None:
    ledger = local_ledger(tmp_path)
    parsed = manifest()
    run_id = "20261203T180000Z-1234abcd"
    base = {"run_id": run_id, "run_manifest": parsed.digest, "run_wave": 1}
    ledger.append({**base, "action": "promote", "target": target(0), "new_model": NEW})
    ledger.append({**base, "action": "rollback", "target": target(0), "new_model": OLD})
    with pytest.raises(ValidationError, match="already rolled back"):
        done_targets(parsed, ledger, run_id)
