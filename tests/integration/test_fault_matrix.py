"""Fault matrix: each write path under 429/503/500/reset/slow on its read, write, poll and read-back.

Per case: the exit code is a documented one, what the command says ("applied", "not applied",
"unknown") matches the target afterwards, the ledger never records old = new, and a clean re-run
converges (serves the new model, one entry whose old model is the one that served before).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.emulator_support import Emulator
from tests.integration.cli import ok_json, run

pytestmark = pytest.mark.integration
RG, WS, EP = "aml-retrain-demo", "census-model-ws", "fault01"
DOCUMENTED = {0, 1, 2, 3, 4, 5, 6, 8, 9}
FAULTS: dict[str, dict[str, Any]] = {
    "429": {"status": 429, "count": 1},            # transient: retried where safe
    "500": {"status": 500, "count": 8},            # persistent: outlasts the retries
    "reset": {"drop": True, "count": 8},           # the connection closes unanswered
    "slow": {"delay": 2.5, "count": 1},            # longer than AML_RETRAIN_TIMEOUT
}
AFTER = {  # the write is served, then its answer is lost or replaced: applied, reported failed
    "served-then-500": {"status": 500, "count": 1, "after": True},
    "served-then-reset": {"drop": True, "count": 1, "after": True},
}


@pytest.fixture
def setup(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    monkeypatch.setenv("AML_RETRAIN_TIMEOUT", "1")
    listed = ok_json("classic", "services", "list")
    svc = next(s["Id"] for s in listed if "[Predictive Exp.]" in s["Name"])
    ok_json("classic", "endpoints", "create", svc, EP)
    model = tmp_path / "candidate.ilearner"
    seed = ok_json("classic", "endpoints", "show", svc, EP)["Resources"][0]["Location"]
    # A real model (the seed's bytes) under a new name: the service can load it.
    import requests

    source = seed["BaseLocation"] + seed["RelativeLocation"] + (seed.get("SasBlobToken") or "")
    model.write_bytes(requests.get(source, timeout=10).content)
    url = ok_json("storage", "upload", str(model), "--container", "models",
                  "--blob", "faults/candidate.ilearner")["url"]
    return {"svc": svc, "url": url.split("?")[0], "emulator": emulator}


def served(kind: str, svc: str) -> str:
    if kind == "classic":
        loc = ok_json("classic", "endpoints", "show", svc, EP)["Resources"][0]["Location"]
        return str(loc["BaseLocation"] + loc["RelativeLocation"])
    assets = ok_json("webservice", "show", RG, WS)["properties"]["assets"]
    return next(str(a["locationInfo"]["uri"]) for a in assets.values() if a["type"] == "Resource")


def fault_for(kind: str, phase: str, svc: str) -> dict[str, Any]:
    if kind == "classic":
        path = f"/webservices/{svc}/endpoints/{EP}$"
        return {"read": {"method": "GET", "path": path},
                "write": {"method": "PATCH", "path": path},
                "read-back": {"method": "GET", "path": path, "skip": 1}}[phase]
    path = f"/webServices/{WS}$"
    return {"read": {"method": "GET", "path": path},
            "write": {"method": "PATCH", "path": path},
            "poll": {"method": "GET", "path": "/operationsStatus/"},
            "read-back": {"method": "GET", "path": path, "skip": 1}}[phase]


CASES = [(kind, phase, fault) for kind, phases in (
    ("classic", ("read", "write", "read-back")), ("arm", ("read", "write", "poll", "read-back")))
    for phase in phases for fault in (*FAULTS, *(AFTER if phase == "write" else ()))]


@pytest.mark.parametrize(("kind", "phase", "fault"), CASES,
                         ids=[f"{k}-{p}-{f}" for k, p, f in CASES])
def test_what_is_reported_is_what_happened(setup: dict[str, Any], kind: str, phase: str,
                                           fault: str) -> None:
    svc, new = setup["svc"], setup["url"]
    target = f"classic:{svc}/{EP}" if kind == "classic" else f"arm:{RG}/{WS}"
    old = served(kind, svc)
    spec = {**fault_for(kind, phase, svc), **FAULTS.get(fault, AFTER.get(fault, {}))}
    setup["emulator"].fault(**spec)
    result = run("promote", target, "--model-url", new)
    setup["emulator"].clear_faults()  # what is left must not disturb the checks below
    setup["emulator"].settle()  # a delayed request lands now, not in the next case
    said = result.stderr
    assert result.exit_code in DOCUMENTED, said
    assert "Traceback" not in said and len(said.strip().splitlines()) <= 1, said
    now = served(kind, svc)
    entries = ok_json("ledger", "show", target)
    assert all(e["old_model"] != e["new_model"] for e in entries)
    if result.exit_code == 0:
        assert now == new and entries and entries[-1]["new_model"] == new
    elif "not applied:" in said:
        assert now == old and not entries
    elif "applied:" in said:
        assert now == new
    elif "unknown" not in said:  # refused before the write: nothing changed, nothing recorded
        assert now == old and not entries, said

    rerun = run("promote", target, "--model-url", new)  # no faults left: converges
    assert rerun.exit_code == 0, rerun.stderr
    assert served(kind, svc) == new
    [entry] = ok_json("ledger", "show", target)
    assert (entry["old_model"], entry["new_model"]) == (old, new), \
        f"{kind}-{phase}-{fault}: first run exit {result.exit_code}: {said!r}; " \
        f"requests {[(r['method'], r['path'][-20:], r['status']) for r in setup['emulator'].requests()]}; " \
        f"entry {json.dumps(entry)}"
    assert ok_json("ledger", "verify")["ok"] is True
