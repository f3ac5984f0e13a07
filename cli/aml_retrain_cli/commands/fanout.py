"""``fanout run``: promote models to many targets from a manifest, in waves."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aml_retrain_cli.commands.classic_jobs import DEFAULT_OPERATION_TIMEOUT, OperationTimeoutOpt
from aml_retrain_cli.context import state
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
    timeout: OperationTimeoutOpt = DEFAULT_OPERATION_TIMEOUT,
) -> None:
    """Promote every target of MANIFEST, canary wave first, at most --concurrency at once.

    A failed target, or a gated one in the canary wave, stops the rollout unless --keep-going.

    Re-runs skip targets already at their model (as the ledger records).

    Exit: 0 all promoted/skipped, 8 gated and none failed, 1 a target failed, 2 bad manifest.
    """
    from aml_retrain.promotion.fanout import load_manifest, run_fanout
    from aml_retrain.promotion.junit import write_junit

    st = state(ctx)
    parsed = load_manifest(manifest)
    result = run_fanout(parsed, st.promotion_context(timeout), concurrency=concurrency,
                        keep_going=keep_going)
    if junit is not None:
        write_junit(result, junit)
    data = result.to_dict()
    if st.json:
        emit(st, data)
    else:
        emit(st, data["results"], [field("name"), field("target"), field("wave"), field("status"),
                                   field("model"), field("seconds"), field("message")],
             title=f"Fan-out: {result.outcome}")
        counts = ", ".join(f"{n} {s}" for s, n in result.counts.items() if n)
        notice(f"{counts} in {result.seconds:.1f} s"
               + (f"; stopped: {result.stopped}" if result.stopped else ""))
    if result.outcome == "failed":
        raise typer.Exit(code=EXIT_FAILED)
    if result.outcome == "gated":
        raise typer.Exit(code=EXIT_GATED)
