"""Safe promotion: ``gate``, ``promote``, ``plan``/``apply``, ``rollback`` and ``ledger``.

TARGET is ``classic:SERVICE_ID/ENDPOINT[#RESOURCE]`` or ``arm:RG/NAME[#ASSET_ID]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aml_retrain.promotion.targets import TARGET_USAGE
from aml_retrain_cli import pipelines
from aml_retrain_cli.commands.classic_jobs import (
    DEFAULT_OPERATION_TIMEOUT,
    OperationTimeoutOpt,
    ServiceOpt,
)
from aml_retrain_cli.context import State, model_url_arg, state
from aml_retrain_cli.render import brief, emit, emit_pairs, field, notice

if TYPE_CHECKING:
    from aml_retrain.promotion.bake import HealthCheck
    from aml_retrain.promotion.context import GateOptions, ModelRef
    from aml_retrain.promotion.health import HealthPolicy
    from aml_retrain.promotion.steps import TrafficSteps

ledger_app = typer.Typer(help="The promotion ledger: history per target, tamper check.",
                         no_args_is_help=True)

TargetArg = Annotated[str, typer.Argument(metavar="TARGET", help=f"{TARGET_USAGE}.")]
ModelUrl = Annotated[str | None, typer.Option(help="URL of the .ilearner blob.")]
FromJob = Annotated[str | None, typer.Option(help="Use the .ilearner output (and metrics) of this BES job.")]
PolicyOpt = Annotated[Path | None, typer.Option(
    "--policy", metavar="POLICY.yaml", help="Gate rules (YAML/JSON); default rules when omitted.")]
GateOpt = Annotated[bool, typer.Option("--gate", help="Run the evaluation gate before deploying.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Promote even if gated (needs --reason).")]
ReasonOpt = Annotated[str | None, typer.Option(help="Why: recorded in the ledger.")]
RequireBaseline = Annotated[bool, typer.Option("--require-baseline",
                                               help="Gate when no baseline is recorded yet.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")]


def _one_model(model_url: str | None, from_job: str | None, service: str | None = None) -> None:
    if (model_url is None) == (from_job is None):
        raise typer.BadParameter("give exactly one of --model-url and --from-job",
                                 param_hint="--model-url / --from-job")
    if service is not None and from_job is None:
        raise typer.BadParameter("--service names the training service of --from-job's job",
                                 param_hint="--service")


def _model(model_url: str | None, from_job: str | None, service: str | None) -> ModelRef:
    from aml_retrain.promotion.context import ModelRef

    _one_model(model_url, from_job, service)
    return ModelRef(url=model_url_arg(model_url), job_id=from_job, training_service=service)


def _gate(st: State, gate: bool, policy: Path | None, force: bool = False,
          reason: str | None = None, require_baseline: bool = False) -> GateOptions:
    from aml_retrain.promotion.context import GateOptions

    return GateOptions(policy=st.policy(policy, True), gate=gate, force=force, reason=reason,
                       require_baseline=require_baseline)


def _render_gate(st: State, gate: dict[str, Any] | None) -> None:
    if not gate or st.json:
        return
    rows = gate.get("rules") or []
    emit(st, rows, [field("metric"), field("direction"), field("candidate"), field("baseline"),
                    field("threshold"), field("passed"), field("message")],
         title=f"Gate: {gate.get('outcome')}")
    if gate.get("notice"):
        notice(str(gate["notice"]))


def _render_result(st: State, data: dict[str, Any]) -> None:
    entry = data.get("entry") or {}
    pipelines.set_outputs({"modelUrl": data.get("new_model"), "previousModelUrl": data.get("old_model"),
                           "ledgerSeq": entry.get("seq"), "alreadyCurrent": data.get("already_current"),
                           "gateOutcome": (data.get("gate") or {}).get("outcome"),
                           "backupPath": (data.get("deploy") or {}).get("backup_path")})
    if st.json:
        emit(st, data)
        return
    _render_gate(st, data.get("gate"))
    emit_pairs(st, _result_summary(data), title=str(data.get("action") or "result").capitalize())


def _result_summary(data: dict[str, Any]) -> dict[str, Any]:
    """One short row per fact of a promote/apply/rollback result; `-o json` has the full objects."""
    entry = data.get("entry") or {}
    gate = data.get("gate") or {}
    deploy = data.get("deploy") or {}
    blob = entry.get("blob") or {}
    rows = {
        "target": data.get("target"), "old_model": data.get("old_model") or "(none)",
        "new_model": data.get("new_model"), "already_current": data.get("already_current"),
        "dry_run": data.get("dry_run") or None,
        "ledger_seq": entry.get("seq") if entry else "(not recorded)",
        "gate": (f"{gate.get('outcome')}{' (forced)' if gate.get('forced') else ''}"
                 if gate else "not run"),
        "metrics": brief(data.get("metrics") or entry.get("metrics")),
        "sha256": str(blob["sha256"])[:16] + "…" if blob.get("sha256") else None,
        "backup_path": deploy.get("backup_path"),
        "plan_hash": str(data["plan_hash"])[:16] + "…" if data.get("plan_hash") else None,
        "health": _health_line(data.get("health")),
        "steps": _steps_line(deploy.get("steps")),
        "notices": "\n".join(str(n) for n in data.get("notices") or ()) or None,
    }
    return {k: v for k, v in rows.items() if v is not None}


def _steps_line(steps: list[dict[str, Any]] | None) -> str | None:
    """The traffic phases a promotion went through, e.g. ``mirror 20% ok, step 10% ok``."""
    if not steps:
        return None
    return ", ".join(f"{s.get('phase')} {s.get('percent')}% "
                     f"{'ok' if (s.get('health') or {}).get('healthy', True) else 'unhealthy'}"
                     for s in steps) + ", then 100%"


def _health_line(health: dict[str, Any] | None) -> str | None:
    """One line of a passed probe: success rate, p95 (and its ratio), agreement, probes."""
    if not health:
        return None
    parts = [f"success {health.get('success_rate')}",
             f"p95 {health.get('latency_p95_ms')} ms"]
    if health.get("latency_p95_ratio") is not None:
        parts[-1] += f" (x{health['latency_p95_ratio']} the old model's)"
    if health.get("agreement") is not None:
        parts.append(f"agreement {health['agreement']}")
    if health.get("mean_abs_change") is not None:
        parts.append(f"mean abs change {health['mean_abs_change']}")
    parts.append(f"{health.get('probes')} probe(s) over {health.get('elapsed_seconds')} s")
    return ("healthy: " if health.get("healthy") else "unhealthy: ") + ", ".join(parts)


def gate(
    ctx: typer.Context,
    candidate: Annotated[str, typer.Option(metavar="METRICS", help="Candidate metrics: evaluation "
                                           "CSV, metrics JSON, or job:JOB_ID.")],
    baseline: Annotated[str | None, typer.Option(metavar="METRICS", help="Baseline metrics file.")]
    = None,
    target: Annotated[str | None, typer.Option(metavar="TARGET", help="Take the baseline from the "
                                               "ledger: the metrics of what TARGET serves now.")] = None,
    policy: PolicyOpt = None,
    require_baseline: RequireBaseline = False,
    force: ForceOpt = False,
    reason: ReasonOpt = None,
    service: ServiceOpt = None,
) -> None:
    """Compare candidate metrics with the baseline; exit 8 when gated (not promoted)."""
    from aml_retrain.promotion.checks import JOB_PREFIX, run_gate

    if service is not None and not candidate.startswith(JOB_PREFIX):
        raise typer.BadParameter("--service names the training service of a job:JOB_ID candidate",
                                 param_hint="--service")
    st = state(ctx)
    result = run_gate(candidate, baseline=baseline, target=target, policy_path=policy,
                      require_baseline=require_baseline, force=force, reason=reason,
                      context=st.promotion_context(), service_id=service)
    data = result.to_dict()
    pipelines.set_outputs({"gateOutcome": data.get("outcome"), "gateSummary": data.get("summary")})
    if data.get("outcome") == "gated":
        pipelines.log_issue(str(data.get("summary")), kind="warning")
    if st.json:
        emit(st, data)
    else:
        _render_gate(st, data)
    if data.get("outcome") == "gated":
        raise typer.Exit(code=8)
    if data.get("outcome") == "error":
        raise typer.Exit(code=2)


def promote(
    ctx: typer.Context, target: TargetArg, model_url: ModelUrl = None, from_job: FromJob = None,
    gate_: GateOpt = False, policy: PolicyOpt = None, require_baseline: RequireBaseline = False,
    force: ForceOpt = False, reason: ReasonOpt = None, dry_run: DryRun = False,
    timeout: OperationTimeoutOpt = DEFAULT_OPERATION_TIMEOUT, service: ServiceOpt = None,
    smoke: Annotated[Path | None, typer.Option(
        "--smoke", metavar="FILE.csv|FILE.json", exists=True, dir_okay=False,
        help="Score these rows on the new deployment before traffic moves (v2 online "
             "endpoints; other kinds refuse it, exit 2); if that fails, traffic stays and the "
             "deployment is left for inspection (exit 1).")] = None,
    probe: Annotated[Path | None, typer.Option(
        "--probe", metavar="FILE.csv|FILE.json", exists=True, dir_okay=False,
        help="Health probe: score these rows on the old model before the switch and on the "
             "target after it; unhealthy under the policy's health: thresholds -> rolled back "
             "automatically (exit 1).")] = None,
    bake: Annotated[float | None, typer.Option(
        "--bake", metavar="SECONDS", min=0,
        help="With --probe: keep probing this long after the switch (default 0: once).")] = None,
    probe_every: Annotated[float | None, typer.Option(
        "--probe-every", metavar="SECONDS", min=0.001,
        help="With --bake: seconds between probes (default 30).")] = None,
    steps: Annotated[str | None, typer.Option(
        "--steps", metavar="10,50,100",
        help="v2 online endpoints: move this percent of the old deployment's traffic at each "
             "step, baking --probe at each; unhealthy -> traffic put back (exit 1). Other "
             "kinds refuse it (exit 2).")] = None,
    mirror: Annotated[int | None, typer.Option(
        "--mirror", metavar="PERCENT",
        help="v2 online endpoints: first mirror this percent (at most 50) of requests to the "
             "new deployment (answers discarded), baked like a step.")] = None,
) -> None:
    """Deploy a model to TARGET (optionally gated and health-probed) and record it in the ledger."""
    from aml_retrain.promotion.context import GateOptions
    from aml_retrain.promotion.promote import promote as run_promote
    from aml_retrain.promotion.targets import parse_target

    model = _model(model_url, from_job, service)
    st = state(ctx)
    rules, thresholds = st.policies(policy)
    gate_options = GateOptions(policy=rules, gate=gate_, force=force, reason=reason,
                               require_baseline=require_baseline)
    check = _health_check(probe, thresholds, bake, probe_every, rules is None and policy is not None)
    context = st.promotion_context(timeout, smoke_input=smoke,
                                   traffic_steps=_traffic_steps(steps, mirror))
    result = run_promote(parse_target(target), context, model, gate_options, dry_run=dry_run,
                         health=check)
    _render_result(st, result.to_dict())


def _traffic_steps(steps: str | None, mirror: int | None) -> TrafficSteps | None:
    if steps is None and mirror is None:
        return None
    from aml_retrain.promotion.steps import TrafficSteps, parse_mirror, parse_steps

    return TrafficSteps(parse_steps(steps) if steps is not None else (100,),
                        parse_mirror(mirror or 0))


def _health_check(probe: Path | None, thresholds: HealthPolicy | None, bake: float | None,
                  every: float | None, health_only: bool) -> HealthCheck | None:
    if probe is None:
        for given, name in ((bake, "--bake"), (every, "--probe-every")):
            if given is not None:
                raise typer.BadParameter(f"{name} times the health probe: pass --probe FILE too",
                                         param_hint=name)
        if health_only:
            raise typer.BadParameter("the policy holds only health thresholds: pass --probe FILE "
                                     "(or add rules to gate on)", param_hint="--policy")
        return None
    from aml_retrain.promotion.bake import HealthCheck

    return HealthCheck.from_file(probe, thresholds, bake_seconds=bake or 0.0, every_seconds=every)


def plan(
    ctx: typer.Context, target: TargetArg,
    out: Annotated[Path, typer.Option("--out", metavar="PLAN.json", help="Plan file to write.")],
    model_url: ModelUrl = None, from_job: FromJob = None, gate_: GateOpt = False,
    policy: PolicyOpt = None, service: ServiceOpt = None,
) -> None:
    """Compute what a deploy would change and write a plan file (for an approval to sit between)."""
    from aml_retrain.promotion.plan import make_plan
    from aml_retrain.promotion.targets import parse_target

    model = _model(model_url, from_job, service)
    st = state(ctx)
    made = make_plan(parse_target(target), st.promotion_context(), model, _gate(st, gate_, policy))
    made.write(out)
    data = {**made.to_dict(), "plan_file": str(out)}
    pipelines.set_outputs({"planFile": str(out), "planHash": data.get("plan_hash"),
                           "gateOutcome": (data.get("gate") or {}).get("outcome")})
    if st.json:
        emit(st, data)
        return
    emit_pairs(st, {k: v for k, v in data.items() if k not in ("change", "gate")})
    import json

    notice(json.dumps(data.get("change"), indent=2))


def apply(
    ctx: typer.Context,
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN.json", exists=True, dir_okay=False)],
    timeout: OperationTimeoutOpt = DEFAULT_OPERATION_TIMEOUT,
) -> None:
    """Apply a plan if the target has not changed since (exit 9 when stale); record it."""
    from aml_retrain.promotion.plan import apply_plan

    st = state(ctx)
    result = apply_plan(plan_file, st.promotion_context(timeout))
    _render_result(st, result.to_dict())


def rollback(
    ctx: typer.Context, target: TargetArg,
    to: Annotated[int | None, typer.Option("--to", metavar="ENTRY",
                                           help="Ledger entry (seq) to return to; default: previous.")]
    = None,
    reason: ReasonOpt = None, dry_run: DryRun = False,
    timeout: OperationTimeoutOpt = DEFAULT_OPERATION_TIMEOUT,
) -> None:
    """Re-point TARGET at the previous (or a chosen) model from the ledger."""
    from aml_retrain.promotion.rollback import rollback as run_rollback
    from aml_retrain.promotion.targets import parse_target

    st = state(ctx)
    result = run_rollback(parse_target(target), st.promotion_context(timeout), to_entry=to,
                          dry_run=dry_run, reason=reason)
    _render_result(st, result.to_dict())


@ledger_app.command("show")
def ledger_show(
    ctx: typer.Context,
    target: Annotated[str | None, typer.Argument(metavar="[TARGET]", help="Only this target.")] = None,
) -> None:
    """List promotions and rollbacks, oldest first."""
    from aml_retrain.promotion.targets import parse_target

    st = state(ctx)
    # A malformed target would match no entry and print an empty list: refuse it (exit 2).
    entries = st.ledger().entries(None if target is None else str(parse_target(target)))
    emit(st, entries, [field("seq"), field("time"), field("action"), field("target"),
                       field("new_model"), field("job_id"), field("actor"),
                       ("gate", lambda e: (e.get("gate") or {}).get("outcome"))])


@ledger_app.command("repair")
def ledger_repair(ctx: typer.Context) -> None:
    """Cut (or complete) a torn last line after a backup, then verify; exit 1 if still broken."""
    st = state(ctx)
    data = st.ledger().repair()
    verify = data.pop("verify", {})
    emit_pairs(st, {**data, "ok": verify.get("ok"), "count": verify.get("count"),
                    "problems": verify.get("problems")})
    if not verify.get("ok"):
        raise typer.Exit(code=1)


@ledger_app.command("verify")
def ledger_verify(ctx: typer.Context) -> None:
    """Recompute the hash chain; exit 1 when an entry was edited, removed or reordered."""
    st = state(ctx)
    result = st.ledger().verify()
    data = result.to_dict() if hasattr(result, "to_dict") else dict(vars(result))
    emit_pairs(st, data)
    if not data.get("ok"):
        raise typer.Exit(code=1)
