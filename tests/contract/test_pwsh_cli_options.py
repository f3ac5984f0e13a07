"""The module exposes the CLI's job-service and ARM-timeout options wherever it calls a command that has
them (issue 13: a job missing from the local journal needs --service; ARM writes take --timeout), leaves
the target and service grammar to the CLI, and wraps `target show` as Get-AmlTarget (issue 14).

Static, with tree-sitter-pwsh (tests/contract/pwsh_contract.py); Pester (tests/pwsh/Cmdlets.Tests.ps1)
checks the same cmdlets with PowerShell's own binder on agents that have pwsh.
"""

from __future__ import annotations

import re

import pytest

from tests.contract import pwsh_contract as ps

pytest.importorskip("tree_sitter_pwsh")

# Set-AmlWebServiceDefinitionModel runs `webservice set-model --file`: it edits a local file, so the
# ARM write budget does not apply to it.
NO_ARM_WRITE = {"Set-AmlWebServiceDefinitionModel"}
# What the CLI prints as web_service_id (core classic/retrain.py: the journal's reference) and what
# training_services.canonical_reference accepts, and forms it refuses.
SERVICE_ACCEPTED = ["a3f9b2c1d4e54f6a8b7c9d0e1f2a3b4c", "A3F9B2C1D4E54F6A8B7C9D0E1F2A3B4C",
                    "arm:ml-prod-rg/census-model-training-ws", "arm:rg.with(parens)_1/ws"]
SERVICE_REFUSED = ["", "arm:only-a-group", "arm:/ws", "arm:rg/", "arm:rg/ws/extra", "a3f9/b2c1",
                   "a3f9b2c1d4e54f6a8b7c9d0e1f2a3b4c x", "arm:rg/ws?x"]


def functions() -> tuple[ps.Function, ...]:
    return ps.public_functions()


def leaves() -> dict[ps.Command, object]:
    return ps.cli_leaves(ps.cli_root())


def calls_with(option: str) -> list[tuple[ps.Function, ps.Invocation]]:
    """(function, invocation) for each module call of a CLI command that has ``option``."""
    commands = leaves()
    return [(fn, inv) for fn in functions() for inv in fn.invocations
            if inv.path in commands and option in ps.option_names(commands[inv.path])]


def test_every_command_with_a_job_service_option_gets_it() -> None:
    found = calls_with("--service")
    paths = {inv.path for _, inv in found}
    assert {("promote",), ("plan",), ("gate",), ("classic", "endpoints", "set-model"),
            ("webservice", "set-model"), ("classic", "jobs", "status")} <= paths
    assert [f"{fn.name} ({' '.join(inv.path)})" for fn, inv in found if "--service" not in inv.options] == []


@pytest.mark.parametrize(("fn", "inv"), calls_with("--service"), ids=lambda x: getattr(x, "name", ""))
def test_the_service_parameter_is_the_job_cmdlets_one(fn: ps.Function, inv: ps.Invocation) -> None:
    param = next(p for p in fn.params if p.name == "TrainingWebServiceId")
    assert param.aliases == ["web_service_id"] and param.by_property_name
    body = ps.text(fn.node)
    assert "'--service', $TrainingWebServiceId" in body
    assert fn.help_section("PARAMETER") and any(s.startswith("TrainingWebServiceId") for s in
                                                fn.help_section("PARAMETER"))
    if any(p.name == "FromJob" for p in fn.params) and fn.name != "Test-AmlModelGate":
        # Only in the FromJob set: PowerShell itself refuses it with -ModelUrl (and pipeline input
        # binds it only when a job is given), so the CLI never gets --service without --from-job.
        sets = re.findall(r"ParameterSetName\s*=\s*'(\w+)'", param.attributes["Parameter"])
        assert sets == ["FromJob"], fn.name


WITH_SERVICE = [f for f in functions() if any(p.name == "TrainingWebServiceId" for p in f.params)]


@pytest.mark.parametrize("fn", WITH_SERVICE, ids=lambda f: f.name)
def test_the_service_is_passed_through_for_the_cli_to_check(fn: ps.Function) -> None:
    # No copy of the training-service grammar (it names the target prefix arm:): the CLI checks it,
    # so a form it learns binds here unchanged, a piped web_service_id never fails binding.
    param = next(p for p in fn.params if p.name == "TrainingWebServiceId")
    assert "ValidatePattern" not in param.attributes, f"{fn.name}: leave the service to the CLI"
    assert "ValidateNotNullOrEmpty" in param.attributes


def test_the_cli_refuses_a_malformed_service_with_a_usage_error_and_no_request() -> None:
    from typer.testing import CliRunner

    from aml_retrain.errors import ValidationError
    from aml_retrain.training_services import canonical_reference
    from aml_retrain_cli.main import app

    for sample in SERVICE_ACCEPTED:
        canonical_reference(sample)  # what the module used to let through still passes
    for sample in [s for s in SERVICE_REFUSED if s]:
        with pytest.raises(ValidationError):
            canonical_reference(sample)
    # Exit 2 is AmlUsage / InvalidArgument in the module (New-AmlCliErrorRecord); no settings are
    # set here, so a request would have failed on the missing workspace first.
    result = CliRunner().invoke(app, ["-o", "json", "classic", "jobs", "status", "J1",
                                      "--service", "arm:only-a-group"])
    assert result.exit_code == 2 and "invalid training service" in result.output


