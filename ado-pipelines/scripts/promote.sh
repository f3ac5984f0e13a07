#!/usr/bin/env bash
# promote.sh TARGET JOB_ID [POLICY]
# One target of a matrix: gate and promote in one step (no approval between). Gated (exit 8) ends
# as SucceededWithIssues; the CLI sets modelUrl, previousModelUrl, ledgerSeq, gateOutcome.
source "$(dirname "$0")/lib.sh"
target="$1" job="$2" policy="${3:-}"
args=(promote "$target" --from-job "$job" --gate)
[[ -z "$policy" ]] || args+=(--policy "$policy")
aml_run_gated "${args[@]}"
