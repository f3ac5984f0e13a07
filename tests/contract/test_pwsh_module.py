"""The AmlRetrain PowerShell module, checked without PowerShell: syntax, manifest, help, verbs, and the
contract with the CLI (every subcommand path and option the module passes exists in the Typer app).

Pester (tests/pwsh) runs the module itself on agents that have pwsh.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.contract import pwsh_contract as ps

pytest.importorskip("tree_sitter_pwsh")

# `Get-Verb` of PowerShell 7.4, hard-coded: the test must not need pwsh.
APPROVED_VERBS = frozenset("""
Add Clear Close Copy Enter Exit Find Format Get Hide Join Lock Move New Open Optimize Pop Push Redo
Remove Rename Reset Resize Search Select Set Show Skip Split Step Switch Undo Unlock Watch
Connect Disconnect Read Receive Send Write
Backup Checkpoint Compare Compress Convert ConvertFrom ConvertTo Dismount Edit Expand Export Group
Import Initialize Limit Merge Mount Out Publish Restore Save Sync Unpublish Update
Debug Measure Ping Repair Resolve Test Trace
Approve Assert Build Complete Confirm Deny Deploy Disable Enable Install Invoke Register Request
Restart Resume Start Stop Submit Suspend Uninstall Unregister Wait
Block Grant Protect Revoke Unblock Unprotect
Use
""".split())
# Verbs that change state: they must support -WhatIf/-Confirm.
MUTATING_VERBS = frozenset("""
Add Clear Copy Move New Remove Rename Reset Set Undo Update Edit Export Import Publish Restore
Unpublish Approve Deploy Disable Enable Install Register Restart Start Stop Submit Uninstall
Unregister Grant Revoke Block Unblock Protect Unprotect Repair
""".split()) - {"Import"}  # Import-AmlWebServiceDefinition only reads and validates a file
# Invoke-* functions that change a service (the others score or read).
MUTATING_INVOKE = {"Invoke-AmlPromotionPlan", "Invoke-AmlFanout"}
# CLI commands deliberately without a cmdlet: local tooling, not part of the retraining flows.
NOT_WRAPPED = {("auth", "show"), ("emulator", "start"), ("emulator", "stop"), ("storage", "upload"),
               ("emulator", "install-azurite"), ("emulator", "sample-data"),
               # `jobs` is the same group as `classic jobs`, which the job cmdlets call.
               ("jobs", "status"), ("jobs", "wait"), ("jobs", "cancel")}
# The flows of the issue: each must be reachable from PowerShell.
REQUIRED_COMMANDS = {
    ("classic", "services", "list"), ("classic", "services", "show"), ("classic", "endpoints", "list"),
    ("classic", "endpoints", "show"), ("classic", "endpoints", "create"), ("classic", "endpoints", "delete"),
    ("classic", "endpoints", "patch-url"), ("classic", "endpoints", "set-model"), ("classic", "retrain"),
    ("webservice", "retrain"),
    ("classic", "jobs", "status"), ("classic", "jobs", "wait"), ("classic", "jobs", "cancel"),
    ("classic", "score"), ("webservice", "list"), ("webservice", "show"), ("webservice", "export"),
    ("webservice", "set-model"), ("webservice", "import"), ("webservice", "update"), ("webservice", "keys"),
    ("gate",), ("plan",), ("apply",), ("promote",), ("rollback",), ("ledger", "show"),
    ("ledger", "verify"), ("ledger", "repair"), ("fanout", "run"), ("fanout", "status"), ("target", "show"),
    ("online", "endpoints", "list"), ("online", "endpoints", "show"), ("online", "deployments", "list"),
    ("online", "deployments", "show"), ("online", "models", "list"), ("online", "retrain"),
    ("online", "score"),
}
# The documented names with unapproved verbs (and the Az-like ones) that must stay reachable as aliases.
REQUIRED_ALIASES = {"Patch-AmlWebServiceEndpoint", "Add-AmlWebServiceEndpoint",
                    "Export-AmlWebService", "Import-AmlWebService", "Update-AmlWebService"}
SECRET_PARAMS = {"WorkspaceToken", "ArmToken", "StorageConnectionString"}

BROKEN_SAMPLES = {
    "missing brace": "function Get-X {\n    [CmdletBinding()]\n    param([string] $A)\n    process { $A\n}\n",
    "unclosed paren": "function Get-X {\n    param([string] $A\n    $A\n}\n",
    "unterminated string": "function Get-X {\n    Write-Output 'no end\n}\n",
    "missing comma in hashtable array": "@{\n    FunctionsToExport = @('A' 'B'\n}\n",
}


def functions() -> tuple[ps.Function, ...]:
    return ps.public_functions()


def invocations() -> list[ps.Invocation]:
    return [inv for fn in functions() for inv in fn.invocations]


# --- syntax ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ps.module_files(), ids=lambda p: str(p.relative_to(ps.REPO)))
def test_file_parses_without_error_or_missing_nodes(path: Path) -> None:
    assert ps.syntax_problems(path.read_bytes()) == []


@pytest.mark.parametrize("source", BROKEN_SAMPLES.values(), ids=list(BROKEN_SAMPLES))
def test_the_syntax_check_catches_a_broken_sample(source: str) -> None:
    assert ps.syntax_problems(source.encode())


def test_the_module_layout_is_complete() -> None:
    expected = {"AmlRetrain.psd1", "AmlRetrain.psm1", "Public", "Private"}
    assert {p.name for p in ps.MODULE.iterdir()} >= expected
    assert (ps.PRIVATE / "Invoke-AmlRetrainCli.ps1").is_file()
    assert (ps.MODULE.parent / "PSScriptAnalyzerSettings.psd1").is_file()
    assert (ps.MODULE.parent / "README.md").is_file()
    psm1 = (ps.MODULE / "AmlRetrain.psm1").read_text(encoding="utf-8")
    assert psm1.index("'Private'") < psm1.index("'Public'")


# --- manifest -------------------------------------------------------------------------------------
def test_module_version_equals_the_python_package_version() -> None:
    # Python 3.10 has no tomllib: the [project] table's version line is enough.
    pyproject = (ps.REPO / "pyproject.toml").read_text(encoding="utf-8")
    project = pyproject.split("[project]", 1)[1].split("\n[", 1)[0]
    version = re.search(r'^version\s*=\s*"([^"]+)"', project, re.MULTILINE)
    assert version and ps.manifest()["ModuleVersion"] == version.group(1)


def test_manifest_declares_edition_version_and_gallery_fields() -> None:
    m = ps.manifest()
    assert m["RootModule"] == "AmlRetrain.psm1"
    # 7.4: 7.2 is out of support and drops empty native arguments (PSNativeCommandArgumentPassing).
    assert m["PowerShellVersion"] == "7.4"
    assert m["CompatiblePSEditions"] == ["Core"]
    assert re.fullmatch(r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}", m["GUID"])
    assert m["GUID"] == "13d0c64d-ed14-4f30-b43b-9510d72e3de0", "the GUID never changes"
    assert len(m["Description"]) > 40
    assert {"Azure", "MachineLearning"} <= set(m["PrivateData"]["PSData"]["Tags"])


def test_manifest_exports_are_explicit_lists() -> None:
    m = ps.manifest()
    for key in ("FunctionsToExport", "CmdletsToExport", "VariablesToExport", "AliasesToExport"):
        assert isinstance(m[key], list), key
        assert not any("*" in name for name in m[key]), f"{key} uses a wildcard"


def test_exported_functions_are_exactly_the_public_functions() -> None:
    exported = ps.manifest()["FunctionsToExport"]
    assert len(exported) == len(set(exported))
    assert sorted(exported) == sorted(fn.name for fn in functions())


def test_one_function_per_public_file_named_after_it() -> None:
    for path in sorted(ps.PUBLIC.glob("*.ps1")):
        names = [fn.name for fn in ps.read_functions(path)]
        assert names == [path.stem], path.name


def test_exported_aliases_are_exactly_the_declared_ones() -> None:
    declared = [alias for fn in functions() for alias in fn.aliases]
    assert sorted(ps.manifest()["AliasesToExport"]) == sorted(declared)
    assert REQUIRED_ALIASES <= set(declared)


# --- names, binding, help -------------------------------------------------------------------------
@pytest.mark.parametrize("fn", functions(), ids=lambda f: f.name)
def test_function_uses_an_approved_verb_and_the_aml_prefix(fn: ps.Function) -> None:
    verb, _, noun = fn.name.partition("-")
    assert verb in APPROVED_VERBS
    assert noun.startswith("Aml")


@pytest.mark.parametrize("fn", functions(), ids=lambda f: f.name)
def test_function_is_an_advanced_function(fn: ps.Function) -> None:
    assert fn.binding is not None, "missing [CmdletBinding()]"


@pytest.mark.parametrize("fn", functions(), ids=lambda f: f.name)
def test_function_has_complete_help(fn: ps.Function) -> None:
    assert fn.help.startswith("<#"), "comment-based help must open the function body"
    for keyword in ("SYNOPSIS", "DESCRIPTION", "OUTPUTS"):
        sections = fn.help_section(keyword)
        assert len(sections) == 1 and sections[0], f".{keyword}"
    assert fn.help_section("EXAMPLE") and all(fn.help_section("EXAMPLE"))
    assert fn.help_parameters() == [p.name for p in fn.params], ".PARAMETER per parameter, in order"
    assert all(len(s.split(None, 1)) == 2 for s in fn.help_section("PARAMETER")), "empty .PARAMETER"


@pytest.mark.parametrize("fn", functions(), ids=lambda f: f.name)
def test_state_changing_functions_support_should_process(fn: ps.Function) -> None:
    mutating = fn.verb in MUTATING_VERBS or fn.name in MUTATING_INVOKE
    declares = "SupportsShouldProcess" in (fn.binding or "")
    assert declares == mutating
    if mutating:
        assert re.search(r"ConfirmImpact\s*=\s*'(Low|Medium|High)'", fn.binding or "")
        assert "$PSCmdlet.ShouldProcess(" in ps.text(fn.node)


def test_what_if_maps_to_the_cli_dry_run_wherever_the_cli_has_one() -> None:
    leaves = ps.cli_leaves(ps.cli_root())
    for fn in functions():
        for inv in fn.invocations:
            command = leaves.get(inv.path) or leaves[ps.PENDING_COMMANDS[inv.path]]
            if "--dry-run" in ps.option_names(command):
                assert "SupportsShouldProcess" in (fn.binding or ""), fn.name
                command = " ".join(inv.path)
                assert "--dry-run" in inv.options, f"{fn.name}: -WhatIf must run {command} --dry-run"
                assert "$WhatIfPreference" in ps.text(fn.node), fn.name


@pytest.mark.parametrize("fn", functions(), ids=lambda f: f.name)
def test_parameters_are_validated_and_secrets_are_secure(fn: ps.Function) -> None:
    validators = ("Validate", "AllowEmpty")
    for param in fn.params:
        declared = " ".join(param.attributes)
        is_switch = re.search(rf"\[switch\]\s*\${param.name}\b", ps.text(fn.node), re.IGNORECASE)
        is_secure = re.search(rf"\[(securestring|pscredential|hashtable|psobject)\]\s*\${param.name}\b",
                              ps.text(fn.node), re.IGNORECASE)
        if param.name in SECRET_PARAMS:
            assert is_secure, f"{param.name} must be a SecureString"
        elif not (is_switch or is_secure or param.name in {"SasBlobToken"}):
            assert any(v in declared for v in validators), f"{fn.name} -{param.name}: no validation"


@pytest.mark.parametrize("fn", functions(), ids=lambda f: f.name)
def test_secrets_never_reach_arguments(fn: ps.Function) -> None:
    body = ps.text(fn.node)
    for name in SECRET_PARAMS:
        uses = re.findall(rf"\${name}\b", body, re.IGNORECASE)
        assert len(uses) <= 1, f"${name} is used beyond its declaration"


def test_pipeline_bindings_bind_from_the_cli_field_names() -> None:
    by_name = {fn.name: fn for fn in functions()}
    for _, consumer, mapping in ps.PIPES:
        params = {p.name: p for p in by_name[consumer].params}
        for param_name, json_field in mapping.items():
            param = params[param_name]
            assert param.by_property_name, f"{consumer} -{param_name} is not bound by property name"
            accepted = {param.name.lower(), *(a.lower() for a in param.aliases)}
            assert json_field.lower() in accepted, f"{consumer} -{param_name} does not bind from {json_field}"


def test_fields_the_module_reads_appear_in_its_code() -> None:
    by_name = {fn.name: fn for fn in functions()}
    for command, reader, json_field in ps.READS:
        fn = by_name[reader]
        assert command in {inv.path for inv in fn.invocations}, f"{reader} does not call {command}"
        read = re.search(rf"\$\w+\.{re.escape(json_field)}\b", ps.text(fn.node))
        assert read, f"{reader} never reads .{json_field}"


@pytest.mark.parametrize("fn", functions(), ids=lambda f: f.name)
def test_every_output_is_tagged_with_a_type_name(fn: ps.Function) -> None:
    body = ps.text(fn.node)
    names = set(re.findall(r"-TypeName '(AmlRetrain\.\w+)'", body))
    assert len(names) == 1 and len(re.findall(r"-TypeName", body)) == len(fn.invocations)
    assert f"[OutputType('{names.pop()}')]" in body


# --- the one native call site ---------------------------------------------------------------------
def test_only_the_invoker_starts_a_process() -> None:
    for path in ps.MODULE.rglob("*.ps*1"):
        tree = ps.parse(path.read_bytes())
        starts = [n for n in ps.walk(tree.root_node)
                  if (n.type == "command_invocation_operator" and ps.text(n) == "&")
                  or (n.type == "command" and (ps._command_name(n) or "").lower()
                      in {"aml-retrain", "start-process", "invoke-expression", "iex"})]
        source = path.read_text(encoding="utf-8")
        assert starts == [], path.name  # no call operator: PSNativeCommandArgumentPassing never applies
        if path.name == "Invoke-AmlRetrainCli.ps1":
            assert source.count("[System.Diagnostics.Process]::Start($start)") == 1
            assert "'--output', 'json'" in source and "$start.ArgumentList.Add(" in source
        else:
            assert "System.Diagnostics.Process" not in source, path.name


def test_the_invoker_maps_every_documented_exit_code() -> None:
    source = (ps.PRIVATE / "New-AmlCliErrorRecord.ps1").read_text(encoding="utf-8")
    expected = {1: "InvalidResult", 2: "InvalidArgument", 3: "ObjectNotFound", 4: "OperationTimeout",
                5: "AuthenticationError", 6: "ResourceExists", 8: "PermissionDenied", 9: "InvalidOperation",
                130: "OperationStopped"}
    for code, category in expected.items():
        assert re.search(rf"^\s*{code}\s*=\s*@\('Aml\w+', '{category}'", source, re.MULTILINE), code
    assert "'AmlGated'" in source and "'AmlStalePlan'" in source
    readme = (ps.REPO / "README.md").read_text(encoding="utf-8")
    documented = {int(c) for c in re.findall(r"^\| (\d+) \|", readme, re.MULTILINE)} - {0}
    assert documented <= set(expected), "a new exit code in the README needs a mapping"


def test_the_invoker_passes_secrets_by_environment_and_throws_error_records() -> None:
    source = (ps.PRIVATE / "Invoke-AmlRetrainCli.ps1").read_text(encoding="utf-8")
    for variable in ("AML_RETRAIN_WORKSPACE_TOKEN", "AML_RETRAIN_ARM_TOKEN",
                     "AML_RETRAIN_STORAGE_CONNECTION_STRING", "AML_RETRAIN_REGION"):
        assert f"'{variable}'" in source
    # The child's environment block (ProcessStartInfo.Environment), never this process's.
    assert "$start.Environment[$secretVariables[$name]] = ConvertFrom-AmlSecret" in source
    assert "ConvertFrom-Json -InputObject $json -Depth 64" in source
    assert "$process.ExitCode" in source and "$reporter.ThrowTerminatingError(" in source
    assert "$Caller.WriteError($record)" in source
    assert "AML_RETRAIN_CLI" in (ps.PRIVATE / "Resolve-AmlRetrainCli.ps1").read_text(encoding="utf-8")


def test_the_module_never_changes_process_wide_state() -> None:
    # A process-wide variable races between ForEach-Object -Parallel runspaces (they share the
    # process environment); [Console]::OutputEncoding throws where there is no console.
    for path in ps.MODULE.rglob("*.ps*1"):
        # Code only: help examples may show users setting variables.
        source = re.sub(r"<#.*?#>", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
        assert "SetEnvironmentVariable" not in source, path.name
        assert not re.search(r"\$env:\w+\s*=[^=]", source), path.name
        assert not re.search(r"Env:", source.replace("$env:", "")), path.name
        assert not re.search(r"\[Console\]::(Output|Input)Encoding\s*=", source), path.name


def test_the_cli_is_found_on_the_path_before_the_current_folder() -> None:
    source = (ps.PRIVATE / "Resolve-AmlRetrainCli.ps1").read_text(encoding="utf-8")
    # Test-Path on a bare name would find ./aml-retrain first: only names with a folder are paths.
    body = source.split("param()", 1)[1]
    assert body.index("$name.Contains('/')") < body.index("Test-Path -LiteralPath $name")
    assert "Get-Command -Name $name -CommandType Application" in body


def test_every_public_call_hands_the_invoker_its_cmdlet() -> None:
    for fn in functions():
        calls = [n for n in ps.walk(fn.node) if n.type == "command" and ps._command_name(n) == ps.INVOKER]
        for call in calls:
            assert "-Caller $PSCmdlet" in ps.text(call), f"{fn.name} line {call.start_point.row + 1}"


# --- contract with the CLI ------------------------------------------------------------------------
def test_the_module_invokes_only_commands_and_options_the_cli_has() -> None:
    assert ps.contract_problems(invocations(), ps.cli_root()) == []


@pytest.mark.parametrize("fn", functions(), ids=lambda f: f.name)
def test_every_option_literal_belongs_to_one_invocation(fn: ps.Function) -> None:
    assert fn.invocations, f"{fn.name} never calls {ps.INVOKER}"
    assert fn.stray_options == []


def test_global_options_of_the_invoker_exist_on_the_root_command() -> None:
    root = ps.cli_root()
    source = ps.parse((ps.PRIVATE / "Invoke-AmlRetrainCli.ps1").read_bytes()).root_node
    literals = {ps.string_value(s) for s in ps.strings(source) if ps.string_value(s).startswith("--")}
    assert literals == {"--output", "--profile", "--subscription", "--workspace", "--ledger"}
    assert literals <= ps.option_names(root)
    from typer.testing import CliRunner

    from aml_retrain_cli.main import app

    # The value the invoker always passes is accepted (a wrong one is a usage error, exit 2).
    assert CliRunner().invoke(app, ["--output", "json", "ledger", "--help"]).exit_code == 0
    assert CliRunner().invoke(app, ["--output", "jsonl", "ledger", "--help"]).exit_code == 2


def test_every_flow_command_has_a_cmdlet_and_every_cli_command_is_accounted_for() -> None:
    called = {inv.path for inv in invocations()}
    assert REQUIRED_COMMANDS <= called
    leaves = set(ps.cli_leaves(ps.cli_root()))
    assert leaves - called - NOT_WRAPPED == set(), "a new CLI command: wrap it or add it to NOT_WRAPPED"
    assert called - leaves <= set(ps.PENDING_COMMANDS), "the module calls a command the CLI lacks"


def test_renaming_a_cli_option_breaks_the_contract() -> None:
    root = ps.cli_root()  # a fresh Click tree: renaming here does not touch the app
    set_model = ps.cli_leaves(root)[("classic", "endpoints", "set-model")]
    option = next(p for p in set_model.params if "--from-job" in p.opts)
    option.opts = ["--from-run"]
    problems = ps.contract_problems(invocations(), root)
    assert any("unknown option --from-job" in p for p in problems)


def test_removing_a_cli_command_breaks_the_contract() -> None:
    root = ps.cli_root()
    del root.commands["ledger"].commands["verify"]
    assert any("ledger verify: no such command" in p for p in ps.contract_problems(invocations(), root))


def test_a_required_cli_option_the_module_omits_breaks_the_contract() -> None:
    root = ps.cli_root()
    show = ps.cli_leaves(root)[("ledger", "show")]
    extra = next(p for p in ps.cli_leaves(root)[("gate",)].params if "--candidate" in p.opts)
    show.params.append(extra)
    assert any("required option --candidate" in p for p in ps.contract_problems(invocations(), root))


# --- README ---------------------------------------------------------------------------------------
def test_readme_maps_the_documented_cmdlets_and_has_a_script_per_flow() -> None:
    readme = (ps.MODULE.parent / "README.md").read_text(encoding="utf-8")
    for documented in ("Add-AmlWebServiceEndpoint", "Patch-AmlWebServiceEndpoint",
                       "Invoke-AmlWebServiceBESEndpoint", "Get-AzMlWebService", "Export-AzMlWebService",
                       "Import-AzMlWebService", "Update-AzMlWebService"):
        assert re.search(rf"^\|[^\n]*`{documented}[^\n]*\|", readme, re.MULTILINE), documented
    for fn in functions():
        assert f"`{fn.name}`" in readme, f"{fn.name} is not in the README"
    scripts = re.findall(r"```powershell\n(.*?)```", readme, re.DOTALL)
    assert any("Start-AmlRetraining" in s and "Update-AmlWebServiceEndpoint" in s for s in scripts)
    assert any("Export-AmlWebServiceDefinition" in s and "Update-AmlNewWebService" in s for s in scripts)
    for script in scripts:
        assert ps.syntax_problems(script.encode()) == [], script[:60]


# --- error lines ----------------------------------------------------------------------------------
def _message_pattern() -> re.Pattern[str]:
    """The regex New-AmlCliErrorRecord selects the CLI's error line with (PowerShell -match: no case)."""
    source = (ps.PRIVATE / "New-AmlCliErrorRecord.ps1").read_text(encoding="utf-8")
    found = re.search(r"\$_ -match '([^']+)'", source)
    assert found, "New-AmlCliErrorRecord selects the message line with -match '...'"
    return re.compile(found.group(1), re.IGNORECASE)


