"""ARM web service workflows, one per CLI command; input is checked before any request.

The retrain update is a PATCH of ``{"properties": {"packageType": "Graph", "assets": {...}}}``:
the whole assets map (whether PATCH merges map entries is not documented), never storageAccount
or keys. Every write is preceded by a local backup and followed by a read-back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aml_retrain._files import replace_file
from aml_retrain._json import JsonObject, copy_json, drop_nulls_in_place
from aml_retrain.arm.client import DEFAULT_UPDATE_TIMEOUT, ArmWebServiceClient, validate_names
from aml_retrain.arm.definition import (
    apply_patch,
    build_model_patch,
    check_guardrails,
    diff_uris,
    dumps_definition,
    export_definition,
    load_definition,
    model_uri_from_url,
    normalise_definition,
    payloads_in_blob_storage,
    refuse_read_only,
    reshape_definition,
    select_asset,
    storage_account_of,
    trained_model_assets,
    validate_definition,
)
from aml_retrain.arm.merge import (
    base_path,
    patch_body,
    read_base,
    rebase,
    user_changes,
    write_base,
)
from aml_retrain.arm.reads import list_webservices, show_webservice
from aml_retrain.arm.results import (
    HIDDEN,
    SetModelPlan,
    UpdateResult,
    hide_secrets,
    hide_secrets_in_patch,
    write_arm_backup,
)
from aml_retrain.errors import (
    AmlRetrainError,
    OperationFailedError,
    ValidationError,
    VerificationError,
)

if TYPE_CHECKING:
    from aml_retrain._scoring import ScoreResult, ScoringClient

__all__ = [
    "SetModelPlan",
    "UpdateResult",
    "export_webservice",
    "import_definition",
    "list_webservices",
    "score_webservice",
    "set_model_in_file",
    "set_model_live",
    "show_webservice",
    "update_webservice",
    "webservice_keys",
    "webservice_scoring_client",
]


def webservice_keys(
    client: ArmWebServiceClient, resource_group: str, name: str, *, include_keys: bool = False
) -> JsonObject:
    """Return the web service keys, shown as ``<hidden>`` unless ``include_keys``."""
    keys = client.list_keys(resource_group, name)
    out: JsonObject = {}
    for slot in ("primary", "secondary"):
        value = keys.get(slot)
        if isinstance(value, str) and value:
            out[slot] = value if include_keys else HIDDEN
    return out


def export_webservice(
    client: ArmWebServiceClient, resource_group: str, name: str, path: str | Path
) -> JsonObject:
    """GET the service and write its definition (Export-AzMlWebService shape) to ``path``."""
    target = Path(path)
    if target.is_dir():
        raise ValidationError(f"{target} is a folder: pass a file name such as {name}.json")
    ws = client.get(resource_group, name)
    defn = export_definition(ws)
    previous = replace_file(target, dumps_definition(defn), keep_backup=True)
    resource_id = str(ws.get("id") or client.resource_id(resource_group, name))
    # The file stays in the Export-AzMlWebService shape; what it was exported as goes beside it.
    sidecar = write_base(target, defn, resource_id)
    props = defn["properties"]
    assets = props.get("assets") if isinstance(props.get("assets"), dict) else {}
    inline = props.get("payloadsInBlobStorage") is not True
    return {
        "path": str(target),
        "base_path": str(sidecar),
        "resource_id": resource_id,
        "asset_ids": list(assets),
        "trained_model_assets": [aid for aid, _ in trained_model_assets(defn)] if inline else [],
        "payloads_in_blob_storage": not inline,
        "previous_file_backup": str(previous) if previous else None,
    }


def _check_account(defn: Mapping[str, Any], uri: str, allow_other_account: bool) -> None:
    storage = defn.get("properties", {}).get("storageAccount")
    configured = storage.get("name") if isinstance(storage, Mapping) else None
    account = storage_account_of(uri)
    if allow_other_account or not configured or not account:
        return
    if account.lower() != str(configured).lower():
        raise ValidationError(
            f"the model blob is in storage account {account!r} but the web service reads from "
            f"{configured!r}: copy the .ilearner into {configured!r} (the service reads assets "
            "through its own account), or pass --allow-other-account if you are sure"
        )


def set_model_in_file(
    path: str | Path,
    model_url: str,
    *,
    asset_id: str | None = None,
    asset_name: str | None = None,
    dry_run: bool = False,
    allow: Iterable[str] = (),
    allow_other_account: bool = False,
) -> SetModelPlan:
    """Repoint the trained-model asset in an exported file (the old file is kept as ``.bak``)."""
    target = Path(path)
    new_uri = model_uri_from_url(model_url)
    defn = load_definition(target)
    chosen_id, asset = select_asset(defn, asset_id, asset_name)
    patch = build_model_patch(defn, chosen_id, new_uri)
    check_guardrails(patch, allow=allow, definition=defn)
    _check_account(defn, new_uri, allow_other_account)
    before = str(asset["locationInfo"]["uri"])  # read first: asset shares its locationInfo with defn
    # defn was read for this call alone, so it is patched as it is rather than copied first.
    patched = apply_patch(defn, patch, in_place=True)
    validate_definition(patched)
    text = None if dry_run else dumps_definition(patched)
    del defn, patched  # the text is all that is written; let a big document go first
    backup = None if text is None else replace_file(target, text, keep_backup=True)
    return SetModelPlan(target, chosen_id, str(asset["name"]), before, new_uri, patch, dry_run,
                        backup)


def _assets_body(defn: Mapping[str, Any]) -> JsonObject:
    return {"properties": {"packageType": "Graph",
                           "assets": copy_json(defn["properties"]["assets"])}}


def _note(err: AmlRetrainError, text: str) -> None:
    # The CLI prints str(err); ServiceError renders .message, the others their args.
    if isinstance(getattr(err, "message", None), str):
        err.message = f"{err.message.rstrip('. ')}. {text}"  # type: ignore[attr-defined]
        err.args = (err.message,)  # type: ignore[attr-defined]
    else:
        err.args = (f"{str(err).rstrip('. ')}. {text}",)


def _restore(
    client: ArmWebServiceClient, rg: str, name: str, backup: JsonObject, backup_path: Path,
    err: AmlRetrainError, timeout: float,
) -> None:
    try:
        client.update(rg, name, _assets_body(backup), timeout=timeout)
        restored = True
    except AmlRetrainError:
        restored = False
    err.restored = restored  # type: ignore[attr-defined]
    import shlex

    # The backup is an export of the live service: `webservice update` with it PATCHes it back.
    how = "the previous assets were PATCHed back" if restored else "PATCHing the previous assets " \
        "back failed too; restore by hand with: aml-retrain webservice update " \
        f"{shlex.quote(rg)} {shlex.quote(name)} --file {shlex.quote(str(backup_path))}"
    _note(err, f"restored: {str(restored).lower()} — {how} (backup {backup_path})")


def _verify(
    client: ArmWebServiceClient, rg: str, name: str, final: JsonObject,
    expected: Mapping[str, str | None],
) -> None:
    props = final.get("properties")
    if not isinstance(props, dict) or not isinstance(props.get("assets"), dict):
        final = client.get(rg, name)  # the final poll GET was sparse
    live = {row["asset_id"]: row["after"] for row in diff_uris({}, final)}
    for asset_id, uri in expected.items():
        if live.get(asset_id) != uri:
            raise VerificationError(
                f"update reported success but the service still references "
                f"{live.get(asset_id) or 'no uri'} for asset {asset_id!r} instead of {uri}"
            )


def _write_and_verify(
    client: ArmWebServiceClient, rg: str, name: str, body: JsonObject, live_export: JsonObject,
    expected: Mapping[str, str | None], backup_path: Path, timeout: float,
) -> None:
    try:
        final = client.update(rg, name, body, timeout=timeout)
        _verify(client, rg, name, final, expected)
    except (OperationFailedError, VerificationError) as err:
        _restore(client, rg, name, live_export, backup_path, err, timeout)
        raise


def set_model_live(
    client: ArmWebServiceClient,
    resource_group: str,
    name: str,
    model_url: str,
    *,
    asset_id: str | None = None,
    asset_name: str | None = None,
    dry_run: bool = False,
    backup_dir: str | Path | None = None,
    allow: Iterable[str] = (),
    allow_other_account: bool = False,
    timeout: float = DEFAULT_UPDATE_TIMEOUT,
    now: datetime | None = None,
) -> UpdateResult:
    """Point the live service's trained-model asset at a new ``.ilearner``: back up, PATCH, verify."""
    validate_names(resource_group, name)
    new_uri = model_uri_from_url(model_url)
    if not dry_run and backup_dir is None:
        raise ValidationError("backup_dir is required unless dry_run: the live definition is saved first")
    live = export_definition(client.get(resource_group, name))
    refuse_read_only(live, name)
    chosen_id, asset = select_asset(live, asset_id, asset_name)
    before = str(asset["locationInfo"]["uri"])
    resource_id = client.resource_id(resource_group, name)
    if before.split("?", 1)[0] == new_uri:
        # Already in place (a SAS is never part of the model): no backup, PATCH or polling, as a
        # re-run of a finished `update` — re-running a deploy must not fail or churn CI.
        return UpdateResult(resource_id, chosen_id, before, new_uri, [], {}, dry_run=dry_run,
                            verified=True, already_applied=True)
    patch = build_model_patch(live, chosen_id, new_uri)
    check_guardrails(patch, allow=allow, definition=live)
    _check_account(live, new_uri, allow_other_account)
    body = _assets_body(apply_patch(live, patch))
    result = UpdateResult(resource_id, chosen_id, before, new_uri, patch, body, dry_run=dry_run,
                          changes=diff_uris(live, {"properties": body["properties"]}))
    if dry_run:
        return result
    assert backup_dir is not None  # checked before any request
    backup_path = write_arm_backup(backup_dir, client.subscription_id, resource_group, name, live,
                                   now=now or datetime.now(timezone.utc))
    _write_and_verify(client, resource_group, name, body, live, {chosen_id: new_uri}, backup_path,
                      timeout)
    return UpdateResult(result.resource_id, chosen_id, before, new_uri, patch, body, backup_path,
                        verified=True, changes=result.changes)


