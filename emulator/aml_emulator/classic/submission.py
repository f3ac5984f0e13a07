"""Validate a BES submit body (``BatchExecutionRequest``, CLASSIC-API §6.1) into a :class:`Submission`.

All checks happen at submit (400, class ``BadArgument`` unless noted); storage is not touched
until the job runs. Unknown top-level keys are ignored, as a .NET JSON binder does (inferred).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .blobref import BlobRef, parse_blob_ref
from .exec_errors import bad_argument, bad_user_argument
from .interface import (
    INPUT_EXTENSIONS,
    LABEL_PARAMETER,
    OUTPUT_EXTENSIONS,
    PARAMETER_DEFAULTS,
    REGULARIZATION_PARAMETER,
    RRS_OUTPUT,
    TRAINING_INPUTS,
)

__all__ = ["Submission", "output_extensions", "parse_submission"]


@dataclass(frozen=True)
class Submission:
    inputs: dict[str, BlobRef]
    outputs: dict[str, BlobRef]  # the overrides only
    label: str
    regularization: float


def output_extensions(training: bool) -> dict[str, tuple[str, ...]]:
    """Output name → allowed extensions: the training outputs, or the scored dataset."""
    return dict(OUTPUT_EXTENSIONS) if training else {RRS_OUTPUT: (".csv",)}


def _names(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_argument("RequestBodyInvalid", f"'{what}' must be a JSON object.")
    return value


def _extension(ref: BlobRef, name: str, allowed: tuple[str, ...]) -> None:
    if ref.extension not in allowed:  # case-insensitive: inferred
        raise bad_argument("InvalidBlobExtension",
                           f"The blob {ref.shown()} for '{name}' must have the extension "
                           f"{' or '.join(allowed)}.")


def _inputs(body: Mapping[str, Any]) -> dict[str, BlobRef]:
    many, single = body.get("Inputs"), body.get("Input")
    if many is not None and single is not None:
        raise bad_argument("DuplicateInputInBatchCall",
                           "Specify either 'Inputs' or the legacy 'Input', not both.")
    raw = {TRAINING_INPUTS[0]: single} if single is not None else _names(many, "Inputs")
    unknown = sorted(set(raw) - set(TRAINING_INPUTS))
    if unknown:  # names are case-sensitive (ADF-BES)
        raise bad_argument("InvalidInputNames",
                           f"Unknown input name(s) {', '.join(map(repr, unknown))}; this web "
                           f"service's inputs: {', '.join(map(repr, TRAINING_INPUTS))}.")
    missing = [name for name in TRAINING_INPUTS if raw.get(name) is None]
    if missing:
        raise bad_argument("BatchJobInputsNotSpecified",
                           f"The input(s) {', '.join(map(repr, missing))} must be specified "
                           "in 'Inputs'.")
    refs = {name: parse_blob_ref(raw[name], name, output=False) for name in TRAINING_INPUTS}
    for name, ref in refs.items():
        _extension(ref, name, INPUT_EXTENSIONS)
    return refs


def _outputs(body: Mapping[str, Any], training: bool) -> dict[str, BlobRef]:
    raw = _names(body.get("Outputs"), "Outputs")
    allowed = output_extensions(training)
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise bad_argument("InvalidOutputOverrideName",
                           f"Unknown output name(s) {', '.join(map(repr, unknown))}; this web "
                           f"service's outputs: {', '.join(map(repr, allowed))}.")
    refs = {name: parse_blob_ref(value, name, output=True)
            for name, value in raw.items() if value is not None}
    for name, ref in refs.items():
        _extension(ref, name, allowed[name])
    return refs


def _parameter_text(name: str, value: Any) -> str:
    # A C# IDictionary<string, string> (CLASSIC-API §6.1); JSON numbers are accepted as text.
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value)
    raise bad_user_argument("UserParameterInvalid",
                            f"Global parameter '{name}' must be a string.")


def _parameters(body: Mapping[str, Any], training: bool) -> tuple[str, float]:
    raw = _names(body.get("GlobalParameters"), "GlobalParameters")
    known = PARAMETER_DEFAULTS if training else {}
    unknown = sorted(set(raw) - set(known))
    if unknown:  # case-sensitive names (ADF-BES)
        raise bad_argument("UnexpectedParameter",
                           f"Unexpected global parameter(s) {', '.join(map(repr, unknown))}; "
                           f"this web service takes: {', '.join(map(repr, known)) or 'none'}.")
    values = dict(PARAMETER_DEFAULTS)
    values.update({name: _parameter_text(name, value) for name, value in raw.items()})
    label = values[LABEL_PARAMETER].strip()
    if not label:
        raise bad_user_argument("UserParameterInvalid",
                                f"Global parameter '{LABEL_PARAMETER}' must name a column.")
    try:
        regularization = float(values[REGULARIZATION_PARAMETER])
    except ValueError:
        regularization = math.nan
    if not math.isfinite(regularization) or regularization <= 0:
        raise bad_user_argument("UserParameterInvalid",
                                f"Global parameter '{REGULARIZATION_PARAMETER}' must be a "
                                "number greater than 0.")
    return label, regularization


def parse_submission(body: Mapping[str, Any], *, training: bool) -> Submission:
    inputs = _inputs(body)
    outputs = _outputs(body, training)
    label, regularization = _parameters(body, training)
    return Submission(inputs, outputs, label, regularization)
