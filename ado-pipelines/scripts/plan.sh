#!/usr/bin/env bash
# plan.sh TARGET JOB_ID PLAN_FILE
# Writes the plan an approval sits in front of. The CLI sets planFile, planHash (and gateOutcome
# when a policy is given). A gated plan (exit 8) ends as SucceededWithIssues with no planHash set,
# so the apply job's condition skips it.
source "$(dirname "$0")/lib.sh"
target="$1" job="$2" plan_file="$3"
mkdir -p "$(dirname "$plan_file")"
aml_run_gated plan "$target" --from-job "$job" --out "$plan_file"