def import_definition(path: str | Path, *, hide: bool = False) -> JsonObject:
    """Load a definition file, validate it against the 2017-01-01 schema, drop read-only fields.

    ``hide``: keys, the storage key and plain credentials come back as ``<hidden>`` (for showing).
    """
    defn = load_definition(Path(path))
    validate_definition(defn)
    # normalise_definition would copy the whole document; this one was read for this call alone
    # and is canonical already, so dropping its nulls in place gives the same result.
    drop_nulls_in_place(defn)
    shaped = reshape_definition(defn)
    return hide_secrets(shaped) if hide else shaped


def _check_same_account(defn: Mapping[str, Any], live: Mapping[str, Any]) -> None:
    wanted = (defn["properties"].get("storageAccount") or {}).get("name")
    current = (live["properties"].get("storageAccount") or {}).get("name")
    if wanted and current and wanted != current:
        raise ValidationError(
            f"/properties/storageAccount/name: the file says {wanted!r} but the service uses "
            f"{current!r}; a web service's storage account cannot be changed "
            "(the service would answer CannotChangeStorageAccount)"
        )


def update_webservice(
    client: ArmWebServiceClient,
    resource_group: str,
    name: str,
    *,
    path: str | Path | None = None,
    dry_run: bool = False,
    backup_dir: str | Path | None = None,
    allow: Iterable[str] = (),
    timeout: float = DEFAULT_UPDATE_TIMEOUT,
    now: datetime | None = None,
) -> UpdateResult:
    """Apply the user's edit of an exported file onto the live service (3-way), guarded.

    The edit is the file against its export base (``DEF.json.base``, else the live definition);
    guardrails judge that edit, and only the parts the service does not have yet are PATCHed.
    """
    validate_names(resource_group, name)
    if path is None:
        raise ValidationError(
            f"no definition file: pass --file DEF.json (edit it after 'aml-retrain webservice "
            f"export {resource_group} {name} --file DEF.json'), or use 'aml-retrain webservice "
            f"set-model {resource_group} {name} --model-url URL' to repoint just the trained model"
        )
    if not dry_run and backup_dir is None:
        raise ValidationError("backup_dir is required unless dry_run: the live definition is saved first")
    defn = import_definition(path)
    recorded = read_base(path)
    live = export_definition(client.get(resource_group, name))
    refuse_read_only(live, name)
    payloads_in_blob_storage(live)
    _check_same_account(defn, live)
    base = normalise_definition(recorded) if recorded is not None else live
    edit = user_changes(base, defn)
    try:
        check_guardrails(edit, allow=allow, definition=base)
    except ValidationError as err:
        against = f"{base_path(path)}, the export the file came from (export again if the " \
            "file was replaced since)" if recorded is not None else "the live service"
        _note(err, f"The file was compared with {against}")
        raise
    desired, applied = rebase(live, edit)
    changes = diff_uris(live, desired)
    single: JsonObject = changes[0] if len(changes) == 1 else {}
    resource_id = client.resource_id(resource_group, name)
    body = patch_body(desired, applied)
    shown_patch, shown_body = hide_secrets_in_patch(applied), hide_secrets(body)
    if dry_run or not applied:
        # Nothing to send is success already: re-running a finished update must not fail CI.
        return UpdateResult(resource_id, single.get("asset_id"), single.get("before"),
                            single.get("after"), shown_patch, shown_body, dry_run=dry_run,
                            verified=not applied, changes=changes, already_applied=not applied)
    assert backup_dir is not None  # checked before any request
    backup_path = write_arm_backup(backup_dir, client.subscription_id, resource_group, name, live,
                                   now=now or datetime.now(timezone.utc))
    expected = {row["asset_id"]: row["after"] for row in diff_uris({}, desired)}
    _write_and_verify(client, resource_group, name, body, live, expected, backup_path, timeout)
    return UpdateResult(resource_id, single.get("asset_id"), single.get("before"),
                        single.get("after"), shown_patch, shown_body, backup_path, verified=True,
                        changes=changes)


