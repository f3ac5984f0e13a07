"""Definition functions: export shape, asset selection, patch ops, guardrails, URI helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
    select_asset,
    storage_account_of,
    trained_model_assets,
)
from aml_retrain.errors import ValidationError

from .arm_fakes import NEW_URI, NEW_URL_WITH_SAS, OLD_URI, webservice

MODEL = "Retrain Sample [trained model]"


def two_models() -> dict:
    ws = webservice()
    ws["properties"]["assets"]["a/b~c"] = {
        "name": "Second model [Trained Model]", "type": "Resource",
        "locationInfo": {"uri": "https://mlstorage.blob.core.windows.net/assets/other.ilearner"}}
    return ws


# -- export / normalise / dumps / load ---------------------------------------------------------

def test_export_drops_server_set_fields_and_secrets() -> None:
    ws = webservice()
    ws["properties"]["keys"] = {"primary": "K1", "secondary": "K2"}
    ws["properties"]["storageAccount"]["key"] = "STORAGEKEY"
    out = export_definition(ws)
    assert list(out) == ["properties", "location", "tags"]
    props = out["properties"]
    for gone in ("createdOn", "modifiedOn", "provisioningState", "swaggerLocation", "keys"):
        assert gone not in props
    assert props["storageAccount"] == {"name": "mlstorage"}
    assert "K1" not in json.dumps(out) and "STORAGEKEY" not in json.dumps(out)
    assert ws["properties"]["keys"]  # the input is not modified


def test_export_puts_package_type_first_and_keeps_the_rest_in_order() -> None:
    ws = webservice()
    out = export_definition(ws)
    kept = [k for k in ws["properties"] if k not in (
        "createdOn", "modifiedOn", "provisioningState", "swaggerLocation", "packageType")]
    assert list(out["properties"]) == ["packageType", *kept]
    assert out["location"] == "South Central US" and out["tags"] == {"team": "ml"}


def test_export_drops_nulls_like_the_powershell_serialiser() -> None:
    out = export_definition(webservice())
    assert "globalParameters" not in out["properties"]["exampleRequest"]


def test_normalise_keeps_secrets_the_user_wrote_but_drops_read_only() -> None:
    ws = webservice()
    ws["properties"]["keys"] = {"primary": "K1"}
    out = normalise_definition(ws)
    assert out["properties"]["keys"] == {"primary": "K1"}
    assert "id" not in out and "provisioningState" not in out["properties"]


def test_dumps_is_stable_indented_utf8_with_newline() -> None:
    defn = export_definition(webservice(description="Préd ✓"))
    text = dumps_definition(defn)
    assert text.endswith("}\n") and text == dumps_definition(json.loads(text))
    assert '\n  "properties": {\n    "packageType": "Graph",' in text
    assert "Préd ✓" in text


def test_load_from_text_and_path(tmp_path: Path) -> None:
    defn = export_definition(webservice())
    path = tmp_path / "ws.json"
    path.write_text(dumps_definition(defn), encoding="utf-8")
    assert load_definition(path) == defn
    assert load_definition(str(path)) == defn
    assert load_definition(dumps_definition(defn)) == defn


def test_load_reports_line_and_column_of_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "properties": {,}\n}', encoding="utf-8")
    with pytest.raises(ValidationError, match=r"line 2, column 18"):
        load_definition(path)


@pytest.mark.parametrize("text", ["", "   \n", "[1, 2]"])
def test_load_rejects_blank_and_non_objects(text: str, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError):
        load_definition(path)


def test_load_missing_file() -> None:
    with pytest.raises(ValidationError, match="is not a file"):
        load_definition(Path("/nonexistent/ws.json"))


def test_load_matches_field_names_case_insensitively_but_not_map_keys(tmp_path: Path) -> None:
    # PSDEF-style file: PascalCase fields, UTF-16 with a BOM (Windows PowerShell's Out-File).
    text = json.dumps({"Properties": {"packageType": "Graph", "Assets": {"Asset3": {
        "Name": MODEL, "Type": "Resource", "LocationInfo": {"Uri": OLD_URI}}}},
        "Location": "South Central US"})
    path = tmp_path / "ps.json"
    path.write_bytes(text.encode("utf-16"))
    defn = load_definition(path)
    assert defn["properties"]["assets"]["Asset3"]["locationInfo"]["uri"] == OLD_URI
    assert defn["location"] == "South Central US"


# -- asset selection ----------------------------------------------------------------------------

def test_trained_model_assets_needs_resource_type_and_suffix() -> None:
    ws = two_models()
    ws["properties"]["assets"]["asset9"] = {"name": "Lookalike [trained model]", "type": "Module",
                                            "locationInfo": {"uri": "aml://module/x"}}
    ids = [aid for aid, _ in trained_model_assets(ws)]
    assert ids == ["asset3", "a/b~c"]  # case-insensitive suffix; Module excluded


def test_select_single_model_by_default() -> None:
    aid, asset = select_asset(webservice())
    assert aid == "asset3" and asset["name"] == MODEL


def test_select_several_asks_for_asset_or_name() -> None:
    with pytest.raises(ValidationError, match=r"--asset .*--asset-name.*asset3.*a/b~c"):
        select_asset(two_models())


def test_select_by_id_and_by_name() -> None:
    assert select_asset(two_models(), asset_id="a/b~c")[0] == "a/b~c"
    assert select_asset(two_models(), asset_name=MODEL)[0] == "asset3"
    assert select_asset(two_models(), asset_name="second model")[0] == "a/b~c"


def test_select_unknown_id_lists_valid_ones() -> None:
    with pytest.raises(ValidationError, match=r"no asset with id 'nope'.*asset3"):
        select_asset(webservice(), asset_id="nope")


def test_select_refuses_a_module() -> None:
    with pytest.raises(ValidationError, match="not a trained model"):
        select_asset(webservice(), asset_id="asset1")


def test_select_unknown_name() -> None:
    with pytest.raises(ValidationError, match="no trained-model asset named 'Other'"):
        select_asset(webservice(), asset_name="Other")


def test_select_none_explains_training_service() -> None:
    ws = webservice()
    del ws["properties"]["assets"]["asset3"]
    with pytest.raises(ValidationError, match="training web service"):
        select_asset(ws)


def test_select_on_sparse_list_entry_explains() -> None:
    with pytest.raises(ValidationError, match="sparse"):
        select_asset({"properties": {"packageType": "Graph"}})


def test_payloads_in_blob_storage_is_refused_with_location() -> None:
    ws = webservice(payloadsInBlobStorage=True,
                    payloadsLocation={"uri": "https://mlstorage.blob.core.windows.net/p/x"})
    with pytest.raises(ValidationError, match=r"payloadsLocation/uri = https://mlstorage"):
        payloads_in_blob_storage(ws)
    with pytest.raises(ValidationError, match="payload blob"):
        select_asset(ws)
    payloads_in_blob_storage(webservice())  # inline: no error


# -- patch ------------------------------------------------------------------------------------

def test_build_model_patch_exact_ops() -> None:
    assert build_model_patch(webservice(), "asset3", NEW_URI) == [
        {"op": "test", "path": "/properties/assets/asset3/type", "value": "Resource"},
        {"op": "test", "path": "/properties/assets/asset3/name", "value": MODEL},
        {"op": "test", "path": "/properties/assets/asset3/locationInfo/uri", "value": OLD_URI},
        {"op": "replace", "path": "/properties/assets/asset3/locationInfo/uri", "value": NEW_URI},
    ]


def test_build_model_patch_escapes_pointer_tokens_and_applies() -> None:
    ws = two_models()
    patch = build_model_patch(ws, "a/b~c", NEW_URI)
    assert patch[-1]["path"] == "/properties/assets/a~1b~0c/locationInfo/uri"
    out = apply_patch(ws, patch)
    assert out["properties"]["assets"]["a/b~c"]["locationInfo"]["uri"] == NEW_URI
    assert ws["properties"]["assets"]["a/b~c"]["locationInfo"]["uri"] != NEW_URI  # copy


def test_apply_patch_in_place_changes_the_document_itself() -> None:
    ws = webservice()
    out = apply_patch(ws, build_model_patch(ws, "asset3", NEW_URI), in_place=True)
    assert out is ws and ws["properties"]["assets"]["asset3"]["locationInfo"]["uri"] == NEW_URI


def test_apply_patch_failed_test_says_definition_changed() -> None:
    patch = build_model_patch(webservice(), "asset3", NEW_URI)
    moved = webservice(uri="https://mlstorage.blob.core.windows.net/assets/someone-else.ilearner")
    with pytest.raises(ValidationError, match="the definition changed"):
        apply_patch(moved, patch)


def test_apply_patch_bad_path() -> None:
    with pytest.raises(ValidationError, match="does not apply"):
        apply_patch(webservice(), [{"op": "replace", "path": "/properties/nope/x", "value": 1}])


# -- guardrails ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/properties/storageAccount/name",
    "/properties/storageAccount/key",
    "/properties/keys/primary",
    "/properties/package/nodes/node1/assetId",
    "/properties/machineLearningWorkspace/id",
    "/properties/commitmentPlan/id",
    "/properties/title",
    "/location",
    "/properties/assets/asset3/name",
    "/properties/assets/asset3/locationInfo",
])
def test_guardrails_refuse_guarded_paths(path: str) -> None:
    with pytest.raises(ValidationError, match="refusing to change"):
        check_guardrails([{"op": "replace", "path": path, "value": "x"}])


def test_guardrails_explain_why() -> None:
    with pytest.raises(ValidationError, match="CannotChangeStorageAccount"):
        check_guardrails([{"op": "replace", "path": "/properties/storageAccount/name", "value": "x"}])


@pytest.mark.parametrize("allow", ["/properties/storageAccount", "/properties/storageAccount/"])
def test_guardrails_accept_allowed_prefix(allow: str) -> None:
    check_guardrails([{"op": "replace", "path": "/properties/storageAccount/name", "value": "x"}],
                     allow=[allow])


def test_guardrails_prefix_is_per_segment() -> None:
    with pytest.raises(ValidationError):
        check_guardrails([{"op": "replace", "path": "/properties/keysX", "value": 1}],
                         allow=["/properties/keys"])


def test_guardrails_accept_model_uri_and_credentials_and_tests() -> None:
    patch = build_model_patch(webservice(), "asset3", NEW_URI)
    patch.append({"op": "replace", "path": "/properties/assets/asset3/locationInfo/credentials",
                  "value": ""})
    check_guardrails(patch, definition=webservice())


def test_guardrails_refuse_module_uri_when_definition_given() -> None:
    op = [{"op": "replace", "path": "/properties/assets/asset1/locationInfo/uri", "value": "x"}]
    check_guardrails(op)  # shape alone is fine…
    with pytest.raises(ValidationError):
        check_guardrails(op, definition=webservice())  # …but asset1 is a Module


def test_guardrails_refuse_move_from_guarded_path_and_removal() -> None:
    with pytest.raises(ValidationError, match="/properties/keys"):
        check_guardrails([{"op": "move", "from": "/properties/keys",
                           "path": "/properties/assets/asset3/locationInfo/credentials"}])
    with pytest.raises(ValidationError):
        check_guardrails([{"op": "remove", "path": "/properties/assets/asset3/locationInfo/uri"}])


def test_guardrails_allow_must_be_a_pointer() -> None:
    with pytest.raises(ValidationError, match="JSON Pointer"):
        check_guardrails([], allow=["storageAccount"])


# -- diff and URI helpers -------------------------------------------------------------------------

def test_diff_uris_reports_before_and_after() -> None:
    assert diff_uris(webservice(), webservice(NEW_URI)) == [
        {"asset_id": "asset3", "name": MODEL, "before": OLD_URI, "after": NEW_URI}]
    assert diff_uris(webservice(), webservice()) == []


def test_model_uri_strips_sas_even_when_expired() -> None:
    assert model_uri_from_url(NEW_URL_WITH_SAS) == NEW_URI


@pytest.mark.parametrize("url", [
    "https://mlstorage.blob.core.windows.net/models/data.csv",
    "http://mlstorage.blob.core.windows.net/models/m.ilearner",
    "https://mlstorage.blob.core.windows.net/m.ilearner",
])
def test_model_uri_rejects_non_models(url: str) -> None:
    with pytest.raises(ValidationError):
        model_uri_from_url(url)


def test_model_uri_azurite() -> None:
    url = "http://127.0.0.1:10000/devstoreaccount1/models/m.ilearner?sig=x"
    assert model_uri_from_url(url) == "http://127.0.0.1:10000/devstoreaccount1/models/m.ilearner"


@pytest.mark.parametrize(("uri", "account"), [
    (NEW_URI, "mlstorage"),
    ("https://Acct.blob.core.chinacloudapi.cn/c/m.ilearner", "acct"),
    ("http://127.0.0.1:10000/devstoreaccount1/models/m.ilearner", "devstoreaccount1"),
    ("http://azurite:10000/devstoreaccount1/models/m.ilearner", "devstoreaccount1"),
    ("aml://module/x", None),
    ("https://example.com/c/m.ilearner", None),
])
def test_storage_account_of(uri: str, account: str | None) -> None:
    assert storage_account_of(uri) == account
