"""``aml-retrain classic``: web services and endpoints of Azure ML Studio (classic)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import typer

from aml_retrain_cli import pipelines
from aml_retrain_cli.commands import classic_jobs
from aml_retrain_cli.context import model_url_arg, state
from aml_retrain_cli.render import emit, emit_pairs, field, notice

app = typer.Typer(help="Classic (Studio) web services: endpoints and trained models.",
                  no_args_is_help=True)
services_app = typer.Typer(help="Web services of the workspace.", no_args_is_help=True)
endpoints_app = typer.Typer(help="Endpoints of a web service.", no_args_is_help=True)
app.add_typer(services_app, name="services")
app.add_typer(endpoints_app, name="endpoints")
app.add_typer(classic_jobs.jobs_app, name="jobs")
app.command("retrain")(classic_jobs.retrain)
app.command("score")(classic_jobs.score)

ServiceId = Annotated[str, typer.Argument(help="Web service id (32 hex digits).")]
EndpointName = Annotated[str, typer.Argument(help="Endpoint name, e.g. retrained01.")]
ShowKeys = Annotated[bool, typer.Option("--show-keys", help="Include the endpoint's API keys.")]

SERVICE_COLUMNS = [field("Id"), field("Name"), field("DefaultEndpointName"), field("CreationTime")]
ENDPOINT_COLUMNS = [
    field("Name"),
    field("ThrottleLevel"),
    field("MaxConcurrentCalls"),
    ("Resources", lambda e: [r.get("Name") for r in e.get("Resources") or []]),
    field("Version"),
]


class ThrottleLevel(str, Enum):
    """Endpoint throttle levels (High needs a paid tier)."""

    Low = "Low"
    High = "High"


@services_app.command("list")
def services_list(ctx: typer.Context) -> None:
    """List the web services of the workspace."""
    st = state(ctx)
    emit(st, st.classic_client().list_web_services(), SERVICE_COLUMNS)


@services_app.command("show")
def services_show(ctx: typer.Context, service_id: ServiceId) -> None:
    """Show one web service."""
    st = state(ctx)
    emit_pairs(st, st.classic_client().get_web_service(service_id))


@endpoints_app.command("list")
def endpoints_list(ctx: typer.Context, service_id: ServiceId, show_keys: ShowKeys = False) -> None:
    """List the endpoints of a web service (keys hidden unless --show-keys)."""
    from aml_retrain.classic.views import list_endpoints

    st = state(ctx)
    emit(st, list_endpoints(st.classic_client(), service_id, include_keys=show_keys),
         ENDPOINT_COLUMNS)


@endpoints_app.command("show")
def endpoints_show(
    ctx: typer.Context, service_id: ServiceId, endpoint: EndpointName, show_keys: ShowKeys = False
) -> None:
    """Show one endpoint with its updatable resources (keys hidden unless --show-keys)."""
    from aml_retrain.classic.views import show_endpoint

    st = state(ctx)
    emit_pairs(st, show_endpoint(st.classic_client(), service_id, endpoint, include_keys=show_keys))


@endpoints_app.command("create")
def endpoints_create(
    ctx: typer.Context,
    service_id: ServiceId,
    endpoint: EndpointName,
    description: Annotated[str | None, typer.Option(help="Free text, up to 2000 characters.")] = None,
    throttle_level: Annotated[
        ThrottleLevel | None, typer.Option(help="Low (default) or High (paid tiers).")
    ] = None,
    max_concurrent_calls: Annotated[
        int | None, typer.Option(min=1, max=200, help="RRS concurrency: 1-4 under Low, up to 200 "
                                 "with --throttle-level High.")
    ] = None,
    exist_ok: Annotated[
        bool, typer.Option("--exist-ok", help="Succeed and show the endpoint if it already exists "
                           "(otherwise exit 6).")
    ] = False,
) -> None:
    """Create a non-default endpoint on a (predictive) web service."""
    from aml_retrain.classic.views import create_endpoint

    st = state(ctx)
    result = create_endpoint(
        st.classic_client(), service_id, endpoint, description=description,
        throttle_level=throttle_level.value if throttle_level else None,
        max_concurrent_calls=max_concurrent_calls, exist_ok=exist_ok,
    )
    for message in result.warnings:
        notice(message)
    emit_pairs(st, result.endpoint)


@endpoints_app.command("delete")
def endpoints_delete(ctx: typer.Context, service_id: ServiceId, endpoint: EndpointName) -> None:
    """Delete a non-default endpoint (its definition is backed up first)."""
    from aml_retrain.classic.views import delete_endpoint

    st = state(ctx)
    result = delete_endpoint(st.classic_client(), service_id, endpoint, backup_dir=st.settings().backup_dir)
    emit_pairs(st, result)


@endpoints_app.command("patch-url")
def endpoints_patch_url(
    ctx: typer.Context, service_id: ServiceId, endpoint: EndpointName, show_keys: ShowKeys = False
) -> None:
    """Print the endpoint's PATCH URL (and its keys only with --show-keys)."""
    from aml_retrain.classic.endpoints import get_patch_info

    st = state(ctx)
    info = get_patch_info(st.classic_client(), service_id, endpoint, include_keys=show_keys)
    pipelines.set_outputs({"patchUrl": info.get("patch_url"), "endpointKey": info.get("primary_key")},
                          secrets=("endpointKey",))
    emit_pairs(st, info)


