#!/usr/bin/env bash
# set-model-classic.sh SERVICE_ID ENDPOINT JOB_ID [RESOURCE_NAME]
# Points a classic endpoint at the job's .ilearner (backup, PATCH, read-back), without the ledger.
# The CLI sets backupPath and verified.
source "$(dirname "$0")/lib.sh"
service="$1" endpoint="$2" job="$3" resource="${4:-}"
args=(classic endpoints set-model "$service" "$endpoint" --from-job "$job")
[[ -z "$resource" ]] || args+=(--resource-name "$resource")
aml_run "${args[@]}"
