"""Tables for people (issue 13 item 7): the webservice list's state column, a compact promote table."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from aml_retrain.promotion.promote import PromotionResult
from aml_retrain_cli import context
from aml_retrain_cli.main import app

TARGET = "classic:c7d1e3f5a2b44c6d8e0f1a3b5c7d9e2f/retrained01"
BLOB = "https://127.0.0.1:10000/devstoreaccount1/models/demo/run{}/census-model.ilearner"
METRICS = {"kind": "binary", "values": {"AUC": 0.9123456, "Accuracy": 0.85, "Precision": 0.71,
                                        "Recall": 0.62, "F-Score": 0.66, "Average Log Loss": 0.33}}


def result(action: str = "promote") -> PromotionResult:
    """A promotion as the demo makes one: a whole ledger entry, a gate, a deploy with bodies."""
    entry = {
        "seq": 2, "time": "2026-12-03T11:00:00Z", "actor": "demo@host", "action": action,
        "target": TARGET, "target_detail": {"workspace_id": "5e1c0a7b9d2f4c3e8a6b1d0f2e4c6a8b",
                                            "service_id": TARGET[8:40], "endpoint": "retrained01",
                                            "resource": "Census Model [trained model]"},
        "old_model": BLOB.format(1), "new_model": BLOB.format(2),
        "blob": {"size": 48213, "etag": "\"0x8DC2A1B3C4D5E6F\"", "sha256": "ab" * 32},
        "job_id": "9d1ca0c13410496085cd2f4600d8962c", "metrics": METRICS,
        "gate": {"outcome": "pass", "summary": "all 2 rules passed"}, "plan_hash": None,
        "reason": None, "prev_hash": "cd" * 32, "hash": "ef" * 32,
    }
    deploy = {"backup_path": "/home/demo/.aml-retrain/backups/classic/5e1c/c7d1/retrained01/"
                             "20261203T110000Z.json", "verified": True,
              "before": {"Name": "Census Model [trained model]", "Location": {"BaseLocation": "x"}},
              "body": {"Resources": [{"Name": "Census Model [trained model]"}]}}
    gate = {"outcome": "pass", "summary": "all 2 rules passed", "rules": [], "notices": []}
    return PromotionResult(action, TARGET, BLOB.format(1), BLOB.format(2), deploy=deploy,
                           entry=entry, gate=gate, metrics=METRICS,
                           notices=("gate: compared with ledger entry #1",))


def test_promote_table_is_compact_at_100_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    import aml_retrain.promotion.promote as promote_mod

    monkeypatch.setattr(promote_mod, "promote", lambda *a, **k: result())
    shown = CliRunner().invoke(app, ["promote", TARGET, "--model-url", BLOB.format(2)],
                               env={"COLUMNS": "100"})
    assert shown.exit_code == 0, shown.output
    assert max(len(line) for line in shown.stdout.splitlines()) <= 100
    lines = shown.stdout[shown.stdout.index("Promote"):].splitlines()  # after the gate's table
    # one row per fact, a long URL or path folded once: no ledger entry dumped into a cell
    assert len(lines) <= 18, shown.stdout
    for fact in ("target", "old_model", "new_model", "already_current", "ledger_seq", "gate",
                 "metrics", "backup_path", "notices"):
        assert any(line.lstrip("│ ").startswith(fact) for line in lines), fact
    assert "AUC 0.9123" in shown.stdout and "prev_hash" not in shown.stdout


def test_rollback_uses_the_same_table(monkeypatch: pytest.MonkeyPatch) -> None:
    import aml_retrain.promotion.rollback as rollback_mod

    monkeypatch.setattr(rollback_mod, "rollback", lambda *a, **k: result("rollback"))
    shown = CliRunner().invoke(app, ["rollback", TARGET], env={"COLUMNS": "100"})
    assert shown.exit_code == 0, shown.output
    assert "ledger_seq" in shown.stdout
    assert len(shown.stdout[shown.stdout.index("Rollback"):].splitlines()) <= 18


def test_webservice_list_shows_the_provisioning_state(monkeypatch: pytest.MonkeyPatch) -> None:
    import aml_retrain.arm.reads as ws

    rows = [{"name": "census-model-ws", "resource_group": "aml-retrain-demo", "location": "westeurope",
             "title": "T", "provisioning_state": "Succeeded", "read_only": False, "id": "/x"}]
    monkeypatch.setattr(ws, "list_webservices", lambda *a, **k: rows)
    monkeypatch.setattr(context.State, "arm_client", lambda self: object())
    shown = CliRunner().invoke(app, ["webservice", "list"])
    assert shown.exit_code == 0, shown.output
    [row] = [line for line in shown.stdout.splitlines() if "census-model-ws" in line]
    assert "Succeeded" in row and "aml-retrain-demo" in row


def test_brief_summarises_nested_values() -> None:
    from aml_retrain_cli.render import brief

    assert brief(METRICS, limit=200) == ("binary: AUC 0.9123, Accuracy 0.85, Precision 0.71, "
                                         "Recall 0.62, F-Score 0.66, Average Log Loss 0.33")
    assert brief(METRICS, limit=30) == "binary: AUC 0.9123, Accuracy…"
    assert brief({"a": 1, "b": {"c": 2}}) == "a=1, b=…"
    assert brief([{"a": 1}, {"b": 2}]) == "2 items" and brief({}) is None

