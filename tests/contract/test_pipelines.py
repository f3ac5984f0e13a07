"""Static checks of ado-pipelines/: schema, templates, parameters, output variables, CLI and cmdlet calls.

``make validate-pipelines`` runs this file; ``make test`` runs it with everything else. All offline:
the Azure Pipelines schema is the copy vendored in check-jsonschema.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from aml_retrain_cli.main import app
from tests.ado_pipelines import (
    PIPELINES,
    REPO,
    Template,
    cli_invocations,
    expand,
    expand_pipeline,
    inline_scripts,
    job_name,
    load,
    pipeline_files,
    resolve_template,
    scalars,
    stages_of,
    steps_of,
)
from tests.contract.cli_outputs import CLI_OUTPUTS, outputs_of, sets

SCRIPTS = PIPELINES / "scripts"
TEMPLATES = PIPELINES / "templates"
MODULE = REPO / "pwsh-module" / "AmlRetrain"

# Files check-jsonschema cannot validate, with the reason (ECOSYSTEM.md §1.9 caveat 2).
SCHEMA_EXCLUDED = {
    TEMPLATES / "variables" / "aml-retrain.yml":
        "variables-only template: the schema requires 'stages'/'jobs'/'steps' at the top level",
    TEMPLATES / "steps" / "run.yml":
        "its step names are template expressions the schema's name pattern rejects; every expansion "
        "of it is validated instead (test_pipeline_agent.py)",
}
PARAMETER_TYPES = {"string", "number", "boolean", "object", "step", "stepList", "job", "jobList",
                   "deployment", "deploymentList", "stage", "stageList"}
PREDEFINED = ("Agent.", "Build.", "System.", "Pipeline.", "Common.", "Environment.", "Release.",
              "Strategy.", "Resources.", "TF_BUILD")
STEP_KEYS = ("task", "script", "bash", "pwsh", "powershell", "checkout", "download", "publish")


def schema_files() -> list[Path]:
    return [p for p in pipeline_files() if p not in SCHEMA_EXCLUDED]


def template_files() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.yml"))


def rel(path: Path) -> str:
    return str(path.relative_to(REPO))


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.azure-pipelines",
         "--data-transform", "azure-pipelines", "--regex-variant", "nonunicode", *map(str, files)],
        capture_output=True, text=True, check=False, timeout=300)


# ---------------------------------------------------------------- schema


def test_all_pipeline_yaml_validates_against_the_vendored_schema() -> None:
    result = check_jsonschema(*schema_files())
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_misspelt_task_input(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text((TEMPLATES / "jobs" / "python-tests.yml").read_text().replace(
        "testResultsFormat: JUnit", "testResultsFormt: JUnit"))
    assert check_jsonschema(broken).returncode != 0


@pytest.mark.parametrize("path", sorted(SCHEMA_EXCLUDED), ids=rel)
def test_excluded_files_are_variables_only_or_internal_templates(path: Path) -> None:
    assert set(load(path)) <= {"parameters", "variables"} or path.name == "run.yml", SCHEMA_EXCLUDED[path]


# ---------------------------------------------------------------- templates and parameters


def template_references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "template" and isinstance(value, str):
                yield value
            else:
                yield from template_references(value)
    elif isinstance(node, list):
        for item in node:
            yield from template_references(item)


@pytest.mark.parametrize("path", pipeline_files(), ids=rel)
def test_every_template_reference_resolves(path: Path) -> None:
    data = load(path)
    aliases = {r["repository"] for r in (data.get("resources") or {}).get("repositories") or []}
    for ref in template_references(data):
        alias = ref.partition("@")[2]
        assert not alias or alias == "self" or alias in aliases, f"{ref}: alias not declared"
        assert resolve_template(ref, path).is_file(), f"{rel(path)}: {ref} does not resolve"


@pytest.mark.parametrize("path", template_files(), ids=rel)
def test_every_parameter_is_typed(path: Path) -> None:
    params = Template.read(path).parameters
    for spec in params:
        assert next(iter(spec)) == "name", spec
        assert spec.get("type") in PARAMETER_TYPES, f"{rel(path)}: {spec['name']} has no valid type"
        if spec["type"] in ("boolean", "number") and "default" in spec:
            # check-jsonschema types every scalar as a string (ECOSYSTEM.md §1.9 caveat 1).
            assert isinstance(spec["default"], str), f"{rel(path)}: quote the default of {spec['name']}"


def dummy(spec: dict[str, Any]) -> Any:
    return {"object": {}, "boolean": "false", "number": "1"}.get(spec["type"], "x")


def roots() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every pipeline and stage/jobs template, expanded for each flavour it has."""
    for path in pipeline_files():
        if "steps" in path.parts or "variables" in path.parts:
            continue
        if TEMPLATES in path.parents:
            template = Template.read(path)
            names = {p["name"] for p in template.parameters}
            for flavour in ("linux", "windows") if "flavour" in names else ("",):
                passed = {p["name"]: dummy(p) for p in template.parameters if "default" not in p}
                if flavour:
                    passed["flavour"] = flavour
                body = expand(path, passed)
                tree = {template.kind: body}
                yield f"{rel(path)}[{flavour or '-'}]", tree
        else:
            yield rel(path), expand_pipeline(path)


