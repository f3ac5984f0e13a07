#!/usr/bin/env bash
# gate.sh — env: AML_STEP_JOB_ID, AML_STEP_TARGET, AML_STEP_POLICY, AML_STEP_REQUIRE_BASELINE,
# AML_STEP_TRAINING_SERVICE.
# Compares the job's metrics with what TARGET serves now (baseline from the ledger). The CLI sets
# gateOutcome (pass|gated) and gateSummary. Gated (exit 8) ends the step as SucceededWithIssues.
# The rules table goes to the run's summary page as markdown (##vso[task.uploadsummary]).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
job="$(step_input AML_STEP_JOB_ID)"
target="$(step_input AML_STEP_TARGET)"
policy="$(step_input AML_STEP_POLICY)"
require_baseline="$(step_input AML_STEP_REQUIRE_BASELINE false)"
training_service="$(step_input AML_STEP_TRAINING_SERVICE)"
if [[ -z "$job" ]]; then
  vso_issue error "no job id from the Retrain stage"
  exit 1
fi
args=(gate --candidate "job:$job" --target "$target")
[[ -z "$policy" ]] || args+=(--policy "$policy")
[[ "${require_baseline,,}" != "true" ]] || args+=(--require-baseline)
[[ -z "$training_service" ]] || args+=(--service "$training_service")
result="$(mktemp)"
rc=0
aml_run_gated -o json "${args[@]}" >"$result" || rc=$?
cat "$result"
summary="${BUILD_ARTIFACTSTAGINGDIRECTORY:-${AGENT_TEMPDIRECTORY:-${TMPDIR:-/tmp}}}/aml-retrain-gate.md"
if python3 "$(dirname "${BASH_SOURCE[0]}")/summary.py" gate "$target" "job:$job" <"$result" >"$summary"; then
  echo "##vso[task.uploadsummary]$summary"
fi
rm -f "$result"
exit "$rc"
