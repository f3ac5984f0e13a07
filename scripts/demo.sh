#!/usr/bin/env bash
# The classic retrain-and-swap flow against the local emulator + Azurite, with the same commands that
# work against Azure: retrain through BES, create a non-default endpoint, point it at the new
# .ilearner, score it; then retrain on shifted data and swap again.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_DIR="$(mktemp -d "${TMPDIR:-/tmp}/aml-demo.XXXXXX")"
export AML_RETRAIN_PROFILE="$DEMO_DIR/profile.json"
export AML_RETRAIN_BACKUP_DIR="$DEMO_DIR/backups"
export AML_RETRAIN_JOURNAL="$DEMO_DIR/jobs.jsonl"
PY="${PYTHON:-python}"
ENDPOINT=retrained01
SECONDS=0

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
json_field() { "$PY" -c "import json,sys; print(json.load(sys.stdin)$1)"; }
service_id() {
  aml-retrain -o json classic services list | "$PY" -c \
    "import json,sys; print(next(s['Id'] for s in json.load(sys.stdin) if '$1' in s['Name']))"
}

cleanup() {
  step "Stopping the emulator and Azurite"
  aml-retrain emulator stop || true
  rm -rf "$DEMO_DIR"
}
trap cleanup EXIT

step "Starting the emulator and Azurite (profile: $AML_RETRAIN_PROFILE)"
aml-retrain emulator start --detach

step "Generating two training sets (the second with a shifted relationship) and rows to score"
"$PY" scripts/make_census_data.py "$DEMO_DIR"
ls -l "$DEMO_DIR"/*.csv | awk '{print $5, $9}'

step "Web services in the workspace"
aml-retrain classic services list
TRAINING="$(service_id '[Training Exp.]')"
PREDICTIVE="$(service_id '[Predictive Exp.]')"

step "Creating the non-default endpoint '$ENDPOINT' on the predictive service (re-runs reuse it)"
aml-retrain classic endpoints create "$PREDICTIVE" "$ENDPOINT" --exist-ok \
  --description "Served by the retrained model"
aml-retrain classic endpoints patch-url "$PREDICTIVE" "$ENDPOINT"

step "Scoring the fixed rows before any swap (the published model)"
aml-retrain classic score "$PREDICTIVE" "$ENDPOINT" --input "$DEMO_DIR/score-rows.csv"
aml-retrain -o json classic score "$PREDICTIVE" "$ENDPOINT" --input "$DEMO_DIR/score-rows.csv" \
  > "$DEMO_DIR/score0.json"

for run in 1 2; do
  data="$DEMO_DIR/census-202$((4 + run)).csv"
  step "Retraining through BES on $(basename "$data") (upload, submit, start, wait)"
  aml-retrain -o json classic retrain "$TRAINING" --data "$data" \
    --output-dir "models/demo/run$run" > "$DEMO_DIR/job$run.json"
  JOB="$("$PY" -c "import json; print(json.load(open('$DEMO_DIR/job$run.json'))['job_id'])")"
  aml-retrain classic jobs status "$JOB"

  step "Pointing '$ENDPOINT' at the new .ilearner (dry run, then backup, PATCH, read-back)"
  aml-retrain -o json classic endpoints set-model "$PREDICTIVE" "$ENDPOINT" --from-job "$JOB" --dry-run \
    | "$PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["body"], indent=2))'
  aml-retrain classic endpoints set-model "$PREDICTIVE" "$ENDPOINT" --from-job "$JOB"

  # The real service serves a patched model after ~30 s; the emulator after a second.
  sleep 2
  step "Scoring the same rows through '$ENDPOINT'"
  aml-retrain classic score "$PREDICTIVE" "$ENDPOINT" --input "$DEMO_DIR/score-rows.csv"
  aml-retrain -o json classic score "$PREDICTIVE" "$ENDPOINT" --input "$DEMO_DIR/score-rows.csv" \
    > "$DEMO_DIR/score$run.json"
done

step "Before / after"
"$PY" scripts/demo_summary.py "$DEMO_DIR"

step "The default endpoint is refused, as the service requires"
if aml-retrain classic endpoints set-model "$PREDICTIVE" default --from-job "$JOB"; then
  echo "expected a refusal" >&2; exit 1
fi
echo "Demo finished in ${SECONDS}s."
