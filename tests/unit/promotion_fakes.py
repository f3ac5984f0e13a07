"""Shared fakes for the promotion tests: a classic endpoint on the fake transport, storage stubs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.errors import NotFoundError
from aml_retrain.evaluation import Metrics
from aml_retrain.promotion import ledger as ledger_mod
from aml_retrain.promotion.context import GateOptions, ModelRef, PromotionContext
from aml_retrain.promotion.ledger import LocalLedger
from aml_retrain.promotion.plan import Plan, apply_plan, make_plan
from aml_retrain.promotion.promote import PromotionResult, promote
from aml_retrain.promotion.rollback import rollback
from aml_retrain.promotion.targets import Clients

from .conftest import WS
from .fakes import FakeAdapter

SVC = "b" * 32
EP = f"/workspaces/{WS}/webservices/{SVC}/endpoints/ep1"
TARGET = f"classic:{SVC}/ep1"
RESOURCE = "Census Model [trained model]"
ACCOUNT = "https://acct.blob.core.windows.net/"
SAS = "sv=2019-02-02&sr=b&sig=LIVESIGSECRET&se=2099-01-01T00%3A00%3A00Z&sp=r"
MINTED = "sv=2019-02-02&sr=b&sig=MINTEDSIGSECRET&se=2099-01-01T00%3A00%3A00Z&sp=r"
CONN = ("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=QUNDVEtFWQ==;"
        "EndpointSuffix=core.windows.net")
SECRETS = ("LIVESIGSECRET", "MINTEDSIGSECRET", "QUNDVEtFWQ", "PRIMARYSECRET")


def model(name: str) -> str:
    """Return the blob URL (no SAS) of test model ``name``."""
    return f"{ACCOUNT}models/{name}/model.ilearner"


def location(name: str, sas: str = SAS) -> dict[str, str]:
    return {"BaseLocation": ACCOUNT, "RelativeLocation": f"models/{name}/model.ilearner",
            "SasBlobToken": f"?{sas}"}


def endpoint_obj(name: str, sas: str = SAS) -> dict[str, Any]:
    return {
        "Name": "ep1", "WebServiceId": SVC, "WorkspaceId": WS,
        "PrimaryKey": "PRIMARYSECRET", "SecondaryKey": "SECONDARYSECRET",
        "Resources": [{"Name": RESOURCE, "Kind": "TrainedModel", "Location": location(name, sas)}],
    }


def serve_read(adapter: FakeAdapter, live: str, sas: str = SAS) -> None:
    """Queue the GET that read_state sends."""
    adapter.add("GET", EP, json=endpoint_obj(live, sas))


def serve_deploy(
    adapter: FakeAdapter, live: str, new: str, *, sas: str = MINTED, after_read: bool = True
) -> None:
    """Queue set_trained_model's GET service, (GET endpoint,) PATCH and read-back.

    After read_state (``after_read``) the deploy reuses the endpoint it read: no second GET.
    """
    adapter.add("GET", f"/workspaces/{WS}/webservices/{SVC}",
                json={"Id": SVC, "DefaultEndpointName": "default"})
    if not after_read:
        adapter.add("GET", EP, json=endpoint_obj(live))
    adapter.add("PATCH", EP, status=200)
    adapter.add("GET", EP, json=endpoint_obj(new, sas))


def methods(adapter: FakeAdapter) -> list[str]:
    return [m for m, _ in adapter.calls()]


def good() -> Metrics:
    return Metrics("classification", {"AUC": 0.91, "Accuracy": 0.88})


def worse() -> Metrics:
    return Metrics("classification", {"AUC": 0.70, "Accuracy": 0.88})


def baseline_metrics() -> dict[str, Any]:
    return {"kind": "classification", "values": {"AUC": 0.85, "Accuracy": 0.86}}


def seed(ledger: LocalLedger, name: str, *, target: str = TARGET, action: str = "promote",
         metrics: dict[str, Any] | None = None) -> dict[str, Any]:
    """Append an entry saying ``target`` was set to model ``name``."""
    return ledger.append({
        "actor": "seed", "action": action, "target": target, "target_detail": {},
        "old_model": None, "new_model": model(name),
        "blob": {"size": 100, "etag": "0x1", "sha256": sha(model(name))}, "job_id": None,
        "metrics": metrics if metrics is not None else baseline_metrics(), "gate": None,
        "plan_hash": None, "reason": None,
    })


def sha(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


@dataclass
class Storage:
    """Stubbed blob storage: which blobs exist, what their sha256 is, what was asked."""

    adapter: FakeAdapter
    missing: set[str] = field(default_factory=set)
    changed: set[str] = field(default_factory=set)
    fingerprinted: list[tuple[str | None, str]] = field(default_factory=list)
    minted: list[str] = field(default_factory=list)

    def fingerprint(self, conn: str | None, url: str, **_: Any) -> dict[str, Any]:
        self.fingerprinted.append((conn, url))
        self.adapter.events.append("fingerprint")
        base = url.split("?", 1)[0]
        if base in self.missing:
            raise NotFoundError("The specified blob does not exist.", status_code=404, url=url)
        digest = sha(base + "-changed") if base in self.changed else sha(base)
        return {"size": 100, "etag": '"0x8D1"', "sha256": digest}

    def exists(self, conn: str, url: str) -> bool:
        return url.split("?", 1)[0] not in self.missing

    def mint(self, conn: str, url: str, **_: Any) -> str:
        self.minted.append(url)
        return f"{url.split('?', 1)[0]}?{MINTED}"


def stub_storage(monkeypatch: pytest.MonkeyPatch, adapter: FakeAdapter) -> Storage:
    """Replace fingerprinting, blob_exists and SAS minting with the in-memory stub."""
    import aml_retrain.storage as storage_mod

    stub = Storage(adapter)
    monkeypatch.setattr(ledger_mod, "model_fingerprint", stub.fingerprint)
    monkeypatch.setattr(storage_mod, "blob_exists", stub.exists)
    monkeypatch.setattr(storage_mod, "make_read_sas_url", stub.mint)
    return stub


def classic_clients(client: ClassicManagementClient, tmp_path: Path) -> Clients:
    """Clients whose classic factory returns the fake-transport client."""
    return Clients({"classic": lambda: client}, storage_connection_string=CONN,
                   backup_dir=tmp_path / "backups", workspace_id=WS)


def local_ledger(tmp_path: Path) -> LocalLedger:
    """A real file ledger in tmp_path with a fixed clock."""
    return LocalLedger(tmp_path / "ledger.jsonl",
                       clock=lambda: datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc))


def recording(ledger: LocalLedger, adapter: FakeAdapter) -> None:
    """Log ledger appends into the adapter's event list, to order them against requests."""
    real = ledger.append

    def append(entry: Any) -> dict[str, Any]:
        adapter.events.append("append")
        return real(entry)

    ledger.append = append  # type: ignore[method-assign]


