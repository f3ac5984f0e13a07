#!/usr/bin/env bash
# plan.sh — env: AML_STEP_TARGET, AML_STEP_JOB_ID, AML_STEP_PLAN_FILE, AML_STEP_TRAINING_SERVICE.
# Writes the plan an approval sits in front of. The CLI sets planFile, planHash (and gateOutcome
# when a policy is given). A gated plan (exit 8) ends as SucceededWithIssues with no planHash set,
# so the Apply stage's condition skips it. The plan goes to the run's summary page as markdown, for
# the approvers of the Apply stage's environment.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target="$(step_input AML_STEP_TARGET)"
job="$(step_input AML_STEP_JOB_ID)"
plan_file="$(step_input AML_STEP_PLAN_FILE)"
training_service="$(step_input AML_STEP_TRAINING_SERVICE)"
mkdir -p "$(dirname "$plan_file")"
rc=0
args=(plan "$target" --from-job "$job" --out "$plan_file")
[[ -z "$training_service" ]] || args+=(--service "$training_service")
aml_run_gated "${args[@]}" || rc=$?
summary="${plan_file%.json}.md"
if [[ -f "$plan_file" ]] && python3 "$(dirname "${BASH_SOURCE[0]}")/summary.py" plan "$plan_file" >"$summary"; then
  echo "##vso[task.uploadsummary]$summary"
fi
exit "$rc"
