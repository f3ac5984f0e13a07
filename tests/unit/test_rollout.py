"""Rollout: manifest `rollout:` section, failure budgets, rollback of a run's switches, run ids, resume."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.errors import OperationTimeoutError, ValidationError
from aml_retrain.promotion import rollback as rollback_module
from aml_retrain.promotion.context import PromotionContext
from aml_retrain.promotion.fanout import FanoutResult, TargetSpec, parse_manifest, run_fanout
from aml_retrain.promotion.junit import junit_xml
from aml_retrain.promotion.ledger import LocalLedger
from aml_retrain.promotion.promote import PromotionResult
from aml_retrain.promotion.rollout import Healthy, allowed_failures, new_run_id, validate_run_id
from aml_retrain.promotion.runs import done_targets, run_entries, run_status
from aml_retrain.promotion.targets import Clients

from .promotion_fakes import SVC, ctx_of, local_ledger, model

OLD, NEW = model("a"), model("b")


def manifest(n: int = 4, waves: Sequence[int] = (1, 1, 2, 2), base: Path = Path("/m"),
             **rollout: Any) -> Any:
    rows = [{"name": f"t{i}", "target": f"classic:{SVC}/ep{i}", "model_url": NEW, "wave": waves[i]}
            for i in range(n)]
    data: dict[str, Any] = {"version": 1, "targets": rows}
    if rollout:
        data["rollout"] = rollout
    return parse_manifest(data, base, "m.yaml")


# -- settings ------------------------------------------------------------------------------------

def test_rollout_section_defaults_to_todays_behaviour() -> None:
    settings = manifest().rollout
    assert (settings.max_failures, settings.on_failure, settings.pause_between_waves) == (0, "stop", 0.0)
    assert settings.bake == 0.0 and settings.every is None and settings.probe is None


def test_rollout_section_is_read(tmp_path: Path) -> None:
    settings = manifest(base=tmp_path, max_failures="10%", on_failure="rollback",
                        pause_between_waves=300, bake=120, every=30, probe="rows.csv").rollout
    assert settings.max_failures == "10%" and settings.on_failure == "rollback"
    assert (settings.pause_between_waves, settings.bake, settings.every) == (300.0, 120.0, 30.0)
    assert settings.probe == tmp_path / "rows.csv"
    assert settings.traffic_steps() is None  # switched whole unless steps or mirror say otherwise
    stepped = manifest(base=tmp_path, probe="rows.csv", steps=[10, 100], mirror=5).rollout
    assert stepped.traffic_steps() is not None and stepped.to_dict()["steps"] == [10, 100]
    assert (stepped.steps, stepped.mirror) == ((10, 100), 5)


BAD = [
    ({"max_faliures": 1}, "rollout: unknown key 'max_faliures'"),
    ({"on_failure": "undo"}, "rollout.on_failure: expected rollback or stop, not 'undo'"),
    ({"max_failures": -1}, "rollout.max_failures: expected a whole number >= 0"),
    ({"max_failures": "ten"}, "rollout.max_failures"),
    ({"max_failures": "150%"}, "rollout.max_failures"),
    ({"max_failures": True}, "rollout.max_failures"),
    ({"pause_between_waves": -5}, "rollout.pause_between_waves: expected seconds"),
    ({"bake": "2m"}, "rollout.bake: expected seconds"),
    ({"every": 10}, "rollout.every: 'every' paces the health checks of a bake"),
    ({"bake": 60, "every": 0}, "rollout.every: expected seconds > 0"),
    ({"probe": 3}, "rollout.probe: expected a file name"),
    ({"probe": "r.csv", "steps": [10, 50]}, "rollout.steps: must rise from 1 to 100"),
    ({"probe": "r.csv", "steps": "x"}, "rollout.steps: takes rising percentages"),
    ({"probe": "r.csv", "mirror": 80}, "rollout.mirror: is the percent of requests mirrored"),
    ({"steps": [10, 100]}, "rollout.steps: steps and mirror bake each phase"),
]


@pytest.mark.parametrize(("given", "fragment"), BAD, ids=[b[1] for b in BAD])
def test_bad_rollout_section_is_one_line_naming_the_key(given: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        manifest(**given)
    assert str(caught.value).startswith("manifest m.yaml: ")
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_rollout_must_be_a_mapping() -> None:
    with pytest.raises(ValidationError, match="rollout: expected a mapping"):
        parse_manifest({"version": 1, "rollout": [1], "targets": [
            {"target": f"classic:{SVC}/ep0", "model_url": NEW}]}, Path("/m"), "m.yaml")


@pytest.mark.parametrize(("given", "size", "allowed"), [
    (0, 10, 0), (2, 10, 2), (2, 1, 2), ("10%", 30, 3), ("10%", 9, 0), ("50%", 3, 1),
    ("100%", 4, 4), ("0%", 50, 0), ("33.5%", 200, 67), ("12.5%", 8, 1)])
def test_failure_budget_is_the_number_or_the_percentage_rounded_down(
        given: int | str, size: int, allowed: int) -> None:
    assert allowed_failures(given, size) == allowed


def test_run_ids_are_fresh_and_checked() -> None:
    first, second = new_run_id(), new_run_id()
    assert first != second and validate_run_id(first) == first
    with pytest.raises(ValidationError, match="is not a fan-out run id"):
        validate_run_id("run-1; rm -rf")


def test_manifest_digest_follows_the_content() -> None:
    assert manifest().digest == manifest().digest
    assert manifest().digest != manifest(max_failures=1).digest
    assert manifest().digest.startswith("sha256:")


# -- running -------------------------------------------------------------------------------------

class Writer:
    """A fake worker that records a real ledger entry per switch; outcomes per target name."""

    def __init__(self, fail: Sequence[str] = (), interrupt_after: int | None = None) -> None:
        self.fail = set(fail)
        self.interrupt_after = interrupt_after
        self.started: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, spec: TargetSpec, context: PromotionContext) -> PromotionResult:
        with self.lock:
            if self.interrupt_after is not None and len(self.started) >= self.interrupt_after:
                raise KeyboardInterrupt
            self.started.append(spec.name)
        if spec.name in self.fail:
            raise ValidationError(f"model for {spec.name} does not exist")
        entry = context.the_ledger().append({"action": "promote", "target": str(spec.target),
                                             "old_model": OLD, "new_model": NEW})
        return PromotionResult("promote", str(spec.target), OLD, NEW, entry=entry)


@pytest.fixture
def rollbacks(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Fake the rollback path: record calls, append a rollback entry, or raise per target."""
    seen: dict[str, Any] = {"calls": [], "raise": {}}

    def fake(target: Any, context: PromotionContext, *, reason: str | None = None,
             **_: Any) -> PromotionResult:
        seen["calls"].append((str(target), reason))
        if str(target) in seen["raise"]:
            raise seen["raise"][str(target)]
        entry = context.the_ledger().append({"action": "rollback", "target": str(target),
                                             "old_model": NEW, "new_model": OLD, "reason": reason})
        return PromotionResult("rollback", str(target), NEW, OLD, entry=entry)

    monkeypatch.setattr(rollback_module, "rollback", fake)
    return seen