def score_webservice(
    client: ArmWebServiceClient,
    resource_group: str,
    name: str,
    input_path: str | Path,
    *,
    swagger_format: bool | None = None,
    input_name: str = "input1",
    output_name: str | None = None,
    timeout: float = 100.0,
) -> ScoreResult:
    """Score a CSV/JSON file against the service's RRS endpoint (key from listKeys)."""
    from aml_retrain._scoring import parse_score_results, request_from_file, select_output

    validate_names(resource_group, name)
    request = request_from_file(input_path, input_name=input_name, swagger_format=swagger_format)
    with webservice_scoring_client(client, resource_group, name, timeout=timeout) as scoring:
        body = scoring.execute(request.inputs, global_parameters=request.global_parameters,
                               swagger_format=request.swagger_format)
    return select_output(parse_score_results(body), output_name)


def webservice_scoring_client(client: ArmWebServiceClient, resource_group: str, name: str, *,
                              timeout: float = 100.0) -> ScoringClient:
    """Return an RRS client of the web service (GET + listKeys); it owns its session: close it."""
    from aml_retrain._scoring import ScoringClient

    validate_names(resource_group, name)
    ws = client.get(resource_group, name)
    swagger = (ws.get("properties") or {}).get("swaggerLocation")
    if not isinstance(swagger, str) or not swagger.endswith("/swagger.json"):
        raise ValidationError(
            f"web service {name!r} has no swaggerLocation yet (provisioning state "
            f"{(ws.get('properties') or {}).get('provisioningState')!r}): wait until it is Succeeded"
        )
    keys = client.list_keys(resource_group, name)
    key = keys.get("primary") or keys.get("secondary")
    return ScoringClient(swagger[: -len("/swagger.json")], str(key or ""), timeout=timeout,
                         ca_bundle=client.ca_bundle)
