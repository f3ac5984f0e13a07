"""ARM workflows: order of calls, backups before writes, verification and restore, dry runs."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.arm import webservices as wsmod
from aml_retrain.arm.definition import dumps_definition, export_definition, normalise_definition
from aml_retrain.arm.webservices import (
    export_webservice,
    import_definition,
    list_webservices,
    score_webservice,
    set_model_in_file,
    set_model_live,
    show_webservice,
    update_webservice,
    webservice_keys,
)
from aml_retrain.errors import OperationFailedError, ValidationError, VerificationError

from .arm_fakes import (
    NAME,
    NEW_URI,
    NEW_URL_WITH_SAS,
    OLD_URI,
    OP_PATH,
    RG,
    SUB,
    WS_PATH,
    ArmAdapter,
    add_update_flow,
    make_client,
    webservice,
)
from .fakes import FakeAdapter, fake_session


@pytest.fixture
def adapter() -> ArmAdapter:
    return ArmAdapter()


@pytest.fixture
def backups(tmp_path: Path) -> Path:
    return tmp_path / "backups"


@pytest.fixture
def record_backup(monkeypatch: pytest.MonkeyPatch, adapter: ArmAdapter) -> None:
    """Log backup writes into the adapter's event list, to order them against requests."""
    real = wsmod.write_arm_backup

    def logged(*args: Any, **kwargs: Any) -> Path:
        path = real(*args, **kwargs)
        adapter.events.append("backup")
        return path

    monkeypatch.setattr(wsmod, "write_arm_backup", logged)


def paths(adapter: ArmAdapter) -> list[str]:
    return [e.split("?")[0] for e in adapter.events]


def old_assets() -> dict[str, Any]:
    return webservice()["properties"]["assets"]


# -- set_model_live -----------------------------------------------------------------------------

@pytest.mark.usefixtures("record_backup")
def test_set_model_live_order_backup_body_and_result(adapter: ArmAdapter, backups: Path) -> None:
    adapter.add("GET", WS_PATH, json=webservice())
    add_update_flow(adapter, webservice(NEW_URI))
    client, _ = make_client(adapter)
    result = set_model_live(client, RG, NAME, NEW_URL_WITH_SAS, backup_dir=backups)
    assert paths(adapter) == ["GET " + WS_PATH, "backup", "PATCH " + WS_PATH, "GET " + OP_PATH,
                              "GET " + OP_PATH, "GET " + WS_PATH]
    sent = adapter.body(1)
    expected_assets = old_assets()
    expected_assets["asset3"]["locationInfo"]["uri"] = NEW_URI
    assert sent == {"properties": {"packageType": "Graph", "assets": expected_assets}}
    assert result.verified and not result.dry_run and result.restored is None
    assert (result.asset_id, result.before_uri, result.after_uri) == ("asset3", OLD_URI, NEW_URI)
    assert result.resource_id == WS_PATH
    assert result.backup_path is not None
    assert result.backup_path.parent == backups / "arm" / SUB / RG / NAME
    assert stat.S_IMODE(result.backup_path.stat().st_mode) == 0o600
    saved = json.loads(result.backup_path.read_text(encoding="utf-8"))
    assert saved == export_definition(webservice())
    text = json.dumps(result.to_dict())
    assert "SASSECRET" not in text and "sig=" not in text


def test_set_model_live_reads_again_when_final_poll_body_is_sparse(
    adapter: ArmAdapter, backups: Path
) -> None:
    adapter.add("GET", WS_PATH, json=webservice())
    add_update_flow(adapter, {"id": WS_PATH, "properties": {"provisioningState": "Succeeded"}})
    adapter.add("GET", WS_PATH, json=webservice(NEW_URI))
    client, _ = make_client(adapter)
    assert set_model_live(client, RG, NAME, NEW_URI, backup_dir=backups).verified
    assert paths(adapter)[-2:] == ["GET " + WS_PATH, "GET " + WS_PATH]


