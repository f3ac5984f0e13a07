"""Every command's ``-o json`` follows the naming rule (tests/contract/json_naming.py, README "Output:").

The PowerShell contract flows (test_pwsh_json_contract.py) check the commands the module calls; this
file runs the others against the emulator and checks that together they cover every command.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from aml_retrain_cli.main import app
from tests.contract import pwsh_contract as ps
from tests.contract.json_naming import naming_problems
from tests.emulator_support import Emulator, census_data
from tests.integration import test_pwsh_json_contract as flows

pytestmark = pytest.mark.integration
RG, WS = "aml-retrain-demo", "census-model-ws"
OTHERS = {("storage", "upload"), ("auth", "show"), ("ledger", "repair"), ("jobs", "status"),
          ("jobs", "wait"), ("jobs", "cancel"), ("target", "show"), ("fanout", "status")}
# install-azurite's exact snake_case keys are asserted in tests/cli/test_emulator_cli.py (fake npm).
ONLINE = {("online", "endpoints", "list"), ("online", "endpoints", "show"),
          ("online", "deployments", "list"), ("online", "deployments", "show"),
          ("online", "models", "list"), ("online", "retrain"), ("online", "score")}
EMULATOR = {("emulator", "start"), ("emulator", "stop"), ("emulator", "sample-data"),
            ("emulator", "install-azurite")}


def checked(*args: str) -> Any:
    command = next(tuple(args[:n]) for n in (3, 2, 1) if tuple(args[:n]) in ps.cli_leaves(ps.cli_root()))
    result = CliRunner().invoke(app, ["-o", "json", *args])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert naming_problems(command, data) == [], f"{command}: {naming_problems(command, data)}"
    return data


def test_every_command_is_checked_somewhere() -> None:
    covered = flows.CLASSIC_FLOW | flows.ARM_FLOW | flows.PROMOTION_FLOW | OTHERS | EMULATOR | ONLINE
    assert set(ps.cli_leaves(ps.cli_root())) == covered


def test_the_other_commands_print_snake_case(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    model = tmp_path / "m.ilearner"
    model.write_bytes(b"model bytes")
    uploaded = checked("storage", "upload", str(model), "--container", "naming")
    assert set(uploaded) == {"url", "container", "blob", "size"}
    checked("auth", "show")
    training = next(s["Id"] for s in checked("classic", "services", "list")
                    if "[Training Exp.]" in s["Name"])
    rows = census_data(tmp_path / "data")["census-2026"]
    job = checked("classic", "retrain", training, "--data", str(rows), "--no-wait")
    for verb in ("status", "wait", "cancel"):
        checked("jobs", verb, job["job_id"], "--service", job["web_service_id"])
    checked("ledger", "repair")
    # set-model at the URL in place: the already-applied result is tool-built too
    assets = checked("webservice", "show", RG, WS)["properties"]["assets"]
    uri = next(a["locationInfo"]["uri"] for a in assets.values() if a["type"] == "Resource")
    assert checked("webservice", "set-model", RG, WS, "--model-url", uri)["already_applied"] is True
    # target show reads the same asset through the arm kind: the model in place, a state hash
    shown = checked("target", "show", f"ARM:{RG}/{WS}")
    assert (shown["target"], shown["model_url"]) == (f"arm:{RG}/{WS}", uri.split("?", 1)[0])
    assert len(shown["state_hash"]) == 64 and shown["detail"]["resource_id"].endswith(f"/{WS}")


def test_fanout_status_prints_snake_case(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    svc = next(s["Id"] for s in checked("classic", "services", "list")
               if "[Predictive Exp.]" in s["Name"])
    checked("classic", "endpoints", "create", svc, "naming", "--exist-ok")
    model = tmp_path / "m.ilearner"
    model.write_bytes(b"model bytes")
    url = checked("storage", "upload", str(model), "--container", "naming")["url"]
    manifest = tmp_path / "fanout.yaml"
    manifest.write_text(yaml.safe_dump({"version": 1, "targets": [
        {"target": f"classic:{svc}/naming", "model_url": url}]}))
    run_id = CliRunner().invoke(app, ["-o", "json", "fanout", "run", str(manifest)]).stdout
    shown = checked("fanout", "status", json.loads(run_id)["run_id"])
    assert [t["state"] for t in shown["targets"]] == ["promoted"]


def test_emulator_start_and_stop_print_snake_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aml_emulator

    handle = SimpleNamespace(url="https://127.0.0.1:1", pid=1, stop=lambda: None)
    monkeypatch.setattr(aml_emulator, "start_services", lambda *a, **k: handle)
    monkeypatch.setattr(aml_emulator, "stop_services", lambda *a, **k: True)
    profile = str(tmp_path / "p.json")
    checked("emulator", "start", "--detach", "--profile", profile)
    checked("emulator", "stop", "--profile", profile)
    checked("emulator", "sample-data", str(tmp_path / "sample"))


def test_the_online_commands_print_snake_case(emulator: Emulator, tmp_path: Path) -> None:
    emulator.config(mlv2_retry_after=0, mlv2_polls_before_done=1)
    group, ws, endpoint = "aml-retrain-demo", "census-workspace", "census-online"
    data = census_data(tmp_path / "data")
    checked("online", "endpoints", "list", group, ws)
    checked("online", "endpoints", "show", group, ws, endpoint)
    checked("online", "deployments", "list", group, ws, endpoint)
    checked("online", "deployments", "show", group, ws, endpoint, "blue")
    checked("online", "models", "list", group, ws)
    checked("online", "models", "list", group, ws, "--name", "census-model")
    checked("online", "retrain", group, ws, "--endpoint", endpoint, "--data",
            str(data["census-2026"]))
    checked("online", "score", group, ws, endpoint, "--input", str(data["score-rows"]))
    # promotions of an online target: traffic maps and the deployments are keyed by their names
    target = f"online:{group}/{ws}/{endpoint}"
    checked("promote", target, "--model-url", "azureml:census-model:2")
    checked("target", "show", target)
    checked("rollback", target, "--reason", "naming")