def go(parsed: Any, worker: Any, ledger: LocalLedger, **kw: Any) -> FanoutResult:
    kw.setdefault("concurrency", 1)
    return run_fanout(parsed, ctx_of(Clients(), ledger, actor="ci"), worker=worker, **kw)


def statuses(result: FanoutResult) -> list[str]:
    return [r.status for r in result.results]


def target(i: int) -> str:
    return f"classic:{SVC}/ep{i}"


def test_every_entry_carries_the_run_and_the_chain_still_verifies(tmp_path: Path) -> None:
    ledger = local_ledger(tmp_path)
    ledger.append({"action": "promote", "target": target(9), "new_model": OLD})  # before run ids
    parsed = manifest()
    result = go(parsed, Writer(), ledger, run_id="20261203T180000Z-0000abcd")
    assert result.run_id == "20261203T180000Z-0000abcd" and result.to_dict()["run_id"] == result.run_id
    entries = ledger.entries()
    assert "run_id" not in entries[0]
    assert [(e["run_id"], e["run_wave"], e["run_manifest"]) for e in entries[1:]] == [
        (result.run_id, w, parsed.digest) for w in (1, 1, 2, 2)]
    assert ledger.verify().ok
    assert len(run_entries(ledger, result.run_id)) == 4
    assert b"property name=\"run_id\" value=\"20261203T180000Z-0000abcd\"" in junit_xml(result)


