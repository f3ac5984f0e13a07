"""``aml-retrain webservice``: new (ARM) Azure ML web services — export, patch the model, update."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from aml_retrain_cli import pipelines
from aml_retrain_cli.commands import classic_jobs
from aml_retrain_cli.context import State, state
from aml_retrain_cli.render import emit, emit_pairs, field, notice

app = typer.Typer(help="New (ARM) web services: Microsoft.MachineLearning/webServices.",
                  no_args_is_help=True)

ResourceGroup = Annotated[str, typer.Argument(metavar="RG", help="Resource group.")]
Name = Annotated[str, typer.Argument(metavar="NAME", help="Web service name.")]
DefFile = Annotated[Path, typer.Option("--file", metavar="DEF.json", help="Definition file.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show the patch and the change; write nothing.")]
Allow = Annotated[
    list[str] | None,
    typer.Option("--allow", metavar="PATH", help="Also allow changes under this JSON Pointer prefix "
                 "(e.g. /properties/package); guarded paths are refused otherwise."),
]
# list_webservices builds flat snake_case rows (the service's properties are not in them).
SERVICE_COLUMNS = [field("name"), field("resource_group"), field("location"),
                   field("provisioning_state")]


@app.command("list")
def list_(
    ctx: typer.Context,
    resource_group: Annotated[str | None, typer.Option(help="Only this resource group.")] = None,
) -> None:
    """List the web services of the subscription (or of one resource group)."""
    from aml_retrain.arm.reads import list_webservices

    st = state(ctx)
    emit(st, list_webservices(st.arm_client(), resource_group=resource_group), SERVICE_COLUMNS)


@app.command("show")
def show(ctx: typer.Context, rg: ResourceGroup, name: Name) -> None:
    """Show a web service as ARM returns it (no keys)."""
    from aml_retrain.arm.reads import show_webservice

    st = state(ctx)
    service = show_webservice(st.arm_client(), rg, name)
    if st.json:
        emit(st, service)
        return
    props = service.get("properties") or {}
    assets = props.get("assets") or {}
    emit_pairs(st, {"id": service.get("id"), "location": service.get("location"),
                    "provisioningState": props.get("provisioningState"),
                    "readOnly": props.get("readOnly"), "storageAccount":
                    (props.get("storageAccount") or {}).get("name"),
                    "modifiedOn": props.get("modifiedOn")})
    rows = [{"asset": k, "name": v.get("name"), "type": v.get("type"),
             "uri": (v.get("locationInfo") or {}).get("uri")} for k, v in assets.items()]
    emit(st, rows, [field("asset"), field("name"), field("type"), field("uri")], title="Assets")


@app.command("keys")
def keys(
    ctx: typer.Context, rg: ResourceGroup, name: Name,
    show_keys: Annotated[bool, typer.Option("--show-keys", help="Print the key values.")] = False,
) -> None:
    """The web service's API keys (values only with --show-keys)."""
    from aml_retrain.arm.webservices import webservice_keys

    st = state(ctx)
    emit_pairs(st, webservice_keys(st.arm_client(), rg, name, include_keys=show_keys))


@app.command("export")
def export(ctx: typer.Context, rg: ResourceGroup, name: Name, file: DefFile) -> None:
    """Export the definition as JSON (Export-AzMlWebService shape, stable order, no secrets)."""
    from aml_retrain.arm.webservices import export_webservice

    st = state(ctx)
    emit_pairs(st, export_webservice(st.arm_client(), rg, name, file))


@app.command("set-model")
def set_model(
    ctx: typer.Context,
    rg: Annotated[str | None, typer.Argument(metavar="[RG", help="Resource group (live mode).")] = None,
    name: Annotated[str | None, typer.Argument(metavar="NAME]", help="Web service (live mode).")] = None,
    file: Annotated[Path | None, typer.Option("--file", metavar="DEF.json",
                                              help="Edit this definition file instead.")] = None,
    model_url: Annotated[str | None, typer.Option(help="URL of the .ilearner blob (its SAS is dropped).")]
    = None,
    from_job: Annotated[str | None, typer.Option(help="Use the .ilearner output of this BES job.")] = None,
    service: classic_jobs.ServiceOpt = None,
    asset: Annotated[str | None, typer.Option(metavar="ID", help="Trained-model asset id.")] = None,
    asset_name: Annotated[str | None, typer.Option(help="Trained-model asset name.")] = None,
    allow: Allow = None,
    allow_other_account: Annotated[
        bool, typer.Option("--allow-other-account", help="Accept a blob outside the service's storage.")
    ] = False,
    dry_run: DryRun = False,
    timeout: classic_jobs.OperationTimeoutOpt = classic_jobs.DEFAULT_OPERATION_TIMEOUT,
) -> None:
    """Point the trained-model asset at a new .ilearner: in a file, or live (backup, PATCH, read-back)."""
    from aml_retrain.arm import webservices

    st = state(ctx)
    live = rg is not None and name is not None
    if live == (file is not None) or (rg is None) != (name is None):
        raise typer.BadParameter("give either RG NAME (live service) or --file DEF.json",
                                 param_hint="RG NAME / --file")
    url = _model_url(st, model_url, from_job, service)
    options: dict[str, Any] = {"asset_id": asset, "asset_name": asset_name, "dry_run": dry_run,
                               "allow": tuple(allow or ()), "allow_other_account": allow_other_account}
    result: Any
    if file is not None:
        result = webservices.set_model_in_file(file, url, **options)
    else:
        result = webservices.set_model_live(
            st.arm_client(), str(rg), str(name), url, backup_dir=st.settings().backup_dir,
            timeout=timeout, **options)
    _render_change(st, result, dry_run)


