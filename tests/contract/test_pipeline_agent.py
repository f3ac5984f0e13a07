"""The templates against what the real agent and tasks do (issue 11), checked offline.

Each check encodes a documented behaviour, verified in the public sources (cited where used):
argument splitting and shell-less spawning (azure-pipelines-task-lib, AzureCLIV2, BashV3),
-NonInteractive pwsh (AzurePowerShellV5), environment checks before a stage starts and runtime
expressions only as variable values (Azure Pipelines docs), keepAzSessionActive (AzureCLIV2
task.json: workload identity federation only).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ado_pipelines import (
    PIPELINES,
    REPO,
    Template,
    expand,
    expand_pipeline,
    job_name,
    load,
    parse_vso,
    scalars,
    stages_of,
    steps_of,
    task_lib_split,
    variables_of,
)

SCRIPTS = PIPELINES / "scripts"
TEMPLATES = PIPELINES / "templates"
MODULE = REPO / "pwsh-module" / "AmlRetrain"
SCRIPT_TASKS = ("AzureCLI@2", "Bash@3")
POWERSHELL_TASKS = ("AzurePowerShell@5", "PowerShell@2")
# Steps that change nothing remotely (or only install): safe to retry on a transient failure.
IDEMPOTENT = {"gate", "plan", "verify"}


def dummy(spec: dict[str, Any]) -> Any:
    return {"object": {}, "boolean": "false", "number": "1"}.get(spec["type"], "x")


def expansions() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every stage/jobs template for each flavour, with and without a service connection, and the
    example pipelines as written."""
    for path in sorted((TEMPLATES / "stages").glob("*.yml")) + sorted((TEMPLATES / "jobs").glob("*.yml")):
        template = Template.read(path)
        names = {p["name"] for p in template.parameters}
        passed = {p["name"]: dummy(p) for p in template.parameters if "default" not in p}
        for flavour in ("linux", "windows") if "flavour" in names else ("",):
            for connection in ("", "svc") if "serviceConnection" in names else ("",):
                args = {**passed, **({"flavour": flavour} if flavour else {}),
                        **({"serviceConnection": connection} if connection else {})}
                label = f"{path.relative_to(REPO)}[{flavour or '-'},{connection or 'no connection'}]"
                yield label, {template.kind: expand(path, args)}
    for path in [*sorted((PIPELINES / "examples").glob("*.yml")), PIPELINES / "ci.yml"]:
        if "stages" in load(path) or "jobs" in load(path):
            yield str(path.relative_to(REPO)), expand_pipeline(path)


TREES = dict(expansions())