ROOTS = dict(roots())


@pytest.mark.parametrize("name", sorted(ROOTS))
def test_templates_expand_with_their_declared_parameters(name: str) -> None:
    # Expansion (in roots()) already raised on an unknown or missing parameter; check the result.
    assert stages_of(ROOTS[name]) or ROOTS[name].get("steps")


def all_jobs() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, tree in ROOTS.items():
        if "jobs" in tree or "stages" in tree:
            for stage in stages_of(tree):
                for job in stage.get("jobs") or []:
                    yield name, job


def all_steps() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, tree in ROOTS.items():
        for step in tree.get("steps") or []:
            yield name, step
    for name, job in all_jobs():
        for step in steps_of(job):
            yield name, step


def test_every_job_has_a_timeout() -> None:
    missing = [(n, job_name(j)) for n, j in all_jobs() if "timeoutInMinutes" not in j]
    assert not missing


def test_every_step_has_a_display_name() -> None:
    missing = [(n, s) for n, s in all_steps() if any(k in s for k in STEP_KEYS) and not s.get("displayName")]
    assert not missing


def test_no_secrets_in_yaml() -> None:
    secret_like = re.compile(r"AccountKey=|SharedAccessSignature=|[?&]sig=|Bearer\s+\S|password\s*:", re.I)
    for path in pipeline_files():
        text = path.read_text()
        assert not secret_like.search(text), rel(path)
        for name in ("AML_RETRAIN_WORKSPACE_TOKEN", "AML_RETRAIN_STORAGE_CONNECTION_STRING"):
            for m in re.finditer(rf"{name}\s*:\s*(.*)", text):
                assert m.group(1).strip() == f"$({name})", f"{rel(path)}: {name} must map the secret variable"


# ---------------------------------------------------------------- the CLI


def cli_root() -> Any:
    return typer.main.get_command(app)


def options(command: Any) -> dict[str, bool]:
    """Option spelling → takes a value (duck typing: Typer bundles its own click)."""
    found: dict[str, bool] = {}
    for param in getattr(command, "params", []):
        if getattr(param, "param_type_name", "") == "option":
            for spelling in [*param.opts, *param.secondary_opts]:
                found[spelling] = not (param.is_flag or param.count)
    found.setdefault("--help", False)
    return found