# -- the promotion calls with the tests' flat arguments --------------------------------------------

def ctx_of(clients: Clients, ledger: Any = None, *, actor: str | None = None,
           journal: Any = None, timeout: float = 900.0) -> PromotionContext:
    """A PromotionContext over ``clients`` (fresh caches: one per call, as a CLI run has)."""
    return PromotionContext(clients, ledger, journal, actor, timeout)


def gate_of(policy: Any = None, gate: bool = False, force: bool = False, reason: str | None = None,
            require_baseline: bool = False) -> GateOptions:
    return GateOptions(policy, gate, force, reason, require_baseline)


def call_promote(target: Any, clients: Clients, ledger: Any, *, actor: str,
                 model_url: str | None = None, job_id: str | None = None, journal: Any = None,
                 training_service_id: str | None = None, candidate: Any = None,
                 dry_run: bool = False, plan_hash: str | None = None,
                 **gate: Any) -> PromotionResult:
    """promote() with the model, gate and context spelled out as keywords."""
    return promote(target, ctx_of(clients, ledger, actor=actor, journal=journal),
                   ModelRef(model_url, job_id, training_service_id), gate_of(**gate),
                   candidate=candidate, dry_run=dry_run, plan_hash=plan_hash)


def call_make_plan(target: Any, clients: Clients, *, actor: str, ledger: Any = None,
                   model_url: str | None = None, job_id: str | None = None, journal: Any = None,
                   training_service_id: str | None = None, candidate: Any = None,
                   **gate: Any) -> Plan:
    """make_plan() with the model, gate and context spelled out as keywords."""
    return make_plan(target, ctx_of(clients, ledger, actor=actor, journal=journal),
                     ModelRef(model_url, job_id, training_service_id), gate_of(**gate),
                     candidate=candidate)


def call_apply(path: Any, clients: Clients, ledger: Any, *, actor: str | None = None,
               journal: Any = None) -> PromotionResult:
    """apply_plan() with the context spelled out as keywords."""
    return apply_plan(path, ctx_of(clients, ledger, actor=actor, journal=journal))


def call_rollback(target: Any, clients: Clients, ledger: Any, *, actor: str,
                  **kw: Any) -> PromotionResult:
    """rollback() with the context spelled out as keywords."""
    return rollback(target, ctx_of(clients, ledger, actor=actor), **kw)
