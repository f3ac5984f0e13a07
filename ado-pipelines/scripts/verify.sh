#!/usr/bin/env bash
# verify.sh — env: AML_STEP_TARGET, AML_STEP_EXPECTED_MODEL_URL, AML_STEP_SMOKE_INPUT.
# Reads TARGET back and fails unless it serves EXPECTED_MODEL_URL (compared without SAS), then
# scores SMOKE_INPUT through it when given. Sets servingModelUrl.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target="$(step_input AML_STEP_TARGET)"
expected="$(step_input AML_STEP_EXPECTED_MODEL_URL)"
expected="${expected%%\?*}"
smoke="$(step_input AML_STEP_SMOKE_INPUT)"
if [[ -z "$expected" ]]; then
  vso_issue error "no modelUrl from the Apply stage: nothing to verify"
  exit 1
fi
kind="${target%%:*}" rest="${target#*:}"
rest="${rest%%#*}" first="${rest%%/*}" second="${rest#*/}"
case "$kind" in
  classic) shown="$(aml_run -o json classic endpoints show "$first" "$second")" ;;
  arm) shown="$(aml_run -o json webservice show "$first" "$second")" ;;
  *) vso_issue error "unknown target kind in '$target' (classic:… or arm:…)"; exit 2 ;;
esac
serving="$(python3 "$(dirname "${BASH_SOURCE[0]}")/model_url.py" "$kind" <<<"$shown")"
vso_output servingModelUrl "$serving"
if [[ "$serving" != "$expected" ]]; then
  vso_issue error "read-back: $target serves $serving, expected $expected"
  exit 1
fi
echo "read-back ok: $target serves $expected"
if [[ -z "$smoke" ]]; then
  exit 0
elif [[ "$kind" == classic ]]; then
  aml_run classic score "$first" "$second" --input "$smoke"
else
  aml_run webservice score "$first" "$second" --input "$smoke"
fi
