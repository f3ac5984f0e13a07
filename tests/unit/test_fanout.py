"""Fan-out: manifest validation, waves, stop-on-failure, concurrency cap, results and JUnit."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.errors import GatedError, NotFoundError, ValidationError
from aml_retrain.promotion.context import PromotionContext
from aml_retrain.promotion.fanout import (
    FanoutResult,
    RunLedger,
    SasCache,
    TargetResult,
    TargetSpec,
    load_manifest,
    parse_manifest,
    run_fanout,
)
from aml_retrain.promotion.junit import junit_xml, write_junit
from aml_retrain.promotion.ledger import LocalLedger
from aml_retrain.promotion.promote import PromotionResult
from aml_retrain.promotion.targets import Clients

from .fakes import FakeAdapter
from .promotion_fakes import (
    SVC,
    TARGET,
    classic_clients,
    ctx_of,
    local_ledger,
    model,
    seed,
    serve_deploy,
    serve_read,
    stub_storage,
)

URL = model("b")


def targets(n: int, **extra: Any) -> list[dict[str, Any]]:
    return [{"name": f"t{i}", "target": f"classic:{SVC}/ep{i}", "model_url": URL, **extra}
            for i in range(n)]


def parse(data: dict[str, Any], base: Path = Path("/m")) -> Any:
    return parse_manifest({"version": 1, **data}, base, "m.yaml")


def names(specs: list[TargetSpec]) -> list[str]:
    return [s.name for s in specs]


# -- manifest ------------------------------------------------------------------------------------

BAD = [
    ("version", {"version": 2, "targets": targets(1)}, "version: expected 1"),
    ("unknown top key", {"targetz": []}, "unknown key 'targetz'"),
    ("no targets", {"targets": []}, "non-empty list"),
    ("unknown default", {"defaults": {"gates": True}, "targets": targets(1)},
     "defaults: unknown key 'gates'"),
    ("unknown target key", {"targets": [{**targets(1)[0], "modelurl": URL}]},
     "targets[0]: unknown key 'modelurl'"),
    ("two sources", {"targets": [{**targets(1)[0], "data": "x.csv"}]},
     "targets[0] (t0): give exactly one of model_url, from_job, data (got model_url and data)"),
    ("no source", {"targets": [{"name": "x", "target": f"classic:{SVC}/ep1"}]},
     "(got none of them)"),
    ("bad target", {"targets": [*targets(1), {**targets(2)[1], "target": "classic:svc"}]},
     "targets[1] (t1).target: invalid target"),
    ("missing target", {"targets": [{"name": "x", "model_url": URL}]}, "missing 'target'"),
    ("bad model url", {"targets": [{**targets(1)[0], "model_url": "https://a/b.csv"}]},
     "targets[0] (t0).model_url"),
    ("bad flag", {"targets": [{**targets(1)[0], "gate": "yes"}]}, "targets[0] (t0).gate: expected true"),
    ("duplicate name", {"targets": [targets(2)[0], {**targets(2)[1], "name": "t0"}]},
     "name 't0' is already used by targets[0]"),
    ("duplicate target", {"targets": [targets(1)[0], {**targets(1)[0], "name": "other"}]},
     "is already listed as targets[0]"),
    ("data without service", {"targets": [{"name": "x", "target": f"classic:{SVC}/e", "data": "d.csv"}]},
     "needs training_service"),
    ("data but retrain false", {"defaults": {"retrain": False, "training_service": SVC},
                                "targets": [{"name": "x", "target": f"classic:{SVC}/e", "data": "d.csv"}]},
     "retrain is false"),
    ("retrain without data", {"targets": [{**targets(1)[0], "retrain": True}]}, "gives no 'data'"),
    ("bad wave", {"targets": [{**targets(1)[0], "wave": 0}]}, "whole number >= 1"),
    ("canary not in wave 1", {"targets": [{**targets(1)[0], "canary": True, "wave": 2}]},
     "a canary runs in wave 1"),
]


@pytest.mark.parametrize(("case", "data", "fragment"), BAD, ids=[b[0] for b in BAD])
def test_invalid_manifest_names_where(case: str, data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(data)
    assert "manifest m.yaml" in str(caught.value)
    assert fragment in str(caught.value)


def test_first_target_is_the_canary_by_default() -> None:
    waves = parse({"targets": targets(4)}).waves()
    assert [(n, names(s)) for n, s in waves] == [(1, ["t0"]), (2, ["t1", "t2", "t3"])]
    assert [s.canary for s in parse({"targets": targets(3)}).targets] == [True, False, False]


def test_canary_flags_and_explicit_waves() -> None:
    rows = targets(5)
    rows[2]["canary"] = True
    rows[3]["wave"] = 3
    found = parse({"targets": rows})
    assert [(n, names(s)) for n, s in found.waves()] == [
        (1, ["t2"]), (2, ["t0", "t1", "t4"]), (3, ["t3"])]
    assert found.canary_wave == 1


def test_waves_false_is_one_wave_without_canary() -> None:
    found = parse({"waves": False, "targets": targets(3)})
    assert [n for n, _ in found.waves()] == [1]
    assert found.canary_wave is None and not any(s.canary for s in found.targets)


def test_relative_paths_resolve_against_the_manifest_folder(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text("rules: [{metric: AUC}]\n")
    (tmp_path / "eval.json").write_text('{"AUC": 0.9}')
    path = tmp_path / "fanout.yaml"
    path.write_text(yaml.safe_dump({
        "version": 1, "defaults": {"policy": "policy.yaml", "training_service": SVC},
        "targets": [{"name": "a", "target": f"classic:{SVC}/ea", "data": "train.csv"},
                    {"name": "b", "target": f"classic:{SVC}/eb", "model_url": URL,
                     "metrics": "eval.json", "gate": False}],
    }))
    first, second = load_manifest(path).targets
    assert first.data == str(tmp_path / "train.csv") and first.training_service == SVC
    assert first.gate is True and first.policy is not None  # a policy turns the gate on
    assert second.gate is False and second.policy is None
    assert second.candidate is not None and second.candidate.values["AUC"] == 0.9


def test_missing_policy_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"targets\[0\] \(t0\)\.policy: policy file .* not found"):
        parse({"targets": [{**targets(1)[0], "policy": "nope.yaml"}]}, tmp_path)


# -- running -------------------------------------------------------------------------------------

def done(spec: TargetSpec, *, current: bool = False, seq: int = 7) -> PromotionResult:
    return PromotionResult("promote", str(spec.target), model("a"), URL, already_current=current,
                           entry={"seq": seq, "job_id": None})


class Recorder:
    """A fake worker: outcomes per target name, start order, and clients seen per thread."""

    def __init__(self, outcomes: dict[str, Callable[[TargetSpec], PromotionResult]] | None = None):
        self.outcomes = outcomes or {}
        self.started: list[str] = []
        self.clients: dict[int, set[int]] = {}
        self.lock = threading.Lock()

    def __call__(self, spec: TargetSpec, context: PromotionContext) -> PromotionResult:
        with self.lock:
            self.started.append(spec.name)
            self.clients.setdefault(threading.get_ident(), set()).add(id(context.clients))
        return self.outcomes.get(spec.name, done)(spec)


def fail(_spec: TargetSpec) -> PromotionResult:
    raise NotFoundError("endpoint\nnot found", status_code=404)


def gated(_spec: TargetSpec) -> PromotionResult:
    raise GatedError("evaluation gate gated: AUC fell")


def go(manifest: Any, worker: Any, tmp_path: Path, **kw: Any) -> FanoutResult:
    kw.setdefault("concurrency", 1)
    return run_fanout(manifest, ctx_of(Clients(), local_ledger(tmp_path), actor="ci"),
                      worker=worker, **kw)


def statuses(result: FanoutResult) -> list[str]:
    return [r.status for r in result.results]


def test_all_promoted_in_manifest_order_with_wave_one_first(tmp_path: Path) -> None:
    worker = Recorder()
    result = go(parse({"targets": targets(4)}), worker, tmp_path, concurrency=4)
    assert statuses(result) == ["promoted"] * 4
    assert worker.started[0] == "t0"  # wave 2 is only submitted after wave 1 ended
    assert result.outcome == "ok" and result.stopped is None
    assert result.counts == {"promoted": 4, "skipped": 0, "gated": 0, "failed": 0, "unhealthy": 0,
                             "not-run": 0}
    first = result.results[0]
    assert (first.model, first.seq, first.message) == (URL, 7, f"was {model('a')}")


def test_failure_stops_its_wave_and_later_waves(tmp_path: Path) -> None:
    worker = Recorder({"t1": fail})
    result = go(parse({"targets": targets(5)}), worker, tmp_path)
    assert statuses(result) == ["promoted", "failed", "not-run", "not-run", "not-run"]
    assert worker.started == ["t0", "t1"]
    assert result.results[1].message == "NotFoundError: endpoint not found (HTTP 404)"  # one line
    assert result.results[2].message == "not started: t1 failed in wave 2"
    assert result.outcome == "failed" and result.stopped == "t1 failed in wave 2"


def test_keep_going_runs_everything(tmp_path: Path) -> None:
    worker = Recorder({"t0": fail, "t2": fail})
    result = go(parse({"targets": targets(4)}), worker, tmp_path, keep_going=True)
    assert statuses(result) == ["failed", "promoted", "failed", "promoted"]
    assert result.stopped is None and result.outcome == "failed"


def test_canary_failure_stops_wave_two(tmp_path: Path) -> None:
    worker = Recorder({"t0": fail})
    result = go(parse({"targets": targets(3)}), worker, tmp_path, concurrency=3)
    assert statuses(result) == ["failed", "not-run", "not-run"]
    assert worker.started == ["t0"]


def test_gated_canary_stops_the_rollout(tmp_path: Path) -> None:
    worker = Recorder({"t0": gated})
    result = go(parse({"targets": targets(3)}), worker, tmp_path)
    assert statuses(result) == ["gated", "not-run", "not-run"]
    assert result.outcome == "gated" and result.stopped == "t0 gated in wave 1"


def test_gated_target_outside_the_canary_wave_does_not_stop(tmp_path: Path) -> None:
    worker = Recorder({"t1": gated})
    result = go(parse({"targets": targets(4)}), worker, tmp_path)
    assert statuses(result) == ["promoted", "gated", "promoted", "promoted"]
    assert result.outcome == "gated" and result.stopped is None
    assert "AUC fell" in result.results[1].message


def test_already_current_is_skipped_and_unexpected_errors_fail_one_target(tmp_path: Path) -> None:
    def boom(_spec: TargetSpec) -> PromotionResult:
        raise KeyError("Resources")

    worker = Recorder({"t0": lambda s: done(s, current=True, seq=3), "t1": boom})
    result = go(parse({"waves": False, "targets": targets(2)}), worker, tmp_path, keep_going=True)
    assert statuses(result) == ["skipped", "failed"]
    assert result.results[0].message == "already serves this model (ledger #3)"
    assert result.results[1].message == "unexpected KeyError: 'Resources'"


def test_running_targets_finish_queued_ones_never_start(tmp_path: Path) -> None:
    started, failed = threading.Event(), threading.Event()

    def fail_once_t1_runs(spec: TargetSpec) -> PromotionResult:
        assert started.wait(10)
        return fail(spec)

    def slow(spec: TargetSpec) -> PromotionResult:
        started.set()
        assert failed.wait(10)  # still running when t0's failure is reported
        return done(spec)

    def on_result(result: TargetResult) -> None:
        if result.status == "failed":
            failed.set()

    worker = Recorder({"t0": fail_once_t1_runs, "t1": slow})
    result = go(parse({"waves": False, "targets": targets(6)}), worker, tmp_path, concurrency=2,
                on_result=on_result)
    assert statuses(result) == ["failed", "promoted", "not-run", "not-run", "not-run", "not-run"]
    assert sorted(worker.started) == ["t0", "t1"]


def test_concurrency_cap_is_reached_and_never_exceeded(tmp_path: Path) -> None:
    cap, lock, full = 3, threading.Lock(), threading.Event()
    state = {"now": 0, "peak": 0}

    def counted(spec: TargetSpec) -> PromotionResult:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
            if state["now"] == cap:
                full.set()
        assert full.wait(10)  # the first `cap` targets hold until all of them are in flight
        with lock:
            state["now"] -= 1
        return done(spec)

    worker = Recorder({f"t{i}": counted for i in range(12)})
    result = go(parse({"waves": False, "targets": targets(12)}), worker, tmp_path, concurrency=cap)
    assert statuses(result) == ["promoted"] * 12
    assert state["peak"] == cap
    assert len(worker.clients) <= cap
    assert all(len(ids) == 1 for ids in worker.clients.values())  # one Clients per thread


def test_bad_concurrency_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="concurrency"):
        go(parse({"targets": targets(1)}), Recorder(), tmp_path, concurrency=0)


def count_reads(ledger: LocalLedger) -> list[int]:
    """Make ``ledger.entries`` (a full read) note each call in the returned list."""
    reads: list[int] = []
    real = ledger.entries

    def counting(target: str | None = None) -> list[dict[str, Any]]:
        reads.append(1)
        return real(target)

    ledger.entries = counting  # type: ignore[method-assign]
    return reads


def test_run_ledger_reads_once_and_remembers_its_appends(tmp_path: Path) -> None:
    inner = local_ledger(tmp_path)
    seed(inner, "a")
    reads = count_reads(inner)
    run_ledger = RunLedger(inner)
    assert run_ledger.current(TARGET)["new_model"] == model("a")  # type: ignore[index]
    assert run_ledger.current("classic:x/y") is None
    entry = seed(run_ledger, "b")  # type: ignore[arg-type]
    assert run_ledger.current(TARGET) == entry
    assert len(reads) == 1 and len(inner.entries()) == 2


def test_run_ledger_sees_another_writers_entry_between_its_own(tmp_path: Path) -> None:
    inner = local_ledger(tmp_path)
    other = local_ledger(tmp_path)  # another process: its own object on the same file
    seed(inner, "a")
    run_ledger = RunLedger(inner)
    reads = count_reads(inner)
    with run_ledger.lock("classic:x/one"):
        seed(run_ledger, "b", target="classic:x/one")  # type: ignore[arg-type]
    seed(other, "c", target="classic:x/two")  # lands between two of ours
    with run_ledger.lock("classic:x/three"):
        seed(run_ledger, "d", target="classic:x/three")  # type: ignore[arg-type]
    with run_ledger.lock("classic:x/four"):  # our own last append alone: no read again
        pass
    assert len(reads) == 2
    with run_ledger.lock("classic:x/two"):
        assert run_ledger.current("classic:x/two")["new_model"] == model("c")  # type: ignore[index]
    assert len(reads) == 2 and run_ledger.current(TARGET)["new_model"] == model("a")  # type: ignore[index]


def test_real_promote_through_fake_transport_then_rerun_skips(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stub_storage(monkeypatch, adapter)
    ledger = LocalLedger(tmp_path / "ledger.jsonl")
    manifest = parse({"targets": [{"name": "one", "target": TARGET, "model_url": URL}]})
    serve_read(adapter, "a")
    serve_deploy(adapter, "a", "b")
    first = run_fanout(manifest, ctx_of(classic_clients(client, tmp_path), ledger, actor="ci"))
    assert statuses(first) == ["promoted"] and first.results[0].seq == 1
    serve_read(adapter, "b")
    again = run_fanout(manifest, ctx_of(classic_clients(client, tmp_path), ledger, actor="ci"))
    assert statuses(again) == ["skipped"] and again.results[0].seq == 1


def test_sas_is_minted_once_per_model_and_only_for_bare_classic_urls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import aml_retrain.storage as storage_mod

    minted: list[str] = []

    def mint(conn: str, url: str, **_: Any) -> str:
        minted.append(url)
        return f"{url}?sig=S{len(minted)}"

    monkeypatch.setattr(storage_mod, "make_read_sas_url", mint)
    now = [0.0]
    cache = SasCache(max_age=60, clock=lambda: now[0])
    clients = ctx_of(Clients(storage_connection_string="conn"))
    rows = [*targets(3), {"name": "arm", "target": "arm:rg/ws1", "model_url": URL},
            {"name": "sas", "target": f"classic:{SVC}/es", "model_url": f"{URL}?sv=1&sig=x"}]
    specs = parse({"targets": rows}).targets
    assert [cache.url(s, clients) for s in specs] == [f"{URL}?sig=S1"] * 3 + [None, None]
    assert cache.url(specs[0], ctx_of(Clients())) is None  # no connection string: promote reports it
    now[0] = 61.0
    assert cache.url(specs[0], clients) == f"{URL}?sig=S2" and minted == [URL, URL]


# -- JUnit ---------------------------------------------------------------------------------------

def test_junit_has_one_testcase_per_target_with_status_elements(tmp_path: Path) -> None:
    results = (
        TargetResult("a", "classic:s/a", 1, "promoted", URL, 1.5, "was x", 1),
        TargetResult("b", "classic:s/b", 2, "failed", None, 0.2, "Boom <&> \x01 \"q\""),
        TargetResult("c", "classic:s/c", 2, "gated", None, 0.1, "AUC fell"),
        TargetResult("d", "classic:s/d", 2, "skipped", URL, 0.0, "already", 1),
        TargetResult("e", "classic:s/e", 2, "not-run", None, 0.0, "not started"),
    )
    path = write_junit(FanoutResult(results, 4, False, 2.0, "b failed"), tmp_path / "x" / "j.xml")
    root = ET.parse(path).getroot()
    assert (root.tag, root.get("tests"), root.get("failures"), root.get("skipped"),
            root.get("errors")) == ("testsuites", "5", "2", "2", "0")
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests")) for s in suites] == [("wave 1", "1"), ("wave 2", "4")]
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["a"].get("classname") == "fanout.wave1" and cases["a"].get("time") == "1.500"
    assert cases["a"].find("failure") is None and cases["a"].find("skipped") is None
    failure = cases["b"].find("failure")
    assert failure is not None and failure.get("type") == "failed"
    assert failure.get("message") == 'Boom <&> ? "q"'
    assert cases["c"].find("failure").get("type") == "gated"  # type: ignore[union-attr]
    assert cases["d"].find("skipped") is not None and cases["e"].find("skipped") is not None
    assert junit_xml(FanoutResult(results, 4, False, 2.0)).startswith(b"<?xml version='1.0'")


def test_threads_have_their_own_clients_but_share_the_run_caches(tmp_path: Path) -> None:
    seen: list[tuple[int, int, int]] = []
    barrier = threading.Barrier(3, timeout=5)

    def worker(spec: TargetSpec, context: PromotionContext) -> PromotionResult:
        if spec.wave > 1:
            barrier.wait()  # three threads at once, so three Clients
        seen.append((id(context.clients), id(context.caches), id(context.ledger)))
        return done(spec)

    result = go(parse({"targets": targets(4)}), worker, tmp_path, concurrency=3)
    assert statuses(result) == ["promoted"] * 4
    assert len({own for own, _, _ in seen}) >= 3
    assert len({fp for _, fp, _ in seen}) == 1 and len({svc for _, _, svc in seen}) == 1


def test_a_stop_cancels_the_queued_targets_of_a_big_wave(tmp_path: Path) -> None:
    worker = Recorder({"t1": fail})
    result = go(parse({"targets": targets(200)}), worker, tmp_path, concurrency=2)
    assert result.results[1].status == "failed"
    assert statuses(result).count("not-run") >= 190 and result.stopped == "t1 failed in wave 2"
    assert len(worker.started) < 10  # queued ones never started
