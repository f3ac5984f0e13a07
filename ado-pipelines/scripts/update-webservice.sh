#!/usr/bin/env bash
# update-webservice.sh RESOURCE_GROUP NAME JOB_ID DEFINITION_FILE
# The documented new-web-service flow, without the ledger: export the definition, point its
# trained-model asset at the job's .ilearner, validate, update the live service (backup, PATCH,
# poll, read-back). The CLI sets modelUrl, previousModelUrl, backupPath and verified.
source "$(dirname "$0")/lib.sh"
rg="$1" name="$2" job="$3" file="$4"
mkdir -p "$(dirname "$file")"
aml_run webservice export "$rg" "$name" --file "$file"
aml_run webservice set-model --file "$file" --from-job "$job"
aml_run webservice import --file "$file" >/dev/null
aml_run webservice update "$rg" "$name" --file "$file"
