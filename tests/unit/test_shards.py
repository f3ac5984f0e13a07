"""Shards of a fan-out run: every N-th target of a wave, the ledger as the barrier between waves."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.errors import OperationTimeoutError, ValidationError
from aml_retrain.promotion.context import PromotionContext
from aml_retrain.promotion.fanout import FanoutResult, TargetSpec, run_fanout
from aml_retrain.promotion.ledger import LocalLedger
from aml_retrain.promotion.promote import PromotionResult
from aml_retrain.promotion.rollout import new_run_id
from aml_retrain.promotion.runs import done_targets, run_status
from aml_retrain.promotion.shards import Barrier, Shard, mark_target
from aml_retrain.promotion.targets import Clients

from .promotion_fakes import ctx_of, local_ledger
from .test_bes import Clock
from .test_rollout import NEW, OLD, Writer, manifest
from .test_rollout import rollbacks as rollbacks

WAIT = 10.0  # seconds a test waits for another thread at most (never reached when it works)


def test_shard_parses_i_of_n_from_1_and_takes_every_nth() -> None:
    assert Shard.parse("2/4") == Shard(2, 4) and str(Shard(2, 4)) == "2/4"
    assert Shard(2, 3).take(list(range(8))) == [1, 4, 7]
    assert Shard(1, 1).take([5, 6]) == [5, 6]
    for bad in ("0/4", "5/4", "2", "a/b", "1/0", "1/300", "1/2/3"):
        with pytest.raises(ValidationError, match="--shard takes I/N"):
            Shard.parse(bad)


def test_every_target_is_in_exactly_one_shard_of_each_wave() -> None:
    items = list(range(10))
    taken = [x for i in range(1, 4) for x in Shard(i, 3).take(items)]
    assert sorted(taken) == items


def barrier(ledger: LocalLedger, shard: str, clock: Clock | None = None, digest: str = "sha256:m",
            timeout: float = 60.0) -> Barrier:
    clock = clock or Clock()
    return Barrier(ledger, "20261204T100000Z-0000abcd", Shard.parse(shard), digest, actor="ci",
                   timeout=timeout, every=5.0, clock=clock, sleep=clock.sleep)


def test_the_barrier_opens_when_every_shard_marked_the_wave_and_sums_failures(
    tmp_path: Path,
) -> None:
    ledger = local_ledger(tmp_path)
    one, two = barrier(ledger, "1/2"), barrier(ledger, "2/2")
    one.arrive(1, failures=1, stopped=False, counts={"failed": 1})
    two.arrive(1, failures=2, stopped=True, counts={"failed": 2})
    totals = one.wait(1)
    assert (totals.failures, totals.stopped) == (3, ("2/2",))
    [first, _] = ledger.entries(mark_target(one.run_id))
    assert first["action"] == "wave" and first["run_wave"] == 1 and first["shard"] == "1/2"
    assert ledger.current(mark_target(one.run_id)) is None  # marks are not a target's state
    assert ledger.verify().ok


def test_a_missing_shard_times_out_with_exit_4_naming_it(tmp_path: Path) -> None:
    ledger = local_ledger(tmp_path)
    clock = Clock()
    mine = barrier(ledger, "1/3", clock, timeout=30)
    barrier(ledger, "3/3").arrive(1, failures=0, stopped=False, counts={})
    mine.arrive(1, failures=0, stopped=False, counts={})
    with pytest.raises(OperationTimeoutError) as caught:
        mine.wait(1)
    assert caught.value.exit_code == 4
    assert "shard(s) 2 of 3 have not finished wave 1" in str(caught.value)
    assert clock.now == 30 and clock.sleeps == [5.0] * 6  # polled, no busy loop


def test_a_shard_of_another_manifest_is_refused(tmp_path: Path) -> None:
    ledger = local_ledger(tmp_path)
    barrier(ledger, "2/2", digest="sha256:other").arrive(1, failures=0, stopped=False, counts={})
    with pytest.raises(ValidationError, match="another manifest"):
        barrier(ledger, "1/2").wait(1)


class Gate(Writer):
    """A Writer whose targets named in ``hold`` wait for ``release`` (set by the test)."""

    def __init__(self, hold: set[str], **kw: Any) -> None:
        super().__init__(**kw)
        self.hold = hold
        self.release = threading.Event()
        self.held = threading.Event()

    def __call__(self, spec: TargetSpec, context: PromotionContext) -> PromotionResult:
        if spec.name in self.hold:
            self.held.set()
            assert self.release.wait(WAIT)
        return super().__call__(spec, context)


def shards(parsed: Any, ledger: LocalLedger, workers: list[Writer],
           run_id: str) -> tuple[list[FanoutResult], list[threading.Thread]]:
    """Run one shard per worker in its own thread; each with its own context on the one ledger."""
    out: list[FanoutResult] = [None] * len(workers)  # type: ignore[list-item]

    def one(i: int) -> None:
        shard = Shard(i + 1, len(workers))
        # Polls the ledger every 10 ms (readiness, not timing): the test ends as soon as it can.
        meet = Barrier(ledger, run_id, shard, parsed.digest, actor="ci", timeout=WAIT, every=0.01)
        out[i] = run_fanout(parsed, ctx_of(Clients(), ledger, actor="ci"), worker=workers[i],
                            concurrency=1, run_id=run_id, shard=shard, barrier=meet,
                            sleep=lambda _s: None)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(workers))]
    for t in threads:
        t.start()
    return out, threads


def test_no_shard_starts_wave_2_before_every_shard_finished_wave_1(tmp_path: Path) -> None:
    ledger = local_ledger(tmp_path)
    parsed = manifest()  # t0, t1 in wave 1; t2, t3 in wave 2
    first, second = Writer(), Gate({"t1"})
    results, threads = shards(parsed, ledger, [first, second], new_run_id())
    assert second.held.wait(WAIT)
    # Shard 1 finished t0 and waits at the barrier: t2 (its wave 2 target) has not started.
    for _ in range(200):
        if any(e.get("action") == "wave" for e in ledger.entries()):
            break
        threading.Event().wait(0.01)  # poll the ledger for shard 1's mark (not a timing assert)
    assert first.started == ["t0"]
    second.release.set()
    for t in threads:
        t.join(WAIT)
    assert (first.started, second.started) == (["t0", "t2"], ["t1", "t3"])
    assert [[r.name for r in res.results] for res in results] == [["t0", "t2"], ["t1", "t3"]]
    waves = {e["target"]: e["seq"] for e in ledger.entries() if e["action"] == "promote"}
    marks = [e["seq"] for e in ledger.entries() if e["action"] == "wave" and e["run_wave"] == 1]
    assert max(marks) < min(waves[str(s.target)] for s in parsed.targets if s.wave == 2)
    assert all(r.shard in ("1/2", "2/2") and r.outcome == "ok" for r in results)


def test_a_wave_failed_on_one_shard_stops_all_and_each_rolls_back_its_own(
    tmp_path: Path, rollbacks: dict[str, Any],
) -> None:
    ledger = local_ledger(tmp_path)
    parsed = manifest(on_failure="rollback")
    run_id = new_run_id()
    results, threads = shards(parsed, ledger, [Writer(), Writer(fail=["t1"])], run_id)
    for t in threads:
        t.join(WAIT)
    one, two = results
    assert [r.status for r in one.results] == ["promoted", "not-run"]
    assert [r.status for r in two.results] == ["failed", "not-run"]
    assert one.failed_wave == two.failed_wave == 1
    assert "wave 1 failed on shard(s) 2/2" in str(one.stopped)
    assert [c[0] for c in rollbacks["calls"]] == [str(parsed.targets[0].target)]
    assert run_status(ledger, run_id)["entries"] == 2  # the promote and its rollback, not marks


def test_a_budget_spans_the_shards(tmp_path: Path) -> None:
    ledger = local_ledger(tmp_path)
    # Wave 1 has 4 targets and a budget of 1; each shard fails one: 2 > 1 over all shards.
    parsed = manifest(n=6, waves=(1, 1, 1, 1, 2, 2), max_failures=1)
    results, threads = shards(parsed, ledger, [Writer(fail=["t0"]), Writer(fail=["t1"])],
                              new_run_id())
    for t in threads:
        t.join(WAIT)
    for res in results:
        assert res.failed_wave == 1 and res.results[-1].status == "not-run", res.to_dict()
        assert "2 failures over all shards, budget 1" in str(res.stopped)


def test_a_shard_needs_a_run_id_and_a_resumed_shard_skips_what_it_did(tmp_path: Path) -> None:
    ledger = local_ledger(tmp_path)
    with pytest.raises(ValidationError, match="--run-id"):
        run_fanout(manifest(), ctx_of(Clients(), ledger), worker=Writer(), shard=Shard(1, 2))
    parsed = manifest(n=2, waves=(1, 1))
    run_id = new_run_id()
    _results, threads = shards(parsed, ledger, [Writer(), Writer()], run_id)
    for t in threads:
        t.join(WAIT)
    assert set(done_targets(parsed, ledger, run_id)) == {str(s.target) for s in parsed.targets}
    again = Writer()
    resumed = run_fanout(parsed, ctx_of(Clients(), ledger), worker=again, resume=run_id,
                         shard=Shard(1, 1))
    assert again.started == [] and [r.status for r in resumed.results] == ["promoted"] * 2
    assert OLD != NEW
