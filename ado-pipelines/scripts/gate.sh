#!/usr/bin/env bash
# gate.sh JOB_ID TARGET [POLICY] [REQUIRE_BASELINE]
# Compares the job's metrics with what TARGET serves now (baseline from the ledger). The CLI sets
# gateOutcome (pass|gated) and gateSummary. Gated (exit 8) ends the step as SucceededWithIssues.
source "$(dirname "$0")/lib.sh"
job="$1" target="$2" policy="${3:-}" require_baseline="${4:-false}"
if [[ -z "$job" ]]; then
  vso_issue error "no job id from the Retrain stage"
  exit 1
fi
args=(gate --candidate "job:$job" --target "$target")
[[ -z "$policy" ]] || args+=(--policy "$policy")
[[ "${require_baseline,,}" != "true" ]] || args+=(--require-baseline)
aml_run_gated "${args[@]}"
