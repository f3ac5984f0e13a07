"""The promotion commands with core monkeypatched: one core call each, its arguments, exact exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aml_retrain.errors import GatedError, NotFoundError, StalePlanError, ValidationError
from aml_retrain.promotion.fanout import FanoutResult, TargetResult
from aml_retrain.promotion.gate import GateResult
from aml_retrain.promotion.promote import PromotionResult
from aml_retrain_cli import context
from aml_retrain_cli.main import app

SVC = "b" * 32
TARGET = f"classic:{SVC}/ep1"
URL = "https://acct.blob.core.windows.net/models/b/model.ilearner"
JOB = "0123456789abcdef0123456789abcdef"


class Calls:
    """What the stubs were called with; ``raises`` makes the next core call fail."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.raises: Exception | None = None

    def stub(self, name: str, value: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.seen.append((name, args, kwargs))
            if self.raises is not None:
                raise self.raises
            return value
        return call


def promoted(action: str = "promote") -> PromotionResult:
    return PromotionResult(action, TARGET, None, URL, entry={"seq": 1})


@pytest.fixture
def core(monkeypatch: pytest.MonkeyPatch) -> Calls:
    from aml_retrain.arm import reads
    from aml_retrain.promotion import checks, fanout, plan, promote, rollback

    calls = Calls()
    made = plan.Plan({"version": 1, "target": TARGET, "model_url": URL, "change": {}})
    monkeypatch.setattr(promote, "promote", calls.stub("promote", promoted()))
    monkeypatch.setattr(plan, "make_plan", calls.stub("make_plan", made))
    monkeypatch.setattr(plan, "apply_plan", calls.stub("apply_plan", promoted()))
    monkeypatch.setattr(rollback, "rollback", calls.stub("rollback", promoted("rollback")))
    monkeypatch.setattr(checks, "run_gate", calls.stub("run_gate", GateResult("pass", ())))
    monkeypatch.setattr(fanout, "load_manifest", lambda path: "MANIFEST")
    monkeypatch.setattr(fanout, "run_fanout", calls.stub("run_fanout", FanoutResult(
        (TargetResult("a", TARGET, 1, "promoted", URL),), 4, False, 0.1)))
    monkeypatch.setattr(reads, "show_webservice", calls.stub("show_webservice", {
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearning/webServices/ws",
        "properties": {"assets": {}}}))
    for name in ("ledger", "journal", "arm_client", "training_services"):
        monkeypatch.setattr(context.State, name, lambda self, *a, _n=name, **k: _n.upper())
    monkeypatch.setattr(context.State, "promotion_context",
                        lambda self, *a, **k: ("CTX", *a, *k.values()))
    return calls


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["-o", "json", *args])


def test_promote_passes_target_model_and_gate_and_prints_the_result(core: Calls) -> None:
    result = run("promote", TARGET, "--model-url", URL, "--gate", "--timeout", "30")
    assert result.exit_code == 0, result.output
    [(name, args, kwargs)] = core.seen
    target, ctx, model, gate = args
    assert (name, str(target), ctx, model.url, gate.enabled) == ("promote", TARGET,
                                                                  ("CTX", 30.0, None, None), URL, True)
    assert kwargs == {"dry_run": False, "health": None}
    assert json.loads(result.stdout)["new_model"] == URL


