"""Command jobs: an ``az ml job`` YAML subset to a CommandJob REST body, and re-submission bodies.

The YAML keys are those of the CLI v2 command job schema (learn.microsoft.com
reference-yaml-job-command, source schema azuremlschemas.azureedge.net/latest/commandJob.schema.json):
``command``, ``code``, ``environment``, ``compute``, ``inputs`` (a literal, or ``type`` default
uri_folder / ``path`` / ``mode`` default ro_mount), ``outputs`` (empty = uri_folder, or ``type`` /
``mode`` default rw_mount / ``path``), ``display_name``, ``experiment_name``, ``description``,
``tags``, plus ``environment_variables``, ``resources.instance_count|instance_type`` and
``limits.timeout`` (seconds). The REST side is D:CommandJob (ML-V2.md §2); the mode names are mfe's
InputDeliveryMode / OutputDeliveryMode values. Nothing is uploaded: local ``code`` or input paths and
inline environments are refused with what to use instead (a registered asset or a cloud URI).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from aml_retrain._json import JsonObject, copy_json
from aml_retrain._redact import redact_url
from aml_retrain.errors import ValidationError
from aml_retrain.online.names import check_resource
from aml_retrain.online.results import as_object

__all__ = ["job_body_from_yaml", "load_job_spec", "new_job_name", "resubmission_body"]

_KEYS = frozenset({
    "$schema", "type", "name", "command", "code", "environment", "compute", "inputs", "outputs",
    "display_name", "experiment_name", "description", "tags", "environment_variables",
    "resources", "limits",
})
_INPUT_TYPES = frozenset({"uri_file", "uri_folder", "mltable", "custom_model", "mlflow_model",
                          "triton_model"})
_OUTPUT_TYPES = _INPUT_TYPES
_INPUT_MODES = {"ro_mount": "ReadOnlyMount", "rw_mount": "ReadWriteMount", "download": "Download",
                "direct": "Direct", "eval_mount": "EvalMount", "eval_download": "EvalDownload"}
_OUTPUT_MODES = {"rw_mount": "ReadWriteMount", "upload": "Upload", "direct": "Direct"}
_CLOUD_SCHEMES = ("azureml:", "https://", "http://", "wasbs://", "wasb://", "abfss://", "adl://")
# What a re-submitted job keeps of the job it copies (D:CommandJob + D:JobBase, writable fields).
_RESUBMIT_KEEP = (
    "jobType", "command", "environmentId", "computeId", "codeId", "inputs", "outputs",
    "experimentName", "displayName", "description", "tags", "environmentVariables",
    "distribution", "limits", "resources", "identity", "queueSettings", "notificationSetting",
)
RESUBMITTED_FROM_TAG = "aml-retrain.resubmitted-from"


def new_job_name(now: dt.datetime | None = None) -> str:
    """Return ``aml-retrain-<utc yyyymmddHHMMSS>-<6 hex>`` (contract §4)."""
    moment = now or dt.datetime.now(dt.timezone.utc)
    return f"aml-retrain-{moment.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"


def load_job_spec(path: str | Path, workspace_id: str) -> JsonObject:
    """Read a job YAML file into a CommandJob body (``{"properties": …}``); ValidationError if bad."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read job spec {source}: {exc}: pass a YAML file") from None
    return job_body_from_yaml(text, workspace_id, source=str(source))


def job_body_from_yaml(text: str, workspace_id: str, *, source: str = "job spec") -> JsonObject:
    """Map ``az ml job`` YAML text to a CommandJob body; the YAML's ``name`` goes to ``name``."""
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ValidationError(f"{source}{where}: {problem}: fix the YAML (indent with spaces, "
                              "quote values that contain ': ')") from None
    if not isinstance(spec, dict):
        raise ValidationError(f"{source}: expected a mapping of job keys (command, environment, "
                              "compute …), not a single value")
    return _CommandJob(spec, workspace_id, source).body()


