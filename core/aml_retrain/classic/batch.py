"""Batch Execution Service data: job status, job results, swagger names and request checks (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from aml_retrain._blobs import MODEL_EXTENSION
from aml_retrain._redact import redact_sas, redact_text, redact_url
from aml_retrain.errors import ValidationError

__all__ = [
    "DATASET_EXTENSIONS",
    "BlobOutput",
    "JobState",
    "JobStatus",
    "SwaggerNames",
    "default_model_output",
    "parameter_text",
    "pick_input_name",
    "swagger_names",
    "trained_model_outputs",
    "validate_job_request",
]

DATASET_EXTENSIONS = (".csv", ".tsv", ".arff")


class JobStatus(str, Enum):
    """A BES job's ``StatusCode``; the service sends either the number or the name."""

    NOT_STARTED = "NotStarted"
    RUNNING = "Running"
    FAILED = "Failed"
    CANCELLED = "Cancelled"
    FINISHED = "Finished"

    @classmethod
    def parse(cls, value: Any) -> JobStatus:
        """Accept 0-4, ``"0"``-``"4"`` or a name (any case); raise ValidationError otherwise."""
        if isinstance(value, JobStatus):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            if 0 <= value < len(_ORDER):
                return _ORDER[value]
        elif isinstance(value, str):
            text = value.strip()
            if text.isdigit() and int(text) < len(_ORDER):
                return _ORDER[int(text)]
            found = _BY_NAME.get(text.lower())
            if found is not None:
                return found
        raise ValidationError(
            f"unknown job status {value!r}: expected 0-4 or one of "
            f"{', '.join(s.value for s in _ORDER)}"
        )

    @property
    def terminal(self) -> bool:
        """True once the job can no longer change (Failed, Cancelled, Finished)."""
        return self in (JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.FINISHED)

    @property
    def succeeded(self) -> bool:
        """True only for Finished."""
        return self is JobStatus.FINISHED


_ORDER = tuple(JobStatus)  # the numeric codes are the declaration order (SW-BES enum)
_BY_NAME = {s.value.lower(): s for s in JobStatus}
# PS-INV compares against "Canceled" (one l); accept it in case some build sends that spelling.
_BY_NAME["canceled"] = JobStatus.CANCELLED


@dataclass(frozen=True)
class BlobOutput:
    """One entry of a job's ``Results``: a read-only SAS reference to an output blob."""

    name: str
    base_location: str
    relative_location: str
    sas_token: str = field(default="", repr=False)

    def __repr__(self) -> str:
        return (
            f"BlobOutput(name={self.name!r}, base_location={self.base_location!r}, "
            f"relative_location={self.relative_location!r}, "
            f"sas_token={redact_sas(self.sas_token)!r})"
        )

    @classmethod
    def from_api(cls, name: str, ref: Mapping[str, Any]) -> BlobOutput:
        """Build from an AzureBlobDataReference (any ConnectionString in it is dropped)."""
        return cls(
            name=name,
            base_location=str(ref.get("BaseLocation") or ""),
            relative_location=str(ref.get("RelativeLocation") or ""),
            sas_token=str(ref.get("SasBlobToken") or ""),
        )

    @property
    def url_without_sas(self) -> str:
        """Return BaseLocation + RelativeLocation joined with exactly one ``/``."""
        if not self.base_location:
            return self.relative_location
        return f"{self.base_location.rstrip('/')}/{self.relative_location.lstrip('/')}"

    @property
    def url(self) -> str:
        """Return the download URL: BaseLocation + RelativeLocation + SasBlobToken."""
        sas = self.sas_token
        if sas and not sas.startswith("?"):
            sas = f"?{sas}"
        return self.url_without_sas + sas

    @property
    def is_model(self) -> bool:
        """True if the blob is a trained model (``.ilearner``)."""
        return _extension(self.relative_location) == MODEL_EXTENSION

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict with the SAS signature redacted."""
        return {
            "name": self.name,
            "base_location": self.base_location,
            "relative_location": self.relative_location,
            "sas_token": redact_sas(self.sas_token),
            "url": redact_url(self.url),
            "url_without_sas": self.url_without_sas,
            "is_model": self.is_model,
        }


@dataclass(frozen=True)
class JobState:
    """A job's status, its outputs (once Finished) and the service's details text."""

    job_id: str
    status: JobStatus
    outputs: dict[str, BlobOutput] = field(default_factory=dict)
    details: str | None = None

    @classmethod
    def from_api(cls, job_id: str, body: Any) -> JobState:
        """Parse a BatchExecutionStatus body, tolerating null/missing ``Results`` and ``Result``."""
        if not isinstance(body, Mapping):
            raise ValidationError(f"job {job_id}: the status body is not a JSON object")
        # D-CONSUME16 spells it "Status Code"; every other source says StatusCode.
        raw = body.get("StatusCode", body.get("Status Code"))
        status = JobStatus.parse(raw)
        results = body.get("Results")
        if results is None:
            results = body.get("Result")  # old singular form (response.status.json)
        outputs: dict[str, BlobOutput] = {}
        if isinstance(results, Mapping):
            for name, ref in results.items():
                if isinstance(ref, Mapping):
                    outputs[str(name)] = BlobOutput.from_api(str(name), ref)
        details = body.get("Details")
        return cls(
            job_id, status, outputs, redact_text(str(details)) if details is not None else None
        )

    def model_output(self, name: str | None = None) -> BlobOutput | None:
        """Return the named output if it is a model, else the first ``.ilearner`` output."""
        if name is not None:
            named = self.outputs.get(name)
            if named is not None and named.is_model:
                return named
        return next((o for o in self.outputs.values() if o.is_model), None)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict with SAS signatures redacted."""
        return {
            "job_id": self.job_id,
            "status": self.status.value,
            "outputs": {name: o.to_dict() for name, o in self.outputs.items()},
            "details": self.details,
        }


