#!/usr/bin/env bash
# set-model-classic.sh — env: AML_STEP_SERVICE_ID, AML_STEP_ENDPOINT, AML_STEP_JOB_ID,
# AML_STEP_RESOURCE_NAME, AML_STEP_TRAINING_SERVICE (the job's training service, when the job is not
# in the journal this step downloaded).
# Points a classic endpoint at the job's .ilearner (backup, PATCH, read-back), without the ledger.
# The CLI sets backupPath and verified.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
service="$(step_input AML_STEP_SERVICE_ID)"
endpoint="$(step_input AML_STEP_ENDPOINT)"
job="$(step_input AML_STEP_JOB_ID)"
resource="$(step_input AML_STEP_RESOURCE_NAME)"
training_service="$(step_input AML_STEP_TRAINING_SERVICE)"
args=(classic endpoints set-model "$service" "$endpoint" --from-job "$job")
[[ -z "$resource" ]] || args+=(--resource-name "$resource")
[[ -z "$training_service" ]] || args+=(--service "$training_service")
aml_run "${args[@]}"