def test_set_model_live_dry_run_writes_nothing(adapter: ArmAdapter, backups: Path) -> None:
    adapter.add("GET", WS_PATH, json=webservice())
    client, _ = make_client(adapter)
    result = set_model_live(client, RG, NAME, NEW_URI, dry_run=True, backup_dir=backups)
    assert result.dry_run and not result.verified and result.backup_path is None
    assert result.patch[-1] == {"op": "replace", "value": NEW_URI,
                                "path": "/properties/assets/asset3/locationInfo/uri"}
    assert result.changes == [{"asset_id": "asset3", "name": "Retrain Sample [trained model]",
                               "before": OLD_URI, "after": NEW_URI}]
    assert [m for m, _ in adapter.calls()] == ["GET"]
    assert not backups.exists()


@pytest.mark.usefixtures("record_backup")
def test_set_model_live_at_the_url_in_place_sends_nothing(adapter: ArmAdapter, backups: Path) -> None:
    adapter.add("GET", WS_PATH, json=webservice(NEW_URI))
    client, _ = make_client(adapter)
    result = set_model_live(client, RG, NAME, NEW_URL_WITH_SAS, backup_dir=backups)  # SAS aside
    assert paths(adapter) == ["GET " + WS_PATH]  # no backup, PATCH or poll
    assert result.already_applied and result.verified and result.backup_path is None
    assert (result.before_uri, result.after_uri, result.patch) == (NEW_URI, NEW_URI, [])
    assert not backups.exists()


def test_set_model_live_verification_failure_restores_old_assets(
    adapter: ArmAdapter, backups: Path
) -> None:
    adapter.add("GET", WS_PATH, json=webservice())
    add_update_flow(adapter, webservice(OLD_URI))  # "Succeeded" but the old model is still there
    add_update_flow(adapter, webservice(OLD_URI))  # the restore
    client, _ = make_client(adapter)
    with pytest.raises(VerificationError) as info:
        set_model_live(client, RG, NAME, NEW_URI, backup_dir=backups)
    message = str(info.value)
    assert f"update reported success but the service still references {OLD_URI}" in message
    assert "restored: true" in message and str(backups) in message
    assert info.value.restored is True  # type: ignore[attr-defined]
    patches = [i for i, (m, _) in enumerate(adapter.calls()) if m == "PATCH"]
    assert len(patches) == 2
    assert adapter.body(patches[1]) == {"properties": {"packageType": "Graph", "assets": old_assets()}}


def test_set_model_live_failed_operation_restores_and_reraises(
    adapter: ArmAdapter, backups: Path
) -> None:
    adapter.add("GET", WS_PATH, json=webservice())
    add_update_flow(adapter, webservice(), statuses=("Failed",),
                    failure={"code": "ModelLoadFailed", "message": "cannot read the model"})
    add_update_flow(adapter, webservice())
    client, _ = make_client(adapter)
    with pytest.raises(OperationFailedError) as info:
        set_model_live(client, RG, NAME, NEW_URI, backup_dir=backups)
    assert "restored: true" in str(info.value) and info.value.error_code == "ModelLoadFailed"
    assert [m for m, _ in adapter.calls()].count("PATCH") == 2


def test_set_model_live_reports_failed_restore(adapter: ArmAdapter, backups: Path) -> None:
    adapter.add("GET", WS_PATH, json=webservice())
    add_update_flow(adapter, webservice(OLD_URI))
    adapter.add("PATCH", WS_PATH, status=409, json={"error": {"code": "Conflict", "message": "busy"}})
    client, _ = make_client(adapter)
    with pytest.raises(VerificationError, match="restored: false") as info:
        set_model_live(client, RG, NAME, NEW_URI, backup_dir=backups)
    [backup] = list(backups.rglob("*.json"))
    assert f"restore by hand with: aml-retrain webservice update {RG} {NAME} --file {backup}" \
        in str(info.value)


def test_set_model_live_refuses_other_storage_account_before_writing(
    adapter: ArmAdapter, backups: Path
) -> None:
    adapter.add("GET", WS_PATH, json=webservice())
    client, _ = make_client(adapter)
    other = "https://otheraccount.blob.core.windows.net/models/m.ilearner"
    with pytest.raises(ValidationError, match=r"'otheraccount'.*'mlstorage'"):
        set_model_live(client, RG, NAME, other, backup_dir=backups)
    assert [m for m, _ in adapter.calls()] == ["GET"] and not backups.exists()


