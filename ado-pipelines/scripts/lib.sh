# shellcheck shell=bash
# Sourced by the step scripts: strict mode, pipeline logging commands, and aml_run, which runs the
# CLI and turns its exit code into the task result the stages expect.
set -euo pipefail

# A secret variable that is not defined reaches the step as the literal text "$(NAME)"; an optional
# setting passed as '' is empty. Either way the CLI must fall back to its other sources.
aml_clean_env() {
  local name
  for name in $(compgen -e); do
    case "$name" in
      AML_RETRAIN_* | AZURE_*)
        if [[ -z "${!name}" || "${!name}" == '$('*')' ]]; then unset "$name"; fi ;;
    esac
  done
}

# step_input NAME [DEFAULT]: a value the step template mapped into the environment with env:.
# Values never come as positional arguments: AzureCLI@2 splits `arguments` with the task library's
# own rules (only double quotes group) and runs bash without a shell, so quoting would arrive
# verbatim. An undefined macro reaches the step as the literal "$(NAME)": that counts as empty.
step_input() {
  local value="${!1-}"
  if [[ "$value" == '$('*')' ]]; then value=""; fi
  printf '%s' "${value:-${2-}}"
}

vso_output() { echo "##vso[task.setvariable variable=$1;isOutput=true]$2"; }
vso_issue() { echo "##vso[task.logissue type=$1]$2"; }
vso_complete() { echo "##vso[task.complete result=$1;]$2"; }

# aml_run ARGS...: run `aml-retrain ARGS...`.
#   0 → 0;  8 (gated) → SucceededWithIssues with the reason, returns 8 so callers can tell, the step
#   still succeeds (later stages skip by condition);  anything else → an error annotation (the CLI
#   writes one itself for library errors; usage errors get one here) and the same exit code.
#   Its logging commands go to stderr, as the CLI's do, so that `x="$(aml_run -o json …)"` captures
#   only the CLI's JSON. They still reach the agent: the task library's ToolRunner writes a child's
#   stderr to the task's stdout unless failOnStdErr is set (node/toolrunner.ts; Bash@3 also sets
#   errStream to stdout), and the templates never set it.
aml_run() {
  local err rc=0
  err="$(mktemp)"
  aml-retrain "$@" 2>"$err" || rc=$?
  cat "$err" >&2
  if [[ $rc -eq 8 ]]; then
    local reason
    reason="$(grep -v '^##vso' "$err" | grep -i 'gated' | tail -n 1 || true)"
    [[ -n "$reason" ]] || reason="$(grep -o 'gated: .*' "$err" | tail -n 1 || true)"
    reason="$(sed -E 's/^(gated: )+/gated: /' <<<"$reason")"
    vso_complete SucceededWithIssues "${reason:-gated: the candidate did not pass the evaluation gate}" >&2
  elif [[ $rc -ne 0 ]] && ! grep -q '^##vso\[task.logissue type=error\]' "$err"; then
    # When stderr is not a terminal the CLI ends with exactly one line
    # `aml-retrain: error: MESSAGE`; pass MESSAGE on (never a box border or a traceback line).
    local message
    message="$(sed -n 's/^aml-retrain: error: //p' "$err" | tail -n 1)"
    [[ -n "$message" ]] || message="$(grep -v '^##vso' "$err" | grep -v '^[[:space:]]*$' | tail -n 1 || true)"
    local command="$1"
    if [[ "$1" == -o && $# -gt 2 ]]; then command="$3"; fi  # `aml_run -o json ledger show …`
    vso_issue error "aml-retrain $command failed (exit $rc): ${message:-no message}" >&2
  fi
  rm -f "$err"
  return "$rc"
}

# aml_run_gated ARGS...: like aml_run, but a gated outcome ends the step successfully (exit 0).
aml_run_gated() {
  local rc=0
  aml_run "$@" || rc=$?
  if [[ $rc -eq 8 ]]; then return 0; fi
  return "$rc"
}

aml_clean_env
