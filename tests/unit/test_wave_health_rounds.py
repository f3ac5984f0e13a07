"""WaveHealth: concurrent bake rounds (per-thread contexts, order, errors) and no baseline for a no-op."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.promotion import wave_health as wave_health_module
from aml_retrain.promotion.health import HealthPolicy, ProbeResult
from aml_retrain.promotion.wave_health import WaveHealth

from .promotion_fakes import local_ledger
from .test_rollout import NEW, OLD, manifest, target
from .test_wave_health import PROBE, context, promoted, spec_of

WAIT = 10.0  # seconds a probe waits for the others before the test fails (never reached when right)
AGREE = HealthPolicy(min_agreement=0.7)


class ThreadedKind:
    """A kind whose probe runs ``hook(target)``, then answers the target's next queued predictions.

    Every call is recorded with the thread it ran in and the context it was given.
    """

    def __init__(self) -> None:
        self.answers: dict[str, list[list[Any]]] = {}
        self.hook: Callable[[str], None] = lambda _target: None
        self.calls: list[tuple[str, int, Any]] = []
        self._lock = threading.Lock()

    def probe(self, target: Any, context: Any, probe: Any) -> ProbeResult:
        with self._lock:
            self.calls.append((str(target), threading.get_ident(), context))
        self.hook(str(target))
        with self._lock:
            predictions = self.answers[str(target)].pop(0)
        return ProbeResult(tuple(predictions), tuple(p is not None for p in predictions),
                           tuple(5.0 for p in predictions if p is not None))


class TrackedContext:
    """A context stand-in: records the copies ``for_thread`` makes (and in which thread), and closes."""

    def __init__(self, ledger: Any = None) -> None:
        self.ledger = ledger
        self.thread = threading.get_ident()
        self.closed = 0
        self.made: list[TrackedContext] = []
        self._lock = threading.Lock()

    def the_ledger(self) -> Any:
        return self.ledger

    def for_thread(self, ledger: Any = None) -> TrackedContext:
        copy = TrackedContext(self.ledger)
        with self._lock:
            self.made.append(copy)
        return copy

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def kind(monkeypatch: pytest.MonkeyPatch) -> ThreadedKind:
    fake = ThreadedKind()
    monkeypatch.setattr(wave_health_module, "kind_of", lambda _target: fake)
    return fake


def specs(n: int) -> list[Any]:
    return list(manifest(n=n, waves=(1,) * n).targets)


def queue(kind: ThreadedKind, spec: Any, *answers: list[Any]) -> None:
    kind.answers.setdefault(str(spec.target), []).extend(answers)


# -- bake rounds -----------------------------------------------------------------------------------

def test_a_bake_round_probes_up_to_its_cap_at_once_each_worker_with_its_own_context(
        kind: ThreadedKind) -> None:
    watched, cap = specs(6), 3
    for spec in watched:
        queue(kind, spec, [1, 0, 1, 0])
    together = threading.Barrier(cap, timeout=WAIT)  # passes only with `cap` probes in flight
    lock, flight = threading.Lock(), {"now": 0, "peak": 0}

    def hook(_target: str) -> None:
        with lock:
            flight["now"] += 1
            flight["peak"] = max(flight["peak"], flight["now"])
        try:
            together.wait()
        finally:
            with lock:
                flight["now"] -= 1

    kind.hook = hook
    parent = TrackedContext()
    assert WaveHealth(PROBE, concurrency=cap).during_bake(1, watched, parent) == {}  # type: ignore[arg-type]
    assert sorted(t for t, _, _ in kind.calls) == sorted(str(s.target) for s in watched)
    assert flight["peak"] == cap
    # One context per worker thread (not per target), made and used in that thread only, all
    # closed when the round ends; the run's own context is left open.
    made_in = {made.thread: made for made in parent.made}
    assert len(parent.made) == cap and len(made_in) == cap
    assert all(made_in[thread] is used for _, thread, used in kind.calls)
    assert [made.closed for made in parent.made] == [1] * cap and parent.closed == 0


def test_a_round_caps_its_threads_at_its_targets_and_one_worker_uses_the_callers_context(
        kind: ThreadedKind) -> None:
    watched = specs(3)
    for spec in watched:
        queue(kind, spec, [1, 0, 1, 0], [1, 0, 1, 0])
    together = threading.Barrier(3, timeout=WAIT)

    def hook(_target: str) -> None:
        together.wait()

    kind.hook = hook
    parent = TrackedContext()
    assert WaveHealth(PROBE).during_bake(1, watched, parent) == {}  # type: ignore[arg-type]
    assert len(parent.made) == 3  # the default cap of 8 is cut to the 3 targets
    kind.hook, kind.calls = (lambda _target: None), []
    assert WaveHealth(PROBE, concurrency=1).during_bake(1, watched, parent) == {}  # type: ignore[arg-type]
    assert len(parent.made) == 3 and parent.closed == 0  # no copy made for a single worker
    assert [(t, thread, used) for t, thread, used in kind.calls] == [
        (str(s.target), threading.get_ident(), parent) for s in watched]


def test_a_concurrent_round_reports_what_a_sequential_one_does_in_target_order(
        kind: ThreadedKind) -> None:
    policies = [None, AGREE, None, None, AGREE]
    watched = [replace(s, health=p) for s, p in zip(specs(5), policies, strict=True)]
    rounds = {  # baseline, then the bake round's answers
        "t0": ([1, 0, 1, 0], [1, 0, 1, 0]),  # healthy
        "t1": ([1, 0, 1, 0], [0, 1, 0, 1]),  # disagrees with its old model
        "t2": ([1, 0, 1, 0], [None, None, 1, 0]),  # half the requests failed
        "t3": ([1, 1, 1, 1], [1, 1, 1, 1]),  # healthy
        "t4": ([1, 0, 1, 0], [None, 1, 0, 1]),  # both
    }
    for spec in watched:
        queue(kind, spec, *rounds[spec.name], *rounds[spec.name])  # once per WaveHealth below
    sequential, concurrent = WaveHealth(PROBE, concurrency=1), WaveHealth(PROBE, concurrency=5)
    for spec in watched:
        sequential.before_switch(spec, context())
    expected = sequential.during_bake(1, watched, context())
    for spec in watched:
        concurrent.before_switch(spec, context())
    assert list(expected) == ["t1", "t2", "t4"]
    assert "agreement 0 with the old model < min_agreement 0.7" in expected["t1"]
    assert "success rate 0.5 < min_success_rate" in expected["t2"]

    # The concurrent round's probes finish last target first: each waits for the next one's.
    order = [str(s.target) for s in watched]
    answered = {name: threading.Event() for name in order}

    def hook(name: str) -> None:
        later = order[order.index(name) + 1:]
        if later:
            assert answered[later[0]].wait(WAIT), f"{name} was probed without {later[0]}"
        answered[name].set()

    kind.hook = hook
    parent = TrackedContext()
    got = concurrent.during_bake(1, watched, parent)  # type: ignore[arg-type]
    assert list(got.items()) == list(expected.items())
    assert [concurrent.figures(str(s.target)) for s in watched] == \
        [sequential.figures(str(s.target)) for s in watched]
    assert [made.closed for made in parent.made] == [1] * len(parent.made) and parent.made


@pytest.mark.parametrize("concurrency", [1, 4])
def test_an_unexpected_exception_in_one_probe_is_its_reason_and_the_others_still_report(
        kind: ThreadedKind, concurrency: int) -> None:
    watched = specs(4)
    for spec, answers in zip(watched, ([1] * 4, [1] * 4, [None, None, 1, 1], [1] * 4), strict=True):
        queue(kind, spec, answers)

    def hook(name: str) -> None:
        if name == target(1):
            raise RuntimeError("socket closed mid-row")

    kind.hook = hook
    check = WaveHealth(PROBE, concurrency=concurrency)
    parent = TrackedContext()
    bad = check.during_bake(1, watched, parent)  # type: ignore[arg-type]
    assert list(bad) == ["t1", "t2"]
    assert bad["t1"] == "unexpected RuntimeError: socket closed mid-row"
    assert "success rate 0.5 < min_success_rate" in bad["t2"]
    assert check.figures(target(1)) is None
    assert [check.figures(target(i))["probes"] for i in (0, 2, 3)] == [1, 1, 1]  # type: ignore[index]
    assert all(made.closed == 1 for made in parent.made) and parent.closed == 0


def test_a_round_without_targets_probes_nothing(kind: ThreadedKind) -> None:
    parent = TrackedContext()
    assert WaveHealth(PROBE).during_bake(1, [], parent) == {}  # type: ignore[arg-type]
    assert kind.calls == [] and parent.made == []


def test_concurrency_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="concurrency must be at least 1"):
        WaveHealth(PROBE, concurrency=0)


# -- the baseline before a switch ----------------------------------------------------------------------

def test_an_already_current_target_costs_no_baseline_and_is_then_checked_without_one(
        tmp_path: Path, kind: ThreadedKind) -> None:
    ledger = local_ledger(tmp_path)
    ledger.append({"action": "promote", "target": target(0), "new_model": OLD})
    ledger.append({"action": "promote", "target": target(0), "new_model": NEW})
    spec = spec_of(0, AGREE)
    check = WaveHealth(PROBE)
    check.before_switch(spec, context(ledger))
    assert kind.calls == []
    # Promoted anyway (it drifted): no baseline, so only the absolute thresholds judge it.
    queue(kind, spec, [0, 0, 0, 0])
    assert check.after_switch(spec, promoted(0), context(ledger)) is None
    figures = check.figures(target(0))
    assert figures is not None and figures["compared_rows"] == 0 and figures["agreement"] is None


def back_to_old(ledger: Any) -> None:
    ledger.append({"action": "promote", "target": target(0), "new_model": NEW})
    ledger.append({"action": "rollback", "target": target(0), "new_model": OLD})


NOT_CURRENT = {
    "no entry": (lambda ledger: None, {}),
    "current is the old model": (
        lambda ledger: ledger.append({"action": "promote", "target": target(0), "new_model": OLD}), {}),
    "rolled back from it": (back_to_old, {}),
    "a job's model": (lambda ledger: ledger.append(
        {"action": "promote", "target": target(0), "new_model": NEW}),
        {"model_url": None, "job_id": "job-1"}),
    "a reference model_key refuses": (lambda ledger: ledger.append(
        {"action": "promote", "target": target(0), "new_model": NEW}),
        {"model_url": "https://acct.blob.core.windows.net/models/b/model.txt"}),
}


@pytest.mark.parametrize("case", list(NOT_CURRENT))
def test_a_target_not_on_the_specs_model_gets_its_baseline(
        tmp_path: Path, kind: ThreadedKind, case: str) -> None:
    ledger = local_ledger(tmp_path)
    write, changes = NOT_CURRENT[case]
    write(ledger)
    spec = replace(spec_of(0, AGREE), **changes)
    queue(kind, spec, [1, 0, 1, 0], [0, 1, 0, 1])
    check = WaveHealth(PROBE)
    check.before_switch(spec, context(ledger))
    assert [t for t, _, _ in kind.calls] == [target(0)]
    reason = check.after_switch(spec, promoted(0), context(ledger))
    assert reason is not None and "agreement 0 with the old model" in reason


def test_without_a_ledger_the_baseline_is_probed(kind: ThreadedKind) -> None:
    spec = spec_of(0)
    queue(kind, spec, [1, 0, 1, 0])
    WaveHealth(PROBE).before_switch(spec, context())
    assert [t for t, _, _ in kind.calls] == [target(0)]
