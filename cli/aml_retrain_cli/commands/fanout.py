"""``fanout run``: promote models to many targets from a manifest, in waves."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from aml_retrain_cli import pipelines
from aml_retrain_cli.commands.classic_jobs import DEFAULT_OPERATION_TIMEOUT, OperationTimeoutOpt
from aml_retrain_cli.context import State, state
from aml_retrain_cli.render import emit, field, notice

app = typer.Typer(help="Retrain and/or deploy many targets from a manifest, canary first.",
                  no_args_is_help=True)

EXIT_FAILED = 1
EXIT_GATED = 8


@app.command("run")
def run(
    ctx: typer.Context,
    manifest: Annotated[Path, typer.Argument(metavar="MANIFEST.yaml", exists=True, dir_okay=False,
                                             help="Targets and models (see docs/promotion.md).")],
    concurrency: Annotated[int, typer.Option(min=1, max=256, help="Targets at once per wave.")] = 4,
    keep_going: Annotated[bool, typer.Option("--keep-going",
                                             help="Do not stop on a failed or gated target.")] = False,
    junit: Annotated[Path | None, typer.Option(metavar="FILE",
                                               help="Also write JUnit XML (one test per target).")]
    = None,
    resume: Annotated[str | None, typer.Option(metavar="RUN_ID", help="Continue this interrupted run: "
                                               "promote only what its ledger entries lack.")] = None,
    timeout: OperationTimeoutOpt = DEFAULT_OPERATION_TIMEOUT,
    shard: Annotated[str | None, typer.Option(
        metavar="I/N", help="Run shard I of N (from 1): every N-th target of each wave; each wave "
        "waits in the ledger for every shard (needs --run-id, the same for all shards).")] = None,
    run_id_opt: Annotated[str | None, typer.Option(
        "--run-id", metavar="RUN_ID", help="Start the run with this id (from `fanout new-run-id`); "
        "the shards of one run share it.")] = None,
    barrier_timeout: Annotated[float, typer.Option(
        metavar="SECONDS", min=1, help="With --shard: how long to wait for the other shards at "
        "the end of a wave (exit 4 after).")] = 3600.0,
) -> None:
    """Promote every target of MANIFEST, canary wave first, at most --concurrency at once.

    A failed target, or a gated one in the canary wave, stops the rollout unless --keep-going;
    the manifest's rollout: section sets a failure budget per wave (max_failures) and whether
    exceeding it rolls back every target this run switched (on_failure: rollback).

    With rollout.probe, each target is probed before its switch (the old model), after it and
    during the wave's bake; an unhealthy one is rolled back at once and counts as a failure.

    Every ledger entry carries the run id (printed first): --resume RUN_ID continues that run.
    Re-runs skip targets already at their model (as the ledger records).

    With --shard I/N (N parallel jobs on one az:// ledger), a wave starts only when every shard
    finished the one before; a wave failed on any shard stops them all.

    Exit: 0 all promoted/skipped, 8 gated and none failed, 1 a target failed or the run rolled
    back, 2 bad manifest or resume refused, 4 a shard missed a wave's barrier, 130 interrupted
    (resume it).
    """
    from aml_retrain.promotion.fanout import load_manifest, run_fanout
    from aml_retrain.promotion.junit import write_junit
    from aml_retrain.promotion.rollout import new_run_id, validate_run_id
    from aml_retrain.promotion.shards import Shard

    st = state(ctx)
    if resume and run_id_opt:
        raise typer.BadParameter("--resume already names the run: drop --run-id",
                                 param_hint="--run-id")
    parsed = load_manifest(manifest)
    part = Shard.parse(shard) if shard is not None else None
    if part is not None and not (resume or run_id_opt):
        raise typer.BadParameter("every shard of a run needs the same --run-id: make one with "
                                 "`aml-retrain fanout new-run-id`", param_hint="--shard")
    given = resume or run_id_opt
    run_id = validate_run_id(given) if given else new_run_id()
    notice(f"run {run_id}" + (" (resumed)" if resume else "")
           + f"; if interrupted: aml-retrain fanout run {manifest} --resume {run_id}")
    result = run_fanout(parsed, st.promotion_context(timeout), concurrency=concurrency,
                        keep_going=keep_going, run_id=run_id, resume=resume and run_id,
                        shard=part, barrier_timeout=barrier_timeout)
    if junit is not None:
        write_junit(result, junit)
    data = result.to_dict()
    if st.json:
        emit(st, data)
    else:
        columns = [field("name"), field("target"), field("wave"), field("status"), field("model"),
                   field("seconds"), field("message")]
        if any(r.get("health") for r in data["results"]):
            columns.insert(4, ("health", lambda row: _health_cell(row.get("health"))))
        emit(st, data["results"], columns, title=f"Fan-out: {result.outcome}")
        counts = ", ".join(f"{n} {s}" for s, n in result.counts.items() if n)
        notice(f"{counts} in {result.seconds:.1f} s"
               + (f"; stopped: {result.stopped}" if result.stopped else ""))
        _render_rollbacks(st, data["rollbacks"], result.failed_wave)
    if result.outcome == "failed":
        raise typer.Exit(code=EXIT_FAILED)
    if result.outcome == "gated":
        raise typer.Exit(code=EXIT_GATED)


def _health_cell(health: dict[str, Any] | None) -> str:
    """success rate, p95 ratio and agreement of the last probe, e.g. ``ok 1.0 x1.1 agr 0.98``."""
    if not health:
        return "-"
    parts = ["ok" if health.get("healthy") else "BAD", f"{health.get('success_rate')}"]
    if health.get("latency_p95_ratio") is not None:
        parts.append(f"x{health['latency_p95_ratio']}")
    if health.get("agreement") is not None:
        parts.append(f"agr {health['agreement']}")
    return " ".join(parts)


def _render_rollbacks(st: State, rollbacks: list[dict[str, Any]], wave: int | None) -> None:
    alone = [r for r in rollbacks if r.get("scope") == "target"]
    whole = [r for r in rollbacks if r.get("scope") != "target"]
    columns = [field("name"), field("target"), field("wave"), field("status"), field("model"),
               field("message")]
    if alone:
        emit(st, alone, columns, title="Rolled back at once (unhealthy)")
    if whole:
        emit(st, whole, columns, title=f"Rolled back (wave {wave} exceeded its failure budget)")


@app.command("new-run-id")
def new_run_id_command(ctx: typer.Context) -> None:
    """Print a fresh run id for the shards of one run (`fanout run --shard I/N --run-id ID`).

    In Azure Pipelines it also sets the output variable runId. Contacts nothing. Exit: 0.
    """
    from aml_retrain.promotion.rollout import new_run_id

    st = state(ctx)
    made = new_run_id()
    pipelines.set_outputs({"runId": made})
    if st.json:
        emit(st, {"run_id": made})
    else:
        typer.echo(made)


@app.command("status")
def status(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="The id `fanout run` printed.")],
) -> None:
    """Show what the ledger records of run RUN_ID, per wave and target.

    Targets the run never reached have no entry, so they are not listed: compare with the manifest.
    Exit: 0, 2 unknown or malformed run id.
    """
    from aml_retrain.promotion.rollout import validate_run_id
    from aml_retrain.promotion.runs import run_status

    st = state(ctx)
    data = run_status(st.ledger(), validate_run_id(run_id))
    if st.json:
        emit(st, data)
        return
    emit(st, data["targets"], [field("wave"), field("target"), field("state"), field("model"),
                               field("rollback"), field("promoted_seq"), field("rolled_back_seq"),
                               field("time")],
         title=f"Fan-out run {run_id}")
    notice(f"{data['entries']} ledger entries; manifest {data['manifest']}")
