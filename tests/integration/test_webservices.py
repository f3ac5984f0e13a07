"""New (ARM) web services through the CLI against the emulator: export, set-model, import, update."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aml_retrain_cli.main import app
from tests.emulator_support import Emulator, census_data

pytestmark = pytest.mark.integration
RG, WS, RO = "aml-retrain-demo", "census-model-ws", "census-model-ro"


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env=env)


def ok_json(*args: str) -> Any:
    result = run("-o", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def model_uri(name: str = WS) -> str:
    assets = ok_json("webservice", "show", RG, name)["properties"]["assets"]
    return next(a["locationInfo"]["uri"] for a in assets.values() if a["type"] == "Resource")


@pytest.fixture
def job(emulator: Emulator, tmp_path: Path) -> str:
    """A finished BES job whose .ilearner differs from the seed model."""
    data = census_data(tmp_path / "data")
    training = next(s["Id"] for s in ok_json("classic", "services", "list") if "[Training" in s["Name"])
    return str(ok_json("classic", "retrain", training, "--data", str(data["census-2026"]),
                       "--output-dir", "models/arm-tests")["job_id"])


def test_show_list_keys_hide_secrets(emulator: Emulator) -> None:
    shown = ok_json("webservice", "show", RG, WS)
    assert shown["name"] == WS and "keys" not in shown["properties"]
    assert "key" not in shown["properties"].get("storageAccount", {})
    assert WS in [w["name"] for w in ok_json("webservice", "list")]
    hidden = run("-o", "json", "webservice", "keys", RG, WS)
    keys = ok_json("webservice", "keys", RG, WS, "--show-keys")
    assert keys["primary"] and keys["primary"] not in hidden.stdout


def test_export_is_stable_and_secret_free(emulator: Emulator, tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    ok_json("webservice", "export", RG, WS, "--file", str(first))
    ok_json("webservice", "export", RG, WS, "--file", str(second))
    assert first.read_bytes() == second.read_bytes()
    exported = json.loads(first.read_text(encoding="utf-8"))
    assert list(exported) == ["properties", "location", "tags"]
    assert not {"id", "name", "type"} & set(exported)
    assert "keys" not in exported["properties"]


def test_live_set_model_swaps_and_changes_predictions(
    emulator: Emulator, job: str, tmp_path: Path
) -> None:
    rows = census_data(tmp_path / "rows")["score-rows"]
    before = ok_json("webservice", "score", RG, WS, "--input", str(rows))["rows"]
    old = model_uri()
    dry = ok_json("webservice", "set-model", RG, WS, "--from-job", job, "--dry-run")
    assert dry["dry_run"] is True and model_uri() == old
    result = ok_json("webservice", "set-model", RG, WS, "--from-job", job)
    assert result["verified"] is True and Path(result["backup_path"]).exists()
    assert model_uri() == result["after_uri"] != old
    assert "sig=" not in result["after_uri"]
    after = ok_json("webservice", "score", RG, WS, "--input", str(rows))["rows"]
    assert [r[-2:] for r in after] != [r[-2:] for r in before]


def test_file_flow_export_set_model_import_update(emulator: Emulator, job: str, tmp_path: Path) -> None:
    definition = tmp_path / "def.json"
    ok_json("webservice", "export", RG, WS, "--file", str(definition))
    edited = ok_json("webservice", "set-model", "--file", str(definition), "--from-job", job)
    assert json.loads(definition.read_text())["properties"]["assets"][edited["asset_id"]][
        "locationInfo"]["uri"] == edited["after_uri"]
    ok_json("webservice", "import", "--file", str(definition))
    updated = ok_json("webservice", "update", RG, WS, "--file", str(definition))
    assert updated["verified"] is True
    assert model_uri() == edited["after_uri"]


def test_update_rerun_is_an_already_applied_no_op(emulator: Emulator, job: str, tmp_path: Path) -> None:
    definition = tmp_path / "def.json"
    ok_json("webservice", "export", RG, WS, "--file", str(definition))
    edited = ok_json("webservice", "set-model", "--file", str(definition), "--from-job", job)
    first = ok_json("webservice", "update", RG, WS, "--file", str(definition))
    assert first["verified"] is True and model_uri() == edited["after_uri"]
    writes = len(emulator.writes())
    # The service re-encrypted its credentials and dropped `parameters: {}` on that write; the
    # file still holds the old ciphertext: neither is the user's change.
    again = ok_json("webservice", "update", RG, WS, "--file", str(definition))
    assert again["verified"] is True and again["already_applied"] is True
    assert again["patch"] == [] and len(emulator.writes()) == writes  # nothing sent
    assert model_uri() == edited["after_uri"]


def test_update_from_an_export_older_than_the_last_write(
    emulator: Emulator, job: str, tmp_path: Path
) -> None:
    definition = tmp_path / "def.json"
    ok_json("webservice", "export", RG, WS, "--file", str(definition))
    # Someone else writes after the export: a new title (every write re-encrypts credentials).
    result = run("webservice", "update", RG, WS, "--file", str(_retitled(tmp_path)),
                 "--allow", "/properties/title")
    assert result.exit_code == 0, result.output
    edited = ok_json("webservice", "set-model", "--file", str(definition), "--from-job", job)
    dry = ok_json("webservice", "update", RG, WS, "--file", str(definition), "--dry-run")
    assert [op["path"] for op in dry["patch"] if op["op"] != "test"] == [
        f"/properties/assets/{edited['asset_id']}/locationInfo/uri"]
    updated = ok_json("webservice", "update", RG, WS, "--file", str(definition))
    assert updated["verified"] is True and model_uri() == edited["after_uri"]
    shown = ok_json("webservice", "show", RG, WS)["properties"]
    assert shown["title"] == "Retitled elsewhere"  # the other write is not undone


def _retitled(tmp_path: Path) -> Path:
    other = tmp_path / "other.json"
    ok_json("webservice", "export", RG, WS, "--file", str(other))
    defn = json.loads(other.read_text(encoding="utf-8"))
    defn["properties"]["title"] = "Retitled elsewhere"
    return _write(other, defn)


def _exported(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / "def.json"
    ok_json("webservice", "export", RG, WS, "--file", str(path))
    return path, json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, definition: dict[str, Any]) -> Path:
    path.write_text(json.dumps(definition), encoding="utf-8")
    return path


def test_bad_definitions_are_refused_and_change_nothing(emulator: Emulator, tmp_path: Path) -> None:
    path, definition = _exported(tmp_path)
    before = ok_json("webservice", "show", RG, WS)["properties"]
    url = "https://devstoreaccount1.blob.core.windows.net/models/x.ilearner"

    malformed = tmp_path / "malformed.json"
    malformed.write_text('{"properties": {', encoding="utf-8")
    cases: list[tuple[list[str], str]] = [(["webservice", "import", "--file", str(malformed)], "line")]

    no_asset = json.loads(json.dumps(definition))
    for asset in no_asset["properties"]["assets"].values():
        asset["name"] = asset["name"].replace("[trained model]", "")
    cases.append((["webservice", "set-model", "--file", str(_write(tmp_path / "n.json", no_asset)),
                   "--model-url", url], "trained model"))

    two = json.loads(json.dumps(definition))
    resource = next(k for k, a in two["properties"]["assets"].items() if a["type"] == "Resource")
    two["properties"]["assets"]["extra"] = json.loads(json.dumps(two["properties"]["assets"][resource]))
    two["properties"]["assets"]["extra"]["name"] = "Other [trained model]"
    cases.append((["webservice", "set-model", "--file", str(_write(tmp_path / "t.json", two)),
                   "--model-url", url], "--asset"))
    cases.append((["webservice", "set-model", "--file", str(path), "--model-url", url, "--asset", "nope"],
                  resource))

    guarded = json.loads(json.dumps(definition))
    # A change (not a removal: PATCH merges, so a missing entry would change nothing).
    first_node = next(iter(guarded["properties"]["package"]["nodes"].values()))
    first_node["assetId"] = "asset1" if first_node.get("assetId") != "asset1" else "asset2"
    cases.append((["webservice", "update", RG, WS, "--file", str(_write(tmp_path / "g.json", guarded))],
                  "/properties/package"))

    storage = json.loads(json.dumps(definition))
    storage["properties"]["storageAccount"] = {"name": "someotheraccount"}
    cases.append((["webservice", "update", RG, WS, "--file", str(_write(tmp_path / "s.json", storage))],
                  "storage"))

    invalid = json.loads(json.dumps(definition))
    invalid["properties"]["packageType"] = "Notebook"
    cases.append((["webservice", "import", "--file", str(_write(tmp_path / "i.json", invalid))],
                  "/properties/packageType"))

    for argv, fragment in cases:
        result = run(*argv)
        assert result.exit_code == 2, (argv, result.output)
        assert fragment in result.stderr, (argv, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert ok_json("webservice", "show", RG, WS)["properties"] == before


def test_failed_operation_leaves_the_service_unchanged(emulator: Emulator, job: str) -> None:
    old = model_uri()
    emulator.config(arm_fail_next=1)
    result = run("webservice", "set-model", RG, WS, "--from-job", job)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("OperationFailedError: ")
    assert model_uri() == old


def test_read_only_service_is_refused_before_backup_and_patch(
    emulator: Emulator, job: str, tmp_path: Path
) -> None:
    old = model_uri(RO)
    definition = tmp_path / "ro.json"
    ok_json("webservice", "export", RG, RO, "--file", str(definition))
    ok_json("webservice", "set-model", "--file", str(definition), "--from-job", job)
    for argv in (["webservice", "set-model", RG, RO, "--from-job", job],
                 ["webservice", "update", RG, RO, "--file", str(definition)],
                 ["promote", f"arm:{RG}/{RO}", "--from-job", job]):
        result = run(*argv)
        assert result.exit_code == 2, (argv, result.output)
        assert "read-only" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    arm_writes = [w for w in emulator.writes() if "/webServices/" in w["path"]]
    assert arm_writes == [] and model_uri(RO) == old
    assert not (tmp_path / "backups").exists()  # AML_RETRAIN_BACKUP_DIR: nothing was saved


def test_a_preview_client_repoints_the_model_like_data_factory(emulator: Emulator, job: str) -> None:
    """ADF's AzureMLUpdateResource PATCHes with api-version 2016-05-01-preview (a whole service)."""
    from aml_retrain.arm.auth import make_credential
    from aml_retrain.arm.client import ArmWebServiceClient
    from aml_retrain.arm.definition import export_definition
    from aml_retrain.config import Settings

    new_uri = ok_json("webservice", "set-model", RG, WS, "--from-job", job, "--dry-run")["after_uri"]
    settings = Settings.resolve()
    with ArmWebServiceClient(settings.require_subscription(), make_credential(settings),
                             base_url=settings.arm_url, ca_bundle=settings.ca_bundle,
                             api_version="2016-05-01-preview", polling_interval=0.05) as client:
        ws = client.get(RG, WS)
        assert "payloadsInBlobStorage" not in ws["properties"]
        body = export_definition(ws)
        asset = next(a for a in body["properties"]["assets"].values() if a["type"] == "Resource")
        asset["locationInfo"]["uri"] = new_uri
        final = client.update(RG, WS, body)
    assert "payloadsInBlobStorage" not in final["properties"]
    assert model_uri() == new_uri  # the 2017-01-01 view agrees
    patches = [r["path"] for r in emulator.writes() if r["method"] == "PATCH"]
    assert len(patches) == 1


def test_missing_service_and_bad_token(emulator: Emulator) -> None:
    missing = run("webservice", "show", RG, "nope")
    assert missing.exit_code == 3 and "WebServiceNotFound" in missing.stderr
    denied = run("webservice", "show", RG, WS, env={"AML_RETRAIN_ARM_TOKEN": "expired-token"})
    assert denied.exit_code == 5, denied.output
    assert "expired-token" not in denied.stderr


def test_auth_show_never_prints_the_token(emulator: Emulator) -> None:
    shown = ok_json("auth", "show")
    assert shown["subscription_id"] == emulator.profile["subscription_id"]
    assert emulator.profile["arm_token"] not in json.dumps(shown)
