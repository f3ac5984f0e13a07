"""Three-way update: the user's edit (file vs. export base) applied onto live, service noise masked."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.arm.definition import dumps_definition, export_definition
from aml_retrain.arm.merge import (
    BASE_FORMAT,
    base_path,
    patch_body,
    read_base,
    rebase,
    user_changes,
    write_base,
)
from aml_retrain.arm.results import HIDDEN
from aml_retrain.arm.webservices import export_webservice, update_webservice
from aml_retrain.errors import ValidationError

from .arm_fakes import (
    NAME,
    NEW_URI,
    OLD_URI,
    RG,
    WS_PATH,
    ArmAdapter,
    add_update_flow,
    make_client,
    webservice,
)

URI_PATH = "/properties/assets/asset3/locationInfo/uri"
OTHER_URI = "https://mlstorage.blob.core.windows.net/models/run-41/model.ilearner"


def exported(uri: str = OLD_URI, **props: Any) -> dict[str, Any]:
    return export_definition(webservice(uri, **props))


def rewritten(doc: dict[str, Any], ciphertext: str = "MIIB-encrypted-AGAIN") -> dict[str, Any]:
    """``doc`` as the service has it after any write: new ciphertext, no ``parameters: {}``."""
    out = copy.deepcopy(doc)
    node = out["properties"]["package"]["nodes"]["node1"]["parameters"]
    node["Account Key"]["value"] = ciphertext
    out["properties"].pop("parameters", None)
    return out


def with_uri(doc: dict[str, Any], uri: str) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out["properties"]["assets"]["asset3"]["locationInfo"]["uri"] = uri
    return out


# -- pure functions ------------------------------------------------------------------------------

def test_service_noise_is_not_a_user_change() -> None:
    base = exported()
    assert user_changes(base, rewritten(base)) == []
    assert user_changes(rewritten(base), base) == []  # nor the other way round
    assert user_changes(base, with_uri(rewritten(base), NEW_URI)) == [
        {"op": "replace", "path": URI_PATH, "value": NEW_URI}]


def test_a_plain_text_credential_is_a_user_change_with_its_real_value() -> None:
    base = exported()
    edited = copy.deepcopy(base)
    edited["properties"]["package"]["nodes"]["node1"]["parameters"]["Account Key"] = {
        "value": "new-plain-key", "certificateThumbprint": ""}
    ops = user_changes(base, edited)
    prefix = "/properties/package/nodes/node1/parameters/Account Key"
    assert {(op["path"], op["value"]) for op in ops} == {
        (f"{prefix}/value", "new-plain-key"), (f"{prefix}/certificateThumbprint", "")}


def test_removals_count_only_inside_assets() -> None:
    base = exported()
    edited = copy.deepcopy(base)
    del edited["properties"]["description"]
    del edited["properties"]["assets"]["asset1"]
    assert user_changes(base, edited) == [{"op": "remove", "path": "/properties/assets/asset1"}]


def test_rebase_applies_only_what_live_lacks_and_keeps_other_writers_changes() -> None:
    base = exported()
    live = rewritten(exported(title="Retitled elsewhere"))
    ops = user_changes(base, with_uri(base, NEW_URI))
    desired, applied = rebase(live, ops)
    assert applied == ops and desired["properties"]["title"] == "Retitled elsewhere"
    assert desired["properties"]["assets"]["asset3"]["locationInfo"]["uri"] == NEW_URI
    assert live["properties"]["assets"]["asset3"]["locationInfo"]["uri"] == OLD_URI  # a copy
    again, applied_again = rebase(desired, ops)
    assert applied_again == [] and again == desired


def test_rebase_wins_over_a_concurrent_model_change_and_refuses_a_vanished_parent() -> None:
    base = exported()
    ops = user_changes(base, with_uri(base, NEW_URI))
    desired, applied = rebase(with_uri(base, OTHER_URI), ops)  # someone deployed another model
    assert applied == ops and desired["properties"]["assets"]["asset3"]["locationInfo"][
        "uri"] == NEW_URI
    gone = copy.deepcopy(base)
    del gone["properties"]["assets"]["asset3"]
    with pytest.raises(ValidationError, match=r"no longer has /properties/assets/asset3/\S+ .*export"):
        rebase(gone, ops)


def test_patch_body_sends_whole_touched_top_level_values_only() -> None:
    live = rewritten(exported(title="Retitled elsewhere"))
    desired, applied = rebase(live, [{"op": "replace", "path": URI_PATH, "value": NEW_URI},
                                     {"op": "add", "path": "/tags/stage", "value": "prod"}])
    body = patch_body(desired, applied)
    assert body == {"properties": {"packageType": "Graph",
                                   "assets": desired["properties"]["assets"]},
                    "tags": {"team": "ml", "stage": "prod"}}


def test_sidecar_round_trip_and_a_foreign_sidecar_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "def.json"
    assert read_base(path) is None
    sidecar = write_base(path, exported(), WS_PATH)
    assert sidecar == base_path(path) == tmp_path / "def.json.base"
    record = json.loads(sidecar.read_text(encoding="utf-8"))
    assert record["format"] == BASE_FORMAT and record["resource_id"] == WS_PATH
    assert read_base(path) == exported()
    sidecar.write_text('{"something": "else"}', encoding="utf-8")
    with pytest.raises(ValidationError, match=r"def\.json\.base is not the base"):
        read_base(path)


# -- update_webservice, 3-way ---------------------------------------------------------------------

@pytest.fixture
def adapter() -> ArmAdapter:
    return ArmAdapter()


def exported_file(adapter: ArmAdapter, tmp_path: Path) -> Path:
    adapter.add("GET", WS_PATH, json=webservice())
    client, _ = make_client(adapter)
    path = tmp_path / "def.json"
    info = export_webservice(client, RG, NAME, path)
    assert info["base_path"] == str(tmp_path / "def.json.base")
    return path


def edit_uri(path: Path, uri: str) -> None:
    defn = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(dumps_definition(with_uri(defn, uri)), encoding="utf-8")


def live_after_write(uri: str, **props: Any) -> dict[str, Any]:
    doc = webservice(uri, **props)
    doc["properties"]["package"]["nodes"]["node1"]["parameters"]["Account Key"]["value"] = "MIIB-new"
    del doc["properties"]["parameters"]
    return doc


def test_rerun_after_the_service_rewrote_itself_is_an_already_applied_no_op(
    adapter: ArmAdapter, tmp_path: Path
) -> None:
    path = exported_file(adapter, tmp_path)
    edit_uri(path, NEW_URI)
    adapter.add("GET", WS_PATH, json=live_after_write(NEW_URI))
    client, _ = make_client(adapter)
    result = update_webservice(client, RG, NAME, path=path, backup_dir=tmp_path / "backups")
    assert result.already_applied and result.verified and result.patch == []
    assert [m for m, _ in adapter.calls()] == ["GET", "GET"]  # export, then this read only
    assert not (tmp_path / "backups").exists()


def test_export_older_than_the_last_write_sends_only_the_users_change(
    adapter: ArmAdapter, tmp_path: Path
) -> None:
    path = exported_file(adapter, tmp_path)
    edit_uri(path, NEW_URI)
    live = live_after_write(OLD_URI, title="Retitled elsewhere")
    adapter.add("GET", WS_PATH, json=live)
    add_update_flow(adapter, live_after_write(NEW_URI, title="Retitled elsewhere"))
    client, _ = make_client(adapter)
    result = update_webservice(client, RG, NAME, path=path, backup_dir=tmp_path / "backups")
    assert result.verified and not result.already_applied
    assert result.patch == [{"op": "replace", "path": URI_PATH, "value": NEW_URI}]
    body = adapter.body(2)
    assert set(body["properties"]) == {"packageType", "assets"}  # no stale title, no package
    assert body["properties"]["assets"]["asset3"]["locationInfo"]["uri"] == NEW_URI


def test_guardrails_judge_the_users_edit_not_the_live_difference(
    adapter: ArmAdapter, tmp_path: Path
) -> None:
    path = exported_file(adapter, tmp_path)
    defn = json.loads(path.read_text(encoding="utf-8"))
    defn["properties"]["title"] = "My title"
    path.write_text(dumps_definition(defn), encoding="utf-8")
    adapter.add("GET", WS_PATH, json=live_after_write(OLD_URI), times=None)
    client, _ = make_client(adapter)
    with pytest.raises(ValidationError, match=r"refusing to change replace /properties/title:"
                                              r".*compared with .*def\.json\.base"):
        update_webservice(client, RG, NAME, path=path, dry_run=True)


def test_without_a_sidecar_the_live_definition_is_the_base_noise_masked(
    adapter: ArmAdapter, tmp_path: Path
) -> None:
    path = tmp_path / "az-export.json"  # e.g. written by Export-AzMlWebService
    path.write_text(dumps_definition(exported(NEW_URI)), encoding="utf-8")
    adapter.add("GET", WS_PATH, json=live_after_write(OLD_URI), times=None)
    client, _ = make_client(adapter)
    result = update_webservice(client, RG, NAME, path=path, dry_run=True)
    assert result.patch == [{"op": "replace", "path": URI_PATH, "value": NEW_URI}]


def test_a_plain_text_credential_never_shows_in_the_result(adapter: ArmAdapter, tmp_path: Path) -> None:
    path = exported_file(adapter, tmp_path)
    defn = json.loads(path.read_text(encoding="utf-8"))
    node = defn["properties"]["package"]["nodes"]["node1"]
    node["parameters"]["Account Key"] = {"value": "PLAIN-SECRET-1", "certificateThumbprint": ""}
    defn["properties"]["package"]["nodes"]["node9"] = {"assetId": "asset1", "parameters": {
        "Password": {"value": "PLAIN-SECRET-2", "certificateThumbprint": ""}}}
    path.write_text(dumps_definition(defn), encoding="utf-8")
    adapter.add("GET", WS_PATH, json=live_after_write(OLD_URI))
    client, _ = make_client(adapter)
    result = update_webservice(client, RG, NAME, path=path, dry_run=True,
                               allow=["/properties/package"])
    shown = json.dumps(result.to_dict())
    assert len(result.patch) == 3 and "PLAIN-SECRET" not in shown and shown.count(HIDDEN) >= 4