def test_the_module_takes_the_cli_usage_error_line_as_its_message() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "from aml_retrain_cli.main import main; main()",
         "--output", "json", "classic", "endpoints", "show", "x", "y", "--nope"],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    chosen = [line for line in lines if _message_pattern().match(line)]
    assert chosen == ["aml-retrain: error: No such option: --nope"]


def test_the_module_never_takes_a_box_header_as_its_message() -> None:
    boxed = ["Usage: aml-retrain classic endpoints show [OPTIONS]", "╭─ Error ─────╮",
             "│ No such option: --nope │", "╰─────────────╯"]
    assert [line for line in boxed if _message_pattern().match(line.strip())] == []
    assert _message_pattern().match("NotFoundError: endpoint not found (HTTP 404)")


# --- internal file writes under -WhatIf ------------------------------------------------------------
# Cmdlets that support ShouldProcess themselves (their help lists -WhatIf/-Confirm). Called inside a
# function that declares SupportsShouldProcess they inherit $WhatIfPreference and $ConfirmPreference,
# so under -WhatIf they silently do nothing (PowerShell/PSScriptAnalyzer#1892: "PowerShell passes
# WhatIfPreference on automatically"; learn.microsoft.com "Everything you wanted to know about
# ShouldProcess", "Nested functions"). Internal writes must opt out or use .NET file APIs.
SHOULD_PROCESS_CMDLETS = frozenset(name.lower() for name in """
Set-Content Add-Content Clear-Content Out-File New-Item Remove-Item Copy-Item Move-Item Rename-Item
Set-Item Clear-Item New-TemporaryFile Export-Csv Export-Clixml Set-ItemProperty New-ItemProperty
Remove-ItemProperty Remove-Variable Set-Variable New-Variable Clear-Variable
""".split())


