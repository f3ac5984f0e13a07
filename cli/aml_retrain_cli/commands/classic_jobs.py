"""``aml-retrain classic retrain|jobs|score``: BES retraining jobs and RRS scoring."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from aml_retrain_cli import pipelines
from aml_retrain_cli.context import State, state
from aml_retrain_cli.progress import job_spinner, upload_bar
from aml_retrain_cli.render import emit, emit_pairs, field

jobs_app = typer.Typer(help="Batch Execution Service jobs started by retrain.", no_args_is_help=True)

JobId = Annotated[str, typer.Argument(help="BES job id, as printed by retrain.")]
ServiceOpt = Annotated[
    str | None,
    typer.Option("--service", metavar="SERVICE",
                 help="Training web service (classic id or arm:RG/NAME), when the job is not "
                      "in the local journal."),
]
TimeoutOpt = Annotated[
    float,
    typer.Option("--timeout", min=1, metavar="SECONDS",
                 help="Wall-clock budget in seconds for the whole job; it is cancelled after it "
                      "(exit 4)."),
]
WaitTimeoutOpt = Annotated[
    float,
    typer.Option("--timeout", min=1, metavar="SECONDS",
                 help="Seconds to wait; the job keeps running after it (exit 4)."),
]
OperationTimeoutOpt = Annotated[
    float,
    typer.Option("--timeout", min=1, max=86400, metavar="SECONDS",
                 help="Budget in seconds for an ARM web service write (PATCH and polling); it "
                      "may still finish after. Classic writes are one request each, limited by "
                      "AML_RETRAIN_TIMEOUT."),
]
DEFAULT_OPERATION_TIMEOUT = 900.0


def _parse_globals(values: list[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"'{item}' is not NAME=VALUE", param_hint="--global")
        parsed[name] = value
    return parsed


def render_job(st: State, result: Any) -> None:
    """Print a retrain/job result: summary, outputs and metrics."""
    data = result.to_dict()
    pipelines.set_outputs({"jobId": data.get("job_id"), "jobStatus": data.get("status"),
                           "modelUrl": data.get("model_url_without_sas"),
                           **pipelines.metrics_outputs(data.get("metrics"))})
    if st.json:
        emit(st, data)
        return
    summary = {k: v for k, v in data.items() if k not in ("outputs", "metrics")}
    emit_pairs(st, summary, title="Job")
    outputs = [{"Name": name, **out} for name, out in (data.get("outputs") or {}).items()]
    if outputs:
        emit(st, outputs, [field("Name"), ("Blob", lambda o: o.get("url_without_sas")),
                           ("Model", lambda o: "yes" if o.get("is_model") else "")],
             title="Outputs")
    metrics = data.get("metrics")
    if metrics:
        rows = [{"Metric": k, "Value": v} for k, v in (metrics.get("values") or {}).items()]
        emit(st, rows, [field("Metric"), field("Value")], title=f"Evaluation ({metrics.get('kind')})")


InputName = Annotated[str | None, typer.Option(help="BES input to feed (default: the only one).")]
OutputDir = Annotated[
    str | None,
    typer.Option(metavar="BLOB_PREFIX", help="Blob prefix container/path for the outputs."),
]
ModelOutput = Annotated[
    str | None,
    typer.Option(help="Output holding the trained model (default: the service's trained-model output)."),
]
Globals = Annotated[
    list[str] | None,
    typer.Option("--global", metavar="NAME=VALUE", help="Global parameter (repeatable)."),
]
NoWait = Annotated[bool, typer.Option("--no-wait", help="Print the job id and return.")]
Data = Annotated[str, typer.Option(metavar="FILE|BLOB_URL",
                                   help="Training data: a local .csv/.tsv/.arff file or a blob URL.")]


def run_retrain(st: State, reference: str, data: str, *, input_name: str | None,
                output_dir: str | None, model_output: str | None, global_: list[str] | None,
                no_wait: bool, timeout: float) -> None:
    """Run the one core retrain workflow for a training service of either kind and print it."""
    from aml_retrain.classic.retrain import retrain as run

    settings = st.settings()
    services = st.training_services()
    seen: list[str] = []  # the job id, once the wait has seen the job
    try:
        with upload_bar("Uploading") as progress, job_spinner("Retraining") as on_update:
            result = run(
                services, reference, data,
                storage_connection_string=settings.require_storage(), journal=st.journal(),
                input_name=input_name, output_dir=output_dir, model_output=model_output,
                global_parameters=_parse_globals(global_ or []), wait=not no_wait,
                budget=timeout, progress=progress, on_update=_noting_job(on_update, seen),
            )
    except KeyboardInterrupt:
        if not seen:
            raise  # before the job ran: the error boundary's plain "Interrupted."
        raise interrupted(seen[-1]) from None
    finally:
        services.close()
    render_job(st, result)


def _noting_job(on_update: Any, seen: list[str]) -> Any:
    def update(job: Any) -> None:
        seen.append(job.job_id)
        if on_update is not None:
            on_update(job)

    return update


def interrupted(job_id: str, service: str | None = None) -> typer.Exit:
    """Ctrl-C while waiting: the job runs on in the service; say how to pick it up (exit 130)."""
    job = job_id if service is None else f"{job_id} --service {service}"
    typer.echo(f"Interrupted: job {job_id} keeps running in the service; resume waiting with "
               f"aml-retrain jobs wait {job} (or stop it: aml-retrain jobs cancel {job})", err=True)
    return typer.Exit(code=130)


def retrain(
    ctx: typer.Context,
    service_id: Annotated[str, typer.Argument(metavar="TRAINING_SERVICE_ID",
                                              help="The training web service: a classic "
                                              "id, or arm:RG/NAME for a new (ARM) one.")],
    data: Data,
    input_name: InputName = None,
    output_dir: OutputDir = None,
    model_output: ModelOutput = None,
    global_: Globals = None,
    no_wait: NoWait = False,
    timeout: TimeoutOpt = 1800.0,
) -> None:
    """Retrain: upload the data, submit and start the BES job, wait, print outputs and metrics."""
    run_retrain(state(ctx), service_id, data, input_name=input_name, output_dir=output_dir,
                model_output=model_output, global_=global_, no_wait=no_wait, timeout=timeout)


@jobs_app.command("status")
def jobs_status(ctx: typer.Context, job_id: JobId, service: ServiceOpt = None) -> None:
    """Show a job's status, outputs and (when finished) metrics."""
    from aml_retrain.classic.retrain import job_status

    st = state(ctx)
    render_job(st, job_status(st.training_services(), job_id, journal=st.journal(), service_id=service))


