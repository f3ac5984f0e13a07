#!/usr/bin/env bash
# rollback.sh — env: AML_STEP_TARGET, AML_STEP_LEDGER_SEQ, AML_STEP_REASON.
# Rolls TARGET back to the model the ledger recorded before this run's promotion (LEDGER_SEQ, set
# by apply). Does nothing when this run promoted nothing, or when someone promoted TARGET since:
# rolling back then would undo a change this run did not make.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target="$(step_input AML_STEP_TARGET)"
seq="$(step_input AML_STEP_LEDGER_SEQ)"
reason="$(step_input AML_STEP_REASON "rolled back by the pipeline")"
if [[ -z "$seq" ]]; then
  vso_issue warning "this run promoted nothing to $target: nothing to roll back"
  exit 0
fi
entries="$(aml_run -o json ledger show "$target")"
latest="$(python3 -c 'import json,sys; e=json.load(sys.stdin); print(e[-1]["seq"] if e else "")' <<<"$entries")"
if [[ "$latest" != "$seq" ]]; then
  vso_issue warning "$target: latest ledger entry is ${latest:-none}, not this run's $seq; not rolling back"
  exit 0
fi
aml_run rollback "$target" --reason "$reason"