def unguarded_internal_writes(source: bytes) -> list[str]:
    """'Function line N: Cmdlet' for each ShouldProcess cmdlet without -WhatIf:$false -Confirm:$false
    inside a function that declares SupportsShouldProcess."""
    problems = []
    for node in ps.walk(ps.parse(source).root_node):
        declared = ps.text(node).split("param(")[0]
        if node.type != "function_statement" or "SupportsShouldProcess" not in declared:
            continue
        name = ps.text(next(c for c in node.children if c.type == "function_name"))
        for command in ps.walk(node):
            cmdlet = (ps._command_name(command) or "") if command.type == "command" else ""
            if cmdlet.lower() not in SHOULD_PROCESS_CMDLETS:
                continue
            call = ps.text(command)
            if not all(re.search(rf"-{name}:\$false\b", call, re.I) for name in ("WhatIf", "Confirm")):
                problems.append(f"{name} line {command.start_point.row + 1}: {cmdlet}")
    return problems


def test_internal_file_writes_in_should_process_functions_ignore_what_if() -> None:
    problems = [p for path in ps.MODULE.rglob("*.ps1") for p in unguarded_internal_writes(path.read_bytes())]
    assert problems == []


def test_the_what_if_write_check_catches_an_unguarded_write() -> None:
    source = b"""function Set-AmlX {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    param([string] $Path)
    '{}' | Set-Content -LiteralPath $Path
    Remove-Item -LiteralPath $Path -WhatIf:$false -Confirm:$false
    New-Item -ItemType File -Path $Path -WhatIf:$false
}
function Get-AmlY { [CmdletBinding()] param() Set-Content -LiteralPath x -Value y }
"""
    assert unguarded_internal_writes(source) == ["Set-AmlX line 4: Set-Content", "Set-AmlX line 6: New-Item"]