def test_failures_within_the_budget_do_not_stop_the_rollout(tmp_path: Path,
                                                             rollbacks: dict[str, Any]) -> None:
    parsed = manifest(6, (1, 2, 2, 2, 2, 2), max_failures=1, on_failure="rollback")
    result = go(parsed, Writer(fail=["t2"]), local_ledger(tmp_path))
    assert statuses(result) == ["promoted", "promoted", "failed", "promoted", "promoted", "promoted"]
    assert result.stopped is None and result.failed_wave is None and not rollbacks["calls"]
    assert result.outcome == "failed"  # a failed target is still a failure: exit 1


def test_exceeding_the_budget_stops_and_stop_rolls_nothing_back(tmp_path: Path,
                                                                 rollbacks: dict[str, Any]) -> None:
    parsed = manifest(6, (1, 2, 2, 2, 2, 2), max_failures="25%")  # 25% of 5 = 1
    result = go(parsed, Writer(fail=["t2", "t3"]), local_ledger(tmp_path))
    assert statuses(result) == ["promoted", "promoted", "failed", "failed", "not-run", "not-run"]
    assert result.stopped == "t3 failed in wave 2 (2 failures, budget 1)"
    assert result.failed_wave == 2 and not rollbacks["calls"] and not result.rollbacks


def test_exceeding_the_budget_rolls_back_every_switch_of_the_run(tmp_path: Path,
                                                                 rollbacks: dict[str, Any]) -> None:
    ledger = local_ledger(tmp_path)
    result = go(manifest(on_failure="rollback"), Writer(fail=["t2"]), ledger)
    assert statuses(result) == ["promoted", "promoted", "failed", "not-run"]
    assert result.failed_wave == 2 and result.outcome == "failed"
    # Latest wave first, each through the rollback path, the run named in the reason.
    assert [c[0] for c in rollbacks["calls"]] == [target(0), target(1)]
    assert all(result.run_id in str(c[1]) and "wave 2" in str(c[1]) for c in rollbacks["calls"])
    assert [(r.name, r.status, r.model, r.replaced) for r in result.rollbacks] == [
        ("t0", "rolled-back", OLD, NEW), ("t1", "rolled-back", OLD, NEW)]
    undone = [e for e in ledger.entries() if e["action"] == "rollback"]
    assert [(e["run_id"], e["run_wave"]) for e in undone] == [(result.run_id, 1)] * 2
    assert ledger.verify().ok
    root = ET.fromstring(junit_xml(result))
    budget = root.find("./testsuite[@name='wave 2']/testcase[@name='failure budget']/failure")
    assert budget is not None and "wave 2 exceeded its failure budget" in budget.get("message", "")
    assert "rolled back: t0 (rolled-back), t1 (rolled-back)" in budget.get("message", "")
    cases = root.findall("./testsuite[@name='rollback']/testcase")
    assert [c.get("name") for c in cases] == ["t0", "t1"] and not root.findall(
        "./testsuite[@name='rollback']//failure")
    assert root.get("tests") == "7" and root.get("failures") == "2"  # 4 targets + budget + 2 rollbacks


