"""``aml-retrain online``: Azure ML v2 managed online endpoints, deployments, models, retrain, score."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aml_retrain_cli import pipelines
from aml_retrain_cli.context import State, state
from aml_retrain_cli.progress import job_spinner, upload_bar
from aml_retrain_cli.render import brief, emit, emit_pairs, field

if TYPE_CHECKING:
    from aml_retrain.online import OnlineClient

app = typer.Typer(help="Azure ML v2 managed online endpoints: deployments, models, retrain, score.",
                  no_args_is_help=True)
endpoints_app = typer.Typer(help="Managed online endpoints of a workspace.", no_args_is_help=True)
deployments_app = typer.Typer(help="Deployments of an online endpoint.", no_args_is_help=True)
models_app = typer.Typer(help="Registered models of a workspace.", no_args_is_help=True)
app.add_typer(endpoints_app, name="endpoints")
app.add_typer(deployments_app, name="deployments")
app.add_typer(models_app, name="models")

ResourceGroup = Annotated[str, typer.Argument(metavar="RG", help="Resource group.")]
Workspace = Annotated[str, typer.Argument(metavar="WORKSPACE", help="Azure ML workspace name.")]
Endpoint = Annotated[str, typer.Argument(metavar="ENDPOINT", help="Online endpoint name.")]
DeploymentArg = Annotated[str, typer.Argument(metavar="DEPLOYMENT", help="Deployment name.")]

ENDPOINT_COLUMNS = [field("name"), field("provisioning_state"), field("auth_mode"),
                    ("traffic", lambda r: brief(r.get("traffic"))),
                    ("mirror_traffic", lambda r: brief(r.get("mirror_traffic"))),
                    field("scoring_uri")]
DEPLOYMENT_COLUMNS = [field("name"), field("model_ref"), field("provisioning_state"),
                      field("instance_type"), field("instance_count"), field("traffic")]
CONTAINER_COLUMNS = [field("name"), field("latest_version")]
VERSION_COLUMNS = [field("model_ref"), field("job_name"), field("created"), field("model_uri")]


def _client(st: State, rg: str, workspace: str) -> OnlineClient:
    from aml_retrain.online import OnlineClient

    return OnlineClient.from_settings(st.settings(), rg, workspace)


@endpoints_app.command("list")
def endpoints_list(ctx: typer.Context, rg: ResourceGroup, workspace: Workspace) -> None:
    """List the workspace's online endpoints with their traffic split."""
    from aml_retrain.online.workflows import endpoint_rows

    st = state(ctx)
    with _client(st, rg, workspace) as client:
        emit(st, endpoint_rows(client), ENDPOINT_COLUMNS)


@endpoints_app.command("show")
def endpoints_show(ctx: typer.Context, rg: ResourceGroup, workspace: Workspace,
                   endpoint: Endpoint) -> None:
    """Show one endpoint: auth mode, scoring URI, traffic and mirror traffic (never its keys)."""
    from aml_retrain.online.workflows import endpoint_row

    st = state(ctx)
    with _client(st, rg, workspace) as client:
        emit_pairs(st, endpoint_row(client, endpoint))


@deployments_app.command("list")
def deployments_list(ctx: typer.Context, rg: ResourceGroup, workspace: Workspace,
                     endpoint: Endpoint) -> None:
    """List an endpoint's deployments: the model each serves and its live traffic share."""
    from aml_retrain.online.workflows import deployment_rows

    st = state(ctx)
    with _client(st, rg, workspace) as client:
        emit(st, deployment_rows(client, endpoint), DEPLOYMENT_COLUMNS)


@deployments_app.command("show")
def deployments_show(ctx: typer.Context, rg: ResourceGroup, workspace: Workspace,
                     endpoint: Endpoint, deployment: DeploymentArg) -> None:
    """Show one deployment."""
    from aml_retrain.online.workflows import deployment_row

    st = state(ctx)
    with _client(st, rg, workspace) as client:
        emit_pairs(st, deployment_row(client, endpoint, deployment))


@models_app.command("list")
def models_list(
    ctx: typer.Context, rg: ResourceGroup, workspace: Workspace,
    name: Annotated[str | None, typer.Option("--name", metavar="NAME",
                                             help="List this model's versions.")] = None,
) -> None:
    """List registered models (latest version each), or with --name the versions of one."""
    from aml_retrain.online.workflows import model_rows

    st = state(ctx)
    with _client(st, rg, workspace) as client:
        rows = model_rows(client, name)
    emit(st, rows, CONTAINER_COLUMNS if name is None else VERSION_COLUMNS)


