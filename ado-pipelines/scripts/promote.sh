#!/usr/bin/env bash
# promote.sh — env: AML_STEP_TARGET, AML_STEP_JOB_ID, AML_STEP_POLICY, AML_STEP_TRAINING_SERVICE,
# AML_STEP_SMOKE_INPUT, AML_STEP_PROBE, AML_STEP_BAKE_SECONDS.
# One target of a matrix: gate and promote in one step (no approval between). Gated (exit 8) ends
# as SucceededWithIssues; the CLI sets modelUrl, previousModelUrl, ledgerSeq, gateOutcome. With a
# smoke input, an online target's new deployment is scored before traffic moves (promote --smoke).
# With a probe, the CLI probes before and after the switch (and during the bake) and rolls back.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target="$(step_input AML_STEP_TARGET)"
job="$(step_input AML_STEP_JOB_ID)"
policy="$(step_input AML_STEP_POLICY)"
training_service="$(step_input AML_STEP_TRAINING_SERVICE)"
smoke="$(step_input AML_STEP_SMOKE_INPUT)"
probe="$(step_input AML_STEP_PROBE)"
bake="$(step_input AML_STEP_BAKE_SECONDS)"
args=(promote "$target" --from-job "$job" --gate)
[[ -z "$policy" ]] || args+=(--policy "$policy")
[[ -z "$training_service" ]] || args+=(--service "$training_service")
[[ -z "$smoke" ]] || args+=(--smoke "$smoke")
[[ -z "$probe" ]] || args+=(--probe "$probe" --bake "${bake:-0}")
aml_run_gated "${args[@]}"