def test_set_model_live_other_account_allowed(adapter: ArmAdapter, backups: Path) -> None:
    adapter.add("GET", WS_PATH, json=webservice())
    client, _ = make_client(adapter)
    other = "https://otheraccount.blob.core.windows.net/models/m.ilearner"
    result = set_model_live(client, RG, NAME, other, dry_run=True, allow_other_account=True)
    assert result.after_uri == other


def test_set_model_live_validates_before_any_request(adapter: ArmAdapter, backups: Path) -> None:
    client, _ = make_client(adapter)
    with pytest.raises(ValidationError, match=r"\.ilearner"):
        set_model_live(client, RG, NAME, "https://mlstorage.blob.core.windows.net/c/data.csv",
                       backup_dir=backups)
    with pytest.raises(ValidationError, match="backup_dir"):
        set_model_live(client, RG, NAME, NEW_URI)
    assert adapter.requests == []


@pytest.mark.parametrize("dry_run", [False, True])
def test_set_model_live_refuses_read_only_before_backup_and_patch(
    adapter: ArmAdapter, backups: Path, dry_run: bool
) -> None:
    adapter.add("GET", WS_PATH, json=webservice(readOnly=True))
    client, _ = make_client(adapter)
    with pytest.raises(ValidationError, match="read-only") as caught:
        set_model_live(client, RG, NAME, NEW_URI, backup_dir=backups, dry_run=dry_run)
    assert caught.value.exit_code == 2 and "\n" not in str(caught.value)
    assert [m for m, _ in adapter.calls()] == ["GET"] and not backups.exists()


def test_update_refuses_read_only_before_backup_and_patch(
    adapter: ArmAdapter, tmp_path: Path, backups: Path
) -> None:
    adapter.add("GET", WS_PATH, json=webservice(readOnly=True))
    client, _ = make_client(adapter)
    path = tmp_path / "edited.json"
    path.write_text(dumps_definition(export_definition(webservice(NEW_URI))), encoding="utf-8")
    with pytest.raises(ValidationError, match="read-only"):
        update_webservice(client, RG, NAME, path=path, backup_dir=backups)
    assert [m for m, _ in adapter.calls()] == ["GET"] and not backups.exists()


# -- files: export, set-model in a file, import ---------------------------------------------------

def test_export_writes_file_and_backs_up_a_different_old_one(adapter: ArmAdapter,
                                                              tmp_path: Path) -> None:
    adapter.add("GET", WS_PATH, json=webservice(), times=None)
    client, _ = make_client(adapter)
    target = tmp_path / "ws.json"
    target.write_text("old content", encoding="utf-8")
    info = export_webservice(client, RG, NAME, target)
    assert json.loads(target.read_text(encoding="utf-8")) == export_definition(webservice())
    assert info["trained_model_assets"] == ["asset3"] and info["asset_ids"] == ["asset1", "asset3"]
    assert Path(info["previous_file_backup"]).read_text(encoding="utf-8") == "old content"
    again = export_webservice(client, RG, NAME, target)
    assert again["previous_file_backup"] is None  # identical content: nothing to keep


