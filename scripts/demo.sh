#!/usr/bin/env bash
# The classic retrain-and-swap flow against the local emulator + Azurite, with the same commands that
# work against Azure: retrain through BES, create a non-default endpoint, point it at the new
# .ilearner, score it; then retrain on shifted data and swap again. Then the new (ARM) web service
# flow, and the Azure ML v2 managed online endpoint flow (retrain, gate, promote, score, roll back).
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_DIR="$(mktemp -d "${TMPDIR:-/tmp}/aml-demo.XXXXXX")"
export AML_RETRAIN_PROFILE="$DEMO_DIR/profile.json"
export AML_RETRAIN_BACKUP_DIR="$DEMO_DIR/backups"
export AML_RETRAIN_JOURNAL="$DEMO_DIR/jobs.jsonl"
export AML_RETRAIN_LEDGER="$DEMO_DIR/ledger.jsonl"
export AML_RETRAIN_POLL_INTERVAL=0.5   # the emulator's operations finish in a few polls
PY="${PYTHON:-python}"
ENDPOINT=retrained01
SECONDS=0

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
json_field() { "$PY" -c "import json,sys; print(json.load(sys.stdin)$1)"; }
service_id() {
  aml-retrain -o json classic services list | "$PY" -c \
    "import json,sys; print(next(s['Id'] for s in json.load(sys.stdin) if '$1' in s['Name']))"
}

