#!/usr/bin/env bash
# update-webservice.sh — env: AML_STEP_RESOURCE_GROUP, AML_STEP_WEB_SERVICE, AML_STEP_JOB_ID,
# AML_STEP_DEFINITION_FILE, AML_STEP_TRAINING_SERVICE.
# The documented new-web-service flow, without the ledger: export the definition, point its
# trained-model asset at the job's .ilearner, validate, update the live service (backup, PATCH,
# poll, read-back). The CLI sets modelUrl, previousModelUrl, backupPath and verified.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rg="$(step_input AML_STEP_RESOURCE_GROUP)"
name="$(step_input AML_STEP_WEB_SERVICE)"
job="$(step_input AML_STEP_JOB_ID)"
file="$(step_input AML_STEP_DEFINITION_FILE)"
training_service="$(step_input AML_STEP_TRAINING_SERVICE)"
mkdir -p "$(dirname "$file")"
aml_run webservice export "$rg" "$name" --file "$file"
args=(webservice set-model --file "$file" --from-job "$job")
[[ -z "$training_service" ]] || args+=(--service "$training_service")
aml_run "${args[@]}"
aml_run webservice import --file "$file" >/dev/null
aml_run webservice update "$rg" "$name" --file "$file"
