#!/usr/bin/env bash
# fanout.sh — env: AML_STEP_MANIFEST, AML_STEP_CONCURRENCY, AML_STEP_KEEP_GOING, AML_STEP_JUNIT_FILE,
# AML_STEP_RESUME_RUN_ID (empty: a new run).
# Promotes every target of the manifest, canary wave first, and writes JUnit for PublishTestResults.
# Gated (exit 8, none failed) ends the step as SucceededWithIssues.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
manifest="$(step_input AML_STEP_MANIFEST)"
concurrency="$(step_input AML_STEP_CONCURRENCY 4)"
keep_going="$(step_input AML_STEP_KEEP_GOING false)"
junit="$(step_input AML_STEP_JUNIT_FILE)"
resume="$(step_input AML_STEP_RESUME_RUN_ID '')"
args=(fanout run "$manifest" --concurrency "$concurrency" --junit "$junit")
[[ "${keep_going,,}" != "true" ]] || args+=(--keep-going)
[[ -z "$resume" ]] || args+=(--resume "$resume")
aml_run_gated "${args[@]}"