@app.command("retrain")
def retrain(
    ctx: typer.Context, rg: ResourceGroup, workspace: Workspace,
    data: Annotated[str, typer.Option("--data", metavar="FILE|URL",
                                      help="Training data: a local file (uploaded to blob storage "
                                           "first), an https:// blob URL or an azureml:// URI.")],
    job: Annotated[Path | None, typer.Option(
        "--job", metavar="JOB.yaml", exists=True, dir_okay=False,
        help="An `az ml job` command job YAML to submit instead of re-running the serving "
             "model's job.")] = None,
    endpoint: Annotated[str | None, typer.Option(
        "--endpoint", metavar="ENDPOINT",
        help="Re-run the job that trained the model this endpoint serves (most traffic).")] = None,
    model_name: Annotated[str | None, typer.Option(
        "--model-name", metavar="NAME",
        help="Register the output as a new version of NAME (default: the serving model's).")] = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=1, metavar="SECONDS",
        help="Wall-clock budget for the job; it is cancelled after it (exit 4).")] = 7200.0,
) -> None:
    """Retrain: submit a v2 command job on --data, wait, read MLflow metrics, register the model.

    Exit 1 when the job ends Failed or Canceled (the result, with its status, is still printed).
    """
    from aml_retrain.online.workflows import retrain_online

    st = state(ctx)
    settings = st.settings()
    seen: list[str] = []  # the job's name, once the wait has seen it

    def noting(on_update: Any) -> Any:
        def update(job: Any) -> None:
            seen.append(job.name)
            if on_update is not None:
                on_update(job)
        return update

    try:
        with _client(st, rg, workspace) as client, upload_bar("Uploading") as progress, \
                job_spinner("Retraining") as on_update:
            result = retrain_online(
                client, data, storage_connection_string=settings.storage_connection_string,
                job_spec=job, endpoint=endpoint, model_name=model_name, timeout=timeout,
                progress=progress, on_update=noting(on_update))
    except KeyboardInterrupt:
        if not seen:
            raise  # before the job ran: the error boundary's plain "Interrupted."
        typer.echo(f"Interrupted: job {seen[-1]} keeps running in workspace {workspace}; register "
                   "its model once it completes, or cancel it (az ml job cancel -n "
                   f"{seen[-1]})", err=True)
        raise typer.Exit(code=130) from None
    _render_retrain(st, result)
    if not result.succeeded:
        typer.echo(f"job {result.job_id} ended {result.status}: {result.error or 'no reason given'}"
                   f" (see it with az ml job show -n {result.job_id})", err=True)
        raise typer.Exit(code=1)


def _render_retrain(st: State, result: Any) -> None:
    data = result.to_dict()
    metrics = dict(kind=result.metrics_kind, values=data["metrics"])
    # modelUrl holds the model as promote and target show record it for online targets.
    pipelines.set_outputs({"jobId": data["job_id"], "jobStatus": data["status"],
                           "modelUrl": data["model"], **pipelines.metrics_outputs(metrics)})
    if st.json:
        emit(st, data)
        return
    emit_pairs(st, {k: v for k, v in data.items() if k != "metrics"}, title="Job")
    rows = [{"Metric": k, "Value": v} for k, v in data["metrics"].items()]
    if rows:
        emit(st, rows, [field("Metric"), field("Value")], title="MLflow metrics")


@app.command("score")
def score(
    ctx: typer.Context, rg: ResourceGroup, workspace: Workspace, endpoint: Endpoint,
    input: Annotated[Path, typer.Option("--input", exists=True, dir_okay=False,
                                        metavar="FILE.csv|FILE.json",
                                        help="Rows to score: a .csv with a header, a .json list "
                                             "of records or an input_data body.")],
    deployment: Annotated[str | None, typer.Option(
        "--deployment", metavar="NAME",
        help="Score this deployment only (azureml-model-deployment header), even at 0% "
             "traffic.")] = None,
) -> None:
    """Score rows on the endpoint (key from listKeys or an AAD token; never printed)."""
    from aml_retrain.online.workflows import score_file

    st = state(ctx)
    with _client(st, rg, workspace) as client:
        result = score_file(client, endpoint, input, deployment=deployment).to_dict()
    if st.json:
        emit(st, result)
        return
    emit_pairs(st, {k: v for k, v in result.items() if k != "predictions"}, title="Scored")
    emit(st, [{"row": i, "prediction": p} for i, p in enumerate(result["predictions"])],
         [field("row"), ("prediction", lambda r: brief(r["prediction"]) if isinstance(
             r["prediction"], (dict, list)) else r["prediction"])])