def test_failed_and_unknown_rollbacks_are_reported_and_do_not_stop_the_others(
        tmp_path: Path, rollbacks: dict[str, Any]) -> None:
    rollbacks["raise"] = {target(2): OperationTimeoutError("PATCH timed out"),
                          target(0): ValidationError("no earlier model recorded")}
    parsed = manifest(5, (1, 1, 2, 2, 2), on_failure="rollback")
    result = go(parsed, Writer(fail=["t3"]), local_ledger(tmp_path))
    assert [(r.name, r.status) for r in result.rollbacks] == [
        ("t2", "unknown"), ("t0", "failed"), ("t1", "rolled-back")]
    unknown = result.rollbacks[0].message
    assert unknown.startswith("unknown — OperationTimeoutError: PATCH timed out")
    assert f"aml-retrain target show {target(2)}" in unknown
    assert f"aml-retrain rollback {target(2)}" in unknown
    root = ET.fromstring(junit_xml(result))
    kinds = [f.get("type") for f in root.findall("./testsuite[@name='rollback']//failure")]
    assert kinds == ["unknown", "failed"]


def test_gated_canary_over_budget_rolls_back_the_canary_wave(tmp_path: Path,
                                                              rollbacks: dict[str, Any]) -> None:
    from aml_retrain.errors import GatedError

    class Gating(Writer):
        def __call__(self, spec: TargetSpec, context: PromotionContext) -> PromotionResult:
            if spec.name == "t1":
                raise GatedError("evaluation gate gated: AUC fell")
            return super().__call__(spec, context)

    result = go(manifest(on_failure="rollback"), Gating(), local_ledger(tmp_path))
    assert statuses(result) == ["promoted", "gated", "not-run", "not-run"]
    assert [c[0] for c in rollbacks["calls"]] == [target(0)]
    assert result.outcome == "failed"


class Sick(Healthy):
    """A health check: unhealthy after the switch or during the bake, per target name."""

    def __init__(self, after: Mapping[str, str] | None = None,
                 bake: Mapping[str, str] | None = None) -> None:
        self.after, self.bake = after or {}, bake or {}
        self.bakes: list[tuple[int, list[str]]] = []

    def after_switch(self, spec: TargetSpec, promoted: PromotionResult,
                     context: PromotionContext) -> str | None:
        return self.after.get(spec.name)

    def during_bake(self, wave: int, switched: Sequence[TargetSpec],
                    context: PromotionContext) -> Mapping[str, str]:
        self.bakes.append((wave, [s.name for s in switched]))
        checks = sum(1 for w, _ in self.bakes if w == wave)
        return dict(self.bake) if checks >= 2 else {}  # from each wave's second check on


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_unhealthy_after_the_switch_counts_and_is_rolled_back_too(
        tmp_path: Path, rollbacks: dict[str, Any]) -> None:
    health = Sick(after={"t2": "success rate 40% < 99%"})
    result = go(manifest(on_failure="rollback"), Writer(), local_ledger(tmp_path), health=health)
    assert statuses(result) == ["promoted", "promoted", "unhealthy", "not-run"]
    assert result.results[2].message == ("unhealthy after the switch: success rate 40% < 99%; "
                                         "rolled back")
    # t2 at once (alone), then the run's other switches once wave 2 is over budget; t2 not twice.
    assert [c[0] for c in rollbacks["calls"]] == [target(2), target(0), target(1)]
    assert [r.scope for r in result.rollbacks] == ["target", "run", "run"]


def test_bake_watches_each_wave_and_pauses_come_between_waves(
        tmp_path: Path, rollbacks: dict[str, Any]) -> None:
    clock = Clock()
    health = Sick(bake={"t3": "p95 latency 3.1x the baseline"})
    parsed = manifest(on_failure="rollback", bake=60, every=25, pause_between_waves=300)
    result = go(parsed, Writer(), local_ledger(tmp_path), health=health, clock=clock,
                sleep=clock.sleep)
    # Wave 1: checks at 0, 25, 50 (then 10 s left); pause 300; wave 2: unhealthy at the 2nd check.
    assert clock.slept == [25.0, 25.0, 10.0, 300.0, 25.0]
    assert [w for w, _ in health.bakes] == [1, 1, 1, 1, 2, 2]
    assert statuses(result) == ["promoted", "promoted", "promoted", "unhealthy"]
    assert result.failed_wave == 2 and len(result.rollbacks) == 4
    assert (result.rollbacks[0].name, result.rollbacks[0].scope) == ("t3", "target")


