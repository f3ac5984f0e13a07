#!/usr/bin/env bash
# verify.sh — env: AML_STEP_TARGET, AML_STEP_EXPECTED_MODEL_URL, AML_STEP_SMOKE_INPUT.
# Reads TARGET back with `target show` and fails unless it serves EXPECTED_MODEL_URL (compared
# without SAS), then scores SMOKE_INPUT through it when given. Sets servingModelUrl (the CLI also
# sets modelUrl and stateHash). The target is the CLI's to parse: a malformed one is its usage
# error (exit 2), and a new kind of target needs no change here.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target="$(step_input AML_STEP_TARGET)"
expected="$(step_input AML_STEP_EXPECTED_MODEL_URL)"
expected="${expected%%\?*}"
smoke="$(step_input AML_STEP_SMOKE_INPUT)"
if [[ -z "$expected" ]]; then
  vso_issue error "no modelUrl from the Apply stage: nothing to verify"
  exit 1
fi
shown="$(aml_run -o json target show "$target")"
serving="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["model_url"])' <<<"$shown")"
vso_output servingModelUrl "$serving"
if [[ "$serving" != "$expected" ]]; then
  vso_issue error "read-back: $target serves $serving, expected $expected"
  exit 1
fi
echo "read-back ok: $target serves $expected"
[[ -n "$smoke" ]] || exit 0
# The CLI has no `score TARGET`: the score command's arguments are the service ids in the detail
# `target show` printed (service.py), for an online endpoint pinned to the deployment serving it.
read -r group first second third deployment < <(python3 "$(dirname "${BASH_SOURCE[0]}")/service.py" <<<"$shown") || true
if [[ "${group-}" == classic ]]; then
  aml_run classic score "$first" "$second" --input "$smoke"
elif [[ "${group-}" == webservice ]]; then
  aml_run webservice score "$first" "$second" --input "$smoke"
elif [[ "${group-}" == online ]]; then
  score=(online score "$first" "$second" "$third" --input "$smoke")
  [[ -z "${deployment-}" ]] || score+=(--deployment "$deployment")
  aml_run "${score[@]}"
else
  vso_issue error "smokeInput given, but the CLI has no score command for the kind of $target yet: leave smokeInput empty"
  exit 1
fi
