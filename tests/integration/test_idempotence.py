"""Re-running a deploy whose model is already in place sends no write and says so (issue 13 item 8).

Counted from outside: the emulator's request log (its /_emulator/requests control plane).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.emulator_support import Emulator, sas_url
from tests.integration.cli import ok_json, run

pytestmark = pytest.mark.integration
RG, WS, EP = "aml-retrain-demo", "census-model-ws", "retrained01"


def patches(emulator: Emulator, since: int = 0) -> list[dict[str, Any]]:
    return [r for r in emulator.requests()[since:] if r["method"] == "PATCH"]


def served_uri() -> str:
    assets = ok_json("webservice", "show", RG, WS)["properties"]["assets"]
    return str(next(a["locationInfo"]["uri"] for a in assets.values() if a["type"] == "Resource"))


def test_live_set_model_at_the_url_in_place_sends_nothing(emulator: Emulator) -> None:
    uri = served_uri()
    # The same blob with a SAS is the same model: the comparison is without the SAS.
    signed = sas_url(emulator, uri, datetime.now(timezone.utc) + timedelta(hours=1))
    seen = len(emulator.requests())
    result = run("-o", "json", "webservice", "set-model", RG, WS, "--model-url", signed)
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    assert data["already_applied"] is True and data["verified"] is True
    assert data["backup_path"] is None and data["after_uri"] == uri
    assert "Already applied" in result.stderr
    assert patches(emulator, seen) == []
    assert [r["method"] for r in emulator.requests()[seen:]] == ["GET"]


def test_first_arm_promotion_of_the_served_model_records_without_writing(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    uri = served_uri()
    seen = len(emulator.requests())
    result = ok_json("promote", f"arm:{RG}/{WS}", "--model-url", uri)
    assert result["already_current"] is True
    assert patches(emulator, seen) == []
    [entry] = ok_json("ledger", "show", f"arm:{RG}/{WS}")
    assert entry["new_model"] == uri and entry["old_model"] is None
    again = ok_json("promote", f"arm:{RG}/{WS}", "--model-url", uri)
    assert again["already_current"] is True and patches(emulator, seen) == []
    assert len(ok_json("ledger", "show", f"arm:{RG}/{WS}")) == 1


def test_first_classic_promotion_of_the_served_model_records_without_writing(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    svc = next(s["Id"] for s in ok_json("classic", "services", "list")
               if "[Predictive Exp.]" in s["Name"])
    ok_json("classic", "endpoints", "create", svc, EP)
    model = tmp_path / "census-v2.ilearner"
    model.write_bytes(b"retrained model bytes")
    url = ok_json("storage", "upload", str(model), "--container", "models",
                  "--blob", "idem/census-v2.ilearner")["url"]
    ok_json("classic", "endpoints", "set-model", svc, EP, "--model-url", url)
    seen = len(emulator.requests())
    result = ok_json("promote", f"classic:{svc}/{EP}", "--model-url", url)
    assert result["already_current"] is True
    assert patches(emulator, seen) == []
    [entry] = ok_json("ledger", "show", f"classic:{svc}/{EP}")
    assert entry["new_model"] == url
