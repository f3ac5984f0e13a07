#!/usr/bin/env bash
# retrain.sh — env: AML_STEP_TRAINING_SERVICE (a classic training web service id, or
# arm:RG/NAME for a new training web service), AML_STEP_DATA, AML_STEP_TIMEOUT, AML_STEP_OUTPUT_DIR.
# Runs the training web service's BES job and waits. The CLI sets jobId, jobStatus, modelUrl and
# metric_<Name>/metricsKind; the job is recorded in AML_RETRAIN_JOURNAL, which the job publishes so
# later stages can resolve job:ID.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
service="$(step_input AML_STEP_TRAINING_SERVICE)"
data="$(step_input AML_STEP_DATA)"
timeout="$(step_input AML_STEP_TIMEOUT 3600)"
output_dir="$(step_input AML_STEP_OUTPUT_DIR)"
common=(--data "$data" --timeout "$timeout")
[[ -z "$output_dir" ]] || common+=(--output-dir "$output_dir")
if [[ "$service" == arm:* ]]; then
  rest="${service#arm:}"
  if [[ "$rest" != */* || -z "${rest%%/*}" || -z "${rest#*/}" ]]; then
    vso_issue error "trainingService '$service': expected arm:RESOURCE_GROUP/NAME or a classic service id"
    exit 2
  fi
  aml_run webservice retrain "${rest%%/*}" "${rest#*/}" "${common[@]}"
else
  aml_run classic retrain "$service" "${common[@]}"
fi
