#!/usr/bin/env bash
# apply.sh — env: AML_STEP_PLAN_FILE.
# Applies the approved plan; refuses (exit 9, error) when the target changed since the plan.
# The CLI sets modelUrl, previousModelUrl, ledgerSeq, alreadyCurrent, backupPath.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
plan_file="$(step_input AML_STEP_PLAN_FILE)"
if [[ ! -f "$plan_file" ]]; then
  vso_issue error "plan file ${plan_file:-(none)} not found (was the plan artifact published?)"
  exit 1
fi
rc=0
aml_run apply "$plan_file" || rc=$?
if [[ $rc -eq 9 ]]; then
  vso_issue error "stale plan: the target changed after the plan was approved; re-run the pipeline"
fi
exit "$rc"
