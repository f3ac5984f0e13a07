"""docs/library.md's examples, run as written against the emulator (a Python user's three lines)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.emulator_support import Emulator, census_data
from tests.integration.cli import classic_services, ok_json

pytestmark = pytest.mark.integration
DOC = Path(__file__).resolve().parents[2] / "docs" / "library.md"
EP = "library01"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_library_examples_promote_plan_apply_and_roll_back(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = classic_services()
    ok_json("classic", "endpoints", "create", ids["Predictive"], EP)
    data = census_data(tmp_path / "data")
    jobs = [str(ok_json("classic", "retrain", ids["Training"], "--data", str(data["census-2025"]))
                ["job_id"]) for _ in range(2)]
    target = f"classic:{ids['Predictive']}/{EP}"
    monkeypatch.chdir(tmp_path)
    first, second = blocks()
    names: dict[str, Any] = {"target": target, "job_id": jobs[0], "next_job_id": jobs[1]}
    exec(compile(first, "docs/library.md#1", "exec"), names)
    promoted = names["result"]
    assert promoted.entry["seq"] == 1 and not promoted.already_current
    exec(compile(second, "docs/library.md#2", "exec"), names)
    assert names["applied"].entry["plan_hash"] == names["plan"].plan_hash
    assert names["undone"].action == "rollback" and names["now"].model_url == promoted.new_model
    actions = [e["action"] for e in ok_json("ledger", "show", target)]
    assert actions == ["promote", "promote", "rollback"]
    out = capsys.readouterr().out
    assert "sig=" not in out and "ledger entry 1" in out
