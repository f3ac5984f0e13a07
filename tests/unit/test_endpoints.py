from __future__ import annotations

import dataclasses
import json
import stat
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.classic import endpoints as endpoints_mod
from aml_retrain.classic.endpoints import SetModelResult, get_patch_info, set_trained_model
from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.errors import ValidationError, VerificationError

from .conftest import WS
from .fakes import FakeAdapter

SVC = "b" * 32
EP = f"/workspaces/{WS}/webservices/{SVC}/endpoints/ep1"
NOW = datetime(2025, 6, 1, 12, 0, 5, tzinfo=timezone.utc)
RESOURCE = "Census Model [trained model]"
OLD_LOC = {
    "BaseLocation": "https://old.blob.core.windows.net/",
    "RelativeLocation": "experimentoutput/old/old.ilearner",
    "SasBlobToken": "?sv=1&sig=OLDSIG&se=2025-05-01",
}
NEW_SAS = "sv=2019-02-02&sr=b&sig=NEWSIG%3D&se=2025-06-01T13%3A00%3A00Z&sp=r"
NEW_URL = f"https://acct.blob.core.windows.net/models/v2/model.ilearner?{NEW_SAS}"
NEW_LOC = {
    "BaseLocation": "https://acct.blob.core.windows.net/",
    "RelativeLocation": "models/v2/model.ilearner",
    "SasBlobToken": f"?{NEW_SAS}",
}


def endpoint_obj(location: dict[str, str]) -> dict[str, Any]:
    return {
        "Name": "ep1",
        "WebServiceId": SVC,
        "WorkspaceId": WS,
        "ApiLocation": "https://ussouthcentral.services.azureml.net/workspaces/x/services/g",
        "HelpLocation": "https://studio.azureml.net/apihelp/workspaces/x/webservices/y/endpoints/g",
        "PrimaryKey": "PRIMARYSECRET",
        "SecondaryKey": "SECONDARYSECRET",
        "Resources": [{"Name": RESOURCE, "Kind": "TrainedModel", "Location": location}],
    }


def serve_service(adapter: FakeAdapter, default: str = "default") -> None:
    adapter.add("GET", f"/workspaces/{WS}/webservices/{SVC}",
                json={"Id": SVC, "DefaultEndpointName": default})


def happy_path(adapter: FakeAdapter, after: dict[str, str] = NEW_LOC) -> None:
    serve_service(adapter)
    adapter.add("GET", EP, json=endpoint_obj(OLD_LOC))
    adapter.add("PATCH", EP, status=200)
    adapter.add("GET", EP, json=endpoint_obj(after))


def run(client: ClassicManagementClient, tmp_path: Path, **kw: Any) -> SetModelResult:
    kw.setdefault("backup_dir", tmp_path / "backups")
    return set_trained_model(client, SVC, "ep1", kw.pop("url", NEW_URL), now=NOW, **kw)


