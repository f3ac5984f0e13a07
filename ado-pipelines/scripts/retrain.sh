#!/usr/bin/env bash
# retrain.sh TRAINING_SERVICE_ID DATA TIMEOUT_SECONDS [OUTPUT_DIR]
# Runs the training web service's BES job and waits. The CLI sets jobId, jobStatus, modelUrl and
# metric_<Name>/metricsKind; the job is recorded in AML_RETRAIN_JOURNAL, which the job publishes so
# later stages can resolve job:ID.
source "$(dirname "$0")/lib.sh"
service="$1" data="$2" timeout="$3" output_dir="${4:-}"
args=(classic retrain "$service" --data "$data" --timeout "$timeout")
[[ -z "$output_dir" ]] || args+=(--output-dir "$output_dir")
aml_run "${args[@]}"
