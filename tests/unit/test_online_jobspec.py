"""The ``az ml job`` YAML subset -> CommandJob REST body.

YAML keys and defaults as learn.microsoft.com "CLI (v2) command job YAML schema" documents them
(reference-yaml-job-command: inputs default type uri_folder and mode ro_mount, outputs uri_folder and
rw_mount, limits.timeout in seconds; environment azureml:NAME:VERSION, compute azureml:NAME);
REST names from D:CommandJob (ML-V2.md §2) and mfe's InputDeliveryMode / OutputDeliveryMode.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aml_retrain.errors import ValidationError
from aml_retrain.online import job_body_from_yaml, load_job_spec

from .test_online_fakes import W

FULL = """
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
type: command
name: census-train-2
display_name: census retrain
experiment_name: census
description: Train the census model again.
tags:
  team: ml
  run: 2
command: >-
  python train.py --data ${{inputs.training_data}} --epochs ${{inputs.epochs}}
  --out ${{outputs.model_output}}
code: azureml:train:1
environment: azureml:sklearn:3
compute: azureml:cpu-cluster
environment_variables:
  LOG_LEVEL: info
resources:
  instance_count: 2
limits:
  timeout: 3600
inputs:
  training_data:
    type: uri_file
    path: https://census.blob.core.windows.net/data/train.csv
    mode: download
  folder:
    path: azureml://datastores/workspaceblobstore/paths/census/
  epochs: 3
  fast: true
outputs:
  model_output:
    type: custom_model
    mode: upload
  logs:
"""


def test_a_full_spec_maps_to_the_command_job_body() -> None:
    body = job_body_from_yaml(FULL, W)
    assert body == {"name": "census-train-2", "properties": {
        "jobType": "Command",
        "command": "python train.py --data ${{inputs.training_data}} --epochs ${{inputs.epochs}} "
                   "--out ${{outputs.model_output}}",  # '>-' folds the lines
        "environmentId": f"{W}/environments/sklearn/versions/3",
        "computeId": f"{W}/computes/cpu-cluster",
        "codeId": f"{W}/codes/train/versions/1",
        "displayName": "census retrain", "experimentName": "census",
        "description": "Train the census model again.",
        "tags": {"team": "ml", "run": "2"},
        "environmentVariables": {"LOG_LEVEL": "info"},
        "inputs": {
            "training_data": {"jobInputType": "uri_file",
                              "uri": "https://census.blob.core.windows.net/data/train.csv",
                              "mode": "Download"},
            "folder": {"jobInputType": "uri_folder",
                       "uri": "azureml://datastores/workspaceblobstore/paths/census/"},
            "epochs": {"jobInputType": "literal", "value": "3"},
            "fast": {"jobInputType": "literal", "value": "True"},
        },
        "outputs": {"model_output": {"jobOutputType": "custom_model", "mode": "Upload"},
                    "logs": {"jobOutputType": "uri_folder"}},
        "resources": {"instanceCount": 2},
        "limits": {"jobLimitsType": "Command", "timeout": "PT3600S"},
    }}


def test_arm_ids_pass_through_and_the_minimum_is_command_and_environment() -> None:
    env = f"{W}/environments/sklearn/versions/3"
    body = job_body_from_yaml(f"command: echo hi\nenvironment: {env}\n", W)
    assert body == {"properties": {"jobType": "Command", "command": "echo hi", "environmentId": env,
                                   "inputs": {}, "outputs": {}}}


def test_load_job_spec_reads_a_file(tmp_path: Path) -> None:
    spec = tmp_path / "job.yml"
    spec.write_text("command: echo hi\nenvironment: azureml:sklearn:3\n", encoding="utf-8")
    assert load_job_spec(spec, W)["properties"]["command"] == "echo hi"
    with pytest.raises(ValidationError, match="cannot read job spec"):
        load_job_spec(tmp_path / "missing.yml", W)


@pytest.mark.parametrize(("text", "message"), [
    ("command: [unclosed\n", r"line \d+, column \d+: .*fix the YAML"),
    ("command: a: b\n", "fix the YAML"),
    ("- a\n- b\n", "expected a mapping"),
    ("command: x\nenvironment: azureml:e:1\nservices: {}\n", "unsupported key services"),
    ("type: sweep\ncommand: x\n", "only command jobs"),
    ("environment: azureml:e:1\n", "'command' is required"),
    ("command: x\n", "'environment' is required"),
    ("command: x\nenvironment:\n  image: python:3.11\n", "register it"),
    ("command: x\nenvironment: azureml:e@latest\n", "pin a version"),
    ("command: x\nenvironment: azureml:e\n", "not of the form azureml:NAME:VERSION"),
    ("command: x\nenvironment: azureml:e:1\ncode: ./src\n", "uploading local code is not supported"),
    ("command: x\nenvironment: azureml:e:1\ncompute: local\n", "compute 'local' is not supported"),
    ("command: x\nenvironment: azureml:e:1\ninputs:\n  d:\n    path: ./data.csv\n",
     "local path './data.csv' cannot be uploaded"),
    ("command: x\nenvironment: azureml:e:1\ninputs:\n  d:\n    type: table\n    path: https://x/y\n",
     "type 'table' is not one of"),
    ("command: x\nenvironment: azureml:e:1\ninputs:\n  d:\n    path: https://x/y\n    mode: mount\n",
     "mode 'mount' is not one of"),
    ("command: x\nenvironment: azureml:e:1\noutputs:\n  o:\n    mode: ro_mount\n",
     "mode 'ro_mount' is not one of"),
    ("command: x\nenvironment: azureml:e:1\nlimits:\n  timeout: 1h\n", "whole number of seconds"),
    ("command: x\nenvironment: azureml:e:1\nresources:\n  shm_size: 2g\n", "unsupported key shm_size"),
    ("command: x\nenvironment: azureml:e:1\nname: bad/name\n", "invalid job name"),
])
def test_bad_specs_say_what_to_fix_in_one_line(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        job_body_from_yaml(text, W, source="job.yml")
    assert "\n" not in str(info.value) and str(info.value).startswith("job.yml")