class _CommandJob:
    def __init__(self, spec: Mapping[str, Any], workspace_id: str, source: str) -> None:
        self.spec = spec
        self.workspace_id = workspace_id
        self.source = source

    def fail(self, message: str) -> ValidationError:
        return ValidationError(f"{self.source}: {message}")

    def name(self, value: Any, what: str) -> str:
        try:
            return check_resource(str(value), what)
        except ValidationError as exc:
            raise self.fail(str(exc)) from None

    def body(self) -> JsonObject:
        spec = self.spec
        unknown = sorted(str(k) for k in spec if k not in _KEYS)
        if unknown:
            raise self.fail(f"unsupported key {', '.join(unknown)}: use only "
                            f"{', '.join(sorted(_KEYS - {'$schema'}))}")
        if spec.get("type", "command") != "command":
            raise self.fail(f"type {spec.get('type')!r} is not supported: only command jobs")
        command = spec.get("command")
        if not isinstance(command, str) or not command.strip():
            raise self.fail("'command' is required: the command line to run")
        props: JsonObject = {"jobType": "Command", "command": command,
                             "environmentId": self.environment(spec.get("environment"))}
        if spec.get("compute") is not None:
            props["computeId"] = self.asset(spec["compute"], "compute", "computes", versioned=False)
        if spec.get("code") is not None:
            props["codeId"] = self.asset(spec["code"], "code", "codes", versioned=True)
        for key, rest in (("display_name", "displayName"), ("experiment_name", "experimentName"),
                          ("description", "description")):
            if spec.get(key) is not None:
                props[rest] = str(spec[key])
        for key, rest in (("tags", "tags"), ("environment_variables", "environmentVariables")):
            if spec.get(key) is not None:
                props[rest] = self.string_map(spec[key], key)
        props["inputs"] = {str(n): self.job_input(str(n), v)
                           for n, v in self.mapping(spec.get("inputs"), "inputs").items()}
        props["outputs"] = {str(n): self.job_output(str(n), v)
                            for n, v in self.mapping(spec.get("outputs"), "outputs").items()}
        props.update(self.resources_and_limits())
        body: JsonObject = {"properties": props}
        if spec.get("name") is not None:
            body["name"] = self.name(spec["name"], "job")
        return body

    def mapping(self, value: Any, key: str) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(f"'{key}' must be a mapping of name: value")
        return value

    def string_map(self, value: Any, key: str) -> dict[str, str]:
        return {str(k): "" if v is None else str(v) for k, v in self.mapping(value, key).items()}

    def environment(self, value: Any) -> str:
        if value is None:
            raise self.fail("'environment' is required: azureml:NAME:VERSION of a registered "
                            "environment")
        if not isinstance(value, str):
            raise self.fail("an inline environment cannot be created here: register it "
                            "(az ml environment create) and use environment: azureml:NAME:VERSION")
        return self.asset(value, "environment", "environments", versioned=True)

    def asset(self, value: Any, key: str, collection: str, *, versioned: bool) -> str:
        text = str(value).strip()
        if text.startswith("/subscriptions/"):
            return text  # already an ARM id
        form = "azureml:NAME:VERSION" if versioned else "azureml:NAME"
        if not text.startswith("azureml:") or text.startswith("azureml://"):
            what = "uploading local code" if key == "code" else f"{key} {text!r}"
            raise self.fail(f"{what} is not supported: use {key}: {form} (a registered asset)")
        ref = text[len("azureml:"):]
        if "@" in ref:
            raise self.fail(f"{key} {text!r}: '@latest' is resolved by az ml, not the service: pin "
                            f"a version ({form})")
        parts = ref.split(":")
        if len(parts) != (2 if versioned else 1) or not all(parts):
            raise self.fail(f"{key} {text!r} is not of the form {form}")
        path = f"{self.workspace_id}/{collection}/{self.name(parts[0], key)}"
        return f"{path}/versions/{self.name(parts[1], key + ' version')}" if versioned else path

    def job_input(self, name: str, value: Any) -> JsonObject:
        if not isinstance(value, Mapping):
            if isinstance(value, (str, int, float, bool)):
                return {"jobInputType": "literal", "value": str(value)}
            raise self.fail(f"input {name}: use a literal or a mapping with type and path")
        kind = str(value.get("type", "uri_folder"))
        if kind not in _INPUT_TYPES:
            raise self.fail(f"input {name}: type {kind!r} is not one of {', '.join(sorted(_INPUT_TYPES))}")
        path = value.get("path")
        if not isinstance(path, str) or not path:
            raise self.fail(f"input {name}: 'path' is required (a cloud URI or azureml:DATA:VERSION)")
        if not path.startswith(_CLOUD_SCHEMES):
            raise self.fail(f"input {name}: local path {path!r} cannot be uploaded here: upload it to "
                            "blob storage and give its https:// or azureml:// URI")
        binding: JsonObject = {"jobInputType": kind, "uri": path}
        if value.get("mode") is not None:
            binding["mode"] = self.mode(name, value["mode"], _INPUT_MODES, "input")
        if value.get("description") is not None:
            binding["description"] = str(value["description"])
        return binding

    def job_output(self, name: str, value: Any) -> JsonObject:
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            raise self.fail(f"output {name}: use an empty value or a mapping with type and mode")
        kind = str(value.get("type", "uri_folder"))
        if kind not in _OUTPUT_TYPES:
            raise self.fail(f"output {name}: type {kind!r} is not one of "
                            f"{', '.join(sorted(_OUTPUT_TYPES))}")
        binding: JsonObject = {"jobOutputType": kind}
        if value.get("mode") is not None:
            binding["mode"] = self.mode(name, value["mode"], _OUTPUT_MODES, "output")
        if value.get("path") is not None:
            binding["uri"] = str(value["path"])
        if value.get("description") is not None:
            binding["description"] = str(value["description"])
        return binding

    def mode(self, name: str, value: Any, modes: Mapping[str, str], what: str) -> str:
        mode = modes.get(str(value))
        if mode is None:
            raise self.fail(f"{what} {name}: mode {value!r} is not one of {', '.join(modes)}")
        return mode

    def resources_and_limits(self) -> JsonObject:
        found: JsonObject = {}
        resources = self.mapping(self.spec.get("resources"), "resources")
        if resources:
            unknown = sorted(set(resources) - {"instance_count", "instance_type"})
            if unknown:
                raise self.fail(f"resources: unsupported key {', '.join(unknown)}: use "
                                "instance_count or instance_type")
            found["resources"] = {rest: resources[key] for key, rest in (
                ("instance_count", "instanceCount"), ("instance_type", "instanceType"))
                if key in resources}
        limits = self.mapping(self.spec.get("limits"), "limits")
        if limits:
            timeout = limits.get("timeout")
            if set(limits) != {"timeout"} or isinstance(timeout, bool) \
                    or not isinstance(timeout, int) or timeout <= 0:
                raise self.fail("limits: only timeout, a whole number of seconds, is supported")
            found["limits"] = {"jobLimitsType": "Command", "timeout": f"PT{timeout}S"}
        return found