def resolve_cli(args: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """Walk the Typer app along ``args``; return the command path and the problems found."""
    command, path, problems = cli_root(), [], []
    tokens = list(args)

    def take_options(cmd: Any, stop_at_positional: bool) -> None:
        known = options(cmd)
        while tokens and tokens[0].startswith("-"):
            opt = tokens.pop(0).split("=", 1)[0]
            if opt not in known:
                problems.append(f"{' '.join(path) or 'aml-retrain'}: no option {opt}")
                continue
            if known[opt] and tokens:
                tokens.pop(0)
        if not stop_at_positional:
            return

    take_options(command, True)  # global options go before the subcommand
    while tokens and hasattr(command, "commands") and not tokens[0].startswith("-"):
        name = tokens.pop(0)
        if name not in command.commands:
            problems.append(f"{' '.join(path) or 'aml-retrain'}: no command {name}")
            return tuple(path), problems
        command = command.commands[name]
        path.append(name)
    if hasattr(command, "commands") and path:
        problems.append(f"{' '.join(path)}: a group, not a command")
    known = options(command)
    positional = 0
    while tokens:
        token = tokens.pop(0)
        if token.startswith("-") and token != "-":
            opt = token.split("=", 1)[0]
            if opt not in known:
                problems.append(f"{' '.join(path)}: no option {opt}")
            elif known[opt] and "=" not in token and tokens:
                tokens.pop(0)
        else:
            positional += 1
    arguments = [p for p in getattr(command, "params", []) if getattr(p, "param_type_name", "") == "argument"]
    if positional > len(arguments) and all(getattr(a, "nargs", 1) == 1 for a in arguments):
        problems.append(f"{' '.join(path)}: {positional} arguments, takes {len(arguments)}")
    return tuple(path), problems


def script_outputs(script: Path) -> set[str]:
    """Output variables a step script sets: its own vso_output calls plus the CLI's."""
    text = script.read_text()
    names = set(re.findall(r"\bvso_output\s+(\w+)", text))
    for args in cli_invocations(text):
        names |= outputs_of(resolve_cli(args)[0])
    return names


# Commands the templates already call that another session is adding to the CLI (issue 10). Their
# calls are checked in full once the command exists; until then test_pending_cli_commands skips.
PENDING_CLI: dict[tuple[str, ...], str] = {}


def all_cli_calls() -> list[tuple[str, list[str]]]:
    calls = [(rel(p), args) for p in sorted(SCRIPTS.glob("*.sh")) for args in cli_invocations(p.read_text())]
    return calls + [(where, args) for where, text in inline_scripts() for args in cli_invocations(text)]


def pending(args: list[str]) -> bool:
    words = tuple(a for a in args if not a.startswith("-"))[:2]
    return words in PENDING_CLI and bool(resolve_cli(list(words))[1])


def test_every_cli_invocation_exists_with_its_options() -> None:
    calls = all_cli_calls()
    assert len(calls) > 10
    problems = [f"{where}: {msg}" for where, args in calls if not pending(args)
                for msg in resolve_cli(args)[1]]
    assert not problems


def test_pending_cli_commands() -> None:
    waiting = sorted({" ".join(a for a in args if not a.startswith("-"))[:40] for _, args in all_cli_calls()
                      if pending(args)})
    if waiting:
        pytest.skip(f"not in the CLI yet ({'; '.join(PENDING_CLI.values())}): {waiting}")


def test_the_cli_check_catches_a_renamed_option() -> None:
    assert resolve_cli(["classic", "retrain", "svc", "--dataset", "x.csv"])[1]
    assert resolve_cli(["classic", "retrian", "svc"])[1]
    assert resolve_cli(["--ledger", "x", "rollback", "t", "--reason", "r"]) == (("rollback",), [])


def test_cli_output_table_matches_the_cli_source() -> None:
    source = "\n".join(p.read_text() for p in (REPO / "cli" / "aml_retrain_cli").rglob("*.py"))
    emitted = set(re.findall(r'set_outputs?\(\s*\{?\s*"(\w+)"', source))
    for call in re.findall(r"set_outputs\(\{(.*?)\}", source, re.S):
        emitted |= set(re.findall(r'"(\w+)"\s*:', call))
    if "metrics_outputs(" in source:
        emitted |= {"metric_*", "metricsKind"}
    table = set().union(*CLI_OUTPUTS.values())
    assert table == emitted, f"only in the table: {table - emitted}; only in the CLI: {emitted - table}"
    for command in CLI_OUTPUTS:
        assert not resolve_cli(list(command))[1], command


# ---------------------------------------------------------------- output variables


def module_commands() -> dict[str, tuple[str, ...]]:
    """Module function (and alias) → the CLI command it runs (``-Command @('…')`` in Public/)."""
    found: dict[str, tuple[str, ...]] = {}
    for path in sorted((MODULE / "Public").glob("*.ps1")):
        text = path.read_text(encoding="utf-8-sig")
        m = re.search(r"Invoke-AmlRetrainCli -Command @\(([^)]*)\)", text)
        command = tuple(re.findall(r"'([\w-]+)'", m.group(1))) if m else ()
        for name in [path.stem, *re.findall(r"\[Alias\('([\w-]+)'\)\]\s*\[CmdletBinding", text)]:
            found[name] = command
    return found


def cmdlet_outputs(text: str) -> set[str]:
    """Output variables a PowerShell body sets: its own, plus the CLI's behind each cmdlet it calls
    (the module passes the CLI's logging commands through to the agent)."""
    names = set(re.findall(r"Set-PipelineOutput -Name (\w+)", text)) | set(
        re.findall(r"task\.setvariable variable=(\w+);isOutput=true", text))
    commands = module_commands() if MODULE.is_dir() else {}
    for cmdlet in re.findall(r"\b([A-Z][a-z]+-Aml[A-Za-z]+)\b", text):
        names |= outputs_of(commands.get(cmdlet, ()))
    return names


def task_outputs(step: dict[str, Any]) -> set[str] | None:
    """Output variables a named task sets, or None for a step that has no name."""
    if not step.get("name"):
        return None
    inputs = step.get("inputs") or {}
    if step.get("task", "").startswith(("AzureCLI@", "Bash@")):
        script = SCRIPTS / Path(str(inputs.get("scriptPath") or inputs["filePath"])).name
        assert script.is_file(), f"{step['name']}: {script} missing"
        return script_outputs(script)
    return cmdlet_outputs(str(inputs.get("Inline") or inputs.get("script") or step.get("pwsh") or ""))


def index(tree: dict[str, Any]) -> dict[str, dict[str, tuple[bool, dict[str, set[str]]]]]:
    """stage → job → (is deployment, step name → outputs)."""
    found: dict[str, dict[str, tuple[bool, dict[str, set[str]]]]] = {}
    for stage in stages_of(tree):
        jobs = found.setdefault(str(stage.get("stage")), {})
        for job in stage.get("jobs") or []:
            steps = {str(s["name"]): outs for s in steps_of(job) if (outs := task_outputs(s)) is not None}
            jobs[job_name(job)] = ("deployment" in job, steps)
    return found


READS = (
    (re.compile(r"stageDependencies\.(\w+)\.(\w+)\.outputs\['([\w.]+)'\]"), "stage-job"),
    (re.compile(r"(?<!stage)dependencies\.(\w+)\.outputs\['([\w.]+)'\]"), "deps"),
    (re.compile(r"variables\['(\w+)\.(\w+)'\]"), "local"),
    (re.compile(r"\$\((\w+)\.(\w+)\)"), "local"),
)


def strings_with_context(tree: dict[str, Any]) -> Iterator[tuple[str, str | None, str, bool]]:
    """(stage, job or None, text, text is a stage-level condition)."""
    for stage in stages_of(tree):
        sname = str(stage.get("stage"))
        yield sname, None, str(stage.get("condition", "")), True
        for job in stage.get("jobs") or []:
            for _, text in scalars({k: v for k, v in job.items()}):
                yield sname, job_name(job), text, False


def check_reads(tree: dict[str, Any]) -> list[str]:
    idx = index(tree)
    problems: list[str] = []

    def need(stage: str, job: str, step: str, var: str, where: str) -> None:
        steps = idx.get(stage, {}).get(job, (False, {}))[1]
        if step not in steps:
            problems.append(f"{where}: no step {step!r} in {stage}.{job}")
        elif not sets(steps[step], var):
            problems.append(f"{where}: {stage}.{job}.{step} does not set {var!r}")

    def split(stage: str, job: str, key: str, where: str) -> tuple[str, str] | None:
        parts = key.split(".")
        deployment = idx.get(stage, {}).get(job, (False, {}))[0]
        if deployment:  # runOnce deployment jobs repeat the job name
            if parts[0] != job:
                problems.append(f"{where}: deployment job outputs are '{job}.step.var', got {key!r}")
                return None
            parts = parts[1:]
        if len(parts) != 2:
            problems.append(f"{where}: expected step.var in {key!r}")
            return None
        return parts[0], parts[1]

    for stage, job, text, stage_level in strings_with_context(tree):
        where = f"{stage}.{job or '-'}: {text.strip()[:80]}"
        for pattern, kind in READS:
            for m in pattern.finditer(text):
                if kind == "stage-job":
                    s, j, key = m.groups()
                    if (sv := split(s, j, key, where)):
                        need(s, j, *sv, where)
                elif kind == "deps" and stage_level:
                    s, key = m.groups()
                    j, _, rest = key.partition(".")
                    if (sv := split(s, j, rest, where)):
                        need(s, j, *sv, where)
                elif kind == "deps":
                    j, key = m.groups()
                    if (sv := split(stage, j, key, where)):
                        need(stage, j, *sv, where)
                elif kind == "local" and job and not f"{m.group(1)}.".startswith(PREDEFINED):
                    need(stage, job, m.group(1), m.group(2), where)
    return problems


@pytest.mark.parametrize("name", sorted(ROOTS))
def test_output_variables_read_downstream_are_set_upstream(name: str) -> None:
    assert not check_reads(ROOTS[name])


def test_the_output_check_catches_a_misspelt_variable() -> None:
    name = "ado-pipelines/templates/stages/retrain-and-deploy.yml[linux]"
    tree = ROOTS[name]
    stage = next(s for s in tree["stages"] if s["stage"] == "Plan")
    broken = {"stages": [*tree["stages"][:2], {**stage, "condition": stage["condition"].replace(
        "gateOutcome", "gateResult")}]}
    assert check_reads(broken)
    assert len(re.findall(r"outputs\['", str(tree))) >= 5


# ---------------------------------------------------------------- scripts


@pytest.mark.parametrize("script", sorted(SCRIPTS.glob("*.sh")), ids=lambda p: p.name)
def test_scripts_are_strict_and_parse(script: Path) -> None:
    text = script.read_text()
    assert "set -euo pipefail" in text or 'source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"' in text
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_linux_steps_call_existing_scripts() -> None:
    used = {Path(str(s["inputs"].get("scriptPath") or s["inputs"]["filePath"])).name for _, s in all_steps()
            if str(s.get("task", "")).startswith(("AzureCLI@", "Bash@"))}
    assert used and all((SCRIPTS / name).is_file() for name in used)


# ---------------------------------------------------------------- wiring


def test_make_validate_pipelines_and_the_dev_extra() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^validate-pipelines:", makefile, re.M)
    assert "tests/contract/test_pipelines.py" in makefile
    assert "check-jsonschema" in (REPO / "pyproject.toml").read_text()
