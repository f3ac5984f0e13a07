"""jobs/fanout.yml with shards: a run-id job, then N parallel jobs each running its shard of the run.

Azure Pipelines' `strategy: parallel: N` runs the job N times with System.JobPositionInPhase 1..N
and System.TotalJobsInPhase N (predefined variables; vitest/pytest slicers read them the same way).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.ado_pipelines import expand, steps_of
from tests.contract.cli_outputs import outputs_of
from tests.contract.test_pipeline_agent import SCRIPTS, TEMPLATES, run_script

RUN_ID = "20261204T100000Z-0a1b2c3d"
BASE = {"manifest": "sites.yaml", "ledger": "az://ledgers/prod.jsonl"}


def jobs(**passed: Any) -> dict[str, dict[str, Any]]:
    return {j["job"]: j for j in expand(TEMPLATES / "jobs" / "fanout.yml", {**BASE, **passed})}


def fanout_step(job: dict[str, Any]) -> dict[str, Any]:
    [step] = [s for s in steps_of(job) if s.get("name") == "fanout"]
    return step


def agent_env(step: dict[str, Any], variables: dict[str, str]) -> dict[str, str]:
    """The step's env as the agent hands it over: macros of defined variables expanded."""
    return {k: re.sub(r"\$\(([\w.]+)\)", lambda m: variables.get(m.group(1), m.group(0)), str(v))
            for k, v in step["env"].items()}


def test_one_shard_is_one_job_as_before() -> None:
    found = jobs()
    assert list(found) == ["Fanout"] and "strategy" not in found["Fanout"]
    assert fanout_step(found["Fanout"])["env"]["AML_STEP_SHARD"] == ""


def test_shards_make_a_run_id_job_then_parallel_jobs_reading_its_output() -> None:
    found = jobs(shards=4, dependsOn=["Build"], condition="succeeded('Build')")
    assert list(found) == ["FanoutRunId", "Fanout"]
    first, shard = found["FanoutRunId"], found["Fanout"]
    assert (first["dependsOn"], first["condition"]) == (["Build"], "succeeded('Build')")
    [make] = [s for s in steps_of(first) if s.get("name") == "runid"]
    assert make["inputs"]["filePath"].endswith("/fanout-run-id.sh")
    assert shard["dependsOn"] == "FanoutRunId" and shard["strategy"] == {"parallel": 4}
    [variable] = [v for v in shard["variables"] if v.get("name") == "fanoutRunId"]
    # dependencies.<job>.outputs['<step name>.<variable>'] of a job in the same stage.
    assert variable["value"] == "$[ dependencies.FanoutRunId.outputs['runid.runId'] ]"
    assert "runId" in outputs_of(("fanout", "new-run-id"))
    env = fanout_step(shard)["env"]
    assert env["AML_STEP_SHARD"] == "$(System.JobPositionInPhase)/$(System.TotalJobsInPhase)"
    assert env["AML_STEP_RUN_ID"] == "$(fanoutRunId)"


def test_each_parallel_job_runs_its_own_shard_of_the_one_run(tmp_path: Path) -> None:
    step = fanout_step(jobs(shards=4, barrierTimeout=900)["Fanout"])
    for position in (1, 4):
        env = agent_env(step, {"System.JobPositionInPhase": str(position),
                               "System.TotalJobsInPhase": "4", "fanoutRunId": RUN_ID})
        here = tmp_path / str(position)
        here.mkdir()
        done = run_script("fanout.sh", env, here)
        assert done.returncode == 0, done.stdout + done.stderr
        [call] = (here / "calls").read_text().splitlines()
        assert call.endswith(f"--shard {position}/4 --barrier-timeout 900 --run-id {RUN_ID}"), call


def test_a_resumed_sharded_run_needs_no_run_id_job(tmp_path: Path) -> None:
    found = jobs(shards=2, resumeRunId=RUN_ID)
    assert list(found) == ["Fanout"] and found["Fanout"]["strategy"] == {"parallel": 2}
    assert found["Fanout"]["dependsOn"] == []  # the template's own dependsOn: nothing to wait for
    env = agent_env(fanout_step(found["Fanout"]), {"System.JobPositionInPhase": "2",
                                                   "System.TotalJobsInPhase": "2"})
    done = run_script("fanout.sh", env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    [call] = (tmp_path / "calls").read_text().splitlines()
    assert f"--resume {RUN_ID} --shard 2/2" in call and "--run-id" not in call


def test_outside_a_parallel_job_the_unset_position_macros_mean_no_shard(tmp_path: Path) -> None:
    env = {"AML_STEP_MANIFEST": "sites.yaml", "AML_STEP_JUNIT_FILE": "out.xml",
           "AML_STEP_SHARD": "$(System.JobPositionInPhase)/$(System.TotalJobsInPhase)"}
    done = run_script("fanout.sh", env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "--shard" not in (tmp_path / "calls").read_text()


def test_the_run_id_script_asks_the_cli(tmp_path: Path) -> None:
    done = run_script("fanout-run-id.sh", {}, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "calls").read_text().splitlines() == ["aml-retrain fanout new-run-id"]
    assert (SCRIPTS / "fanout-run-id.sh").stat().st_mode & 0o111