# --- every parameter used anywhere exists on its cmdlet -------------------------------------------
def _pipeline_scripts(node: Any, where: str) -> Iterator[tuple[str, str]]:
    """(where, script) for every inline PowerShell body of a pipeline YAML document."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _pipeline_scripts(item, f"{where}[{i}]")
    elif isinstance(node, dict):
        for key in ("pwsh", "powershell"):
            if isinstance(node.get(key), str):
                yield f"{where}.{key}", node[key]
        task = str(node.get("task", ""))
        inputs = node.get("inputs") if isinstance(node.get("inputs"), dict) else {}
        if task.startswith(("PowerShell@", "AzurePowerShell@")):
            for key in ("Inline", "inline", "script"):
                if isinstance(inputs.get(key), str):
                    yield f"{where}.inputs.{key}", inputs[key]
        for key, value in node.items():
            yield from _pipeline_scripts(value, f"{where}.{key}")


def usage_sources() -> list[tuple[str, str]]:
    """(where, PowerShell text) for the tests, the README, help examples and pipeline scripts."""
    import yaml

    sources = [(str(p.relative_to(ps.REPO)), p.read_text(encoding="utf-8"))
               for p in sorted((ps.REPO / "tests" / "pwsh").glob("*.ps1"))]
    readme = (ps.MODULE.parent / "README.md").read_text(encoding="utf-8")
    sources += [(f"pwsh-module/README.md block {i + 1}", block)
                for i, block in enumerate(re.findall(r"```powershell\n(.*?)```", readme, re.DOTALL))]
    sources += [(f"{fn.name} .EXAMPLE {i + 1}", example)
                for fn in functions() for i, example in enumerate(fn.help_section("EXAMPLE"))]
    pipelines = ps.REPO / "ado-pipelines"
    for path in sorted(pipelines.rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        sources += list(_pipeline_scripts(document, str(path.relative_to(ps.REPO))))
    sources += [(str(p.relative_to(ps.REPO)), p.read_text(encoding="utf-8"))
                for p in sorted(pipelines.rglob("*.ps1"))]
    return sources


def test_the_usage_sources_cover_tests_readme_help_and_pipelines() -> None:
    wheres = [where for where, _ in usage_sources()]
    assert any(w.startswith("tests/pwsh/Cmdlets.Tests.ps1") for w in wheres)
    assert any(w.startswith("pwsh-module/README.md block") for w in wheres)
    assert any(".EXAMPLE" in w for w in wheres)
    assert any(w.startswith("ado-pipelines/templates/") and "Inline" in w for w in wheres)


def test_every_parameter_used_in_tests_readme_help_and_pipelines_exists() -> None:
    problems = [p for where, source in usage_sources() for p in ps.parameter_problems(source.encode(), where)]
    assert problems == []


def test_the_parameter_check_catches_a_missing_parameter_a_prefix_and_a_splat() -> None:
    source = b"""Get-AmlWebService -WorkspaceToken $t -StorageConnectionString $t
