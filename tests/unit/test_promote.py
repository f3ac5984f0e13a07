"""promote: the gate runs before any write, the ledger entry after the verified deploy."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from aml_retrain.classic import retrain as retrain_mod
from aml_retrain.classic.journal import JobJournal
from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.errors import ConfigError, GatedError, ValidationError
from aml_retrain.evaluation import Metrics
from aml_retrain.promotion.gate import Policy, Rule
from aml_retrain.promotion.ledger import LocalLedger
from aml_retrain.promotion.promote import PromotionResult
from aml_retrain.promotion.targets import Clients, parse_target

from .arm_fakes import (
    NAME,
    NEW_URI,
    NEW_URL_WITH_SAS,
    OLD_URI,
    RG,
    WS_PATH,
    ArmAdapter,
    add_update_flow,
    make_client,
    webservice,
)
from .conftest import WS
from .fakes import FakeAdapter
from .promotion_fakes import (
    CONN,
    MINTED,
    RESOURCE,
    SAS,
    SECRETS,
    SVC,
    TARGET,
    Storage,
    call_promote,
    classic_clients,
    ctx_of,
    good,
    local_ledger,
    methods,
    model,
    recording,
    seed,
    serve_deploy,
    serve_read,
    stub_storage,
    worse,
)

ENTRY_FIELDS = {"seq", "time", "actor", "action", "target", "target_detail", "old_model", "new_model",
                "blob", "job_id", "metrics", "gate", "plan_hash", "reason", "prev_hash", "hash"}


@pytest.fixture
def clients(client: ClassicManagementClient, tmp_path: Path) -> Clients:
    return classic_clients(client, tmp_path)


@pytest.fixture
def storage(monkeypatch: pytest.MonkeyPatch, adapter: FakeAdapter) -> Storage:
    return stub_storage(monkeypatch, adapter)


@pytest.fixture
def ledger(tmp_path: Path) -> LocalLedger:
    return local_ledger(tmp_path)


def run(clients: Clients, ledger: LocalLedger, **kw: Any) -> PromotionResult:
    kw.setdefault("actor", "alice")
    if "job_id" not in kw:
        kw.setdefault("model_url", model("b"))
    return call_promote(parse_target(TARGET), clients, ledger, **kw)


@pytest.mark.usefixtures("storage")
def test_gated_candidate_raises_before_any_write(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    seed(ledger, "a")
    serve_read(adapter, "a")
    with pytest.raises(GatedError) as caught:
        run(clients, ledger, candidate=worse(), gate=True)
    assert caught.value.exit_code == 8
    assert caught.value.result is not None and caught.value.result.outcome == "gated"
    assert "AUC" in str(caught.value)
    assert methods(adapter) == ["GET"]  # read the target, nothing else: no PATCH
    assert len(ledger.entries()) == 1


def test_pass_deploys_then_records_every_field_without_sas(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger, storage: Storage
) -> None:
    seed(ledger, "a")
    recording(ledger, adapter)
    serve_read(adapter, "a")
    serve_deploy(adapter, "a", "b")
    result = run(clients, ledger, model_url=f"{model('b')}?{SAS}", candidate=good(), gate=True)
    assert [e.split(" ")[0] for e in adapter.events] == [
        "GET", "fingerprint", "GET", "PATCH", "GET", "append"]
    assert storage.fingerprinted == [(None, f"{model('b')}?{SAS}")]  # read with the URL's own SAS
    entry = ledger.current(TARGET)
    assert entry is not None and result.entry == entry
    assert set(entry) == ENTRY_FIELDS
    assert entry["seq"] == 2 and entry["action"] == "promote" and entry["actor"] == "alice"
    assert entry["target"] == TARGET
    assert entry["target_detail"] == {"workspace_id": WS, "service_id": SVC, "endpoint": "ep1",
                                      "resource": RESOURCE}
    assert entry["old_model"] == model("a") and entry["new_model"] == model("b")
    assert entry["blob"] == {"size": 100, "etag": '"0x8D1"', "sha256": storage.fingerprint(
        None, model("b"))["sha256"]}
    assert entry["metrics"] == good().to_dict()
    assert entry["gate"]["outcome"] == "pass" and entry["gate"]["baseline"] is True
    assert entry["job_id"] is None and entry["plan_hash"] is None and entry["reason"] is None
    text = (Path(ledger.location)).read_text()
    assert "sig=" not in text and "?" not in entry["new_model"]
    shown = json.dumps(result.to_dict())
    assert not any(secret in shown for secret in SECRETS)
    assert result.deploy is not None and result.deploy["verified"] is True


@pytest.mark.usefixtures("storage")
def test_first_promotion_without_baseline_passes_with_a_notice(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    serve_read(adapter, "a")
    serve_deploy(adapter, "a", "b")
    result = run(clients, ledger, candidate=worse(), gate=True)
    assert "PATCH" in methods(adapter)
    assert any("first promotion" in n for n in result.notices)
    entry = ledger.current(TARGET)
    assert entry is not None and entry["gate"]["baseline"] is False
    assert entry["old_model"] == model("a")


@pytest.mark.usefixtures("storage")
def test_require_baseline_gates_a_first_promotion(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    serve_read(adapter, "a")
    with pytest.raises(GatedError, match="no baseline"):
        run(clients, ledger, candidate=good(), gate=True, require_baseline=True)
    assert "PATCH" not in methods(adapter) and ledger.entries() == []


@pytest.mark.usefixtures("storage")
def test_force_with_reason_promotes_a_gated_candidate_and_records_why(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    seed(ledger, "a")
    serve_read(adapter, "a")
    serve_deploy(adapter, "a", "b")
    result = run(clients, ledger, candidate=worse(), gate=True, force=True, reason="hotfix INC-7")
    entry = ledger.current(TARGET)
    assert entry is not None and entry["reason"] == "hotfix INC-7"
    assert entry["gate"]["forced"] is True and entry["gate"]["reason"] == "hotfix INC-7"
    assert result.gate == entry["gate"] and "PATCH" in methods(adapter)


def test_force_without_reason_is_refused_before_any_request(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    with pytest.raises(ValidationError, match="--reason"):
        run(clients, ledger, candidate=worse(), gate=True, force=True, reason="  ")
    assert adapter.calls() == []


@pytest.mark.usefixtures("storage")
def test_gate_error_is_a_validation_error_and_nothing_is_written(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    serve_read(adapter, "a")
    policy = Policy((Rule("Precision", minimum=0.5),))
    with pytest.raises(ValidationError, match="Precision"):
        run(clients, ledger, candidate=good(), policy=policy)
    assert "PATCH" not in methods(adapter) and ledger.entries() == []


@pytest.mark.usefixtures("storage")
def test_gate_without_candidate_metrics_is_refused(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    serve_read(adapter, "a")
    with pytest.raises(ValidationError, match="needs candidate metrics"):
        run(clients, ledger, gate=True)
    assert "PATCH" not in methods(adapter)


@pytest.mark.usefixtures("storage")
def test_already_current_target_is_left_alone(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    seed(ledger, "b")
    serve_read(adapter, "b")
    result = run(clients, ledger, candidate=worse(), gate=True)  # a gate re-run must not fail it
    assert result.already_current is True
    assert methods(adapter) == ["GET"]
    assert len(ledger.entries()) == 1


@pytest.mark.usefixtures("storage")
def test_live_model_not_in_the_ledger_is_recorded_with_the_model_it_replaced(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    seed(ledger, "a")
    serve_read(adapter, "b")  # deployed by an earlier run that died before its entry
    result = run(clients, ledger)
    assert result.already_current is False
    assert "PATCH" not in methods(adapter)  # it serves b already
    current = ledger.current(TARGET)
    assert current is not None and current["new_model"] == model("b") and current["seq"] == 2
    assert current["old_model"] == model("a")  # never old = new
    assert any("earlier run" in n for n in result.notices)


def test_missing_model_blob_is_refused_before_the_patch(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger, storage: Storage
) -> None:
    storage.missing.add(model("b"))
    serve_read(adapter, "a")
    with pytest.raises(ValidationError, match="does not exist") as caught:
        run(clients, ledger)
    assert model("b") in str(caught.value)
    assert storage.fingerprinted == [(CONN, model("b"))]  # no SAS: the account's credential
    assert methods(adapter) == ["GET"] and ledger.entries() == []


@pytest.mark.usefixtures("storage")
def test_dry_run_shows_the_change_and_writes_nothing(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    serve_read(adapter, "a")
    serve_deploy(adapter, "a", "b")
    result = run(clients, ledger, dry_run=True)
    assert "PATCH" not in methods(adapter)
    assert result.dry_run and result.deploy is not None and result.deploy["dry_run"] is True
    assert result.entry is None and ledger.entries() == []


def test_job_promotion_uses_the_job_url_and_its_metrics(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger, storage: Storage,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    asked: list[str] = []

    def url_from_job(mgmt: Any, job_id: str, **kw: Any) -> str:
        asked.append(f"url {job_id}")
        return f"{model('b')}?{SAS}"

    def status(mgmt: Any, job_id: str, **kw: Any) -> Any:
        asked.append(f"status {job_id}")
        return SimpleNamespace(metrics=good())

    monkeypatch.setattr(retrain_mod, "model_url_from_job", url_from_job)
    monkeypatch.setattr(retrain_mod, "job_status", status)
    seed(ledger, "a")
    serve_read(adapter, "a")
    serve_deploy(adapter, "a", "b", sas=SAS)
    run(clients, ledger, job_id="job-1", journal=JobJournal(tmp_path / "jobs.jsonl"), gate=True)
    assert asked == ["url job-1", "status job-1"]
    assert adapter.body(2)["Resources"][0]["Location"]["SasBlobToken"] == f"?{SAS}"  # the job's
    assert storage.minted == []
    entry = ledger.current(TARGET)
    assert entry is not None and entry["job_id"] == "job-1"
    assert entry["metrics"] == good().to_dict() and entry["new_model"] == model("b")


def test_exactly_one_model_source_is_required(clients: Clients, ledger: LocalLedger) -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        call_promote(parse_target(TARGET), clients, ledger, actor="a")
    with pytest.raises(ValidationError, match="journal"):
        call_promote(parse_target(TARGET), clients, ledger, actor="a", job_id="job-1")


@pytest.mark.usefixtures("storage")
def test_ledger_failure_after_deploy_says_the_model_was_deployed(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(entry: Any) -> dict[str, Any]:
        raise ConfigError("cannot open ledger /x: Permission denied")

    monkeypatch.setattr(ledger, "append", broken)
    serve_read(adapter, "a")
    serve_deploy(adapter, "a", "b")
    with pytest.raises(ConfigError, match="WAS deployed") as caught:
        run(clients, ledger)
    assert "re-run" in str(caught.value)


@pytest.mark.usefixtures("storage")
def test_arm_promotion_records_resource_and_asset(tmp_path: Path, ledger: LocalLedger) -> None:
    adapter = ArmAdapter()
    arm, _ = make_client(adapter)
    clients = Clients({"arm": lambda: arm}, backup_dir=tmp_path / "backups",
                      storage_connection_string=None)
    adapter.add("GET", WS_PATH, json=webservice(), times=2)
    add_update_flow(adapter, webservice(NEW_URI))
    result = call_promote(parse_target(f"arm:{RG}/{NAME}"), clients, ledger, actor="ci",
                     model_url=NEW_URL_WITH_SAS.replace("2020-01-01", "2099-01-01"),
                     candidate=Metrics("classification", {"AUC": 0.9}))
    entry = result.entry
    assert entry is not None and entry["old_model"] == OLD_URI and entry["new_model"] == NEW_URI
    assert entry["target"] == f"arm:{RG}/{NAME}"
    assert entry["target_detail"]["asset_id"] == "asset3"
    assert entry["target_detail"]["resource_id"].endswith(f"/webServices/{NAME}")
    assert "SASSECRET" not in Path(ledger.location).read_text()
    assert [m for m, _ in adapter.calls()].count("PATCH") == 1
    assert MINTED not in json.dumps(result.to_dict())


def test_model_fingerprint_is_cached_per_context(monkeypatch: pytest.MonkeyPatch) -> None:
    from aml_retrain.promotion import ledger as ledger_module
    from aml_retrain.promotion.kinds.classic import KIND
    from aml_retrain.promotion.targets import Clients

    calls: list[str] = []

    def digest(conn: object, url: str) -> dict[str, object]:
        calls.append(url)
        return {"size": 3, "etag": "e", "sha256": "abc"}

    monkeypatch.setattr(ledger_module, "model_fingerprint", digest)
    context = ctx_of(Clients(storage_connection_string="UseDevelopmentStorage=true"))
    url = "https://acct.blob.core.windows.net/models/m.ilearner"
    first, _ = KIND.fingerprint_of(parse_target(TARGET), context, url, url)
    second, _ = KIND.fingerprint_of(parse_target(TARGET), context, url, url)
    assert first == second == {"size": 3, "etag": "e", "sha256": "abc"}
    assert len(calls) == 1


@pytest.mark.usefixtures("storage")
def test_first_promotion_of_the_served_model_sends_nothing_and_records_the_baseline(
    clients: Clients, adapter: FakeAdapter, ledger: LocalLedger
) -> None:
    serve_read(adapter, "b")  # set by hand (set-model, the portal) before any promotion
    result = run(clients, ledger)
    assert result.already_current is True
    assert "PATCH" not in methods(adapter)
    [entry] = ledger.entries()
    assert entry["new_model"] == model("b") and entry["old_model"] is None
    assert result.entry == entry and any("baseline" in n for n in result.notices)
    serve_read(adapter, "b")
    again = run(clients, ledger)
    assert again.already_current is True and len(ledger.entries()) == 1