def test_promote_smoke_passes_the_rows_file_to_the_context(core: Calls, tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("a\n1\n", encoding="utf-8")
    result = run("promote", TARGET, "--model-url", URL, "--smoke", str(rows))
    assert result.exit_code == 0, result.output
    [(_name, (_target, ctx, _model, _gate), _kwargs)] = core.seen
    assert ctx[-2] == rows
    missing = run("promote", TARGET, "--model-url", URL, "--smoke", str(tmp_path / "none.csv"))
    assert missing.exit_code == 2


def test_promote_steps_and_mirror_reach_the_context_parsed(core: Calls) -> None:
    result = run("promote", TARGET, "--model-url", URL, "--steps", "10,50,100", "--mirror", "20")
    assert result.exit_code == 0, result.output
    [(_name, (_target, ctx, _model, _gate), _kwargs)] = core.seen
    assert (ctx[-1].steps, ctx[-1].mirror) == ((10, 50, 100), 20)
    for bad in (["--steps", "10,50"], ["--mirror", "70"]):
        refused = run("promote", TARGET, "--model-url", URL, *bad)
        assert refused.exit_code == 2 and len(core.seen) == 1, refused.output


@pytest.mark.parametrize(("error", "code"), [
    (GatedError("evaluation gate gated: AUC fell"), 8),
    (ValidationError("bad model URL"), 2),
    (NotFoundError("endpoint not found", status_code=404), 3),
])
def test_promote_exit_codes_follow_the_error(core: Calls, error: Exception, code: int) -> None:
    core.raises = error
    result = run("promote", TARGET, "--from-job", JOB)
    assert result.exit_code == code, result.output


@pytest.mark.parametrize("args", [
    ["promote", TARGET],
    ["promote", TARGET, "--model-url", URL, "--from-job", JOB],
    ["promote", "nope:x/y", "--model-url", URL],
    ["plan", TARGET, "--out", "p.json"],
    ["rollback", "classic:only-one-part"],
])
def test_bad_promotion_input_is_exit_2_without_a_core_call(core: Calls, args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert core.seen == []


def test_plan_writes_the_plan_file(core: Calls, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = run("plan", TARGET, "--out", str(out), "--from-job", JOB, "--service", "arm:rg/train")
    assert result.exit_code == 0, result.output
    [(_, (_, _, model, gate), _)] = core.seen
    assert (model.job_id, model.training_service, gate.enabled) == (JOB, "arm:rg/train", False)
    assert json.loads(out.read_text())["plan_hash"] == json.loads(result.stdout)["plan_hash"]


def test_apply_is_exit_9_when_the_plan_is_stale(core: Calls, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("{}")
    assert run("apply", str(path)).exit_code == 0
    core.raises = StalePlanError("changed since", expected="a", actual="b")
    assert run("apply", str(path)).exit_code == 9
    assert [c[1][0] for c in core.seen] == [path, path]


def test_rollback_passes_entry_reason_and_dry_run(core: Calls) -> None:
    result = run("rollback", TARGET, "--to", "3", "--reason", "AUC drop", "--dry-run")
    assert result.exit_code == 0, result.output
    [(_, args, kwargs)] = core.seen
    assert str(args[0]) == TARGET
    assert kwargs == {"to_entry": 3, "dry_run": True, "reason": "AUC drop"}


@pytest.mark.parametrize(("outcome", "code"), [("pass", 0), ("gated", 8), ("error", 2)])
def test_gate_exit_code_is_its_outcome(core: Calls, monkeypatch: pytest.MonkeyPatch,
                                       outcome: str, code: int) -> None:
    from aml_retrain.promotion import checks

    monkeypatch.setattr(checks, "run_gate", core.stub("run_gate", GateResult(outcome, ())))
    result = run("gate", "--candidate", "job:" + JOB, "--target", TARGET)
    assert result.exit_code == code, result.output
    assert json.loads(result.stdout)["outcome"] == outcome
    assert core.seen[0][2]["target"] == TARGET


@pytest.mark.parametrize(("status", "code"), [("promoted", 0), ("skipped", 0), ("gated", 8),
                                              ("failed", 1)])
def test_fanout_exit_code_is_its_outcome(core: Calls, monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path, status: str, code: int) -> None:
    from aml_retrain.promotion import fanout

    monkeypatch.setattr(fanout, "run_fanout", core.stub("run_fanout", FanoutResult(
        (TargetResult("a", TARGET, 1, status, URL),), 2, False, 0.1)))
    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\n")
    result = run("fanout", "run", str(manifest), "--concurrency", "2", "--timeout", "60")
    assert result.exit_code == code, result.output
    [(_, args, kwargs)] = core.seen
    assert args == ("MANIFEST", ("CTX", 60.0))
    run_id = kwargs.pop("run_id")
    assert kwargs == {"concurrency": 2, "keep_going": False, "resume": None,
                      "shard": None, "barrier_timeout": 3600.0}
    assert f"run {run_id}; if interrupted: aml-retrain fanout run {manifest} --resume {run_id}" \
        in result.stderr


def test_fanout_shard_and_run_id_reach_the_core_parsed(core: Calls, monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    from aml_retrain.promotion import fanout
    from aml_retrain.promotion.shards import Shard

    monkeypatch.setattr(fanout, "run_fanout", core.stub("run_fanout", FanoutResult(
        (TargetResult("a", TARGET, 1, "promoted", URL),), 2, False, 0.1)))
    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\n")
    run_id = "20261204T100000Z-0a1b2c3d"
    result = run("fanout", "run", str(manifest), "--shard", "2/4", "--run-id", run_id,
                 "--barrier-timeout", "60")
    assert result.exit_code == 0, result.output
    [(_, _args, kwargs)] = core.seen
    assert (kwargs["shard"], kwargs["run_id"], kwargs["barrier_timeout"]) == (Shard(2, 4), run_id, 60.0)
    for bad in (["--shard", "5/4", "--run-id", run_id], ["--shard", "1/2"],
                ["--run-id", run_id, "--resume", run_id], ["--run-id", "yesterday"]):
        refused = run("fanout", "run", str(manifest), *bad)
        assert refused.exit_code == 2 and len(core.seen) == 1, (bad, refused.output)


def test_fanout_that_rolled_back_exits_1_and_lists_the_rollbacks(
        core: Calls, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from aml_retrain.promotion import fanout
    from aml_retrain.promotion.runs import RollbackOutcome

    undone = RollbackOutcome("a", TARGET, 1, "rolled-back", model="OLD", replaced=URL, seq=3)
    monkeypatch.setattr(fanout, "run_fanout", core.stub("run_fanout", FanoutResult(
        (TargetResult("a", TARGET, 1, "promoted", URL), TargetResult("b", TARGET + "b", 2, "gated")),
        2, False, 0.1, "b gated in wave 2", "20261203T180000Z-1234abcd", 2, (undone,))))
    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\n")
    result = run("fanout", "run", str(manifest))
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["failed_wave"] == 2 and data["run_id"] == "20261203T180000Z-1234abcd"
    assert data["rollbacks"] == [undone.to_dict()]
    table = CliRunner().invoke(app, ["fanout", "run", str(manifest)])
    assert table.exit_code == 1 and "Rolled back (wave 2 exceeded its failure budget)" in table.stdout


def test_fanout_resume_passes_the_run_id_and_a_bad_one_is_exit_2(
        core: Calls, tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\n")
    result = run("fanout", "run", str(manifest), "--resume", "20261203T180000Z-1234abcd")
    assert result.exit_code == 0, result.output
    assert core.seen[0][2]["resume"] == core.seen[0][2]["run_id"] == "20261203T180000Z-1234abcd"
    assert "(resumed)" in result.stderr
    bad = run("fanout", "run", str(manifest), "--resume", "yesterday")
    assert bad.exit_code == 2 and "is not a fan-out run id" in bad.stderr
    assert len(core.seen) == 1  # refused before any core call


def test_fanout_status_is_one_core_call_on_the_ledger(core: Calls,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from aml_retrain.promotion import runs

    shown = {"run_id": "20261203T180000Z-1234abcd", "manifest": "sha256:x", "entries": 1,
             "waves": [1], "targets": [{"wave": 1, "target": TARGET, "state": "promoted"}]}
    monkeypatch.setattr(runs, "run_status", core.stub("run_status", shown))
    result = run("fanout", "status", "20261203T180000Z-1234abcd")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == shown
    assert core.seen[0][1] == ("LEDGER", "20261203T180000Z-1234abcd")
    table = CliRunner().invoke(app, ["fanout", "status", "20261203T180000Z-1234abcd"])
    assert table.exit_code == 0 and "Fan-out run 20261203T180000Z-1234abcd" in table.stdout
    assert run("fanout", "status", "nope").exit_code == 2


def test_webservice_show_is_one_core_call_and_a_missing_service_is_exit_3(core: Calls) -> None:
    result = run("webservice", "show", "rg", "ws")
    assert result.exit_code == 0, result.output
    assert core.seen[0][1] == ("ARM_CLIENT", "rg", "ws")
    core.raises = NotFoundError("web service ws not found", status_code=404)
    assert run("webservice", "show", "rg", "ws").exit_code == 3
