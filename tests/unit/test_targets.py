"""Promotion targets: parsing, live state and its hash, deploy through the guarded paths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.config import Settings
from aml_retrain.errors import ValidationError
from aml_retrain.promotion.context import PromotionContext
from aml_retrain.promotion.kinds.arm import ArmTarget
from aml_retrain.promotion.kinds.classic import ClassicTarget
from aml_retrain.promotion.targets import (
    Clients,
    Target,
    canonical_hash,
    deploy,
    parse_target,
    read_state,
)

from .arm_fakes import (
    NAME,
    NEW_URI,
    NEW_URL_WITH_SAS,
    OLD_URI,
    RG,
    SUB,
    WS_PATH,
    ArmAdapter,
    make_client,
    webservice,
)
from .conftest import WS
from .fakes import FakeAdapter
from .promotion_fakes import (
    EP,
    MINTED,
    RESOURCE,
    SAS,
    SECRETS,
    SVC,
    TARGET,
    Storage,
    classic_clients,
    ctx_of,
    endpoint_obj,
    methods,
    model,
    serve_deploy,
    serve_read,
    stub_storage,
)


@pytest.fixture
def clients(client: ClassicManagementClient, tmp_path: Path) -> Clients:
    return classic_clients(client, tmp_path)


@pytest.fixture
def storage(monkeypatch: pytest.MonkeyPatch, adapter: FakeAdapter) -> Storage:
    return stub_storage(monkeypatch, adapter)


# -- parsing ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected", "canonical"), [
    (f"classic:{SVC}/ep1", ClassicTarget(SVC, "ep1"), f"classic:{SVC}/ep1"),
    (f"classic:{SVC}/ep1#{RESOURCE}",
     ClassicTarget(SVC, "ep1", RESOURCE),
     f"classic:{SVC}/ep1#{RESOURCE}"),
    ("arm:ml-rg/predictive-ws", ArmTarget("ml-rg", "predictive-ws"),
     "arm:ml-rg/predictive-ws"),
    ("  ARM:ml-rg/predictive-ws#asset3 ",
     ArmTarget("ml-rg", "predictive-ws", "asset3"),
     "arm:ml-rg/predictive-ws#asset3"),
])
def test_parse_target_accepts_the_documented_forms(text: str, expected: Target, canonical: str) -> None:
    parsed = parse_target(text)
    assert parsed == expected
    assert str(parsed) == canonical
    assert parse_target(str(parsed)) == parsed  # the canonical form parses back to itself


@pytest.mark.parametrize(("text", "why"), [
    ("", "must start with 'classic:', 'arm:' or 'online:'"),
    (f"{SVC}/ep1", "must start with 'classic:', 'arm:' or 'online:'"),
    ("v2:rg/name", "must start with 'classic:', 'arm:' or 'online:'"),
    (f"classic:{SVC}", "expected exactly SERVICE_ID/ENDPOINT"),
    (f"classic:{SVC}/ep1/extra", "expected exactly SERVICE_ID/ENDPOINT"),
    ("arm:/name", "expected exactly RESOURCE_GROUP/NAME"),
    (f"classic:{SVC}/Bad_Endpoint", "invalid endpoint name"),
    ("arm:bad rg/name", "invalid resource group name"),
    (f"classic:{SVC}/ep1#", "nothing after '#'"),
])
def test_parse_target_rejects_bad_forms_and_lists_the_accepted_ones(text: str, why: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_target(text)
    message = str(caught.value)
    assert why in message
    assert "classic:SERVICE_ID/ENDPOINT#RESOURCE" in message and "arm:RESOURCE_GROUP/NAME" in message


# -- read_state ---------------------------------------------------------------------------------------

def test_classic_state_hash_ignores_the_sas_but_not_the_model(
    clients: Clients, adapter: FakeAdapter
) -> None:
    target = parse_target(TARGET)
    serve_read(adapter, "a", SAS)
    serve_read(adapter, "a", MINTED)
    serve_read(adapter, "b", SAS)
    first, resigned, moved = (read_state(target, ctx_of(clients)) for _ in range(3))
    assert first.state_hash == resigned.state_hash
    assert first.state_hash != moved.state_hash
    assert first.model_url == model("a") and moved.model_url == model("b")
    assert first.detail == {"workspace_id": WS, "service_id": SVC, "endpoint": "ep1",
                            "resource": RESOURCE}
    shown = json.dumps([first.to_dict(), first.raw])
    assert not any(secret in shown for secret in SECRETS)


def test_classic_state_hash_is_over_the_resources_list(clients: Clients, adapter: FakeAdapter) -> None:
    obj = endpoint_obj("a")
    obj["Description"] = "changed description: not part of the deploy state"
    adapter.add("GET", EP, json=obj)
    state = read_state(parse_target(TARGET), ctx_of(clients))
    resources = [{"Name": RESOURCE, "Kind": "TrainedModel",
                  "Location": {"BaseLocation": "https://acct.blob.core.windows.net/",
                               "RelativeLocation": "models/a/model.ilearner"}}]
    assert state.state_hash == canonical_hash(resources)


def test_classic_state_needs_a_resource_name_when_there_are_several(
    clients: Clients, adapter: FakeAdapter
) -> None:
    obj = endpoint_obj("a")
    obj["Resources"].append({**obj["Resources"][0], "Name": "Other [trained model]"})
    adapter.add("GET", EP, json=obj, times=2)
    with pytest.raises(ValidationError, match="pass --resource-name"):
        read_state(parse_target(TARGET), ctx_of(clients))
    chosen = read_state(parse_target(f"{TARGET}#Other [trained model]"), ctx_of(clients))
    assert chosen.detail["resource"] == "Other [trained model]"


def test_arm_state_hashes_the_assets_map(tmp_path: Path) -> None:
    adapter = ArmAdapter()
    arm, _ = make_client(adapter)
    clients = Clients({"arm": lambda: arm}, backup_dir=tmp_path / "backups")
    retitled = webservice(title="another title")
    adapter.add("GET", WS_PATH, json=webservice())
    adapter.add("GET", WS_PATH, json=retitled)
    adapter.add("GET", WS_PATH, json=webservice(NEW_URI))
    target = parse_target(f"arm:{RG}/{NAME}")
    first, other_title, moved = (read_state(target, ctx_of(clients)) for _ in range(3))
    assert first.model_url == OLD_URI and moved.model_url == NEW_URI
    assert first.state_hash == other_title.state_hash != moved.state_hash
    assert first.state_hash == canonical_hash(webservice()["properties"]["assets"])
    assert first.detail == {
        "resource_id": f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/"
                       f"Microsoft.MachineLearning/webServices/{NAME}",
        "asset_id": "asset3",
    }


# -- deploy ---------------------------------------------------------------------------------------------

@pytest.mark.usefixtures("storage")
def test_classic_deploy_mints_a_sas_backs_up_and_verifies(
    clients: Clients, adapter: FakeAdapter, tmp_path: Path
) -> None:
    serve_deploy(adapter, "a", "b", after_read=False)
    result = deploy(parse_target(TARGET), model("b"), ctx_of(clients))
    assert methods(adapter) == ["GET", "GET", "PATCH", "GET"]
    sent = adapter.body(2)["Resources"][0]["Location"]
    assert sent["RelativeLocation"] == "models/b/model.ilearner"
    assert sent["SasBlobToken"] == f"?{MINTED}"  # minted from the connection string
    assert result["verified"] is True
    assert Path(result["backup_path"]).parent == tmp_path / "backups" / WS / SVC / "ep1"
    assert "MINTEDSIGSECRET" not in json.dumps(result)


def test_arm_deploy_dry_run_sends_no_patch(tmp_path: Path) -> None:
    adapter = ArmAdapter()
    arm, _ = make_client(adapter)
    clients = Clients({"arm": lambda: arm}, backup_dir=tmp_path / "backups")
    adapter.add("GET", WS_PATH, json=webservice())
    result = deploy(parse_target(f"arm:{RG}/{NAME}"), NEW_URL_WITH_SAS, ctx_of(clients), dry_run=True)
    assert [m for m, _ in adapter.calls()] == ["GET"]
    assert result["after_uri"] == NEW_URI and result["dry_run"] is True
    assert result["patch"][-1] == {"op": "replace", "path": "/properties/assets/asset3/locationInfo/uri",
                                   "value": NEW_URI}


def test_arm_deploy_gives_the_write_the_operation_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aml_retrain.arm import webservices

    seen: list[float] = []

    def fake_set_model_live(*_args: object, timeout: float, **_kw: object) -> Any:
        seen.append(timeout)
        raise RuntimeError("stop here")

    monkeypatch.setattr(webservices, "set_model_live", fake_set_model_live)
    settings = Settings.resolve(env={"AML_RETRAIN_SUBSCRIPTION_ID": "sub"})
    context = PromotionContext.from_settings(settings, operation_timeout=7.0, ledger=Any)
    with pytest.raises(RuntimeError):
        deploy(parse_target(f"arm:{RG}/{NAME}"), NEW_URL_WITH_SAS, context)
    assert seen == [7.0]
    assert PromotionContext.from_settings(settings, ledger=Any).operation_timeout == 900.0


def test_clients_build_each_client_once_and_refuse_a_missing_factory() -> None:
    built: list[int] = []

    def factory() -> ClassicManagementClient:
        built.append(1)
        return ClassicManagementClient("https://mgmt.test", WS, "t")

    clients = Clients({"classic": factory})
    assert clients.get("classic") is clients.get("classic")
    assert built == [1]
    with pytest.raises(ValidationError, match="no client configured for arm: targets"):
        clients.get("arm")
    assert "CONN" not in repr(Clients(storage_connection_string="CONN"))
    assert clients.fresh().get("classic") is not clients.get("classic")  # one set per thread
    assert built == [1, 1]


def test_clients_from_settings_has_a_factory_per_registered_kind(tmp_path: Path) -> None:
    """A new kind reaches its client through the registry alone: no factory to add on Clients."""
    from aml_retrain.promotion.targets import KINDS

    settings = Settings(workspace_id=WS, workspace_token="t", backup_dir=tmp_path)
    clients = Clients.from_settings(settings)
    assert set(clients.factories) == set(KINDS)
    assert isinstance(clients.get("classic"), ClassicManagementClient)
