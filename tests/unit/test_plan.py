"""plan → apply: the plan file, its hash, edited and stale plans, apply with a fresh SAS."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.errors import ConfigError, GatedError, StalePlanError, ValidationError
from aml_retrain.promotion.kinds.classic import SAS_AT_APPLY
from aml_retrain.promotion.ledger import LocalLedger
from aml_retrain.promotion.plan import Plan
from aml_retrain.promotion.targets import Clients, parse_target

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
from .fakes import FakeAdapter
from .promotion_fakes import (
    MINTED,
    SAS,
    SECRETS,
    TARGET,
    Storage,
    call_apply,
    call_make_plan,
    classic_clients,
    good,
    local_ledger,
    methods,
    model,
    seed,
    serve_deploy,
    serve_read,
    stub_storage,
    worse,
)

PLAN_FIELDS = {"version", "created", "actor", "target", "target_detail", "state_hash", "old_model",
               "model_url", "job_id", "training_service_id", "already_current", "change", "gate",
               "metrics", "reason", "notices", "plan_hash"}


@pytest.fixture
def clients(client: ClassicManagementClient, tmp_path: Path) -> Clients:
    return classic_clients(client, tmp_path)


@pytest.fixture
def storage(monkeypatch: pytest.MonkeyPatch, adapter: FakeAdapter) -> Storage:
    return stub_storage(monkeypatch, adapter)


@pytest.fixture
def ledger(tmp_path: Path) -> LocalLedger:
    return local_ledger(tmp_path)


def planned(clients: Clients, adapter: FakeAdapter, ledger: LocalLedger, path: Path,
            live: str = "a") -> Plan:
    """Make and write a gated plan for model b while ``live`` is served."""
    serve_read(adapter, live)
    serve_deploy(adapter, live, "b")
    plan = call_make_plan(parse_target(TARGET), clients, actor="alice", ledger=ledger,
                     model_url=f"{model('b')}?{SAS}", candidate=good(), gate=True)
    plan.write(path)
    adapter.routes.clear()  # the dry run stopped before PATCH; drop its unused routes
    return plan


@pytest.mark.usefixtures("storage")
def test_plan_file_holds_the_change_and_a_hash_of_its_content(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger, tmp_path: Path
) -> None:
    seed(ledger, "a")
    path = tmp_path / "plan.json"
    plan = planned(clients, adapter, ledger, path)
    assert "PATCH" not in methods(adapter)
    text = path.read_text()
    data = json.loads(text)
    assert set(data) == PLAN_FIELDS
    content = {k: v for k, v in data.items() if k != "plan_hash"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert data["plan_hash"] == hashlib.sha256(canonical.encode()).hexdigest() == plan.plan_hash
    assert data["version"] == 1 and data["actor"] == "alice" and data["target"] == TARGET
    assert data["old_model"] == model("a") and data["model_url"] == model("b")
    change = data["change"]
    assert change["kind"] == "classic"
    assert change["before"]["RelativeLocation"] == "models/a/model.ilearner"
    assert change["after"]["RelativeLocation"] == "models/b/model.ilearner"
    assert change["body"]["Resources"][0]["Location"]["SasBlobToken"] == SAS_AT_APPLY
    assert data["gate"]["outcome"] == "pass" and data["metrics"] == good().to_dict()
    assert "sig=" not in text and not any(secret in text for secret in SECRETS)


@pytest.mark.usefixtures("storage")
def test_plan_with_a_gated_candidate_is_refused(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    seed(ledger, "a")
    serve_read(adapter, "a")
    with pytest.raises(GatedError):
        call_make_plan(parse_target(TARGET), clients, actor="alice", ledger=ledger,
                  model_url=model("b"), candidate=worse(), gate=True)
    assert "PATCH" not in methods(adapter)


@pytest.mark.parametrize(("field", "value"), [("model_url", model("c")), ("gate", None),
                                              ("state_hash", "0" * 64)])
@pytest.mark.usefixtures("storage")
def test_edited_plan_is_refused_before_any_request(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger, tmp_path: Path,
    field: str, value: object,
) -> None:
    path = tmp_path / "plan.json"
    planned(clients, adapter, ledger, path)
    data = json.loads(path.read_text())
    data[field] = value
    path.write_text(json.dumps(data))
    adapter.requests.clear()
    with pytest.raises(ValidationError, match="changed after it was made"):
        call_apply(path, clients, ledger)
    assert adapter.calls() == [] and ledger.entries() == []


@pytest.mark.usefixtures("storage")
def test_stale_plan_is_refused_and_nothing_is_deployed(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger, tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    plan = planned(clients, adapter, ledger, path)
    adapter.requests.clear()
    serve_read(adapter, "c")  # someone repointed the endpoint after the plan was reviewed
    with pytest.raises(StalePlanError) as caught:
        call_apply(path, clients, ledger)
    assert caught.value.exit_code == 9
    assert str(plan.data["created"]) in str(caught.value) and "make a new plan" in str(caught.value)
    assert caught.value.expected == plan.data["state_hash"] != caught.value.actual
    assert methods(adapter) == ["GET"] and ledger.entries() == []


def test_apply_mints_a_fresh_sas_and_records_the_plan_hash(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger, storage: Storage, tmp_path: Path
) -> None:
    seed(ledger, "a")
    path = tmp_path / "plan.json"
    plan = planned(clients, adapter, ledger, path)
    storage.minted.clear()
    serve_read(adapter, "a", sas=MINTED)  # only the SAS was re-issued: not a change of state
    serve_deploy(adapter, "a", "b")
    result = call_apply(path, clients, ledger, actor="bob")
    assert storage.minted == [model("b")]
    patch = next(i for i, (m, _) in enumerate(adapter.calls()) if m == "PATCH")
    assert adapter.body(patch)["Resources"][0]["Location"]["SasBlobToken"] == f"?{MINTED}"
    entry = ledger.current(TARGET)
    assert entry is not None and entry["plan_hash"] == plan.plan_hash == result.plan_hash
    assert entry["actor"] == "bob" and entry["gate"] == plan.data["gate"]
    assert entry["metrics"] == good().to_dict() and entry["new_model"] == model("b")
    assert "sig=" not in Path(ledger.location).read_text()


@pytest.mark.usefixtures("storage")
def test_reapplying_an_applied_plan_changes_nothing(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger, tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    planned(clients, adapter, ledger, path)
    serve_read(adapter, "a")
    serve_deploy(adapter, "a", "b")
    call_apply(path, clients, ledger)
    adapter.requests.clear()
    serve_read(adapter, "b")
    again = call_apply(path, clients, ledger)
    assert again.already_current is True
    assert methods(adapter) == ["GET"] and len(ledger.entries()) == 1


@pytest.mark.usefixtures("storage")
def test_classic_apply_without_a_way_to_sign_is_refused(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger, tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    planned(clients, adapter, ledger, path)
    serve_read(adapter, "a")
    clients.storage_connection_string = None
    with pytest.raises(ConfigError, match="fresh read SAS"):
        call_apply(path, clients, ledger)
    assert "PATCH" not in methods(adapter)


@pytest.mark.usefixtures("storage")
def test_arm_plan_shows_the_json_patch_and_applies(tmp_path: Path, ledger: LocalLedger) -> None:
    adapter = ArmAdapter()
    arm, _ = make_client(adapter)
    clients = Clients({"arm": lambda: arm}, backup_dir=tmp_path / "backups")
    target = parse_target(f"arm:{RG}/{NAME}")
    adapter.add("GET", WS_PATH, json=webservice(), times=2)
    plan = call_make_plan(target, clients, actor="alice", model_url=NEW_URI)
    change = plan.data["change"]
    assert change["kind"] == "arm" and change["before_uri"] == OLD_URI
    assert change["after_uri"] == NEW_URI
    assert change["patch"][-1]["op"] == "replace" and change["patch"][-1]["value"] == NEW_URI
    path = plan.write(tmp_path / "arm-plan.json")
    adapter.add("GET", WS_PATH, json=webservice(), times=2)
    add_update_flow(adapter, webservice(NEW_URI))
    result = call_apply(path, clients, ledger)
    assert result.entry is not None and result.entry["plan_hash"] == plan.plan_hash
    assert [m for m, _ in adapter.calls()].count("PATCH") == 1


def test_unknown_plan_version_and_missing_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not found"):
        Plan.load(tmp_path / "nope.json")
    data = {"version": 2, "created": "x", "actor": "a", "target": TARGET, "state_hash": "h",
            "model_url": model("b"), "change": {}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({**data, "plan_hash": Plan(data).plan_hash}))
    with pytest.raises(ValidationError, match="version 2"):
        Plan.load(path)