@jobs_app.command("wait")
def jobs_wait(ctx: typer.Context, job_id: JobId, service: ServiceOpt = None,
              timeout: WaitTimeoutOpt = 1800.0) -> None:
    """Wait for a job (e.g. after --no-wait or an agent time-out) and print its result."""
    from aml_retrain.classic.retrain import wait_for_job

    st = state(ctx)
    try:
        with job_spinner(f"Waiting for {job_id}") as on_update:
            result = wait_for_job(st.training_services(), job_id, journal=st.journal(),
                                  service_id=service, budget=timeout, on_update=on_update)
    except KeyboardInterrupt:
        raise interrupted(job_id, service) from None
    render_job(st, result)


@jobs_app.command("cancel")
def jobs_cancel(ctx: typer.Context, job_id: JobId, service: ServiceOpt = None) -> None:
    """Cancel a job that has not finished."""
    from aml_retrain.classic.retrain import cancel_job

    st = state(ctx)
    render_job(st, cancel_job(st.training_services(), job_id, journal=st.journal(), service_id=service))


def score(
    ctx: typer.Context,
    service_id: Annotated[str, typer.Argument(help="Predictive web service id.")],
    endpoint: Annotated[str, typer.Argument(help="Endpoint name.")],
    input: Annotated[Path, typer.Option("--input", exists=True, dir_okay=False, metavar="FILE.csv|FILE.json",
                                        help="Rows to score: a .csv with a header, or a .json body.")],
) -> None:
    """Score rows through the endpoint's Request-Response service (smoke test after a swap)."""
    from aml_retrain.classic.retrain import score as run_score

    st = state(ctx)
    render_score(st, run_score(st.classic_client(), service_id, endpoint, input))


def render_score(st: State, result: Any) -> None:
    """Print scored rows: a table of the output's columns, or the JSON result."""
    data = result.to_dict()
    if st.json:
        emit(st, data)
        return
    columns = data.get("columns") or []
    rows = [dict(zip(columns, row, strict=False)) for row in data.get("rows") or []]
    emit(st, rows, [field(c) for c in columns], title=f"Scored ({data.get('output_name')})")