# Change the emulator's settings (its control plane, not an Azure API): JSON of setting: value.
emulator_config() {
  "$PY" - "$AML_RETRAIN_PROFILE" "$1" <<'PYEOF'
import json, sys, requests
p = json.load(open(sys.argv[1]))
requests.post(p["management_url"] + "/_emulator/config", json=json.loads(sys.argv[2]),
              verify=p["ca_bundle"], timeout=10).raise_for_status()
PYEOF
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
TARGET="classic:$PREDICTIVE/$ENDPOINT"

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

  step "Promoting the new .ilearner to '$ENDPOINT' (gate, backup, PATCH, read-back, ledger)"
  aml-retrain -o json classic endpoints set-model "$PREDICTIVE" "$ENDPOINT" --from-job "$JOB" --dry-run \
    | "$PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["body"], indent=2))'
  aml-retrain promote "$TARGET" --from-job "$JOB" --policy scripts/demo-policy.yaml

  # The real service serves a patched model after ~30 s; the emulator after a second.
  sleep 2
  step "Scoring the same rows through '$ENDPOINT'"
  aml-retrain classic score "$PREDICTIVE" "$ENDPOINT" --input "$DEMO_DIR/score-rows.csv"
  aml-retrain -o json classic score "$PREDICTIVE" "$ENDPOINT" --input "$DEMO_DIR/score-rows.csv" \
    > "$DEMO_DIR/score$run.json"
done

step "Before / after"
"$PY" scripts/demo_summary.py "$DEMO_DIR"

step "A worse model is gated: the emulator is told to train badly, the gate blocks the promotion"
emulator_config '{"degrade_training": true}'
aml-retrain -o json classic retrain "$TRAINING" --data "$DEMO_DIR/census-2026.csv" > "$DEMO_DIR/job3.json"
WORSE="$("$PY" -c "import json; print(json.load(open('$DEMO_DIR/job3.json'))['job_id'])")"
set +e
aml-retrain promote "$TARGET" --from-job "$WORSE" --policy scripts/demo-policy.yaml
code=$?
set -e
[ "$code" -eq 8 ] || { echo "expected exit 8 (gated), got $code" >&2; exit 1; }
echo "Gated (exit 8): '$ENDPOINT' keeps serving the 2026 model."

step "Rollback: back to the previous model recorded in the ledger"
aml-retrain rollback "$TARGET" --reason "demo: return to the 2025 model"
sleep 2
aml-retrain -o json classic score "$PREDICTIVE" "$ENDPOINT" --input "$DEMO_DIR/score-rows.csv" \
  > "$DEMO_DIR/score-rollback.json"
"$PY" -c "
import json, sys
a, b = (json.load(open(f'$DEMO_DIR/{n}.json'))['rows'] for n in ('score1', 'score-rollback'))
sys.exit(0 if a == b else 'rollback did not restore the 2025 predictions')"
echo "Predictions after the rollback equal the 2025 model's."

step "The promotion ledger (hash-chained) and its check"
aml-retrain ledger show "$TARGET"
aml-retrain ledger verify

step "The default endpoint is refused, as the service requires"
if aml-retrain classic endpoints set-model "$PREDICTIVE" default --from-job "$JOB"; then
  echo "expected a refusal" >&2; exit 1
fi

# ---- The new (ARM) web service flow: retrain through the training web service's BES, export the
# predictive one, patch the asset URI, import, update, read back.
RG=aml-retrain-demo
WS=census-model-ws
TRAINING_WS=census-model-training-ws
DEF="$DEMO_DIR/census-model-ws.json"

step "Signed in to Azure Resource Manager as"
aml-retrain auth show
aml-retrain webservice list

step "Scoring through the new web service before the update"
aml-retrain -o json webservice score "$RG" "$WS" --input "$DEMO_DIR/score-rows.csv" > "$DEMO_DIR/ws-before.json"
aml-retrain webservice score "$RG" "$WS" --input "$DEMO_DIR/score-rows.csv"

step "Retraining through the training web service $TRAINING_WS (its own BES; key from listKeys)"
aml-retrain -o json webservice retrain "$RG" "$TRAINING_WS" --data "$DEMO_DIR/census-2026.csv" \
  --output-dir models/demo/ws > "$DEMO_DIR/ws-job.json"
WS_JOB="$("$PY" -c "import json; print(json.load(open('$DEMO_DIR/ws-job.json'))['job_id'])")"
aml-retrain jobs status "$WS_JOB"

step "Retraining the predictive web service instead is refused before any job (exit 2)"
set +e
aml-retrain webservice retrain "$RG" "$WS" --data "$DEMO_DIR/census-2026.csv"
code=$?
set -e
[ "$code" -eq 2 ] || { echo "expected exit 2 (not a training service), got $code" >&2; exit 1; }

step "Export the definition, point its trained-model asset at that job's .ilearner, import it"
aml-retrain webservice export "$RG" "$WS" --file "$DEF"
aml-retrain webservice set-model --file "$DEF" --from-job "$WS_JOB" --dry-run
aml-retrain webservice set-model --file "$DEF" --from-job "$WS_JOB"
aml-retrain -o json webservice import --file "$DEF" > /dev/null && echo "$DEF is a valid definition"

step "Update the live service (guardrails, backup, PATCH, poll, read back)"
aml-retrain webservice update "$RG" "$WS" --file "$DEF"
aml-retrain webservice show "$RG" "$WS"

sleep 2  # propagation, as for the classic endpoint
step "Scoring through the new web service after the update"
aml-retrain -o json webservice score "$RG" "$WS" --input "$DEMO_DIR/score-rows.csv" > "$DEMO_DIR/ws-after.json"
aml-retrain webservice score "$RG" "$WS" --input "$DEMO_DIR/score-rows.csv"
"$PY" - "$DEMO_DIR" <<'PYEOF'
import json, sys
from pathlib import Path
d = Path(sys.argv[1])
before, after = (json.loads((d / f).read_text())["rows"] for f in ("ws-before.json", "ws-after.json"))
changed = sum(b[-2:] != a[-2:] for b, a in zip(before, after))
print(f"New web service: predictions changed for {changed} of {len(after)} rows after the update")
sys.exit(0 if changed else "the web service still serves the old model")
PYEOF

step "A storage account change is refused before anything is sent"
"$PY" - "$DEF" <<'PYEOF'
import json, sys
path = sys.argv[1]
d = json.load(open(path))
d["properties"].setdefault("storageAccount", {})["name"] = "someotheraccount"
json.dump(d, open(path + ".bad.json", "w"))
PYEOF
if aml-retrain webservice update "$RG" "$WS" --file "$DEF.bad.json"; then
  echo "expected a refusal" >&2; exit 1
fi
# ---- Azure ML v2 managed online endpoints: score the endpoint, re-run the serving model's command
# job on new data, gate it, promote it to a new deployment (traffic moves to it), score, roll back.
ML_WS=census-workspace
ONLINE=census-online
ONLINE_TARGET="online:$RG/$ML_WS/$ONLINE"
# expect FILE PYTHON-EXPRESSION MESSAGE: fail the demo unless the expression (over `d`, FILE's JSON) holds.
expect() {
  "$PY" - "$@" <<'PYEOF'
import json, sys
path, test, message = sys.argv[1:4]
d = json.load(open(path))
test = " ".join(test.split())  # an expression may span lines
sys.exit(0 if eval(test, {"live": lambda s: {k: v for k, v in s.items() if v}}, {"d": d})
         else f"{message} ({path}: {json.dumps(d)[:300]})")
PYEOF
}

ONLINE_START=$SECONDS
step "Azure ML v2: the online endpoint $ONLINE in $ML_WS (operations answer fast in the demo)"
# The real service asks for Retry-After >= 10 s and takes minutes per deployment; the demo does not:
# operations end at the second status poll, and the client polls every 0.2 s (azure-core reads
# Retry-After 0 as "use the poll interval"). Traffic still shows late once (eventual consistency).
emulator_config '{"degrade_training": false, "mlv2_retry_after": 0, "mlv2_polls_before_done": 1}'
export AML_RETRAIN_POLL_INTERVAL=0.2
aml-retrain online endpoints show "$RG" "$ML_WS" "$ONLINE"
aml-retrain -o json online endpoints show "$RG" "$ML_WS" "$ONLINE" > "$DEMO_DIR/online-0.json"
expect "$DEMO_DIR/online-0.json" 'live(d["traffic"]) == {"blue": 100}' "blue should serve 100 %"
aml-retrain target show "$ONLINE_TARGET"

step "Scoring the fixed rows on $ONLINE (blue serves them)"
aml-retrain -o json online score "$RG" "$ML_WS" "$ONLINE" --input "$DEMO_DIR/score-rows.csv" \
  > "$DEMO_DIR/online-score0.json"
ROWS=$(($(wc -l < "$DEMO_DIR/score-rows.csv") - 1))
expect "$DEMO_DIR/online-score0.json" "d['deployment'] == 'blue' and len(d['predictions']) == $ROWS" \
  "blue should answer one prediction per row"
"$PY" -c "import json; print('predictions (blue):', json.load(open('$DEMO_DIR/online-score0.json'))['predictions'])"

step "Retraining: the serving model's command job re-run on $(basename "$DEMO_DIR/census-2026.csv")"
aml-retrain -o json online retrain "$RG" "$ML_WS" --data "$DEMO_DIR/census-2026.csv" \
  --endpoint "$ONLINE" > "$DEMO_DIR/online-job.json"
cat "$DEMO_DIR/online-job.json"
expect "$DEMO_DIR/online-job.json" 'd["status"] == "Completed" and d["model"] != "azureml:census-model:1"' \
  "the retraining should register a new model version"
ONLINE_JOB="$(json_field '["job_id"]' < "$DEMO_DIR/online-job.json")"

step "Gating the job's MLflow metrics against what $ONLINE_TARGET serves"
aml-retrain -o json gate --candidate "job:$ONLINE_JOB" --target "$ONLINE_TARGET" \
  --policy scripts/demo-policy.yaml > "$DEMO_DIR/online-gate.json"
expect "$DEMO_DIR/online-gate.json" 'd["outcome"] == "pass"' "the gate should pass the retrained model"
json_field '["summary"]' < "$DEMO_DIR/online-gate.json"

step "Plan, then promote: a new deployment copied from blue, then the traffic moves to it"
aml-retrain -o json plan "$ONLINE_TARGET" --from-job "$ONLINE_JOB" --out "$DEMO_DIR/online-plan.json" \
  > "$DEMO_DIR/online-planned.json"
expect "$DEMO_DIR/online-planned.json" \
  'd["change"]["traffic_before"] == {"blue": 100} and d["change"]["creates"]
   and live(d["change"]["traffic_after"]) == {d["change"]["deployment"]: 100}' \
  "the plan should create a deployment and move blue's 100 % to it"
"$PY" -c "
import json; c = json.load(open('$DEMO_DIR/online-planned.json'))['change']
print(f\"deployment {c['deployment']} (new: {c['creates']}), traffic {c['traffic_before']} -> {c['traffic_after']}\")"
aml-retrain promote "$ONLINE_TARGET" --from-job "$ONLINE_JOB" --policy scripts/demo-policy.yaml
aml-retrain online deployments list "$RG" "$ML_WS" "$ONLINE"
aml-retrain -o json online endpoints show "$RG" "$ML_WS" "$ONLINE" > "$DEMO_DIR/online-1.json"
NEW_DEPLOYMENT="$(json_field '["change"]["deployment"]' < "$DEMO_DIR/online-planned.json")"
expect "$DEMO_DIR/online-1.json" "live(d['traffic']) == {'$NEW_DEPLOYMENT': 100}" \
  "$NEW_DEPLOYMENT should serve 100 % after the promotion"

step "Scoring the same rows again: $NEW_DEPLOYMENT answers, with the retrained model"
aml-retrain -o json online score "$RG" "$ML_WS" "$ONLINE" --input "$DEMO_DIR/score-rows.csv" \
  > "$DEMO_DIR/online-score1.json"
expect "$DEMO_DIR/online-score1.json" "d['deployment'] == '$NEW_DEPLOYMENT'" \
  "the new deployment should answer"
"$PY" - "$DEMO_DIR" <<'PYEOF'
import json, sys
from pathlib import Path
before, after = (json.loads((Path(sys.argv[1]) / f).read_text())["predictions"]
                 for f in ("online-score0.json", "online-score1.json"))
print("predictions (blue):     ", before)
print("predictions (retrained):", after)
changed = sum(b != a for b, a in zip(before, after))
print(f"Online endpoint: predictions changed for {changed} of {len(after)} rows")
sys.exit(0 if changed else "the endpoint still answers with the old model")
PYEOF

step "Rollback: the traffic goes back to blue (the new deployment is kept)"
aml-retrain rollback "$ONLINE_TARGET" --reason "demo: back to census-model:1"
aml-retrain -o json online endpoints show "$RG" "$ML_WS" "$ONLINE" > "$DEMO_DIR/online-2.json"
expect "$DEMO_DIR/online-2.json" 'live(d["traffic"]) == {"blue": 100}' "blue should serve 100 % again"
aml-retrain -o json online score "$RG" "$ML_WS" "$ONLINE" --input "$DEMO_DIR/score-rows.csv" \
  > "$DEMO_DIR/online-score2.json"
"$PY" - "$DEMO_DIR" <<'PYEOF'
import json, sys
from pathlib import Path
before, back = (json.loads((Path(sys.argv[1]) / f).read_text())
                for f in ("online-score0.json", "online-score2.json"))
print(f"predictions ({back['deployment']}):", back["predictions"])
sys.exit(0 if back["deployment"] == "blue" and back["predictions"] == before["predictions"]
         else "the rollback did not restore blue's predictions")
PYEOF
echo "Predictions after the rollback equal blue's."
aml-retrain online deployments list "$RG" "$ML_WS" "$ONLINE"
aml-retrain ledger show "$ONLINE_TARGET"
echo "Online endpoint part: $((SECONDS - ONLINE_START))s."

# ---- Progressive delivery: a fan-out whose second wave gets a degraded model. The probe catches it
# against the old model's answers, rolls it back at once, and the run rolls the first wave back too.
# A classic endpoint serves a patched model only after a while (about 30 s on Azure, 1 s here), so
# the probe right after the switch still sees the old model: the bake is what catches it.
step "A degraded rollout, rolled back on screen: wave 1 a good model, wave 2 a degraded one"
ROLLOUT_START=$SECONDS
BASE_JOB="$("$PY" -c "import json; print(json.load(open('$DEMO_DIR/job1.json'))['job_id'])")"
for site in rollout-a rollout-b rollout-c rollout-d; do
  aml-retrain -o json classic endpoints create "$PREDICTIVE" "$site" --exist-ok > /dev/null
  aml-retrain -o json promote "classic:$PREDICTIVE/$site" --from-job "$BASE_JOB" --reason "demo: baseline" \
    > "$DEMO_DIR/baseline-$site.json"
done
aml-retrain -o json classic retrain "$TRAINING" --data "$DEMO_DIR/census-2025.csv" > "$DEMO_DIR/job4.json"
GOOD="$("$PY" -c "import json; print(json.load(open('$DEMO_DIR/job4.json'))['job_id'])")"
printf 'health:\n  min_success_rate: 1.0\n  min_agreement: 0.7\n' > "$DEMO_DIR/health.yaml"
# The probe: 40 rows of the 2025 data without their label (more varied than the six scored above).
head -41 "$DEMO_DIR/census-2025.csv" | cut -d, -f1-4 > "$DEMO_DIR/probe.csv"
"$PY" - "$DEMO_DIR" "$PREDICTIVE" "$TRAINING" "$GOOD" "$WORSE" <<'PYEOF'
import sys, yaml
from pathlib import Path
out, svc, training, good, worse = sys.argv[1:6]
sites = [("rollout-a", 1, good), ("rollout-b", 1, good), ("rollout-c", 2, worse), ("rollout-d", 2, worse)]
Path(out, "rollout.yaml").write_text(yaml.safe_dump({
    "version": 1,
    "defaults": {"training_service": training, "policy": str(Path(out, "health.yaml"))},
    "rollout": {"probe": str(Path(out, "probe.csv")), "bake": 4, "every": 1.5,
                "max_failures": 0, "on_failure": "rollback"},
    "targets": [{"name": n, "target": f"classic:{svc}/{n}", "wave": w, "from_job": j} for n, w, j in sites]}))
PYEOF
set +e
aml-retrain fanout run "$DEMO_DIR/rollout.yaml" --concurrency 1 --junit "$DEMO_DIR/rollout.xml" \
  2> "$DEMO_DIR/rollout.err"
code=$?
set -e
cat "$DEMO_DIR/rollout.err"
[ "$code" -eq 1 ] || { echo "expected exit 1 (rolled back), got $code" >&2; exit 1; }
RUN_ID="$(sed -n 's/^run \([0-9TZ]*-[0-9a-f]*\).*/\1/p' "$DEMO_DIR/rollout.err" | head -1)"
aml-retrain fanout status "$RUN_ID"
aml-retrain -o json fanout status "$RUN_ID" > "$DEMO_DIR/rollout-status.json"
expect "$DEMO_DIR/rollout-status.json" \
  '{t["target"].rsplit("/", 1)[1]: (t["state"], t["rollback"]) for t in d["targets"]}
   == {"rollout-a": ("rolled-back", "run"), "rollout-b": ("rolled-back", "run"),
       "rollout-c": ("rolled-back", "target"), "rollout-d": ("rolled-back", "target")}' \
  "wave 2 should be rolled back target by target, then wave 1 with the run"
for site in rollout-a rollout-b rollout-c rollout-d; do
  aml-retrain -o json target show "classic:$PREDICTIVE/$site" > "$DEMO_DIR/now-$site.json"
  BASELINE="$("$PY" -c "import json; print(json.load(open('$DEMO_DIR/baseline-$site.json'))['new_model'])")"
  expect "$DEMO_DIR/now-$site.json" "d['model_url'] == '$BASELINE'" "$site should serve its old model again"
done
echo "Every rollout site serves the model it had before the run (read back from the service)."
echo "Degraded rollout part: $((SECONDS - ROLLOUT_START))s."

echo "Demo finished in ${SECONDS}s."