@dataclass(frozen=True)
class SwaggerNames:
    """Input, output and global parameter names a service's swagger declares (None = unknown)."""

    inputs: list[str] | None = None
    outputs: list[str] | None = None
    global_parameters: list[str] | None = None
    rrs_outputs: list[str] | None = None


def swagger_names(swagger: Mapping[str, Any] | None) -> SwaggerNames:
    """Read ``definitions.BatchInputs/BatchOutputs/GlobalParameters.properties`` names."""
    if not isinstance(swagger, Mapping):
        return SwaggerNames()
    definitions = swagger.get("definitions")
    if not isinstance(definitions, Mapping):
        return SwaggerNames()

    def names(key: str) -> list[str] | None:
        definition = definitions.get(key)
        if not isinstance(definition, Mapping):
            return None
        # A declared definition without properties means "none" (a service without inputs).
        props = definition.get("properties")
        return [str(n) for n in props] if isinstance(props, Mapping) else []

    return SwaggerNames(names("BatchInputs"), names("BatchOutputs"), names("GlobalParameters"),
                        names("ExecutionOutputs"))


def trained_model_outputs(swagger: Mapping[str, Any] | None) -> list[str] | None:
    """Return the BES outputs that are trained models (``[]``: a predictive service; None: unknown).

    A trained model cannot travel in a Request-Response answer, so the service document lists a
    training experiment's model output under ``BatchOutputs`` only, its tables under both: the
    reference ``swagger.api.json`` has ``model`` in BatchOutputs and not in ExecutionOutputs. A
    predictive service's outputs are all scored tables, so all appear in both.
    """
    names = swagger_names(swagger)
    if names.outputs is None or names.rrs_outputs is None:
        return None
    tables = set(names.rrs_outputs)
    return [name for name in names.outputs if name not in tables]


def default_model_output(
    swagger: Mapping[str, Any] | None = None, request_outputs: Mapping[str, Any] | None = None
) -> str:
    """Return ``model`` if the swagger (or, without one, the request) has it, else ``output1``."""
    outputs = swagger_names(swagger).outputs
    if outputs is None:
        # No swagger: the reference captures name the model output "model" when it is not output1.
        outputs = list(request_outputs or {})
    return "model" if "model" in outputs else "output1"