def test_set_model_in_file_edits_in_place_with_bak(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    original = dumps_definition(export_definition(webservice()))
    path.write_text(original, encoding="utf-8")
    plan = set_model_in_file(path, NEW_URL_WITH_SAS)
    assert (plan.asset_id, plan.before_uri, plan.after_uri) == ("asset3", OLD_URI, NEW_URI)
    assert plan.backup_path == tmp_path / "ws.json.bak"
    assert plan.backup_path.read_text(encoding="utf-8") == original
    edited = json.loads(path.read_text(encoding="utf-8"))
    assert edited["properties"]["assets"]["asset3"]["locationInfo"]["uri"] == NEW_URI
    assert plan.to_dict()["patch"][-1]["value"] == NEW_URI


def test_set_model_in_file_writes_what_json_dumps_writes(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    defn = export_definition(webservice(description="Préd ✓"))
    path.write_text(json.dumps(defn), encoding="utf-8")  # compact: the edit rewrites it indented
    set_model_in_file(path, NEW_URI)
    defn["properties"]["assets"]["asset3"]["locationInfo"]["uri"] = NEW_URI
    expected = json.dumps(defn, indent=2, ensure_ascii=False) + "\n"
    assert path.read_bytes() == expected.encode("utf-8")


def test_set_model_in_file_dry_run_leaves_file(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    original = dumps_definition(export_definition(webservice()))
    path.write_text(original, encoding="utf-8")
    plan = set_model_in_file(path, NEW_URI, dry_run=True)
    assert plan.dry_run and plan.backup_path is None
    assert path.read_text(encoding="utf-8") == original
    assert not (tmp_path / "ws.json.bak").exists()


def test_import_validates_and_normalises(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    path.write_text(json.dumps(webservice()), encoding="utf-8")
    defn = import_definition(path)
    assert "id" not in defn and "provisioningState" not in defn["properties"]
    assert defn == normalise_definition(webservice())
    with_nulls = webservice(title=None)
    with_nulls["properties"]["package"]["nodes"]["node1"]["parameters"]["p"] = {"value": {"a": None}}
    path.write_text(json.dumps(with_nulls), encoding="utf-8")
    defn = import_definition(path)
    assert defn == normalise_definition(with_nulls) and "title" not in defn["properties"]
    assert defn["properties"]["package"]["nodes"]["node1"]["parameters"]["p"] == {"value": {}}
    bad = webservice(diagnostics={"level": "Loud"})
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValidationError, match="/properties/diagnostics/level"):
        import_definition(path)


# -- update_webservice (full definition) ----------------------------------------------------------

def write_file(tmp_path: Path, defn: dict[str, Any]) -> Path:
    path = tmp_path / "edited.json"
    path.write_text(dumps_definition(defn), encoding="utf-8")
    return path


def test_update_without_file_says_pass_file(adapter: ArmAdapter) -> None:
    client, _ = make_client(adapter)
    with pytest.raises(ValidationError, match="--file"):
        update_webservice(client, RG, NAME, dry_run=True)
    assert adapter.requests == []


def test_update_refuses_storage_account_change_before_sending(
    adapter: ArmAdapter, tmp_path: Path, backups: Path
) -> None:
    adapter.add("GET", WS_PATH, json=webservice())
    client, _ = make_client(adapter)
    edited = export_definition(webservice(storageAccount={"name": "otheraccount"}))
    # Even --allow cannot unlock it: the service itself refuses (CannotChangeStorageAccount).
    with pytest.raises(ValidationError, match=r"file says 'otheraccount' but the service uses"):
        update_webservice(client, RG, NAME, path=write_file(tmp_path, edited), backup_dir=backups,
                          allow=["/properties/storageAccount"])
    assert [m for m, _ in adapter.calls()] == ["GET"]


def test_update_guardrails_refuse_title_unless_allowed(adapter: ArmAdapter, tmp_path: Path) -> None:
    adapter.add("GET", WS_PATH, json=webservice(), times=None)
    client, _ = make_client(adapter)
    path = write_file(tmp_path, export_definition(webservice(title="New title")))
    with pytest.raises(ValidationError, match="replace /properties/title"):
        update_webservice(client, RG, NAME, path=path, dry_run=True)
    result = update_webservice(client, RG, NAME, path=path, dry_run=True, allow=["/properties/title"])
    assert result.patch == [{"op": "replace", "path": "/properties/title", "value": "New title"}]


def test_update_sends_definition_and_verifies(adapter: ArmAdapter, tmp_path: Path,
                                              backups: Path) -> None:
    adapter.add("GET", WS_PATH, json=webservice())
    add_update_flow(adapter, webservice(NEW_URI))
    client, _ = make_client(adapter)
    edited = export_definition(webservice(NEW_URI))
    result = update_webservice(client, RG, NAME, path=write_file(tmp_path, edited),
                               backup_dir=backups)
    # Only what the user changed, whole top-level values from the live definition (3-way).
    assert adapter.body(1) == {"properties": {"packageType": "Graph",
                                              "assets": edited["properties"]["assets"]}}
    assert result.verified and result.backup_path and result.backup_path.exists()
    assert (result.asset_id, result.before_uri, result.after_uri) == ("asset3", OLD_URI, NEW_URI)


def test_update_with_nothing_to_change_sends_nothing(adapter: ArmAdapter, tmp_path: Path,
                                                     backups: Path) -> None:
    adapter.add("GET", WS_PATH, json=webservice())
    client, _ = make_client(adapter)
    path = write_file(tmp_path, export_definition(webservice()))
    result = update_webservice(client, RG, NAME, path=path, backup_dir=backups)
    assert result.verified and result.patch == [] and [m for m, _ in adapter.calls()] == ["GET"]


def test_update_hides_allowed_secrets_in_result(adapter: ArmAdapter, tmp_path: Path) -> None:
    adapter.add("GET", WS_PATH, json=webservice())
    client, _ = make_client(adapter)
    edited = export_definition(webservice())
    edited["properties"]["keys"] = {"primary": "NEWKEY-SECRET"}
    result = update_webservice(client, RG, NAME, path=write_file(tmp_path, edited), dry_run=True,
                               allow=["/properties/keys"])
    assert "NEWKEY-SECRET" not in json.dumps(result.to_dict())


# -- reads and scoring ----------------------------------------------------------------------------

def test_list_show_and_keys(adapter: ArmAdapter) -> None:
    adapter.add("GET", f"/subscriptions/{SUB}/providers/Microsoft.MachineLearning/webServices",
                json={"value": [{"id": WS_PATH, "name": NAME, "location": "South Central US",
                                 "properties": {"title": "T", "provisioningState": "Succeeded"}}]})
    ws = webservice()
    ws["properties"]["storageAccount"]["key"] = "LEAKED-KEY"
    adapter.add("GET", WS_PATH, json=ws)
    adapter.add("GET", WS_PATH + "/listKeys", json={"primary": "P-SECRET", "secondary": "S"},
                times=None)
    client, _ = make_client(adapter)
    rows = list_webservices(client)
    assert rows[0]["resource_group"] == RG and rows[0]["provisioning_state"] == "Succeeded"
    assert "LEAKED-KEY" not in json.dumps(show_webservice(client, RG, NAME))
    assert webservice_keys(client, RG, NAME) == {"primary": "<hidden>", "secondary": "<hidden>"}
    assert webservice_keys(client, RG, NAME, include_keys=True)["primary"] == "P-SECRET"


def test_score_uses_swagger_location_and_primary_key(
    adapter: ArmAdapter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter.add("GET", WS_PATH, json=webservice())
    adapter.add("GET", WS_PATH + "/listKeys", json={"primary": "P-SECRET", "secondary": "S"})
    rrs = FakeAdapter()
    rrs.add("POST", "/subscriptions/abc/services/svc1/execute", json={"Results": {"output1": {
        "type": "table", "value": {"ColumnNames": ["Scored Labels"], "Values": [["0.5"]]}}}})
    seen: list[object] = []

    def session(**kwargs: Any) -> Any:
        seen.append(kwargs.get("ca_bundle"))
        return fake_session(rrs)

    monkeypatch.setattr("aml_retrain._http.make_session", session)
    data = tmp_path / "in.csv"
    data.write_text("age,workclass\n39,State-gov\n", encoding="utf-8")
    client, _ = make_client(adapter)
    result = score_webservice(client, RG, NAME, data)
    assert result.rows == [["0.5"]] and seen == [None]
    request = rrs.requests[0]
    assert request.headers["Authorization"] == "Bearer P-SECRET"
    assert "api-version=2.0&details=true" in (request.url or "")


def test_score_checks_input_before_any_request(adapter: ArmAdapter, tmp_path: Path) -> None:
    client, _ = make_client(adapter)
    with pytest.raises(ValidationError):
        score_webservice(client, RG, NAME, tmp_path / "missing.csv")
    assert adapter.requests == []
