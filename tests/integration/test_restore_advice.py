"""After a failed write whose automatic restore failed too, the printed command restores by hand.

The advice is a whole command line (issue 13.5): pasted as printed, it runs and the service serves
the model it served before the failed write.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.emulator_support import Emulator, census_data
from tests.integration.cli import ok_json, run

pytestmark = pytest.mark.integration
RG, TRAINING, WS = "aml-retrain-demo", "census-model-training-ws", "census-model-ws"


def model_uri() -> str:
    assets = ok_json("webservice", "show", RG, WS)["properties"]["assets"]
    return str(next(a["locationInfo"]["uri"] for a in assets.values() if a["type"] == "Resource"))


def test_the_manual_restore_command_runs_as_printed(emulator: Emulator, tmp_path: Path) -> None:
    data = census_data(tmp_path / "data")
    job = ok_json("webservice", "retrain", RG, TRAINING, "--data", str(data["census-2026"]))
    before = model_uri()
    emulator.config(arm_fail_next=2)  # the PATCH's operation fails, and so does the restore's
    failed = run("webservice", "set-model", RG, WS, "--from-job", job["job_id"])
    assert failed.exit_code != 0 and "restored: false" in failed.stderr, failed.output

    advice = re.search(r"restore by hand with: (aml-retrain [^(]+?) \(backup", failed.stderr)
    assert advice, failed.stderr
    words = shlex.split(advice.group(1))
    assert words[:5] == ["aml-retrain", "webservice", "update", RG, WS] and words[5] == "--file"
    assert Path(words[6]).is_file()
    # Whatever the service holds now (here: the new model, as if the write had landed after all),
    # the command puts the backed-up definition back.
    ok_json("webservice", "set-model", RG, WS, "--from-job", job["job_id"])
    assert model_uri() != before
    restored = run(*words[1:])
    assert restored.exit_code == 0, restored.output
    assert model_uri() == before