def test_set_trained_model_patches_backs_up_and_verifies(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    happy_path(adapter)
    result = run(client, tmp_path)
    assert [m for m, _ in adapter.calls()] == ["GET", "GET", "PATCH", "GET"]
    assert adapter.body(2) == {"Resources": [{"Name": RESOURCE, "Location": NEW_LOC}]}
    assert result.verified is True and result.dry_run is False
    assert result.patch_url == f"https://mgmt.test{EP}"
    assert result.before["Location"]["RelativeLocation"] == "experimentoutput/old/old.ilearner"
    assert result.after is not None
    assert result.after["Location"]["RelativeLocation"] == "models/v2/model.ilearner"
    expected = tmp_path / "backups" / WS / SVC / "ep1" / "20250601T120005Z.json"
    assert result.backup_path == expected


def test_backup_is_written_before_patch_and_has_no_keys(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    happy_path(adapter)
    real = endpoints_mod.write_backup

    def recording_backup(*args: Any, **kwargs: Any) -> Path:
        adapter.events.append("BACKUP")
        return real(*args, **kwargs)

    monkeypatch.setattr(endpoints_mod, "write_backup", recording_backup)
    result = run(client, tmp_path)
    assert adapter.events == [f"GET /workspaces/{WS}/webservices/{SVC}", f"GET {EP}", "BACKUP",
                              f"PATCH {EP}", f"GET {EP}"]
    assert result.backup_path is not None
    saved = json.loads(result.backup_path.read_text())
    assert "PrimaryKey" not in saved and "SecondaryKey" not in saved
    # The old model's place is kept, its SAS signature never (a restore mints a fresh one).
    assert saved["Resources"][0]["Location"] == {k: v for k, v in OLD_LOC.items()
                                                 if k != "SasBlobToken"}
    assert "sig=" not in result.backup_path.read_text()
    assert stat.S_IMODE(result.backup_path.stat().st_mode) == 0o600


def test_two_backups_in_the_same_second_do_not_collide(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    happy_path(adapter)
    happy_path(adapter)
    first = run(client, tmp_path).backup_path
    second = run(client, tmp_path).backup_path
    assert first != second and second is not None and second.name == "20250601T120005Z-1.json"


def test_dry_run_makes_no_write(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    serve_service(adapter)
    adapter.add("GET", EP, json=endpoint_obj(OLD_LOC))
    result = run(client, tmp_path, dry_run=True, backup_dir=None)
    assert [m for m, _ in adapter.calls()] == ["GET", "GET"]
    assert result.dry_run is True and result.after is None and result.backup_path is None
    assert result.body["Resources"][0]["Name"] == RESOURCE
    assert not (tmp_path / "backups").exists()


def test_default_endpoint_refused_before_any_patch(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    serve_service(adapter, default="ep1")
    with pytest.raises(ValidationError, match="create a non-default endpoint first"):
        run(client, tmp_path)
    assert adapter.calls() == [("GET", f"/workspaces/{WS}/webservices/{SVC}")]
    assert not (tmp_path / "backups").exists()


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"url": "https://acct.blob.core.windows.net/c/data.csv"}, ".ilearner"),
        ({"url": NEW_URL.replace("2025-06-01T13", "2025-06-01T11")}, "SAS token expired"),
        ({"backup_dir": None}, "backup_dir is required"),
    ],
)
def test_bad_input_sends_nothing(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path,
    kwargs: dict[str, Any], fragment: str,
) -> None:
    with pytest.raises(ValidationError, match=fragment):
        run(client, tmp_path, **kwargs)
    assert adapter.requests == []


def test_bad_endpoint_name_sends_nothing(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="invalid endpoint name"):
        set_trained_model(client, SVC, "EP_1", NEW_URL, backup_dir=tmp_path, now=NOW)
    assert adapter.requests == []


def test_read_back_mismatch_is_verification_error(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    happy_path(adapter, after=OLD_LOC)
    with pytest.raises(VerificationError) as info:
        run(client, tmp_path)
    text = str(info.value)
    assert "the service accepted the update but still reports " \
           "https://old.blob.core.windows.net/experimentoutput/old/old.ilearner" in text
    assert "OLDSIG" not in text and "NEWSIG" not in text
    assert info.value.exit_code == 1


# The read-back compares the blob, not its SAS: none echoed back, or another one, is accepted.
@pytest.mark.parametrize("echoed", ["", "?sv=1&sig=OTHER"], ids=["no-sas-echo", "other-sas"])
def test_read_back_compares_the_blob_not_its_sas(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path, echoed: str
) -> None:
    happy_path(adapter, after={**NEW_LOC, "SasBlobToken": echoed})
    assert run(client, tmp_path).verified


def test_no_sas_or_key_in_result(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    happy_path(adapter)
    result = run(client, tmp_path)
    text = json.dumps(result.to_dict()) + repr(result)
    for secret in ("NEWSIG", "OLDSIG", "PRIMARYSECRET", "SECONDARYSECRET"):
        assert secret not in text
    assert "sig=REDACTED" in text
    assert result.to_dict()["backup_path"] == str(result.backup_path)
    expected = dataclasses.asdict(result)
    expected["backup_path"] = str(result.backup_path)
    assert result.to_dict() == expected and list(result.to_dict()) == list(expected)
    assert result.to_dict()["body"] is not result.body  # a copy, as asdict made


def test_resource_name_must_exist(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    serve_service(adapter)
    adapter.add("GET", EP, json=endpoint_obj(OLD_LOC))
    with pytest.raises(ValidationError, match="valid names are"):
        run(client, tmp_path, resource_name="Other [trained model]")
    assert "PATCH" not in [m for m, _ in adapter.calls()]


def test_bare_blob_url_gets_a_minted_sas(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import aml_retrain.storage as storage

    monkeypatch.setattr(storage, "make_read_sas_url", lambda cs, url: f"{url}?{NEW_SAS}")
    happy_path(adapter)
    result = run(client, tmp_path, url="https://acct.blob.core.windows.net/models/v2/model.ilearner",
                 storage_connection_string="AccountName=acct;AccountKey=k")
    assert adapter.body(2)["Resources"][0]["Location"]["SasBlobToken"] == f"?{NEW_SAS}"
    assert result.verified


def test_get_patch_info_hides_keys_by_default(
    client: ClassicManagementClient, adapter: FakeAdapter
) -> None:
    adapter.add("GET", EP, json=endpoint_obj(OLD_LOC), times=2)
    info = get_patch_info(client, SVC, "ep1")
    assert info == {
        "patch_url": f"https://mgmt.test{EP}",
        "web_service_id": SVC,
        "endpoint": "ep1",
        "api_location": endpoint_obj(OLD_LOC)["ApiLocation"],
        "help_location": endpoint_obj(OLD_LOC)["HelpLocation"],
        "resources": [RESOURCE],
    }
    with_keys = get_patch_info(client, SVC, "ep1", include_keys=True)
    assert with_keys["primary_key"] == "PRIMARYSECRET"
    assert with_keys["secondary_key"] == "SECONDARYSECRET"


def test_endpoint_key_only_skips_the_web_service_get_and_warns(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    # The web service GET takes only the workspace token (SW-MGMT WorkspaceKey); none is sent.
    adapter.add("GET", EP, json=endpoint_obj(OLD_LOC))
    adapter.add("PATCH", EP, status=200)
    adapter.add("GET", EP, json=endpoint_obj(NEW_LOC))
    result = run(client, tmp_path, endpoint_key_only=True)
    assert adapter.calls() == [("GET", EP), ("PATCH", EP), ("GET", EP)]
    assert result.verified and len(result.warnings) == 1
    assert "by name only ('default')" in result.warnings[0]
    assert result.to_dict()["warnings"] == result.warnings


def test_endpoint_key_only_still_refuses_the_default_endpoint_before_any_request(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="non-default endpoint"):
        set_trained_model(client, SVC, "default", NEW_URL, now=NOW, backup_dir=tmp_path,
                          endpoint_key_only=True)
    assert adapter.calls() == []


def test_with_a_workspace_token_there_is_no_warning(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    happy_path(adapter)
    assert run(client, tmp_path).warnings == ()


def test_client_from_settings_uses_the_endpoint_key_when_asked() -> None:
    from aml_retrain.config import Settings

    settings = Settings.resolve(workspace_id=WS, workspace_token="WSTOKEN",
                                env={"AML_RETRAIN_ENDPOINT_KEY": "EPKEY"})
    assert ClassicManagementClient.from_settings(settings, endpoint_key=True)._token == "EPKEY"
    assert ClassicManagementClient.from_settings(settings)._token == "WSTOKEN"
