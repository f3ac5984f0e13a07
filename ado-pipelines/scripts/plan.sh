#!/usr/bin/env bash
# plan.sh — env: AML_STEP_TARGET, AML_STEP_JOB_ID, AML_STEP_PLAN_FILE.
# Writes the plan an approval sits in front of. The CLI sets planFile, planHash (and gateOutcome
# when a policy is given). A gated plan (exit 8) ends as SucceededWithIssues with no planHash set,
# so the Apply stage's condition skips it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target="$(step_input AML_STEP_TARGET)"
job="$(step_input AML_STEP_JOB_ID)"
plan_file="$(step_input AML_STEP_PLAN_FILE)"
mkdir -p "$(dirname "$plan_file")"
aml_run_gated plan "$target" --from-job "$job" --out "$plan_file"