# --- Get-AmlTarget ↔ aml-retrain target show ----------------------------------------------------
# Connection parameters the invoker maps (global options or child environment) that reading a
# target can need: the classic workspace or the ARM subscription, and their secrets.
TARGET_CONNECTION = {"ProfilePath", "WorkspaceId", "WorkspaceToken", "ConfigFile", "Region",
                     "SubscriptionId", "ArmToken"}


def test_get_aml_target_runs_target_show_with_the_target_as_its_argument() -> None:
    fn = ps.module_commands()["get-amltarget"]
    [inv] = fn.invocations
    assert inv.path == ("target", "show") and inv.options == []
    assert "-Arguments @($Target)" in ps.text(fn.node)
    command = leaves()[("target", "show")]
    arguments = [p for p in command.params if getattr(p, "param_type_name", "") == "argument"]
    assert [(a.name, a.metavar) for a in arguments] == [("target", "TARGET")]
    # An option added to target show needs a parameter here (and this list updated).
    assert ps.option_names(command) - {"--help", "-h"} == set()


def test_get_aml_target_parameters_are_the_target_and_the_connection() -> None:
    fn = ps.module_commands()["get-amltarget"]
    names = [p.name for p in fn.params]
    assert names[0] == "Target" and set(names[1:]) == TARGET_CONNECTION
    target = fn.params[0]
    declared = target.attributes["Parameter"]
    # Strings bind by value, ledger entries / plans / promotion results by their target property:
    # PowerShell tries ByValue, then ByPropertyName, each first without type conversion
    # (about_Parameter_Binding, PowerShell 7.4), so an entry's target string wins over the entry.
    for flag in ("Mandatory", "Position = 0", "ValueFromPipeline,", "ValueFromPipelineByPropertyName"):
        assert flag in declared + ",", flag
    assert set(target.attributes) == {"Parameter", "ValidateNotNullOrEmpty"}
    assert ps.text(fn.node).count("[OutputType('AmlRetrain.TargetState')]") == 1
    assert ps.format_views()["AmlRetrain.TargetState"] == ["target", "model_url", "state_hash"]


def test_the_gate_passes_the_service_only_for_a_job_candidate() -> None:
    body = ps.text(ps.module_commands()["test-amlmodelgate"].node)
    guard = body.index("if (-not $metrics.StartsWith('job:'))")
    assert guard < body.index("'--service', $TrainingWebServiceId")
    assert "'AmlServiceWithoutJob', 'InvalidArgument'" in body


def test_every_arm_write_the_module_runs_gets_the_timeout_budget() -> None:
    found = calls_with("--timeout")
    paths = {inv.path for _, inv in found}
    assert {("apply",), ("promote",), ("rollback",), ("fanout", "run"), ("webservice", "update"),
            ("webservice", "set-model")} <= paths
    missing = [f"{fn.name} ({' '.join(inv.path)})" for fn, inv in found
               if "--timeout" not in inv.options and fn.name not in NO_ARM_WRITE]
    assert missing == []


def test_the_timeout_parameter_has_one_name_and_the_cli_range() -> None:
    for fn, inv in calls_with("--timeout"):
        if fn.name in NO_ARM_WRITE:
            continue
        param = next((p for p in fn.params if p.name == "TimeoutSec"), None)
        assert param is not None, f"{fn.name}: the timeout parameter is -TimeoutSec everywhere"
        assert "'--timeout', $TimeoutSec" in ps.text(fn.node)
        command = leaves()[inv.path]
        option = next(p for p in command.params if "--timeout" in getattr(p, "opts", []))
        if option.max is None:
            continue  # a job's wall-clock budget (classic retrain), not an ARM write
        low, high = (int(n) for n in param.attributes["ValidateRange"].split(","))
        assert (low, high) == (option.min, option.max), fn.name


def test_repairing_the_ledger_asks_first_and_has_no_dry_run() -> None:
    fn = ps.module_commands()["repair-amlpromotionledger"]
    assert re.search(r"ConfirmImpact\s*=\s*'High'", fn.binding or "")
    [inv] = fn.invocations
    assert inv.path == ("ledger", "repair") and inv.options == []
    body = ps.text(fn.node)
    # The CLI has no dry run here: ShouldProcess decides before the call, so -WhatIf calls nothing.
    assert body.index("$PSCmdlet.ShouldProcess(") < body.index(ps.INVOKER + " -Command")
    assert "-SuccessExitCode" not in body, "a chain still broken after the repair is an error"
    columns = ["action", "removed_bytes", "ok", "count", "backup"]
    assert ps.format_views()["AmlRetrain.LedgerRepair"] == columns