def jobs_of(tree: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for stage in stages_of(tree):
        for job in stage.get("jobs") or []:
            yield stage, job


def steps_in(tree: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for _, job in jobs_of(tree):
        yield from steps_of(job)


def script_of(step: dict[str, Any]) -> Path:
    inputs = step["inputs"]
    return SCRIPTS / Path(str(inputs.get("scriptPath") or inputs["filePath"])).name


# ---------------------------------------------------------------- 1. values through env, not arguments


@pytest.mark.parametrize(("line", "expected"), [
    ("a b  c", ["a", "b", "c"]),
    ('"a b" c', ["a b", "c"]),
    ("'value'", ["'value'"]),            # single quotes are ordinary characters
    ("'a b'", ["'a", "b'"]),             # ... so they do not group either
    ("''", ["''"]),                      # two quote characters, not an empty argument
    ('""', [""]),                        # the empty argument
    ('"" x', ["", "x"]),
    (r'"say \"hi\""', ['say "hi"']),     # inside quotes a backslash escapes a double quote
    (r'"C:\dir\f"', [r"C:\dir\f"]),      # ... and nothing else
    (r"a\b", [r"a\b"]),                  # outside quotes a backslash is literal
    ("", []),
])
def test_task_lib_split_follows_the_documented_rules(line: str, expected: list[str]) -> None:
    assert task_lib_split(line) == expected


def test_quoted_arguments_would_reach_the_script_with_their_quotes() -> None:
    # What the templates passed before: `'${{ parameters.planFile }}'` → the file name with quotes.
    assert task_lib_split("'/w/a/plan.json' ''") == ["'/w/a/plan.json'", "''"]


def step_inputs_read(script: Path) -> set[str]:
    return set(re.findall(r"step_input (AML_STEP_\w+)", script.read_text()))


@pytest.mark.parametrize("name", sorted(TREES))
def test_script_steps_take_values_only_from_env(name: str) -> None:
    problems = []
    for step in steps_in(TREES[name]):
        if step.get("task") not in SCRIPT_TASKS:
            continue
        where = f"{step.get('name') or step.get('displayName')}"
        if (step["inputs"].get("arguments") or "").strip():
            problems.append(f"{where}: passes arguments (the task splits them, quotes arrive verbatim)")
        mapped = {k for k in step.get("env") or {} if k.startswith("AML_STEP_")}
        read = step_inputs_read(script_of(step))
        if mapped != read:
            problems.append(f"{where}: env maps {sorted(mapped)}, "
                            f"{script_of(step).name} reads {sorted(read)}")
    assert not problems


def test_step_scripts_use_no_positional_arguments() -> None:
    # lib.sh is excluded: its functions take arguments from the scripts, not from the task.
    for script in sorted(p for p in SCRIPTS.glob("*.sh") if p.name != "lib.sh"):
        body = re.sub(r"^\s*#.*$", "", script.read_text(), flags=re.M)
        positional = re.search(r"\$[1-9@*#]|\$\{[1-9]|\$\{[@*#]\}", body)
        assert not positional, f"{script.name} reads positional arguments"


@pytest.mark.parametrize("name", sorted(TREES))
def test_powershell_steps_read_only_mapped_inputs(name: str) -> None:
    for step in steps_in(TREES[name]):
        if step.get("task") in POWERSHELL_TASKS:
            body = str(step["inputs"].get("Inline") or step["inputs"].get("script") or "")
            read = set(re.findall(r"(?:Get-StepInput |\$env:)(AML_STEP_\w+)", body))
            assert read <= set(step.get("env") or {}), (step.get("name"), read - set(step.get("env") or {}))
            assert "${{" not in body


def test_powershell_bodies_splice_no_parameters() -> None:
    # '${{ parameters.x }}' inside a PowerShell string breaks on a value with a quote, and runs it.
    # run.yml only dot-sources the helpers from toolsDir and appends the body it is given.
    files = [p for p in sorted((TEMPLATES / "steps").glob("*.yml")) if p.name != "run.yml"]
    bodies = [(path.name, text) for path in files
              for key, text in scalars(load(path)) if key in ("inline", "Inline", "script")]
    assert len(bodies) >= 10
    assert [name for name, text in bodies if "${{" in text] == []


# ---------------------------------------------------------------- 2. High-impact cmdlets confirm nothing


def high_impact_cmdlets() -> set[str]:
    found = set()
    for path in (MODULE / "Public").glob("*.ps1"):
        if re.search(r"ConfirmImpact\s*=\s*'High'", path.read_text(encoding="utf-8-sig")):
            found.add(path.stem)
    return found


def test_high_impact_calls_pass_confirm_false() -> None:
    high = high_impact_cmdlets()
    assert {"Invoke-AmlPromotionPlan", "Undo-AmlPromotion", "Invoke-AmlFanout"} <= high
    texts = [p.read_text() for p in [*PIPELINES.rglob("*.yml"), *SCRIPTS.rglob("*.ps1")]]
    calls = [line for text in texts for line in text.splitlines()
             if any(re.search(rf"(?<![\w-]){c}\b", line) for c in high) and not line.lstrip().startswith("#")]
    assert len(calls) >= 3
    # AzurePowerShell@5 runs pwsh -NonInteractive (Tasks/AzurePowerShellV5): a prompt is an error.
    assert [c for c in calls if "-Confirm:$false" not in c] == []


# ---------------------------------------------------------------- 3. the approval sits between plan and apply


def stage_names(tree: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(s["stage"]): s for s in stages_of(tree)}


def upstream(stages: dict[str, dict[str, Any]], name: str) -> set[str]:
    order = list(stages)
    deps = stages[name].get("dependsOn", order[order.index(name) - 1:order.index(name)])
    deps = [deps] if isinstance(deps, str) else list(deps)
    return set(deps).union(*(upstream(stages, d) for d in deps)) if deps else set()


def plans(stage: dict[str, Any]) -> bool:
    return any(s.get("name") == "plan" for job in stage.get("jobs") or [] for s in steps_of(job))


@pytest.mark.parametrize("name", sorted(TREES))
def test_environment_stages_start_after_the_plan(name: str) -> None:
    # "Before the execution of a stage can begin, all checks on all the resources used in that stage
    # must be satisfied" (Define approvals and checks, Azure Pipelines docs).
    stages = stage_names(TREES[name])
    for sname, stage in stages.items():
        if any("environment" in job for job in stage.get("jobs") or []) and any(
                s.get("name") == "apply" for job in stage["jobs"] for s in steps_of(job)):
            assert not plans(stage), f"{name}: {sname} plans and applies in one stage"
            before = upstream(stages, sname)
            assert any(plans(stages[u]) for u in before), f"{name}: no Plan stage before {sname}"


def test_the_check_finds_a_plan_inside_the_apply_stage() -> None:
    tree = TREES["ado-pipelines/templates/stages/retrain-and-deploy.yml[linux,no connection]"]
    stages = stage_names(tree)
    merged = {**stages["Apply"], "jobs": [*stages["Plan"]["jobs"], *stages["Apply"]["jobs"]]}
    assert plans(merged) and plans(stages["Plan"]) and not plans(stages["Apply"])


# ---------------------------------------------------------------- 4. runtime expressions: variables only


def runtime_expressions_outside_variables(node: Any, key: str = "") -> list[str]:
    if isinstance(node, dict):
        return [f for k, v in node.items() if k != "variables"
                for f in runtime_expressions_outside_variables(v, str(k))]
    if isinstance(node, list):
        return [f for item in node for f in runtime_expressions_outside_variables(item, key)]
    return [f"{key}: {node}"] if isinstance(node, str) and "$[" in node else []


def whole_variable_values(tree: dict[str, Any]) -> list[str]:
    values = [v for stage in stages_of(tree) for v in variables_of(stage).values()]
    values += [v for _, job in jobs_of(tree) for v in variables_of(job).values()]
    return [v for v in values if "$[" in v]


@pytest.mark.parametrize("name", sorted(TREES))
def test_runtime_expressions_are_whole_variable_values(name: str) -> None:
    # "runtime expressions can be used in variables and conditions" and must be the whole value.
    tree = TREES[name]
    assert not runtime_expressions_outside_variables(tree)
    assert all(re.fullmatch(r"\$\[.*\]", v.strip()) for v in whole_variable_values(tree))


def test_promote_matrix_takes_a_runtime_expression_job_id() -> None:
    job_id = "$[ stageDependencies.Retrain.Retrain.outputs['retrain.jobId'] ]"
    params = {"targets": {"a": {"amlTarget": "classic:s/e"}}, "jobId": job_id, "ledger": "az://l/x.jsonl",
              "dependsOn": ["Retrain"], "condition": "succeeded('Retrain')"}
    [job] = expand(TEMPLATES / "jobs" / "promote-matrix.yml", params)
    assert variables_of(job)["amlJobId"] == job_id
    assert job["dependsOn"] == ["Retrain"] and job["condition"] == "succeeded('Retrain')"
    [promote] = [s for s in steps_of(job) if s.get("name") == "promote"]
    assert promote["env"]["AML_STEP_JOB_ID"] == "$(amlJobId)"
    assert not runtime_expressions_outside_variables({"jobs": [job]})


@pytest.mark.parametrize("path", sorted((TEMPLATES / "jobs").glob("*.yml")), ids=lambda p: p.name)
def test_job_templates_take_depends_on_and_condition(path: Path) -> None:
    template = Template.read(path)
    assert {"dependsOn", "condition"} <= {p["name"] for p in template.parameters}
    wanted = {"dependsOn": "${{ parameters.dependsOn }}", "condition": "${{ parameters.condition }}"}
    jobs = [j for item in template.body for j in (_branches(item) if "job" not in item else [item])]
    for job in jobs:
        # A job takes them itself, or in one branch of a `${{ if }}` whose other branch waits for
        # a job of this template that does (jobs/fanout.yml: its shards wait for FanoutRunId).
        branches = [job] + [v for k, v in job.items() if k.startswith("${{")]
        assert any(all(b.get(k) == v for k, v in wanted.items()) for b in branches), job["job"]
        names = {j["job"] for j in jobs}
        assert all(b.get("dependsOn") in names for b in branches
                   if "dependsOn" in b and b.get("dependsOn") != wanted["dependsOn"]), job["job"]


def _branches(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The jobs inside a conditional item of a job list (``- ${{ if … }}: [jobs]``)."""
    return [job for body in item.values() for job in body]


# ---------------------------------------------------------------- 5. sessions, connections, cache, retries


@pytest.mark.parametrize("name", sorted(TREES))
def test_task_choice_follows_the_service_connection(name: str) -> None:
    for step in steps_in(TREES[name]):
        task = step.get("task")
        if task == "AzureCLI@2":
            # Re-signs in during long steps (AADSTS700024 after the ~10-minute OIDC token); the task
            # refuses the input for any scheme but workload identity federation (AzureCLIV2).
            assert step["inputs"].get("keepAzSessionActive") is True, step.get("name")
            assert step["env"]["AML_RETRAIN_AUTH"] == "cli"
        elif task in ("Bash@3", "PowerShell@2"):
            assert "azureSubscription" not in step["inputs"]
            assert "AML_RETRAIN_AUTH" not in (step.get("env") or {})


def test_classic_only_example_needs_no_arm_service_connection() -> None:
    tree = TREES["ado-pipelines/examples/retrain-classic-scheduled.yml"]
    tasks = {s.get("task") for s in steps_in(tree)}
    assert "Bash@3" in tasks and not tasks & {"AzureCLI@2", "AzurePowerShell@5"}
    assert "azureSubscription" not in json.dumps(tree)


@pytest.mark.parametrize("name", sorted(TREES))
def test_only_idempotent_steps_are_retried(name: str) -> None:
    for step in steps_in(TREES[name]):
        retries = int(step.get("retryCountOnTaskFailure") or 0)
        if step.get("task") in SCRIPT_TASKS + POWERSHELL_TASKS and step.get("name"):
            assert (retries > 0) == (step["name"] in IDEMPOTENT), (step["name"], retries)


@pytest.mark.parametrize("name", sorted(TREES))
def test_pip_downloads_are_cached(name: str) -> None:
    for _, job in jobs_of(TREES[name]):
        steps = steps_of(job)
        installs = [i for i, s in enumerate(steps) if "pip install" in json.dumps(s) or
                    (s.get("inputs") or {}).get("filePath", "").endswith("install.sh")]
        for i in installs:
            caches = [s for s in steps[:i] if s.get("task") == "Cache@2"]
            assert caches, f"{job_name(job)}: pip install without Cache@2"
            assert steps[i]["env"]["PIP_CACHE_DIR"] == caches[-1]["inputs"]["path"]


# ---------------------------------------------------------------- 6. where the CLI comes from


def installs(tree: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(stage, s) for stage, job in jobs_of(tree) for s in steps_of(job)
            if (s.get("inputs") or {}).get("filePath", "").endswith("install.sh")
            or "AML_STEP_WHEEL_ARTIFACT" in (s.get("env") or {})]


@pytest.mark.parametrize("name", sorted(n for n in TREES if n.startswith("ado-pipelines/examples/")))
def test_examples_install_a_wheel_of_this_run_or_from_a_feed(name: str) -> None:
    tree = TREES[name]
    built = {str(s["artifact"]): str(stage["stage"]) for stage, job in jobs_of(tree)
             for s in steps_of(job) if "publish" in s and s["artifact"] != "aml-retrain-journal"}
    stages = stage_names(tree)
    found = installs(tree)
    assert found
    for stage, step in found:
        wheel, feed = step["env"]["AML_STEP_WHEEL_ARTIFACT"], step["env"]["AML_STEP_ARTIFACTS_FEED"]
        if wheel:
            assert wheel in built and built[wheel] in upstream(stages, str(stage["stage"])), wheel
        else:
            assert feed, f"{name}: neither a wheel artifact nor a feed (aml-retrain is on no public index)"
            job_steps = next(steps_of(j) for st, j in jobs_of(tree) if st is stage and step in steps_of(j))
            assert any(s.get("task") == "PipAuthenticate@1" and s["inputs"]["artifactFeeds"] == feed
                       for s in job_steps)


def run_script(name: str, env: dict[str, str], tmp_path: Path,
               cli: str = "") -> subprocess.CompletedProcess[str]:
    """Run a step script with ``python`` and ``aml-retrain`` shims that record their calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool, body in (("python", 'echo "python $*" >> "$CALLS"'),
                       ("aml-retrain", cli or 'echo "aml-retrain $*" >> "$CALLS"')):
        (bin_dir / tool).write_text(f"#!/bin/bash\n{body}\n")
        (bin_dir / tool).chmod(0o755)
    base = {"PATH": f"{bin_dir}:/usr/bin:/bin", "CALLS": str(tmp_path / "calls"), "TF_BUILD": "True"}
    return subprocess.run(["bash", str(SCRIPTS / name)], env={**base, **env}, capture_output=True,
                          text=True, timeout=60, check=False)


def test_install_refuses_without_a_wheel_or_a_feed(tmp_path: Path) -> None:
    done = run_script("install.sh", {"AML_STEP_CLI_VERSION": "0.1.0"}, tmp_path)
    assert done.returncode == 2 and not (tmp_path / "calls").exists()
    [(kind, message)] = parse_vso(done.stdout).issues
    assert kind == "error" and "wheelArtifact" in message and "artifactsFeed" in message


def test_install_takes_the_feed_with_the_pinned_version(tmp_path: Path) -> None:
    env = {"AML_STEP_ARTIFACTS_FEED": "MLOps/aml-retrain", "AML_STEP_CLI_VERSION": "0.1.0",
           "AML_STEP_WHEEL_ARTIFACT": "$(x)"}  # an undefined macro counts as empty
    done = run_script("install.sh", env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "calls").read_text().splitlines() == [
        "python -m pip install --disable-pip-version-check aml-retrain==0.1.0", "aml-retrain --version"]


@pytest.mark.parametrize("service", ["0123abcd", "arm:ml-rg/census-model-training-ws"])
def test_retrain_hands_either_training_service_to_classic_retrain(service: str, tmp_path: Path) -> None:
    # classic retrain takes a classic id or arm:RG/NAME and runs the kind it names: the step does not
    # tell the forms apart (no copy of the grammar, tests/contract/test_pwsh_target_grammar.py).
    env = {"AML_STEP_TRAINING_SERVICE": service, "AML_STEP_DATA": "d.csv", "AML_STEP_TIMEOUT": "60",
           "AML_STEP_OUTPUT_DIR": "$(undefined)", "AML_STEP_TARGET": "classic:s/e"}
    done = run_script("retrain.sh", env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "calls").read_text().splitlines() == [
        f"aml-retrain classic retrain {service} --data d.csv --timeout 60"]


def test_retrain_passes_on_the_cli_usage_error_for_a_malformed_service(tmp_path: Path) -> None:
    cli = ('echo "aml-retrain $*" >> "$CALLS"; echo "aml-retrain: error: invalid training service '
           "'arm:only-a-group': expected arm:RESOURCE_GROUP/NAME\" >&2; exit 2")
    env = {"AML_STEP_TRAINING_SERVICE": "arm:only-a-group", "AML_STEP_DATA": "d.csv"}
    done = run_script("retrain.sh", env, tmp_path, cli=cli)
    assert done.returncode == 2
    assert (tmp_path / "calls").read_text().splitlines() == [
        "aml-retrain classic retrain arm:only-a-group --data d.csv --timeout 3600"]
    [(kind, message)] = parse_vso(done.stdout + done.stderr).issues
    assert kind == "error" and "arm:RESOURCE_GROUP/NAME" in message and "exit 2" in message


ONLINE_ID = ("/subscriptions/sub/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/"
             "workspaces/census-ws/onlineEndpoints/census-online")


def shows(tmp_path: Path, detail: dict[str, Any]) -> str:
    """A fake CLI that answers `-o json target show` with ``detail`` and records every call."""
    shown = tmp_path / "shown.json"
    shown.write_text(json.dumps({"target": "t", "model_url": "azureml:census-model:1",
                                 "state_hash": "ab" * 32, "detail": detail}))
    (tmp_path / "bin").mkdir(exist_ok=True)
    (tmp_path / "bin" / "python3").symlink_to(sys.executable)  # the scripts' python3 readers
    return f'echo "aml-retrain $*" >> "$CALLS"; [[ "$3" != target ]] || cat {shown}'


@pytest.mark.parametrize(("extra", "options"), [
    ({}, ""),
    ({"AML_STEP_JOB_FILE": "ml/train.yml", "AML_STEP_MODEL_NAME": "census-model"},
     " --job ml/train.yml --model-name census-model"),
])
def test_retrain_of_an_online_target_finds_the_endpoint_through_target_show(
        extra: dict[str, str], options: str, tmp_path: Path) -> None:
    target = "online:ml-rg/census-ws/census-online"
    cli = shows(tmp_path, {"endpoint_id": ONLINE_ID, "deployment": "blue", "traffic": {"blue": 100}})
    env = {"AML_STEP_TRAINING_SERVICE": "$(trainingService)", "AML_STEP_TARGET": target,
           "AML_STEP_DATA": "d.csv", "AML_STEP_TIMEOUT": "60", **extra}
    done = run_script("retrain.sh", env, tmp_path, cli=cli)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "calls").read_text().splitlines() == [
        f"aml-retrain -o json target show {target}",
        "aml-retrain online retrain ml-rg census-ws --endpoint census-online --data d.csv "
        f"--timeout 60{options}"]


def test_retrain_refuses_a_target_that_is_not_an_online_endpoint(tmp_path: Path) -> None:
    cli = shows(tmp_path, {"service_id": "s" * 32, "endpoint": "retrained01"})
    env = {"AML_STEP_TARGET": "classic:" + "s" * 32 + "/retrained01", "AML_STEP_DATA": "d.csv"}
    done = run_script("retrain.sh", env, tmp_path, cli=cli)
    assert done.returncode == 2
    assert len((tmp_path / "calls").read_text().splitlines()) == 1, "only the read"
    [(kind, message)] = parse_vso(done.stdout).issues
    assert kind == "error" and "trainingService" in message
    # Neither a training service nor a target: nothing is called.
    empty = tmp_path / "empty"
    empty.mkdir()
    done = run_script("retrain.sh", {"AML_STEP_DATA": "d.csv"}, empty)
    assert done.returncode == 2 and not (empty / "calls").exists()


JOB_STEPS = {
    "promote.sh": ({"AML_STEP_TARGET": "classic:s/e", "AML_STEP_POLICY": ""},
                   "aml-retrain promote classic:s/e --from-job J1 --gate"),
    "plan.sh": ({"AML_STEP_TARGET": "classic:s/e", "AML_STEP_PLAN_FILE": "{tmp}/plan/plan.json"},
                "aml-retrain plan classic:s/e --from-job J1 --out {tmp}/plan/plan.json"),
    "gate.sh": ({"AML_STEP_TARGET": "classic:s/e"},
                "aml-retrain -o json gate --candidate job:J1 --target classic:s/e"),
    "set-model-classic.sh": ({"AML_STEP_SERVICE_ID": "s", "AML_STEP_ENDPOINT": "e"},
                             "aml-retrain classic endpoints set-model s e --from-job J1"),
    "update-webservice.sh": ({"AML_STEP_RESOURCE_GROUP": "rg", "AML_STEP_WEB_SERVICE": "ws",
                              "AML_STEP_DEFINITION_FILE": "{tmp}/def/ws.json"},
                             "aml-retrain webservice set-model --file {tmp}/def/ws.json --from-job J1"),
}


@pytest.mark.parametrize("service", ["", "$(trainingService)", "0123abcd",
                                     "arm:ml-rg/census-model-training-ws"])
@pytest.mark.parametrize("script", sorted(JOB_STEPS))
def test_job_steps_pass_the_training_service_only_when_given(script: str, service: str,
                                                             tmp_path: Path) -> None:
    # A job from another run is not in the journal artifact: the step names its training service
    # (the CLI's --service). Empty or an undefined macro: the option is left out.
    inputs, job_call = JOB_STEPS[script]
    env = {k: v.replace("{tmp}", str(tmp_path)) for k, v in inputs.items()}
    env |= {"AML_STEP_JOB_ID": "J1", "AML_STEP_TRAINING_SERVICE": service}
    done = run_script(script, env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    calls = [c for c in (tmp_path / "calls").read_text().splitlines() if c.startswith("aml-retrain")]
    given = service if service and not service.startswith("$(") else ""
    expected = job_call.replace("{tmp}", str(tmp_path)) + (f" --service {given}" if given else "")
    assert expected in calls, calls
    assert sum("--service" in c for c in calls) == (1 if given else 0)


def test_promote_smoke_scores_an_online_target_before_traffic_moves(tmp_path: Path) -> None:
    env = {"AML_STEP_TARGET": "online:rg/ws/ep", "AML_STEP_JOB_ID": "J1", "AML_STEP_SMOKE_INPUT": "rows.csv"}
    done = run_script("promote.sh", env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "calls").read_text().splitlines() == [
        "aml-retrain promote online:rg/ws/ep --from-job J1 --gate --smoke rows.csv"]
    params = {"targets": {"a": {"amlTarget": "online:rg/ws/ep"}}, "jobId": "J1", "ledger": "az://l/x.jsonl",
              "smokeInput": "rows.csv", "downloadJournal": "false"}
    [job] = expand(TEMPLATES / "jobs" / "promote-matrix.yml", params)
    [promote] = [s for s in steps_of(job) if s.get("name") == "promote"]
    assert promote["env"]["AML_STEP_SMOKE_INPUT"] == "rows.csv"
    assert not [s for s in steps_of(job) if s.get("artifact") == "aml-retrain-journal"]


def test_promote_probe_and_bake_reach_the_cli_only_with_a_probe(tmp_path: Path) -> None:
    env = {"AML_STEP_TARGET": "online:rg/ws/ep", "AML_STEP_JOB_ID": "J1",
           "AML_STEP_PROBE": "rows.csv", "AML_STEP_BAKE_SECONDS": "120"}
    done = run_script("promote.sh", env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "calls").read_text().splitlines() == [
        "aml-retrain promote online:rg/ws/ep --from-job J1 --gate --probe rows.csv --bake 120"]
    alone = tmp_path / "alone"
    alone.mkdir()
    done = run_script("promote.sh", {**env, "AML_STEP_PROBE": ""}, alone)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (alone / "calls").read_text().splitlines() == [
        "aml-retrain promote online:rg/ws/ep --from-job J1 --gate"]  # a bake alone means nothing
    params = {"targets": {"a": {"amlTarget": "online:rg/ws/ep"}}, "jobId": "J1", "ledger": "az://l/x.jsonl",
              "probe": "rows.csv", "bakeSeconds": 120, "downloadJournal": "false"}
    [job] = expand(TEMPLATES / "jobs" / "promote-matrix.yml", params)
    [promote] = [s for s in steps_of(job) if s.get("name") == "promote"]
    assert promote["env"]["AML_STEP_PROBE"] == "rows.csv"
    assert str(promote["env"]["AML_STEP_BAKE_SECONDS"]) == "120"


def test_fanout_resumes_the_run_id_it_is_given_and_starts_a_new_run_without(tmp_path: Path) -> None:
    env = {"AML_STEP_MANIFEST": "sites.yaml", "AML_STEP_JUNIT_FILE": "out.xml",
           "AML_STEP_RESUME_RUN_ID": "20261203T183000Z-1a2b3c4d"}
    done = run_script("fanout.sh", env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "calls").read_text().splitlines() == [
        "aml-retrain fanout run sites.yaml --concurrency 4 --junit out.xml "
        "--resume 20261203T183000Z-1a2b3c4d"]
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    # An unset pipeline variable reaches the script as its literal macro: no resume.
    done = run_script("fanout.sh", {**env, "AML_STEP_RESUME_RUN_ID": "$(resumeRunId)"}, fresh)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (fresh / "calls").read_text().splitlines() == [
        "aml-retrain fanout run sites.yaml --concurrency 4 --junit out.xml"]
    [job] = expand(TEMPLATES / "jobs" / "fanout.yml",
                   {"manifest": "sites.yaml", "ledger": "az://l/x.jsonl",
                    "resumeRunId": "20261203T183000Z-1a2b3c4d"})
    [step] = [s for s in steps_of(job) if s.get("name") == "fanout"]
    assert step["env"]["AML_STEP_RESUME_RUN_ID"] == "20261203T183000Z-1a2b3c4d"


@pytest.mark.parametrize("template", [f"{Path(s).stem}.yml" for s in JOB_STEPS])
def test_job_step_templates_take_a_typed_training_service(template: str) -> None:
    document = yaml.safe_load((TEMPLATES / "steps" / template).read_text())
    [param] = [p for p in document["parameters"] if p["name"] == "trainingService"]
    assert param == {"name": "trainingService", "type": "string", "default": ""}
    [step] = document["steps"]
    assert step["parameters"]["env"]["AML_STEP_TRAINING_SERVICE"] == "${{ parameters.trainingService }}"
    # The Windows flavour's body hands it to the cmdlet's parameter for the CLI's --service.
    assert "TrainingWebServiceId = $trainingService" in step["parameters"]["inline"]


def test_the_stage_hands_its_training_service_to_gate_and_plan() -> None:
    path = TEMPLATES / "stages" / "retrain-and-deploy.yml"
    template = Template.read(path)
    args = {p["name"]: dummy(p) for p in template.parameters if "default" not in p}
    tree = {template.kind: expand(path, {**args, "trainingService": "arm:rg/train-ws"})}
    named = {str(s.get("name")): s for s in steps_in(tree) if s.get("name")}
    for name in ("gate", "plan"):
        assert named[name]["env"]["AML_STEP_TRAINING_SERVICE"] == "arm:rg/train-ws", name


# ---------------------------------------------------------------- errors, summary, Pester job


def test_lib_passes_on_the_cli_one_line_error(tmp_path: Path) -> None:
    cli = ("echo '╭─ Error ─╮' >&2; echo '│ boxed │' >&2; echo '╰─────────╯' >&2; "
           "echo 'aml-retrain: error: no such training service 0123: check the id' >&2; exit 2")
    done = run_script("apply.sh", {"AML_STEP_PLAN_FILE": __file__}, tmp_path, cli=cli)
    assert done.returncode == 2
    assert parse_vso(done.stdout + done.stderr).issues == [
        ("error", "aml-retrain apply failed (exit 2): no such training service 0123: check the id")]
    env = {"AML_STEP_TARGET": "classic:s/e", "AML_STEP_LEDGER_SEQ": "3"}
    done = run_script("rollback.sh", env, tmp_path, cli="echo 'aml-retrain: error: ledger gone' >&2; exit 4")
    # The annotation is not swallowed by `entries="$(aml_run -o json ledger show …)"`.
    assert done.returncode == 4
    assert parse_vso(done.stdout + done.stderr).issues == [
        ("error", "aml-retrain ledger failed (exit 4): ledger gone")]


# ---------------------------------------------------------------- verify: read back through target show

def summary(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPTS / "summary.py"), *args], input=stdin,
                          capture_output=True, text=True, check=False)


def test_gate_summary_renders_the_rules() -> None:
    result = {"outcome": "gated", "summary": "AUC 0.81 < 0.84 (higher is better)", "notices": ["n1"],
              "rules": [{"metric": "AUC", "direction": "higher", "candidate": 0.812345, "baseline": 0.84,
                         "threshold": 0.84, "passed": False}]}
    done = summary("gate", "classic:s/e", "job:j1", stdin=json.dumps(result))
    assert done.returncode == 0
    assert "gate: **gated**" in done.stdout and "| AUC | higher | 0.8123 | 0.84 | 0.84 | no |" in done.stdout
    assert "`classic:s/e`" in done.stdout and "- n1" in done.stdout
    empty = summary("gate", "t", "c")
    assert empty.returncode == 1 and not empty.stdout


def test_plan_summary_shows_both_models_without_sas(tmp_path: Path) -> None:
    plan = {"target": "classic:s/e", "old_model": "https://a/old.ilearner?sig=x", "job_id": "j1",
            "model_url": "https://a/new.ilearner", "already_current": False,
            "change": {"kind": "classic", "before": {"BaseLocation": "https://a/",
                                                     "RelativeLocation": "old.ilearner?sv=1&sig=y"}},
            "gate": {"outcome": "pass", "summary": "AUC 0.86 >= 0.84"}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    done = summary("plan", str(path))
    assert done.returncode == 0 and "sig=" not in done.stdout
    assert "| serves now | `https://a/old.ilearner` |" in done.stdout
    assert "| will serve | `https://a/new.ilearner` |" in done.stdout and "| gate | pass: AUC" in done.stdout
    assert summary("plan", str(tmp_path / "missing.json")).returncode == 1


def test_pester_job_runs_the_emulator_and_the_script_analyzer() -> None:
    [job] = expand(TEMPLATES / "jobs" / "pester-tests.yml", {})
    bodies = [str(s.get("pwsh", "")) for s in steps_of(job)]
    def at(text: str) -> int:
        return next(i for i, b in enumerate(bodies) if text in b)
    assert "[emulator]" in bodies[at("pip install")]
    assert at("pip install") < at("aml-retrain emulator start --detach") < at("Invoke-Pester")
    assert "variable=AML_RETRAIN_PROFILE" in bodies[at("emulator start")]  # Integration.Tests.ps1 reads it
    analyzer = bodies[at("Invoke-ScriptAnalyzer")]
    settings = re.search(r"-Settings (\S+)", analyzer)
    assert settings and (REPO / settings.group(1)).is_file()
    assert at("Invoke-ScriptAnalyzer") < at("Invoke-Pester")
    assert "if ($findings) { exit 1 }" in analyzer
    assert any("emulator stop" in b for b in bodies)
    assert "AML_RETRAIN_PROFILE" in (REPO / "tests" / "pwsh" / "Integration.Tests.ps1").read_text()


# ---------------------------------------------------------------- the expanded steps against the schema


def test_expanded_steps_validate_against_the_vendored_schema(tmp_path: Path) -> None:
    # run.yml is excluded from the raw check (its step names are expressions); its expansions are
    # what the service validates. keepAzSessionActive postdates the vendored schema (it is in
    # Tasks/AzureCLIV2/task.json); task steps take retryCountOnTaskFailure as a number.
    seen: dict[str, dict[str, Any]] = {}
    for tree in TREES.values():
        for step in steps_in(tree):
            if step.get("task") in SCRIPT_TASKS + POWERSHELL_TASKS:
                copy = json.loads(json.dumps(step))
                copy["inputs"].pop("keepAzSessionActive", None)
                if "retryCountOnTaskFailure" in copy:
                    copy["retryCountOnTaskFailure"] = int(copy["retryCountOnTaskFailure"])
                seen[json.dumps(copy, sort_keys=True)] = copy
    assert {s["task"] for s in seen.values()} == set(SCRIPT_TASKS + POWERSHELL_TASKS)
    target = tmp_path / "expanded.yml"
    target.write_text(yaml.safe_dump({"steps": list(seen.values())}, sort_keys=False))
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.azure-pipelines",
         "--regex-variant", "nonunicode", str(target)],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:]


