#!/usr/bin/env bash
# apply.sh PLAN_FILE
# Applies the approved plan; refuses (exit 9, error) when the target changed since the plan.
# The CLI sets modelUrl, previousModelUrl, ledgerSeq, alreadyCurrent, backupPath.
source "$(dirname "$0")/lib.sh"
plan_file="$1"
if [[ ! -f "$plan_file" ]]; then
  vso_issue error "plan file $plan_file not found (was the plan artifact published?)"
  exit 1
fi
rc=0
aml_run apply "$plan_file" || rc=$?
if [[ $rc -eq 9 ]]; then
  vso_issue error "stale plan: the target changed after the plan was approved; re-run the pipeline"
fi
exit "$rc"