def resubmission_body(source: JsonObject, input_name: str, uri: str) -> JsonObject:
    """Return a body re-running job ``source`` with input ``input_name`` bound to ``uri``.

    The spec is copied (writable fields only); outputs lose their ``uri`` and asset names so the
    new job writes its own; a tag names the job it was copied from.
    """
    props = as_object(source.get("properties"))
    name = str(source.get("name") or "?")
    if props.get("jobType") != "Command":
        raise ValidationError(f"job {name} is a {props.get('jobType') or 'untyped'} job: only "
                              "command jobs can be re-submitted; pass a job spec instead")
    new = {k: copy_json(props[k]) for k in _RESUBMIT_KEEP if props.get(k) is not None}
    inputs = as_object(new.get("inputs"))
    binding = inputs.get(input_name)
    if not isinstance(binding, dict) or binding.get("jobInputType") == "literal":
        raise ValidationError(
            f"job {name} has no data input {input_name!r} (it has "
            f"{', '.join(sorted(inputs)) or 'none'}): name the training input to rebind")
    # Plain http only to a loopback host: the local storage emulator (Azurite) speaks nothing else.
    if not re.match(r"^(https://|azureml:|wasbs://|abfss://|http://(127\.0\.0\.1|localhost)[:/])",
                    uri):
        raise ValidationError(f"training data {redact_url(uri)!r} must be an https:// or azureml:// "
                              "URI the workspace can read")
    binding["uri"] = uri
    for output in (new.get("outputs") or {}).values():
        if isinstance(output, dict):
            for key in ("uri", "assetName", "assetVersion"):
                output.pop(key, None)
    tags = as_object(new.get("tags"))
    new["tags"] = {**tags, RESUBMITTED_FROM_TAG: name}
    return {"properties": new}