# ---------------------------------------------------------------- the online example


def journal_steps(tree: dict[str, Any]) -> dict[str, list[str]]:
    """stage → 'publish' / 'download' for each step that moves the job journal artifact."""
    found: dict[str, list[str]] = {}
    for stage, job in jobs_of(tree):
        for step in steps_of(job):
            if step.get("artifact") == "aml-retrain-journal":
                moved = "publish" if "publish" in step else "download"
                found.setdefault(str(stage["stage"]), []).append(moved)
    return found


def test_only_bes_pipelines_move_the_job_journal() -> None:
    # An online job is not journalled (the CLI finds it through the target's workspace): publishing
    # the missing folder would fail the Retrain stage ("Path does not exist"), downloading the
    # missing artifact every later one.
    classic = journal_steps(TREES["ado-pipelines/examples/retrain-classic-scheduled.yml"])
    assert classic == {"Retrain": ["publish"], "Gate": ["download"], "Plan": ["download"],
                       "Apply": ["download"]}
    assert journal_steps(TREES["ado-pipelines/examples/retrain-online-scheduled.yml"]) == {}


def test_the_online_example_retrains_the_target_through_an_arm_connection() -> None:
    tree = TREES["ado-pipelines/examples/retrain-online-scheduled.yml"]
    named = {str(s.get("name")): s for s in steps_in(tree) if s.get("name")}
    retrain = named["retrain"]
    assert retrain["task"] == "AzureCLI@2" and script_of(retrain).name == "retrain.sh"
    assert retrain["env"]["AML_STEP_TRAINING_SERVICE"] == ""
    assert retrain["env"]["AML_STEP_TARGET"] == "online:ml-prod-rg/census-ws/census-online"
    for name in ("gate", "plan", "verify", "rollback"):
        assert named[name]["env"]["AML_STEP_TARGET"] == retrain["env"]["AML_STEP_TARGET"], name
    assert named["gate"]["env"]["AML_STEP_TRAINING_SERVICE"] == ""