# -- resume --------------------------------------------------------------------------------------

def test_an_interrupted_run_resumes_without_promoting_a_target_twice(
        tmp_path: Path, rollbacks: dict[str, Any]) -> None:
    ledger = local_ledger(tmp_path)
    parsed = manifest(6, (1, 2, 2, 2, 2, 2))
    run_id = "20261203T180000Z-1234abcd"
    with pytest.raises(KeyboardInterrupt):
        go(parsed, Writer(interrupt_after=3), ledger, run_id=run_id)
    assert sorted(done_targets(parsed, ledger, run_id)) == [target(i) for i in range(3)]
    second = Writer()
    result = go(parsed, second, ledger, resume=run_id)
    assert second.started == ["t3", "t4", "t5"] and result.resumed and result.run_id == run_id
    assert statuses(result) == ["promoted"] * 6
    assert "before the resume" in result.results[0].message
    promoted = [e["target"] for e in ledger.entries() if e["action"] == "promote"]
    assert sorted(promoted) == [target(i) for i in range(6)]  # each exactly once
    assert {e["run_id"] for e in ledger.entries()} == {run_id}


def test_a_resumed_run_that_fails_rolls_back_the_targets_switched_before_the_interrupt(
        tmp_path: Path, rollbacks: dict[str, Any]) -> None:
    ledger = local_ledger(tmp_path)
    parsed = manifest(on_failure="rollback")
    with pytest.raises(KeyboardInterrupt):
        go(parsed, Writer(interrupt_after=2), ledger, run_id="20261203T180000Z-1234abcd")
    result = go(parsed, Writer(fail=["t2"]), ledger, resume="20261203T180000Z-1234abcd")
    assert [c[0] for c in rollbacks["calls"]] == [target(0), target(1)]
    with pytest.raises(ValidationError, match="already rolled back its targets"):
        go(parsed, Writer(), ledger, resume=result.run_id)


def test_resume_refuses_another_manifest_and_an_unknown_run(tmp_path: Path) -> None:
    ledger = local_ledger(tmp_path)
    run_id = "20261203T180000Z-1234abcd"
    with pytest.raises(KeyboardInterrupt):
        go(manifest(), Writer(interrupt_after=1), ledger, run_id=run_id)
    with pytest.raises(ValidationError, match="was started with another manifest") as caught:
        go(manifest(max_failures=1), Writer(), ledger, resume=run_id)
    assert "\n" not in str(caught.value)
    with pytest.raises(ValidationError, match="has no entry of run 20261203T180000Z-ffffffff"):
        go(manifest(), Writer(), ledger, resume="20261203T180000Z-ffffffff")
    assert len(ledger.entries()) == 1  # refusals write nothing


def test_status_shows_per_wave_and_target_what_the_ledger_says(
        tmp_path: Path, rollbacks: dict[str, Any]) -> None:
    ledger = local_ledger(tmp_path)
    result = go(manifest(on_failure="rollback"), Writer(fail=["t3"]), ledger)
    shown = run_status(ledger, result.run_id)
    assert shown["waves"] == [1, 2] and shown["entries"] == 6
    rows = [(r["wave"], r["target"], r["state"], r["promoted_seq"], r["rolled_back_seq"])
            for r in shown["targets"]]
    assert rows == [(1, target(0), "rolled-back", 1, 5), (1, target(1), "rolled-back", 2, 6),
                    (2, target(2), "rolled-back", 3, 4)]
    with pytest.raises(ValidationError, match="no entry of run"):
        run_status(ledger, "20261203T180000Z-ffffffff")

