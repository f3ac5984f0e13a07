#!/usr/bin/env bash
# fanout.sh — env: AML_STEP_MANIFEST, AML_STEP_CONCURRENCY, AML_STEP_KEEP_GOING, AML_STEP_JUNIT_FILE,
# AML_STEP_RESUME_RUN_ID (empty: a new run), AML_STEP_SHARD (I/N; empty: all targets),
# AML_STEP_RUN_ID (the run id the shards share), AML_STEP_BARRIER_TIMEOUT (seconds).
# Promotes every target of the manifest, canary wave first, and writes JUnit for PublishTestResults.
# Gated (exit 8, none failed) ends the step as SucceededWithIssues.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
manifest="$(step_input AML_STEP_MANIFEST)"
concurrency="$(step_input AML_STEP_CONCURRENCY 4)"
keep_going="$(step_input AML_STEP_KEEP_GOING false)"
junit="$(step_input AML_STEP_JUNIT_FILE)"
resume="$(step_input AML_STEP_RESUME_RUN_ID '')"
shard="$(step_input AML_STEP_SHARD '')"
run_id="$(step_input AML_STEP_RUN_ID '')"
barrier_timeout="$(step_input AML_STEP_BARRIER_TIMEOUT 3600)"
args=(fanout run "$manifest" --concurrency "$concurrency" --junit "$junit")
[[ "${keep_going,,}" != "true" ]] || args+=(--keep-going)
[[ -z "$resume" ]] || args+=(--resume "$resume")
if [[ -n "$shard" ]]; then
  args+=(--shard "$shard" --barrier-timeout "$barrier_timeout")
  [[ -z "$run_id" ]] || args+=(--run-id "$run_id")
fi
aml_run_gated "${args[@]}"
