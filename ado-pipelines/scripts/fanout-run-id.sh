#!/usr/bin/env bash
# fanout-run-id.sh — no inputs.
# Makes the run id the shards of one fan-out share; the CLI sets the output variable runId.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
aml_run fanout new-run-id
