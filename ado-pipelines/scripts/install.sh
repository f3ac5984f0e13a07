#!/usr/bin/env bash
# install.sh VERSION [WHEEL_ARTIFACT] — install aml-retrain: the wheel of the pipeline artifact
# WHEEL_ARTIFACT (downloaded under $PIPELINE_WORKSPACE) when given, else VERSION from the package
# index ('' = latest; pin it).
source "$(dirname "$0")/lib.sh"
version="${1:-}" artifact="${2:-}"
if [[ -n "$artifact" ]]; then
  wheel_dir="${PIPELINE_WORKSPACE:?}/$artifact"
  shopt -s nullglob
  wheels=("$wheel_dir"/aml_retrain-*.whl)
  if [[ ${#wheels[@]} -ne 1 ]]; then
    vso_issue error "expected one aml_retrain wheel in $wheel_dir, found ${#wheels[@]}"
    exit 1
  fi
  python -m pip install --disable-pip-version-check "${wheels[0]}"
else
  python -m pip install --disable-pip-version-check "aml-retrain${version:+==$version}"
fi
aml-retrain --version
