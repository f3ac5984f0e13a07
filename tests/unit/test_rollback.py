"""rollback: chosen from the ledger alone, old blob checked first, recorded as a rollback entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.errors import ConfigError, ValidationError
from aml_retrain.promotion.ledger import LocalLedger, open_ledger
from aml_retrain.promotion.targets import Clients, parse_target

from .conftest import WS
from .fakes import FakeAdapter
from .promotion_fakes import (
    MINTED,
    SECRETS,
    TARGET,
    Storage,
    call_rollback,
    classic_clients,
    local_ledger,
    methods,
    model,
    serve_deploy,
    serve_read,
    sha,
    stub_storage,
)
from .promotion_fakes import seed as seed_entry


@pytest.fixture
def clients(client: ClassicManagementClient, tmp_path: Path) -> Clients:
    return classic_clients(client, tmp_path)


@pytest.fixture
def storage(monkeypatch: pytest.MonkeyPatch, adapter: FakeAdapter) -> Storage:
    return stub_storage(monkeypatch, adapter)


@pytest.fixture
def ledger(tmp_path: Path) -> LocalLedger:
    return local_ledger(tmp_path)


def metrics_of(name: str) -> dict[str, object]:
    return {"kind": "classification", "values": {"AUC": {"a": 0.81, "b": 0.82, "c": 0.83}[name]}}


def seed(ledger: LocalLedger, *names: str) -> None:
    for name in names:
        seed_entry(ledger, name, metrics=metrics_of(name))


def test_rollback_returns_to_the_previous_model_and_records_it(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger, storage: Storage
) -> None:
    seed(ledger, "a", "b")
    serve_read(adapter, "b")
    serve_deploy(adapter, "b", "a")
    result = call_rollback(parse_target(TARGET), clients, ledger, actor="oncall", reason="AUC drop")
    sent = adapter.body(2)["Resources"][0]["Location"]
    assert sent["RelativeLocation"] == "models/a/model.ilearner"
    assert sent["SasBlobToken"] == f"?{MINTED}"  # the ledger keeps no SAS: a fresh one is minted
    entry = ledger.current(TARGET)
    assert entry is not None and result.entry == entry
    assert entry["action"] == "rollback" and entry["rolled_back_to"] == 1 and entry["seq"] == 3
    assert entry["old_model"] == model("b") and entry["new_model"] == model("a")
    assert entry["reason"] == "AUC drop" and entry["actor"] == "oncall"
    assert entry["metrics"] == metrics_of("a")  # the next gate compares against the restored model
    assert entry["blob"]["sha256"] == sha(model("a"))
    assert entry["target_detail"]["workspace_id"] == WS
    text = Path(ledger.location).read_text()
    assert "sig=" not in text
    assert not any(secret in json.dumps(result.to_dict()) for secret in SECRETS)
    assert ledger.verify().ok


@pytest.mark.usefixtures("storage")
def test_rollback_to_a_chosen_entry(clients: Clients, adapter: FakeAdapter, ledger: LocalLedger) -> None:
    seed(ledger, "a", "b", "c")
    serve_read(adapter, "c")
    serve_deploy(adapter, "c", "a")
    result = call_rollback(parse_target(TARGET), clients, ledger, actor="oncall", to_entry=1)
    assert result.new_model == model("a") and result.old_model == model("c")
    assert adapter.body(2)["Resources"][0]["Location"]["RelativeLocation"] == "models/a/model.ilearner"
    entry = ledger.current(TARGET)
    assert entry is not None and entry["rolled_back_to"] == 1


@pytest.mark.usefixtures("storage")
def test_rollback_to_an_unknown_entry_is_refused(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    seed(ledger, "a", "b")
    with pytest.raises(ValidationError, match="no entry 9"):
        call_rollback(parse_target(TARGET), clients, ledger, actor="oncall", to_entry=9)
    assert adapter.calls() == []


@pytest.mark.parametrize("names", [(), ("a",)])
@pytest.mark.usefixtures("storage")
def test_nothing_to_roll_back_to(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger, names: tuple[str, ...]
) -> None:
    seed(ledger, *names)
    with pytest.raises(ValidationError) as caught:
        call_rollback(parse_target(TARGET), clients, ledger, actor="oncall")
    assert str(caught.value) == f"no earlier model recorded for {TARGET}; nothing to roll back to"
    assert adapter.calls() == [] and len(ledger.entries()) == len(names)


def test_missing_old_blob_is_refused_before_any_write(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger, storage: Storage
) -> None:
    seed(ledger, "a", "b")
    storage.missing.add(model("a"))
    serve_read(adapter, "b")
    with pytest.raises(ValidationError, match="no longer exists") as caught:
        call_rollback(parse_target(TARGET), clients, ledger, actor="oncall")
    assert model("a") in str(caught.value)
    assert storage.fingerprinted == []  # a HEAD answered: nothing was streamed
    assert methods(adapter) == ["GET"] and len(ledger.entries()) == 2


def test_overwritten_old_blob_is_refused(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger, storage: Storage
) -> None:
    seed(ledger, "a", "b")
    storage.changed.add(model("a"))
    serve_read(adapter, "b")
    with pytest.raises(ValidationError, match="overwritten since ledger entry #1"):
        call_rollback(parse_target(TARGET), clients, ledger, actor="oncall")
    assert "PATCH" not in methods(adapter) and len(ledger.entries()) == 2


@pytest.mark.usefixtures("storage")
def test_rollback_needs_storage_access_to_check_the_blob(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    seed(ledger, "a", "b")
    serve_read(adapter, "b")
    clients.storage_connection_string = None
    with pytest.raises(ConfigError, match="still exists"):
        call_rollback(parse_target(TARGET), clients, ledger, actor="oncall")
    assert "PATCH" not in methods(adapter)


@pytest.mark.usefixtures("storage")
def test_dry_run_rollback_writes_nothing(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    seed(ledger, "a", "b")
    serve_read(adapter, "b")
    serve_deploy(adapter, "b", "a")
    result = call_rollback(parse_target(TARGET), clients, ledger, actor="oncall", dry_run=True)
    assert result.deploy is not None and result.deploy["dry_run"] is True
    assert result.new_model == model("a")
    assert "PATCH" not in methods(adapter) and len(ledger.entries()) == 2


@pytest.mark.usefixtures("storage")
def test_rollback_to_the_model_already_served_changes_nothing(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    seed(ledger, "a", "b", "a")
    serve_read(adapter, "a")
    result = call_rollback(parse_target(TARGET), clients, ledger, actor="oncall", to_entry=3)
    assert result.already_current is True
    assert methods(adapter) == ["GET"] and len(ledger.entries()) == 3


@pytest.mark.usefixtures("storage")
def test_rollback_days_later_needs_only_the_ledger_file(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    path = tmp_path / "shared" / "ledger.jsonl"
    seed(LocalLedger(path), "a", "b")  # written by the promotions, in another process
    later = open_ledger(str(path))
    fresh = classic_clients(client, tmp_path)
    serve_read(adapter, "b")
    serve_deploy(adapter, "b", "a")
    result = call_rollback(parse_target(TARGET), fresh, later, actor="oncall")
    assert result.new_model == model("a")
    assert [e["action"] for e in LocalLedger(path).entries()] == ["promote", "promote", "rollback"]


def test_a_second_rollback_without_to_is_refused(ledger: LocalLedger) -> None:
    from aml_retrain.promotion.rollback import select_entry

    seed(ledger, "a", "b")
    ledger.append({"action": "rollback", "target": TARGET, "new_model": model("a"),
                   "old_model": model("b"), "rolled_back_to": 1})
    with pytest.raises(ValidationError, match="already serves the model restored by rollback"):
        select_entry(ledger, TARGET)
    assert select_entry(ledger, TARGET, 1)["seq"] == 1