Export-AmlWebServiceDefinition -ResourceGroup rg -WebServiceN ws -Path x -WhatIf
$splat = @{ WebServiceId = 'x'; Bogus = 1 }
Start-AmlRetraining @splat -Data d -Verbose
Get-AmlWebService -Id $id -WhatIf
"""
    assert ps.parameter_problems(source, "sample") == [
        "sample line 1: Get-AmlWebService -StorageConnectionString: no such parameter",
        "sample line 2: Export-AmlWebServiceDefinition -WebServiceN: binds by prefix to -Name",
        "sample line 4: Start-AmlRetraining -Bogus: no such parameter",
        "sample line 5: Get-AmlWebService -WhatIf: no such parameter",
    ]


def test_the_default_mock_has_every_field_the_cmdlets_read_under_strict_mode() -> None:
    # The module runs under Set-StrictMode -Version 3.0: reading a property the object lacks throws
    # (about_Set-StrictMode, "3.0: ... references to non-existent properties of an object").
    source = (ps.REPO / "tests" / "pwsh" / "Cmdlets.Tests.ps1").read_bytes()
    root = ps.parse(source).root_node
    before_each = next(n for n in ps.walk(root)
                       if n.type == "command" and ps._command_name(n) == "BeforeEach")
    table = next(n for n in ps.walk(before_each) if n.type == "hash_literal_expression")
    keys = {ps.text(e.children[0]) for e in ps.walk(table) if e.type == "hash_entry"}
    # Property names are case-insensitive in PowerShell (and a hashtable literal refuses Name and
    # name together): Name = 'ep1' serves Get-AmlWebService's .Name and Get-AmlOnlineEndpoint's .name.
    assert {name.lower() for _, _, name in ps.READS} <= {key.lower() for key in keys}


# --- the documented azuremlps and Az.MachineLearning names ----------------------------------------
# azuremlps (hning86/azuremlps): every cmdlet derives from AzureMLPsCmdlet (code/PowerShell/
# BaseCmdlets.cs: -Location, -ConfigFile, -WorkspaceId, -AuthorizationToken); the endpoint cmdlets are
# in code/PowerShell/WebServiceEndpointCmdlets.cs, the invoke ones in InvokeWebServiceCmdlets.cs.
_AZUREMLPS_BASE = ("Location", "ConfigFile", "WorkspaceId", "AuthorizationToken")
AZUREMLPS = {
    "Get-AmlWebService": _AZUREMLPS_BASE,
    "Get-AmlWebServiceEndpoint": ("WebServiceId", "EndpointName", *_AZUREMLPS_BASE),
    "Remove-AmlWebServiceEndpoint": ("WebServiceId", "EndpointName", *_AZUREMLPS_BASE),
    "Add-AmlWebServiceEndpoint": ("WebServiceId", "EndpointName", "Description", "ThrottleLevel",
                                  "MaxConcurrentCalls", "PreventUpdate", *_AZUREMLPS_BASE),
    "Patch-AmlWebServiceEndpoint": ("WebServiceId", "EndpointName", "ResourceName", "BaseLocation",
                                    "RelativeLocation", "SasBlobToken", *_AZUREMLPS_BASE),
    # Derived from AzureMLPsCmdletBase: no config parameters, an API key and URL instead.
    "Invoke-AmlWebServiceBESEndpoint": ("ApiKey", "SubmitJobRequestUrl", "JobConfigFile", "JobConfigString"),
    "Invoke-AmlWebServiceRRSEndpoint": ("ApiKey", "ApiLocation", "InputJsonText", "InputJsonFile",
                                        "OutputJsonFile"),
}
# Az.MachineLearning (learn.microsoft.com/powershell/module/az.machinelearning): the parameters the
# documented retraining flow uses, under the module's names (Az -> Aml, Get-AzMlWebService ->
# Get-AmlNewWebService since Get-AmlWebService is the classic cmdlet).
AZ_MACHINE_LEARNING = {
    "Get-AmlNewWebService": ("ResourceGroupName", "Name"),
    "Export-AmlWebService": ("WebService", "OutputFile"),
    "Import-AmlWebService": ("InputFile",),
    "Update-AmlWebService": ("ResourceGroupName", "Name", "ServiceUpdates"),
}


@pytest.mark.parametrize(("name", "parameters"), [*AZUREMLPS.items(), *AZ_MACHINE_LEARNING.items()],
                         ids=[*AZUREMLPS, *AZ_MACHINE_LEARNING])
def test_a_documented_name_takes_its_documented_parameters_or_does_not_exist(
        name: str, parameters: tuple[str, ...]) -> None:
    fn = ps.module_commands().get(name.lower())
    if name.startswith("Invoke-AmlWebService") and name.endswith("Endpoint"):
        # Our CLI takes a service id and finds the key and URL itself: no alias rather than one
        # whose documented parameters fail to bind.
        assert fn is None, f"{name} is an alias but cannot take {parameters}"
        return
    assert fn is not None, f"{name} is documented but not a command or alias of the module"
    accepted = ps.accepted_names(fn)
    assert [p for p in parameters if p.lower() not in accepted] == []


def test_the_web_service_parameter_is_not_taken_by_prefix() -> None:
    export = ps.module_commands()["export-amlwebservice"]
    assert "webservice" in {p.name.lower() for p in export.params}
    sample = (b"Export-AmlWebService -WebService $wsd -OutputFile x.json\n"
              b"Export-AmlWebService -WebServ $wsd -OutputFile x\n")
    assert ps.parameter_problems(sample, "s") == [
        "s line 2: Export-AmlWebService -WebServ: ambiguous prefix of -Name, -WebService"]


def test_no_function_declares_a_name_or_alias_twice() -> None:
    for fn in ps.module_commands().values():
        names = [n.lower() for p in fn.params for n in (p.name, *p.aliases)]
        assert len(names) == len(set(names)), fn.name


def test_endpoint_name_patterns_equal_the_cli_validation() -> None:
    from aml_retrain.classic.validation import MAX_ENDPOINT_NAME, validate_endpoint_name
    from aml_retrain.errors import ValidationError

    samples = ["default", "ep1", "retrained01", "a", "a" * MAX_ENDPOINT_NAME, "a" * (MAX_ENDPOINT_NAME + 1),
               "Ep1", "EP", "-ep", "ep-", "e-p", "e_p", "e p", "ep\n", "9x", ""]

    def cli_accepts(name: str) -> bool:
        try:
            validate_endpoint_name(name)
        except ValidationError:
            return False
        return True

    checked = 0
    for fn in functions():
        for param in fn.params:
            if "EndpointName" not in param.aliases or "SupportsWildcards" in param.attributes:
                continue
            declared = param.attributes.get("ValidatePattern", "")
            pattern = re.match(r"\s*'([^']+)'", declared)
            assert pattern, f"{fn.name} -{param.name} has no ValidatePattern"
            # ValidatePattern ignores case unless Options = 'None' (RegexOptions.IgnoreCase default).
            flags = 0 if re.search(r"Options\s*=\s*'None'", declared) else re.IGNORECASE
            # .NET's $ also matches before a final newline, as Python's does.
            module = re.compile(pattern.group(1), flags)
            assert [n for n in samples if bool(module.search(n)) != cli_accepts(n)] == [], fn.name
            checked += 1
    assert checked >= 5


def test_resume_run_id_pattern_equals_the_cli_validation() -> None:
    # ValidatePattern ignores case unless Options = 'None' (RegexOptions.IgnoreCase is its default):
    # without it an upper-case id would pass the cmdlet and only fail in the CLI.
    from aml_retrain.errors import ValidationError
    from aml_retrain.promotion.rollout import validate_run_id

    samples = ["20261203T183000Z-1a2b3c4d", "20261203T183000Z-1A2B3C4D", "20261203t183000Z-1a2b3c4d",
               "20261203T183000Z-1a2b3c4", "2026120T183000Z-1a2b3c4d", "20261203T183000Z-1a2b3c4g",
               "20261203T183000Z1a2b3c4d", "", "run"]

    def cli_accepts(run_id: str) -> bool:
        try:
            validate_run_id(run_id)
        except ValidationError:
            return False
        return True

    fn = next(f for f in functions() if f.name == "Invoke-AmlFanout")
    declared = next(p for p in fn.params if p.name == "Resume").attributes["ValidatePattern"]
    flags = 0 if re.search(r"Options\s*=\s*'None'", declared) else re.IGNORECASE
    module = re.compile(re.match(r"\s*'([^']+)'", declared).group(1), flags)  # type: ignore[union-attr]
    assert [s for s in samples if bool(module.search(s)) != cli_accepts(s)] == []


def test_name_filters_treat_studio_brackets_literally() -> None:
    # "Census Model [Training Exp.]" as a -like pattern is a character class ([Training Exp.] matches
    # one character) and never matches the service's own name; the brackets are escaped first.
    body = ps.text(ps.module_commands()["get-amlwebservice"].node)
    escape = body.index("$Name -replace '([\\[\\]`])', '`$1'")
    assert escape < body.index("$_.Name -like $pattern")
    assert "-like $Name" not in body


# --- format views ---------------------------------------------------------------------------------
def test_the_manifest_loads_table_views_for_the_main_objects() -> None:
    assert ps.manifest()["FormatsToProcess"] == ["AmlRetrain.Format.ps1xml"]
    views = ps.format_views()
    main = {"AmlRetrain.WebService", "AmlRetrain.Endpoint", "AmlRetrain.RetrainingJob",
            "AmlRetrain.NewWebService", "AmlRetrain.GateResult", "AmlRetrain.PromotionResult",
            "AmlRetrain.LedgerEntry", "AmlRetrain.TargetState"}
    assert main <= set(views)
    produced = ps.type_producers()
    for type_name, columns in views.items():
        assert type_name in produced, f"{type_name}: no cmdlet outputs it"
        assert columns and len(columns) == len(set(columns)), type_name


def test_view_columns_are_fields_the_cli_prints() -> None:
    # The integration test (tests/integration/test_pwsh_json_contract.py) checks consumed fields
    # against the emulator; the view columns are among them.
    consumed = ps.consumed_fields()
    assert {"Name", "Id", "DefaultEndpointName"} <= consumed[("classic", "services", "list")]
    assert {"job_id", "status"} <= consumed[("classic", "jobs", "wait")]


def test_an_az_accounts_sign_in_supplies_the_arm_token_only_where_it_is_used() -> None:
    helper = (ps.PRIVATE / "Get-AmlAzArmToken.ps1").read_text(encoding="utf-8")
    assert "Get-Module -Name Az.Accounts" in helper and "Get-AzAccessToken -AsSecureString" in helper
    assert "$env:AML_RETRAIN_AUTH -or $env:AML_RETRAIN_ARM_TOKEN" in helper
    invoker = (ps.PRIVATE / "Invoke-AmlRetrainCli.ps1").read_text(encoding="utf-8")
    guard = ("-not $bound['ArmToken'] -and $Caller -and "
             "$Caller.MyInvocation.MyCommand.Parameters.ContainsKey('ArmToken')")
    assert guard in invoker and invoker.index(guard) < invoker.index("$azToken = Get-AmlAzArmToken")


@pytest.mark.parametrize("fn", functions(), ids=lambda f: f.name)
def test_validated_parameters_are_never_assigned(fn: ps.Function) -> None:
    # A parameter variable keeps its Validate* attributes: assigning a value that fails them throws
    # a validation error in the middle of the function (about_Functions_Advanced_Parameters).
    body = ps.text(fn.node).split("process {", 1)[-1]
    for param in fn.params:
        if any(name.startswith("Validate") for name in param.attributes):
            assigned = re.search(rf"\${param.name}\s*=[^=]", body, re.IGNORECASE)
            assert not assigned, f"${param.name} is assigned"
