#!/usr/bin/env bash
# The classic endpoint flow against the local emulator + Azurite, with the same commands that work
# against Azure: create a non-default endpoint, get its PATCH URL, point it at a new .ilearner.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_DIR="$(mktemp -d "${TMPDIR:-/tmp}/aml-demo.XXXXXX")"
export AML_RETRAIN_PROFILE="$DEMO_DIR/profile.json"
export AML_RETRAIN_BACKUP_DIR="$DEMO_DIR/backups"
PY="${PYTHON:-python}"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
json_field() { "$PY" -c "import json,sys; print(json.load(sys.stdin)$1)"; }

cleanup() {
  step "Stopping the emulator and Azurite"
  aml-retrain emulator stop || true
  rm -rf "$DEMO_DIR"
}
trap cleanup EXIT

step "Starting the emulator and Azurite (profile: $AML_RETRAIN_PROFILE)"
aml-retrain emulator start --detach

step "Web services in the workspace"
aml-retrain classic services list
PREDICTIVE="$(aml-retrain -o json classic services list | "$PY" -c \
  'import json,sys; print(next(s["Id"] for s in json.load(sys.stdin) if "[Predictive Exp.]" in s["Name"]))')"
echo "Predictive web service: $PREDICTIVE"

step "Creating the non-default endpoint 'retrained01' (re-runs reuse it)"
aml-retrain classic endpoints create "$PREDICTIVE" retrained01 \
  --description "Endpoint served by the retrained model" --exist-ok

step "Its PATCH URL (keys stay hidden unless --show-keys)"
aml-retrain classic endpoints patch-url "$PREDICTIVE" retrained01

step "Uploading the retrained model to blob storage"
printf 'census model, retrained on %s\n' "$(date -u +%FT%TZ)" > "$DEMO_DIR/census-v2.ilearner"
MODEL_URL="$(aml-retrain -o json storage upload "$DEMO_DIR/census-v2.ilearner" \
  --container models --blob retrain/census-v2.ilearner | json_field '["Url"]')"
echo "Model blob: $MODEL_URL"

step "Endpoint resources before"
aml-retrain classic endpoints show "$PREDICTIVE" retrained01

step "Dry run of the PATCH"
aml-retrain classic endpoints set-model "$PREDICTIVE" retrained01 --model-url "$MODEL_URL" --dry-run

step "PATCH the trained model (backup, write, read back)"
aml-retrain classic endpoints set-model "$PREDICTIVE" retrained01 --model-url "$MODEL_URL"

step "Endpoint resources after"
aml-retrain classic endpoints show "$PREDICTIVE" retrained01

step "The default endpoint is refused, as the service requires"
if aml-retrain classic endpoints set-model "$PREDICTIVE" default --model-url "$MODEL_URL"; then
  echo "expected a refusal" >&2; exit 1
fi
echo "Demo finished."
