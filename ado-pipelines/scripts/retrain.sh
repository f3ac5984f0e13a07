#!/usr/bin/env bash
# retrain.sh — env: AML_STEP_TRAINING_SERVICE (a classic training web service id or arm:RG/NAME),
# AML_STEP_TARGET (an online target: used when no training service is given), AML_STEP_DATA,
# AML_STEP_TIMEOUT, AML_STEP_OUTPUT_DIR, AML_STEP_JOB_FILE, AML_STEP_MODEL_NAME.
# - A training service: its BES job runs through `classic retrain SERVICE`, which takes either form
#   and runs the kind it names (the CLI parses it: a malformed one is its usage error, exit 2).
# - Otherwise the online endpoint of TARGET: `online retrain RG WORKSPACE --endpoint ENDPOINT`
#   re-submits the job that trained the model serving there (or JOB_FILE) and registers the model;
#   where the endpoint is comes from `target show`'s detail, never from the target text.
# Waits. The CLI sets jobId, jobStatus, modelUrl and metric_<Name>/metricsKind; a BES job is recorded
# in AML_RETRAIN_JOURNAL, which the job publishes so later stages can resolve job:ID.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
service="$(step_input AML_STEP_TRAINING_SERVICE)"
target="$(step_input AML_STEP_TARGET)"
data="$(step_input AML_STEP_DATA)"
timeout="$(step_input AML_STEP_TIMEOUT 3600)"
output_dir="$(step_input AML_STEP_OUTPUT_DIR)"
job_file="$(step_input AML_STEP_JOB_FILE)"
model_name="$(step_input AML_STEP_MODEL_NAME)"
if [[ -n "$service" ]]; then
  bes=(classic retrain "$service" --data "$data" --timeout "$timeout")
  [[ -z "$output_dir" ]] || bes+=(--output-dir "$output_dir")
  aml_run "${bes[@]}"
  exit 0
fi
if [[ -z "$target" ]]; then
  vso_issue error "nothing to retrain: give trainingService (a classic id or arm:RG/NAME) or an online target"
  exit 2
fi
shown="$(aml_run -o json target show "$target")"
read -r group resource_group workspace endpoint _ < <(python3 "$(dirname "${BASH_SOURCE[0]}")/service.py" <<<"$shown") || true
if [[ "${group-}" != online ]]; then
  vso_issue error "target $target is not an online endpoint: give trainingService, the training web service to retrain"
  exit 2
fi
job=(online retrain "$resource_group" "$workspace" --endpoint "$endpoint" --data "$data" --timeout "$timeout")
[[ -z "$job_file" ]] || job+=(--job "$job_file")
[[ -z "$model_name" ]] || job+=(--model-name "$model_name")
aml_run "${job[@]}"