@app.command("import")
def import_(ctx: typer.Context, file: DefFile) -> None:
    """Validate and normalise a definition file; print the definition."""
    from aml_retrain.arm.webservices import import_definition

    st = state(ctx)
    definition = import_definition(file, hide=True)  # a file's keys are never printed
    if st.json:
        emit(st, definition)
    else:
        notice(f"{file}: valid definition")
        import json

        typer.echo(json.dumps(definition, indent=2, ensure_ascii=False))


@app.command("update")
def update(ctx: typer.Context, rg: ResourceGroup, name: Name,
           file: Annotated[Path | None, typer.Option("--file", metavar="DEF.json",
                                                     help="Definition to apply (full mode).")] = None,
           allow: Allow = None, dry_run: DryRun = False,
           timeout: classic_jobs.OperationTimeoutOpt = classic_jobs.DEFAULT_OPERATION_TIMEOUT,
           ) -> None:
    """Update the live service from a definition file (guardrails, backup, PATCH, read-back)."""
    from aml_retrain.arm.webservices import update_webservice

    st = state(ctx)
    result = update_webservice(st.arm_client(), rg, name, path=file, dry_run=dry_run,
                               backup_dir=st.settings().backup_dir, allow=tuple(allow or ()),
                               timeout=timeout)
    _render_change(st, result, dry_run)


@app.command("retrain")
def retrain(
    ctx: typer.Context,
    rg: ResourceGroup,
    name: Annotated[str, typer.Argument(metavar="TRAINING_NAME",
                                        help="The training web service (the training experiment "
                                             "deployed as a new web service).")],
    data: classic_jobs.Data,
    input_name: classic_jobs.InputName = None,
    output_dir: classic_jobs.OutputDir = None,
    model_output: classic_jobs.ModelOutput = None,
    global_: classic_jobs.Globals = None,
    no_wait: classic_jobs.NoWait = False,
    timeout: classic_jobs.TimeoutOpt = 1800.0,
) -> None:
    """Retrain through the training web service's BES (key from listKeys): as classic retrain."""
    classic_jobs.run_retrain(state(ctx), f"arm:{rg}/{name}", data, input_name=input_name,
                             output_dir=output_dir, model_output=model_output, global_=global_,
                             no_wait=no_wait, timeout=timeout)


@app.command("score")
def score(
    ctx: typer.Context, rg: ResourceGroup, name: Name,
    input: Annotated[Path, typer.Option("--input", exists=True, dir_okay=False,
                                        metavar="FILE.csv|FILE.json", help="Rows to score.")],
) -> None:
    """Score rows through the web service's Request-Response endpoint (smoke test)."""
    from aml_retrain.arm.webservices import score_webservice
    from aml_retrain_cli.commands.classic_jobs import render_score

    st = state(ctx)
    render_score(st, score_webservice(st.arm_client(), rg, name, input))


def _render_change(st: State, result: Any, dry_run: bool) -> None:
    data = result.to_dict()
    pipelines.set_outputs({"modelUrl": data.get("after_uri"), "previousModelUrl": data.get("before_uri"),
                           "backupPath": data.get("backup_path"), "verified": data.get("verified")})
    if data.get("already_applied"):
        notice(f"Already applied: the service serves {data['after_uri']}; nothing was sent."
               if data.get("after_uri") else "Already applied: the service has every change; "
               "nothing was sent.")
    if not st.json:
        data.pop("body", None)  # the whole PATCH body is for scripts (-o json), not for a terminal
        if dry_run:
            notice("Dry run: nothing was changed.")
    emit_pairs(st, data)


def _model_url(st: State, model_url: str | None, from_job: str | None, service: str | None) -> str:
    if (model_url is None) == (from_job is None):
        raise typer.BadParameter("give exactly one of --model-url and --from-job",
                                 param_hint="--model-url / --from-job")
    if service is not None and from_job is None:
        raise typer.BadParameter("--service names the training service of --from-job's job",
                                 param_hint="--service")
    if model_url is not None:
        return model_url
    from aml_retrain.classic.retrain import model_url_from_job

    services = st.training_services()
    try:
        return model_url_from_job(services, str(from_job), journal=st.journal(), service_id=service)
    finally:
        services.close()
