"""The JSON the PowerShell module consumes is what the CLI prints: every command the module calls runs
against the emulator exactly as Invoke-AmlRetrainCli runs it (``--output json`` first), and the fields
the module binds or reads (tests/contract/pwsh_contract.py: PIPES, READS) are present.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from aml_retrain_cli.main import app
from tests.contract import pwsh_contract as ps
from tests.contract.json_naming import naming_problems
from tests.emulator_support import Emulator, census_data

pytestmark = pytest.mark.integration
RG, WS = "aml-retrain-demo", "census-model-ws"
EP = "pwsh01"

CLASSIC_FLOW = {
    ("classic", "services", "list"), ("classic", "services", "show"), ("classic", "endpoints", "create"),
    ("classic", "endpoints", "list"), ("classic", "endpoints", "show"), ("classic", "endpoints", "patch-url"),
    ("classic", "retrain"), ("classic", "jobs", "status"), ("classic", "jobs", "wait"),
    ("classic", "jobs", "cancel"), ("classic", "endpoints", "set-model"), ("classic", "score"),
    ("classic", "endpoints", "delete"),
}
ARM_FLOW = {
    ("webservice", "list"), ("webservice", "show"), ("webservice", "keys"), ("webservice", "export"),
    ("webservice", "set-model"), ("webservice", "import"), ("webservice", "update"), ("webservice", "score"),
    ("webservice", "retrain"),
}
ONLINE_FLOW = {
    ("online", "endpoints", "list"), ("online", "endpoints", "show"), ("online", "deployments", "list"),
    ("online", "deployments", "show"), ("online", "models", "list"), ("online", "retrain"),
    ("online", "score"),
}
PROMOTION_FLOW = {
    ("gate",), ("plan",), ("apply",), ("promote",), ("rollback",), ("ledger", "show"), ("ledger", "verify"),
    ("ledger", "repair"), ("fanout", "new-run-id"), ("fanout", "run"), ("fanout", "status"),
    ("target", "show"),
}


class Recorder:
    """Runs commands the way the module does and checks the consumed fields of each output."""

    def __init__(self) -> None:
        self.seen: set[ps.Command] = set()
        self.leaves = set(ps.cli_leaves(ps.cli_root()))

    def __call__(self, *args: str, stdin: str | None = None, code: int = 0) -> Any:
        command = next(args[:n] for n in (3, 2, 1) if args[:n] in self.leaves)
        result = CliRunner().invoke(app, ["--output", "json", *args], input=stdin)
        assert result.exit_code == code, result.output
        data = json.loads(result.stdout)
        objects = data if isinstance(data, list) else [data]
        fields = ps.consumed_fields().get(command, set())
        assert objects or not fields, f"{command}: nothing to check the fields {fields} against"
        for obj in objects:
            missing = fields - set(obj)
            assert not missing, f"aml-retrain {' '.join(command)} no longer prints {sorted(missing)}"
        problems = naming_problems(command, data)  # the README's JSON naming rule, on the way
        assert not problems, f"aml-retrain {' '.join(command)}: tool-built keys not snake_case: {problems}"
        self.seen.add(command)
        return data


@pytest.fixture
def cli() -> Recorder:
    return Recorder()


@pytest.fixture
def services(emulator: Emulator, cli: Recorder) -> dict[str, str]:
    listed = cli("classic", "services", "list")
    return {kind: next(s["Id"] for s in listed if f"[{kind} Exp.]" in s["Name"])
            for kind in ("Training", "Predictive")}


def retrain(cli: Recorder, training: str, data: Path, *extra: str) -> dict[str, Any]:
    return dict(cli("classic", "retrain", training, "--data", str(data), *extra))


def test_the_flows_cover_every_command_the_module_calls() -> None:
    called = {inv.path for fn in ps.public_functions() for inv in fn.invocations}
    # A command the CLI of this checkout does not have yet (ps.PENDING_COMMANDS) cannot run here;
    # once it exists, it must join a flow below.
    absent = set(ps.PENDING_COMMANDS) - set(ps.cli_leaves(ps.cli_root()))
    assert CLASSIC_FLOW | ARM_FLOW | ONLINE_FLOW | PROMOTION_FLOW == called - absent
    assert set(ps.consumed_fields()) <= called


def test_classic_flow_prints_what_the_module_reads(
    cli: Recorder, services: dict[str, str], tmp_path: Path
) -> None:
    training, predictive = services["Training"], services["Predictive"]
    data = census_data(tmp_path / "data")
    cli("classic", "services", "show", predictive)
    created = cli("classic", "endpoints", "create", predictive, EP, "--description", "pwsh",
                  "--throttle-level", "Low", "--max-concurrent-calls", "4", "--exist-ok")
    assert created["WebServiceId"] == predictive and created["Name"] == EP
    listed = cli("classic", "endpoints", "list", predictive)
    assert EP in [e["Name"] for e in listed]
    cli("classic", "endpoints", "show", predictive, EP)
    cli("classic", "endpoints", "patch-url", predictive, EP)

    job = retrain(cli, training, data["census-2026"], "--output-dir", "models/pwsh", "--timeout", "600")
    pending = retrain(cli, training, data["census-2025"], "--no-wait")
    for verb in ("status", "wait", "cancel"):
        cli("classic", "jobs", verb, pending["job_id"], "--service", pending["web_service_id"])

    set_model = ("classic", "endpoints", "set-model")
    dry = cli(*set_model, predictive, EP, "--from-job", job["job_id"], "--dry-run")
    assert dry["dry_run"] is True
    # The module passes a URL (with its SAS) on stdin: --model-url -
    swapped = cli(*set_model, predictive, EP, "--model-url", "-",
                  stdin=job["model_url_without_sas"] + "\n")
    assert swapped["verified"] is True
    cli("classic", "score", predictive, EP, "--input", str(data["score-rows"]))
    cli("classic", "endpoints", "delete", predictive, EP)
    assert cli.seen == CLASSIC_FLOW


def test_arm_flow_prints_what_the_module_reads(
    cli: Recorder, services: dict[str, str], tmp_path: Path
) -> None:
    data = census_data(tmp_path / "data")
    job = dict(cli("webservice", "retrain", RG, "census-model-training-ws", "--data",
                   str(data["census-2026"])))
    assert job["web_service_id"] == f"arm:{RG}/census-model-training-ws"
    # Start-AmlRetraining -TrainingWebServiceId (and the pipelines' retrain step) hand the reference
    # to classic retrain, which runs the kind it names.
    by_reference = cli("classic", "retrain", job["web_service_id"], "--data", str(data["census-2025"]))
    assert by_reference["web_service_id"] == job["web_service_id"] and by_reference["status"] == "Finished"
    listed = cli("webservice", "list", "--resource-group", RG)
    assert WS in [w["name"] for w in listed]
    cli("webservice", "show", RG, WS)
    cli("webservice", "keys", RG, WS)
    definition = tmp_path / "ws.json"
    exported = cli("webservice", "export", RG, WS, "--file", str(definition))
    assert Path(exported["path"]) == definition
    set_model = ("webservice", "set-model")
    cli(*set_model, "--file", str(definition), "--from-job", job["job_id"], "--dry-run")
    cli(*set_model, "--file", str(definition), "--from-job", job["job_id"])
    cli("webservice", "import", "--file", str(definition))
    update = ("webservice", "update")
    assert cli(*update, RG, WS, "--file", str(definition), "--dry-run")["dry_run"] is True
    cli(*update, RG, WS, "--file", str(definition))
    cli(*set_model, RG, WS, "--model-url", job["model_url_without_sas"], "--dry-run")
    cli("webservice", "score", RG, WS, "--input", str(data["score-rows"]))
    assert cli.seen - {("classic", "services", "list"), ("classic", "retrain")} == ARM_FLOW


def test_promotion_flow_prints_what_the_module_reads(
    emulator: Emulator, cli: Recorder, services: dict[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    predictive = services["Predictive"]
    data = census_data(tmp_path / "data")
    for name in (EP, "pwsh02"):
        cli("classic", "endpoints", "create", predictive, name)
    target = f"classic:{predictive}/{EP}"
    first = retrain(cli, services["Training"], data["census-2025"])
    second = retrain(cli, services["Training"], data["census-2026"])

    assert cli("gate", "--candidate", f"job:{first['job_id']}", "--target", target)["outcome"] == "pass"
    cli("promote", target, "--from-job", first["job_id"], "--gate", "--dry-run")
    cli("promote", target, "--model-url", "-", "--reason", "pwsh",
        stdin=first["model_url_without_sas"] + "\n")
    # Get-AmlTarget: what the target serves now is the model just promoted.
    assert cli("target", "show", target)["model_url"] == first["model_url_without_sas"]
    plan_file = tmp_path / "plan.json"
    plan = cli("plan", target, "--out", str(plan_file), "--from-job", second["job_id"], "--gate")
    cli("apply", plan["plan_file"])

    # Test-AmlModelGate accepts exit 8: the verdict is still JSON on stdout.
    emulator.config(degrade_training=True)
    worse = retrain(cli, services["Training"], data["census-2025"])
    gated = cli("gate", "--candidate", f"job:{worse['job_id']}", "--target", target, code=8)
    assert gated["outcome"] == "gated"
    emulator.config(degrade_training=False)
    entries = cli("ledger", "show", target)
    cli("rollback", target, "--to", str(entries[0]["seq"]), "--reason", "pwsh", "--dry-run")
    cli("rollback", target, "--reason", "pwsh")
    assert cli("ledger", "verify")["ok"] is True
    # Repair-AmlPromotionLedger: a torn last line (a crash mid-append) is cut after a backup.
    with (tmp_path / "ledger.jsonl").open("ab") as ledger:
        ledger.write(b'{"seq": 99, "act')
    repaired = cli("ledger", "repair")
    assert repaired["ok"] is True and repaired["removed_bytes"] > 0 and Path(repaired["backup"]).is_file()

    manifest = tmp_path / "fanout.yaml"
    manifest.write_text(yaml.safe_dump({"version": 1, "waves": True, "targets": [
        {"name": "pwsh02", "target": f"classic:{predictive}/pwsh02", "from_job": second["job_id"]}]}))
    # New-AmlFanoutRunId, then Invoke-AmlFanout -Shard 1/1 -RunId: the shard runs under that id.
    made = cli("fanout", "new-run-id")["run_id"]
    fanout = cli("fanout", "run", str(manifest), "--concurrency", "2", "--keep-going",
                 "--junit", str(tmp_path / "fanout.xml"), "--shard", "1/1", "--run-id", made)
    assert fanout["outcome"] == "ok" and (tmp_path / "fanout.xml").exists()
    assert fanout["run_id"] == made
    run = cli("fanout", "status", fanout["run_id"])  # Get-AmlFanoutRun, piped from Invoke-AmlFanout
    assert [t["target"] for t in run["targets"]] == [f"classic:{predictive}/pwsh02"]
    assert PROMOTION_FLOW <= cli.seen


def test_online_flow_prints_what_the_module_reads(
    emulator: Emulator, cli: Recorder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.integration.test_online_promotion import ENDPOINT, fast
    from tests.integration.test_online_promotion import RG as ONLINE_RG
    from tests.integration.test_online_promotion import WS as ONLINE_WS

    fast(emulator)
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    where = (ONLINE_RG, ONLINE_WS)
    data = census_data(tmp_path / "data")
    assert ENDPOINT in [e["name"] for e in cli("online", "endpoints", "list", *where)]
    cli("online", "endpoints", "show", *where, ENDPOINT)
    [blue] = cli("online", "deployments", "list", *where, ENDPOINT)
    cli("online", "deployments", "show", *where, ENDPOINT, blue["name"])
    [container] = cli("online", "models", "list", *where)
    job = cli("online", "retrain", *where, "--data", str(data["census-2026"]), "--endpoint", ENDPOINT,
              "--timeout", "600")
    versions = cli("online", "models", "list", *where, "--name", job["model_name"])
    assert container["name"] == job["model_name"] and job["model"] in [v["model_ref"] for v in versions]
    # Publish-AmlModel -ModelUrl passes the model on stdin (--model-url -), as it does a SAS URL.
    target = f"online:{ONLINE_RG}/{ONLINE_WS}/{ENDPOINT}"
    assert cli("gate", "--candidate", f"job:{job['job_id']}", "--target", target)["outcome"] == "pass"
    promoted = cli("promote", target, "--model-url", "-", "--reason", "pwsh", "--smoke",
                   str(data["score-rows"]), stdin=job["model"] + "\n")
    assert promoted["new_model"] == job["model"]
    assert cli("target", "show", target)["model_url"] == job["model"]
    scored = cli("online", "score", *where, ENDPOINT, "--input", str(data["score-rows"]),
                 "--deployment", promoted["deploy"]["deployment"])
    assert scored["deployment"] == promoted["deploy"]["deployment"]
    assert ONLINE_FLOW <= cli.seen
