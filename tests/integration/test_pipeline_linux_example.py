"""Run the Linux example pipeline's steps against the emulator + Azurite, as an agent would.

The example (ado-pipelines/examples/retrain-classic-scheduled.yml) is expanded with its templates
(tests/ado_pipelines.py); a small runner then walks the stages in order: stage, job and step
conditions, job variables with ``$[ stageDependencies… ]`` taken from the outputs earlier steps
really printed, checkout/publish/download as folders (each job gets its own agent folder, so the
journal, the wheel and the plan must travel as artifacts). Each script step runs the way its task
runs it (sources in the docstrings of ``agent_argv``): the step's ``env:`` (macros expanded) and
the job variables (upper-cased, ``.`` → ``_``) as the environment, TF_BUILD=True, and no shell
between the task and bash. The example is classic-only (Bash@3); ``serviceConnection`` turns its
steps into AzureCLI@2, whose ``arguments`` the task library splits (``task_lib_split``), not bash.
Not real: ``python -m build`` (a placeholder wheel) and pip in install.sh (a recording shim: this
venv already has the checkout's CLI); AzureCLI@2's ``AML_RETRAIN_AUTH=cli`` is dropped (the
emulator profile supplies the credentials).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ado_pipelines import (
    PIPELINES,
    REPO,
    Vso,
    evaluate,
    expand_pipeline,
    job_name,
    parse_vso,
    stages_of,
    steps_of,
    task_lib_split,
    variables_of,
)
from tests.emulator_support import Emulator, census_data

pytestmark = pytest.mark.integration
EXAMPLE = PIPELINES / "examples" / "retrain-classic-scheduled.yml"
EP = "retrained01"
OK = ("Succeeded", "SucceededWithIssues")
_MACRO = re.compile(r"\$\(([\w.]+)\)")
_RUNTIME = re.compile(r"^\$\[\s*(.*?)\s*\]$")


@dataclass
class StepRun:
    stage: str
    job: str
    name: str
    script: str
    returncode: int
    output: str
    vso: Vso


@dataclass
class JobRun:
    result: str = "Skipped"
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class StageRun:
    result: str = "Skipped"
    jobs: dict[str, JobRun] = field(default_factory=dict)

    @property
    def outputs(self) -> dict[str, str]:
        return {f"{j}.{k}": v for j, run in self.jobs.items() for k, v in run.outputs.items()}


class Runner:
    """Just enough of an Azure Pipelines agent to run the Linux example's jobs in order."""

    def __init__(self, root: Path, self_repo: Path, pipeline_variables: dict[str, str]):
        self.root, self.self_repo = root, self_repo
        self.artifacts = root / "artifacts"
        self.artifacts.mkdir(parents=True)
        self.variables = pipeline_variables
        self.stages: dict[str, StageRun] = {}
        self.steps: list[StepRun] = []

    def run(self, pipeline: dict[str, Any]) -> Runner:
        previous: list[str] = []
        for stage in stages_of(pipeline):
            name = str(stage["stage"])
            depends = stage.get("dependsOn", previous[-1:])
            depends = [depends] if isinstance(depends, str) else list(depends)
            self.stages[name] = self._stage(name, stage, depends)
            previous.append(name)
        return self

    def _stage(self, name: str, stage: dict[str, Any], depends: list[str]) -> StageRun:
        deps = {d: {"result": self.stages[d].result, "outputs": self.stages[d].outputs} for d in depends}
        ok = all(self.stages[d].result in OK for d in depends)
        if not evaluate(stage.get("condition", "succeeded()"), dependencies=deps, succeeded=ok):
            return StageRun()
        run = StageRun(result="Succeeded")
        stage_deps = {d: {j: {"result": r.result, "outputs": r.outputs}
                          for j, r in self.stages[d].jobs.items()} for d in depends}
        for job in stage["jobs"]:
            jname = job_name(job)
            jdepends = job.get("dependsOn", [])
            jdepends = [jdepends] if isinstance(jdepends, str) else list(jdepends)
            jdeps = {d: {"result": run.jobs[d].result, "outputs": run.jobs[d].outputs} for d in jdepends}
            jok = all(run.jobs[d].result in OK for d in jdepends)
            if evaluate(job.get("condition", "succeeded()"), dependencies=jdeps, succeeded=jok):
                run.jobs[jname] = self._job(name, job, stage_deps, jdeps)
            else:
                run.jobs[jname] = JobRun()
        results = {r.result for r in run.jobs.values()}
        run.result = "Failed" if "Failed" in results else (
            "SucceededWithIssues" if "SucceededWithIssues" in results else "Succeeded")
        return run

    def _job(self, stage: str, job: dict[str, Any], stage_deps: dict[str, Any],
             deps: dict[str, Any]) -> JobRun:
        jname = job_name(job)
        agent = self.root / "agents" / f"{stage}_{jname}"
        (agent / "a").mkdir(parents=True)
        (agent / "_temp").mkdir()
        macros = {**self.variables, "Agent.BuildDirectory": str(agent), "Pipeline.Workspace": str(agent),
                  "Build.ArtifactStagingDirectory": str(agent / "a"),
                  "Agent.TempDirectory": str(agent / "_temp"),
                  "Common.TestResultsDirectory": str(agent / "TestResults"),
                  "Build.DefinitionName": "example", "Build.BuildNumber": "1"}
        job_vars: dict[str, str] = {}
        for key, value in variables_of(job).items():
            runtime = _RUNTIME.match(value)
            job_vars[key] = str(evaluate(runtime.group(1), dependencies=deps, stage_dependencies=stage_deps)
                                if runtime else self._macro(value, macros))
        macros.update(job_vars)
        run = JobRun(result="Succeeded")
        prefix = f"{jname}." if "deployment" in job else ""
        for step in steps_of(job):
            ok = run.result in OK
            if not evaluate(step.get("condition", "succeeded()"), succeeded=ok):
                continue
            outcome = self._step(stage, jname, step, agent, macros, job_vars)
            if outcome is None:
                continue
            if outcome.returncode != 0:
                run.result = "Failed"
            elif any(r == "SucceededWithIssues" for r, _ in outcome.vso.complete) and run.result != "Failed":
                run.result = "SucceededWithIssues"
            for var, value in outcome.vso.outputs.items():
                run.outputs[f"{prefix}{outcome.name}.{var}"] = value
                macros[f"{outcome.name}.{var}"] = value
        return run

    @staticmethod
    def _macro(text: Any, macros: dict[str, str]) -> str:
        return _MACRO.sub(lambda m: macros.get(m.group(1), m.group(0)), str(text))

    def _step(self, stage: str, job: str, step: dict[str, Any], agent: Path, macros: dict[str, str],
              job_vars: dict[str, str]) -> StepRun | None:
        if "checkout" in step:
            source = self.self_repo if step["checkout"] == "self" else REPO
            (agent / step.get("path", step["checkout"])).symlink_to(source, target_is_directory=True)
            return None
        if "publish" in step:
            shutil.copytree(self._macro(step["publish"], macros), self.artifacts / step["artifact"])
            return None
        if "download" in step:
            shutil.copytree(self.artifacts / step["artifact"], agent / step["artifact"])
            return None
        if "script" in step and "python -m build --wheel" in step["script"]:
            wheel_dir = agent / "a" / "wheel"  # a placeholder: install.sh's pip is a shim here
            wheel_dir.mkdir(parents=True)
            (wheel_dir / "aml_retrain-0.0.0-py3-none-any.whl").write_bytes(b"")
            return None
        task = str(step.get("task", ""))
        if task in ("UsePythonVersion@0", "Cache@2", "PublishTestResults@2"):
            return None
        argv, script = agent_argv(step, lambda text: self._macro(text, macros))
        assert script.is_relative_to(agent / "aml-retrain" / "ado-pipelines" / "scripts"), script
        # The agent exports predefined variables to every script (Build.ArtifactStagingDirectory →
        # BUILD_ARTIFACTSTAGINGDIRECTORY, per job): scripts write their files there, not to a shared /tmp.
        env = {**os.environ, "TF_BUILD": "True",
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               **{k.upper().replace(".", "_"): macros[k] for k in (
                   "Build.ArtifactStagingDirectory", "Agent.TempDirectory", "Pipeline.Workspace")},
               **{k.upper().replace(".", "_"): v for k, v in job_vars.items()},
               **{k: self._macro(v, macros) for k, v in (step.get("env") or {}).items()}}
        env.pop("AML_RETRAIN_AUTH", None)  # no `az login` here: the emulator profile has the token
        if script.name == "install.sh":
            env["PATH"] = f"{self._pip_shim()}{os.pathsep}{env['PATH']}"
            env["PIPELINE_WORKSPACE"] = macros["Pipeline.Workspace"]
        done = subprocess.run(argv, cwd=agent, env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        output = done.stdout + done.stderr
        record = StepRun(stage, job, str(step.get("name", script.stem)), script.name, done.returncode, output,
                         parse_vso(output))
        self.steps.append(record)
        return record

    def _pip_shim(self) -> Path:
        """A ``python`` that records ``-m pip install …`` calls (one line each) and runs nothing else."""
        shim = self.root / "shim"
        if not shim.is_dir():
            shim.mkdir()
            (shim / "python").write_text(f"#!/bin/sh\necho \"$*\" >> '{self.root / 'pip-calls.txt'}'\n")
            (shim / "python").chmod(0o755)
        return shim

    def step(self, name: str) -> StepRun:
        return next(s for s in reversed(self.steps) if s.name == name)


def agent_argv(step: dict[str, Any], macro: Any) -> tuple[list[str], Path]:
    """The process a script task starts: bash, the script, and its arguments as the task splits them.

    - AzureCLI@2, ``scriptType: bash``, ``scriptLocation: scriptPath``: ``tool(bash).arg(scriptPath)
      .line(arguments)``, spawned without a shell (microsoft/azure-pipelines-tasks
      Tasks/AzureCLIV2/src/ScriptType.ts; the task library's ToolRunner, ``shell`` false by default):
      the arguments are split by ``task_lib_split``, so shell quotes arrive verbatim.
    - Bash@3, ``targetType: filePath``: a temporary script ``exec bash 'PATH' ARGUMENTS`` run by bash
      (Tasks/BashV3/bash.ts), so there bash itself would parse arguments; the templates pass none.
    """
    inputs = step["inputs"]
    task = str(step.get("task", ""))
    if task == "AzureCLI@2":
        assert inputs["scriptType"] == "bash" and inputs["scriptLocation"] == "scriptPath"
        script = Path(macro(inputs["scriptPath"]))
        return ["bash", str(script), *task_lib_split(macro(inputs.get("arguments", "")))], script
    assert task == "Bash@3", f"the Linux example runs no {task or step}"
    assert inputs["targetType"] == "filePath"
    assert not inputs.get("arguments"), "values go through env:, not arguments"
    script = Path(macro(inputs["filePath"]))
    return ["bash", str(script)], script


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def services(emulator: Emulator) -> dict[str, str]:
    out = subprocess.run([Path(sys.executable).parent / "aml-retrain", "-o", "json", "classic", "services",
                          "list"], capture_output=True, text=True, check=True, env=os.environ)
    listed = yaml.safe_load(out.stdout)
    ids = {kind: next(s["Id"] for s in listed if f"[{kind} Exp.]" in s["Name"]) for kind in ("Training",
                                                                                          "Predictive")}
    subprocess.run([Path(sys.executable).parent / "aml-retrain", "classic", "endpoints", "create",
                    ids["Predictive"], EP], capture_output=True, check=True, env=os.environ)
    return ids


@pytest.fixture
def self_repo(tmp_path: Path) -> Path:
    """The consuming repository of the example: its data, smoke rows and gate policy."""
    repo = tmp_path / "self"
    data = census_data(tmp_path / "census")
    (repo / "data").mkdir(parents=True)
    (repo / "ml").mkdir()
    shutil.copy(data["census-2025"], repo / "data" / "census-latest.csv")
    shutil.copy(data["score-rows"], repo / "data" / "smoke-rows.csv")
    (repo / "ml" / "gate-policy.yaml").write_text("rules:\n  - {metric: AUC, tolerance: 0.005}\n")
    return repo


@pytest.fixture
def pipeline(request: pytest.FixtureRequest, tmp_path: Path, emulator: Emulator,
             services: dict[str, str]) -> dict[str, Any]:
    """The example with the emulator's ids; the ledger a shared file (the example's az:// blob).

    Parametrised indirectly with a service connection name, the steps become AzureCLI@2 tasks."""
    example = yaml.safe_load(EXAMPLE.read_text())
    [build, call] = example["stages"]
    assert build["jobs"][0]["template"] == "ado-pipelines/templates/jobs/build-wheel.yml@aml-retrain"
    assert call["template"] == "ado-pipelines/templates/stages/retrain-and-deploy.yml@aml-retrain"
    params = call["parameters"]
    assert params["flavour"] == "linux" and "serviceConnection" not in params  # classic only
    params.update(workspaceId=emulator.profile["workspace_id"], region="",
                  ledger=str(tmp_path / "ledger.jsonl"))
    if getattr(request, "param", ""):
        params["serviceConnection"] = request.param
    variables = {v["name"]: v["value"] for v in example["variables"] if "name" in v}
    assert set(variables) == {"trainingServiceId", "predictiveServiceId"}
    copy = tmp_path / "example.yml"
    copy.write_text(yaml.safe_dump(example))
    return {"pipeline": expand_pipeline(copy),
            "variables": {"trainingServiceId": services["Training"],
                          "predictiveServiceId": services["Predictive"]},
            "ledger": tmp_path / "ledger.jsonl"}


def run_example(pipeline: dict[str, Any], self_repo: Path, root: Path) -> Runner:
    return Runner(root, self_repo, pipeline["variables"]).run(pipeline["pipeline"])


def ledger_entries(path: Path) -> list[dict[str, Any]]:
    return [yaml.safe_load(line) for line in path.read_text().splitlines()] if path.exists() else []


def results(runner: Runner) -> dict[str, str]:
    return {name: run.result for name, run in runner.stages.items()}


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("pipeline", ["", "aml-retrain-wif"], indirect=True,
                         ids=["Bash@3 (no service connection)", "AzureCLI@2"])
def test_the_example_retrains_gates_plans_applies_and_verifies(
        pipeline: dict[str, Any], self_repo: Path, tmp_path: Path) -> None:
    runner = run_example(pipeline, self_repo, tmp_path / "run1")
    assert results(runner) == {"Build": "Succeeded", "Retrain": "Succeeded", "Gate": "Succeeded",
                               "Plan": "Succeeded", "Apply": "Succeeded", "Verify": "Succeeded",
                               "Rollback": "Skipped"}
    assert [s.script for s in runner.steps if s.script != "install.sh"] == [
        "retrain.sh", "gate.sh", "plan.sh", "apply.sh", "verify.sh"]
    # Every job installed the wheel the Build stage published, through its own download.
    calls = (tmp_path / "run1" / "pip-calls.txt").read_text().splitlines()
    assert len(calls) == 5 and all(c.startswith("-m pip install --disable-pip-version-check ") and
                                   c.endswith("/aml-retrain-wheel/aml_retrain-0.0.0-py3-none-any.whl")
                                   for c in calls), calls
    # The gate's rules table went to the run's summary page.
    [summary] = runner.step("gate").vso.summaries
    text = Path(summary).read_text()
    assert "gate: **pass**" in text and "| AUC |" in text
    # ... and so did the plan, for the approvers of the Apply stage.
    [plan_summary] = runner.step("plan").vso.summaries
    assert "| will serve | `" in Path(plan_summary).read_text()
    retrain = runner.step("retrain").vso.outputs
    assert retrain["jobId"] and retrain["modelUrl"].endswith(".ilearner")
    assert "sig=" not in retrain["modelUrl"]
    assert retrain["metric_AUC"] and retrain["metricsKind"]
    assert runner.step("gate").vso.outputs["gateOutcome"] == "pass"
    plan = runner.step("plan").vso.outputs
    assert plan["planHash"] and Path(plan["planFile"]).name == "plan.json"
    applied = runner.stages["Apply"].jobs["Apply"].outputs
    assert applied["Apply.apply.ledgerSeq"] == "1"
    verified = runner.step("verify").vso.outputs
    assert applied["Apply.apply.modelUrl"] == verified["servingModelUrl"]
    # The read-back went through `target show` (it sets modelUrl and stateHash), not a copy of the
    # target grammar in the script.
    assert verified["modelUrl"] == verified["servingModelUrl"] and len(verified["stateHash"]) == 64
    assert not [i for s in runner.steps for i in s.vso.issues if i[0] == "error"]
    [entry] = ledger_entries(pipeline["ledger"])
    assert entry["job_id"] == retrain["jobId"] and entry["plan_hash"] == plan["planHash"]


def test_a_worse_model_is_gated_and_later_stages_are_skipped(
        pipeline: dict[str, Any], self_repo: Path, tmp_path: Path, emulator: Emulator) -> None:
    run_example(pipeline, self_repo, tmp_path / "run1")
    emulator.config(degrade_training=True)
    runner = run_example(pipeline, self_repo, tmp_path / "run2")
    assert results(runner) == {"Build": "Succeeded", "Retrain": "Succeeded", "Gate": "SucceededWithIssues",
                               "Plan": "Skipped", "Apply": "Skipped", "Verify": "Skipped",
                               "Rollback": "Skipped"}
    gate = runner.step("gate")
    assert gate.returncode == 0 and gate.vso.outputs["gateOutcome"] == "gated"
    [(result, reason)] = gate.vso.complete
    assert result == "SucceededWithIssues" and "gated" in reason
    assert ("warning", gate.vso.issues[0][1]) in gate.vso.issues
    assert len(ledger_entries(pipeline["ledger"])) == 1  # nothing promoted


def test_a_failed_verification_is_annotated_and_rolled_back(
        pipeline: dict[str, Any], self_repo: Path, tmp_path: Path, emulator: Emulator) -> None:
    first = run_example(pipeline, self_repo, tmp_path / "run1")
    first_model = first.stages["Apply"].jobs["Apply"].outputs["Apply.apply.modelUrl"]
    emulator.fault("POST", r"/execute", count=5, status=400)
    runner = run_example(pipeline, self_repo, tmp_path / "run2")
    assert results(runner) == {"Build": "Succeeded", "Retrain": "Succeeded", "Gate": "Succeeded",
                               "Plan": "Succeeded", "Apply": "Succeeded", "Verify": "Failed",
                               "Rollback": "Succeeded"}
    verify = runner.step("verify")
    assert verify.returncode != 0 and [t for t, _ in verify.vso.issues] == ["error"]
    rollback = runner.step("rollback").vso.outputs
    assert rollback["modelUrl"] == first_model and rollback["ledgerSeq"] == "3"
    assert [e["action"] for e in ledger_entries(pipeline["ledger"])] == ["promote", "promote", "rollback"]


def test_a_usage_failure_gets_an_error_annotation_and_skips_the_rest(
        pipeline: dict[str, Any], self_repo: Path, tmp_path: Path) -> None:
    (self_repo / "data" / "census-latest.csv").unlink()
    runner = run_example(pipeline, self_repo, tmp_path / "run1")
    assert results(runner) == {"Build": "Succeeded", "Retrain": "Failed", "Gate": "Skipped",
                               "Plan": "Skipped", "Apply": "Skipped", "Verify": "Skipped",
                               "Rollback": "Skipped"}
    retrain = runner.step("retrain")
    assert retrain.returncode != 0
    [(kind, message)] = retrain.vso.issues
    assert kind == "error" and "census-latest.csv" in message
    assert "jobId" not in retrain.vso.outputs
