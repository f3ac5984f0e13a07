#!/usr/bin/env bash
# install.sh — env: AML_STEP_WHEEL_ARTIFACT, AML_STEP_ARTIFACTS_FEED, AML_STEP_CLI_VERSION.
# Installs aml-retrain, which is not on a public registry yet:
# - AML_STEP_WHEEL_ARTIFACT: the one wheel in the pipeline artifact of that name (downloaded under
#   $PIPELINE_WORKSPACE; jobs/build-wheel.yml builds it in the same pipeline);
# - AML_STEP_ARTIFACTS_FEED: aml-retrain[==AML_STEP_CLI_VERSION] from an Azure Artifacts feed
#   (PipAuthenticate@1 ran before and set PIP_INDEX_URL);
# - neither: only from an index the agent already points pip at (PIP_INDEX_URL), for later.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
artifact="$(step_input AML_STEP_WHEEL_ARTIFACT)"
feed="$(step_input AML_STEP_ARTIFACTS_FEED)"
version="$(step_input AML_STEP_CLI_VERSION)"
pip=(python -m pip install --disable-pip-version-check)
if [[ -n "$artifact" ]]; then
  wheel_dir="${PIPELINE_WORKSPACE:?}/$artifact"
  shopt -s nullglob
  wheels=("$wheel_dir"/aml_retrain-*.whl)
  if [[ ${#wheels[@]} -ne 1 ]]; then
    vso_issue error "expected one aml_retrain wheel in $wheel_dir, found ${#wheels[@]}"
    exit 1
  fi
  "${pip[@]}" "${wheels[0]}"
elif [[ -n "$feed" || -n "${PIP_INDEX_URL:-}" ]]; then
  "${pip[@]}" "aml-retrain${version:+==$version}"
else
  vso_issue error "aml-retrain is not on a public package index yet: set wheelArtifact (a wheel built by jobs/build-wheel.yml in this pipeline) or artifactsFeed (an Azure Artifacts feed it is published to)"
  exit 2
fi
aml-retrain --version
