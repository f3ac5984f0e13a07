#!/usr/bin/env bash
# fanout.sh MANIFEST CONCURRENCY KEEP_GOING JUNIT_FILE
# Promotes every target of the manifest, canary wave first, and writes JUnit for PublishTestResults.
# Gated (exit 8, none failed) ends the step as SucceededWithIssues.
source "$(dirname "$0")/lib.sh"
manifest="$1" concurrency="$2" keep_going="$3" junit="$4"
args=(fanout run "$manifest" --concurrency "$concurrency" --junit "$junit")
[[ "${keep_going,,}" != "true" ]] || args+=(--keep-going)
aml_run_gated "${args[@]}"