def validate_job_request(
    request: Mapping[str, Any],
    swagger: Mapping[str, Any] | None = None,
    *,
    model_output: str | None = None,
) -> None:
    """Raise ValidationError if a BatchExecutionRequest would be rejected; no request is sent."""
    if not isinstance(request, Mapping):
        raise ValidationError("the job request must be a JSON object")
    if "Input" in request and "Inputs" in request:
        raise ValidationError("the job request has both 'Input' and 'Inputs': keep only 'Inputs'")
    inputs = _section(request, "Inputs")
    outputs = _section(request, "Outputs")
    parameters = _section(request, "GlobalParameters")
    for name, ref in inputs.items():
        ext = _extension(_relative(name, ref, "input"))
        if ext not in DATASET_EXTENSIONS:
            shown = repr(ext) if ext else "a blob without extension"
            raise ValidationError(
                f"input {name!r} must be a {'/'.join(DATASET_EXTENSIONS)} blob, not {shown}"
            )
    model = model_output or default_model_output(swagger, outputs)
    for name, ref in outputs.items():
        ext = _extension(_relative(name, ref, "output"))
        if name == model and ext != MODEL_EXTENSION:
            raise ValidationError(
                f"output {name!r} is the trained model: its blob must end in {MODEL_EXTENSION}"
            )
        if name != model and ext not in DATASET_EXTENSIONS:
            raise ValidationError(
                f"output {name!r} must end in {'/'.join(DATASET_EXTENSIONS)} (only the model "
                f"output {model!r} is {MODEL_EXTENSION}; pass --model-output if it is another one)"
            )
    for name, value in parameters.items():
        if not isinstance(value, (str, int, float, bool)):
            raise ValidationError(f"global parameter {name!r} must be a string, number or boolean")
    known = swagger_names(swagger)
    _check_names("input", inputs, known.inputs)
    _check_names("output", outputs, known.outputs)
    _check_names("global parameter", parameters, known.global_parameters)
    if known.inputs and not inputs:
        raise ValidationError(
            f"the service expects input(s) {_quoted(known.inputs)}: pass the data to train on"
        )
    missing = [n for n in known.inputs or [] if n not in inputs]
    if inputs and missing:
        raise ValidationError(f"the job request lacks input(s) {_quoted(missing)}")


def parameter_text(value: Any) -> str:
    """Return a global parameter value as the string the service expects."""
    # The service reads global parameters as strings (register.json sends strings).
    if isinstance(value, bool):
        return "True" if value else "False"
    if not isinstance(value, (str, int, float)):
        raise ValidationError(f"global parameter value {value!r} must be a string or number")
    return str(value)


def pick_input_name(given: str | None, declared: list[str] | None, service_id: str) -> str:
    """Return the input to feed: the given one, the only declared one, or ``input1`` (no swagger)."""
    if declared is not None and not declared:
        raise ValidationError(
            f"web service {service_id} declares no web-service input, so it cannot take training "
            "data: pass the data location as a global parameter instead"
        )
    if given is not None:
        return given  # checked against the swagger by validate_job_request
    if declared is None:
        return "input1"  # no swagger: the name Studio gives the first Web Service Input
    if len(declared) > 1:
        raise ValidationError(
            f"web service {service_id} has inputs {', '.join(repr(n) for n in declared)}: "
            "pass --input-name with one of them"
        )
    return declared[0]


def _section(request: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = request.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(f"'{key}' in the job request must be an object of name -> value")
    return value


def _relative(name: str, ref: Any, kind: str) -> str:
    if not isinstance(ref, Mapping):
        raise ValidationError(
            f"{kind} {name!r} must be a blob reference with ConnectionString and RelativeLocation"
        )
    relative = ref.get("RelativeLocation")
    if not isinstance(relative, str) or not relative.strip("/"):
        raise ValidationError(f"{kind} {name!r} has no RelativeLocation (container/path/blob)")
    return relative


def _check_names(kind: str, given: Mapping[str, Any], valid: list[str] | None) -> None:
    if valid is None:
        return  # no swagger: the service will judge
    unknown = [n for n in given if n not in valid]
    if unknown:
        choices = _quoted(valid) if valid else "none"
        raise ValidationError(
            f"unknown {kind} name(s) {_quoted(unknown)}: the service declares {choices} "
            "(names are case-sensitive)"
        )


def _quoted(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)


def _extension(path: str) -> str:
    leaf = path.split("?", 1)[0].rsplit("/", 1)[-1]
    return f".{leaf.rsplit('.', 1)[1].lower()}" if "." in leaf else ""