@endpoints_app.command("set-model")
def endpoints_set_model(
    ctx: typer.Context,
    service_id: ServiceId,
    endpoint: EndpointName,
    model_url: Annotated[
        str | None,
        typer.Option(help="URL of the .ilearner blob. Without a SAS, one is minted from the "
                     "storage connection string; - reads the URL (with its SAS) from stdin."),
    ] = None,
    from_job: Annotated[
        str | None, typer.Option(help="Use the .ilearner output of this finished BES job.")
    ] = None,
    service: classic_jobs.ServiceOpt = None,
    resource_name: Annotated[
        str | None, typer.Option(help="Trained-model resource to replace (default: the only one).")
    ] = None,
    endpoint_key_file: Annotated[
        str | None,
        typer.Option(metavar="PATH",
                     help="File holding the endpoint's API key, to run with that key alone "
                     "(or set AML_RETRAIN_ENDPOINT_KEY); only with --model-url."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the PATCH body; change nothing.")]
    = False,
) -> None:
    """Point a non-default endpoint's trained model at a new .ilearner (PATCH, read-back)."""

    from aml_retrain.classic import endpoints
    from aml_retrain.training_services import TrainingServices

    if (model_url is None) == (from_job is None):
        raise typer.BadParameter("give exactly one of --model-url and --from-job",
                                 param_hint="--model-url / --from-job")
    if service is not None and from_job is None:
        raise typer.BadParameter("--service names the training service of --from-job's job",
                                 param_hint="--service")
    st = state(ctx)
    st.endpoint_key_file = endpoint_key_file
    with_key = st.settings().endpoint_key is not None
    if with_key and from_job is not None:
        raise typer.BadParameter("--from-job reads the training service's job, which needs the "
                                 "workspace token; with only the endpoint key give --model-url",
                                 param_hint="--from-job")
    options: dict[str, Any] = {
        "resource_name": resource_name, "dry_run": dry_run, "backup_dir": st.settings().backup_dir,
        "storage_connection_string": st.settings().storage_connection_string,
    }
    if from_job is not None:
        client = st.classic_client()
        training = TrainingServices(classic=lambda: client, arm=st.arm_client)
        try:
            result = endpoints.set_model_from_job(client, service_id, endpoint, from_job,
                                                  journal=st.journal(), training=training,
                                                  training_service_id=service, **options)
        finally:
            training.close()
    else:
        url = str(model_url_arg(model_url))
        result = endpoints.set_trained_model(st.classic_client(endpoint_key=with_key), service_id,
                                             endpoint, url, endpoint_key_only=with_key, **options)
    for message in result.warnings:
        notice(message)
    if dry_run and not st.json:
        notice("Dry run: nothing was changed.")
    data = result.to_dict()
    pipelines.set_outputs({"backupPath": data.get("backup_path"), "verified": data.get("verified")})
    emit_pairs(st, data if st.json else _set_model_summary(data))


def _set_model_summary(data: dict[str, Any]) -> dict[str, Any]:
    """One short row per fact of a set-model result; `-o json` has the PATCH body and both resources."""
    from aml_retrain.classic.views import model_location

    sent = (data.get("body") or {}).get("Resources") or [{}]
    rows = {
        "web_service_id": data.get("web_service_id"), "endpoint": data.get("endpoint"),
        "resource_name": data.get("resource_name"),
        "model_before": model_location(data.get("before")) or None,
        ("model_to_set" if data.get("dry_run") else "model_after"):
            model_location(sent[0] if data.get("dry_run") else data.get("after")) or None,
        "dry_run": data.get("dry_run") or None,
        "verified": None if data.get("dry_run") else data.get("verified"),
        "backup_path": data.get("backup_path"),
        "warnings": "\n".join(str(w) for w in data.get("warnings") or ()) or None,
    }
    return {k: v for k, v in rows.items() if v is not None}
