"""The inputs, outputs and global parameters of the seeded services, and their swagger document.

Training service (BES): input ``input1`` (a dataset blob); outputs ``output1`` (the trained
model, ``.ilearner``) and ``output2`` (the evaluation results, ``.csv``) in the order the Web
Service Output modules were added (D-PROG); global parameters ``Label column`` and
``Regularization``. Predictive service (RRS): input ``input1`` with the feature columns, output
``output1`` = the input columns + ``Scored Labels`` + ``Scored Probabilities``.

``GET {ApiLocation}/swagger.json`` is shaped like the real one (SW-BES, reference
``swagger.api.json``): ``definitions.BatchInputs/BatchOutputs.properties`` name the BES inputs
and outputs, ``ExecutionInputs/ExecutionOutputs`` the RRS ones, and the ``paths`` keys embed the
query string as the real document's do.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .training import CENSUS_COLUMNS, CLASSIFICATION_METRICS

__all__ = [
    "EVALUATION_OUTPUT",
    "FEATURE_COLUMNS",
    "INPUT_EXTENSIONS",
    "LABEL_PARAMETER",
    "MODEL_OUTPUT",
    "OUTPUT_EXTENSIONS",
    "PARAMETER_DEFAULTS",
    "REGULARIZATION_PARAMETER",
    "RRS_INPUT",
    "RRS_OUTPUT",
    "SCORED_LABELS",
    "SCORED_PROBABILITIES",
    "TRAINING_INPUTS",
    "swagger_document",
]

TRAINING_INPUTS = ("input1",)
MODEL_OUTPUT, EVALUATION_OUTPUT = "output1", "output2"
OUTPUT_EXTENSIONS = {MODEL_OUTPUT: (".ilearner",), EVALUATION_OUTPUT: (".csv",)}
INPUT_EXTENSIONS = (".csv", ".tsv", ".arff")
LABEL_PARAMETER, REGULARIZATION_PARAMETER = "Label column", "Regularization"
PARAMETER_DEFAULTS = {LABEL_PARAMETER: "income", REGULARIZATION_PARAMETER: "1.0"}
FEATURE_COLUMNS = tuple(name for name in CENSUS_COLUMNS if name != "income")
SCORED_LABELS, SCORED_PROBABILITIES = "Scored Labels", "Scored Probabilities"
RRS_INPUT, RRS_OUTPUT = "input1", "output1"

_REF = {"$ref": "#/definitions/AzureBlobDataReference"}
_BLOB_REF = {"title": "Azure blob data reference", "properties": {
    name: {"type": "string"} for name in ("BaseLocation", "ConnectionString", "RelativeLocation",
                                          "SasBlobToken")}}
_STATUS = {"title": "Batch execution status", "properties": {
    "StatusCode": {"description": "job status code", "type": "string", "default": "NotStarted",
                   "enum": ["NotStarted", "Running", "Failed", "Cancelled", "Finished"]},
    "Results": {"type": "object"}, "Details": {"type": "string"}}}
_SECURITY: list[dict[str, list[str]]] = [{"api_key": []}]


def _operation(summary: str, operation_id: str, responses: dict[str, Any],
               parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"summary": summary, "operationId": operation_id, "parameters": parameters or [],
            "responses": responses, "security": _SECURITY}


def _job_id() -> dict[str, Any]:
    return {"name": "jobId", "in": "path", "description": "job id", "required": True,
            "type": "string"}


def _body(ref: str, text: str) -> dict[str, Any]:
    return {"name": "body", "in": "body", "description": text, "schema": {"$ref": ref}}


def _paths(training: bool) -> dict[str, Any]:
    version = {"name": "api-version", "in": "query", "description": "API version",
               "required": False, "type": "string", "default": "2.0", "enum": ["2.0"]}
    paths: dict[str, Any] = {"/swagger.json": {"get": {
        "summary": "Get swagger API document for the web service",
        "operationId": "getSwaggerDocument", "parameters": [version],
        "responses": {"200": {"description": "Swagger API document for this service"}}}}}
    if not training:
        paths["/execute?api-version=2.0&format=swagger"] = {"post": _operation(
            "Execute the web service and get a response synchronously", "execute",
            {"200": {"description": "Execution results",
                     "schema": {"$ref": "#/definitions/ExecutionResults"}}},
            [_body("#/definitions/ExecutionRequest", "Execution request")])}
    paths["/jobs?api-version=2.0"] = {"post": _operation(
        "Submit an asynchronous job to execute the web service", "submitjob",
        {"200": {"description": "The ID of submitted job", "schema": {"type": "string"}}},
        [_body("#/definitions/BatchExecutionRequest", "Batch execution request")])}
    paths["/jobs/{jobId}?api-version=2.0"] = {
        "get": _operation("Get the status for a give job", "getjobstatus",
                          {"200": {"description": "job status",
                                   "schema": {"$ref": "#/definitions/BatchExecutionStatus"}}},
                          [_job_id()]),
        "delete": _operation("Cancel a job", "canceljob",
                             {"204": {"description": "The job is successfully cancelled"}},
                             [_job_id()])}
    paths["/jobs/{jobId}/start?api-version=2.0"] = {"post": _operation(
        "Start running a job", "startjob",
        {"204": {"description": "The job is successfully started"}}, [_job_id()])}
    return paths


def _definitions(training: bool) -> dict[str, Any]:
    if training:
        parameters = {
            LABEL_PARAMETER: {"description": "", "type": "string",
                              "default": PARAMETER_DEFAULTS[LABEL_PARAMETER]},
            REGULARIZATION_PARAMETER: {"description": "", "type": "number", "format": "double",
                                       "minimum": 0.0, "exclusiveMinimum": True,
                                       "default": float(PARAMETER_DEFAULTS[
                                           REGULARIZATION_PARAMETER])}}
        outputs = {name: dict(_REF) for name in OUTPUT_EXTENSIONS}
    else:
        parameters, outputs = {}, {RRS_OUTPUT: dict(_REF)}
    columns: dict[str, Any] = {name: {"type": "integer", "format": "int32"}
                               for name in FEATURE_COLUMNS}
    row = {"type": "object", "properties": columns}
    evaluation = {"type": "object", "properties": {
        name: {"type": "number", "format": "double"} for name in CLASSIFICATION_METRICS}}
    scored = {"type": "object", "properties": {
        **columns, SCORED_LABELS: {"type": "string"},
        SCORED_PROBABILITIES: {"type": "number", "format": "double"}}}
    return {
        "ExecutionRequest": {"title": "Execution request", "properties": {
            "Inputs": {"$ref": "#/definitions/ExecutionInputs"},
            "GlobalParameters": {"$ref": "#/definitions/GlobalParameters"}}},
        "ExecutionResults": {"title": "Execution Results", "properties": {
            "Results": {"$ref": "#/definitions/ExecutionOutputs"}}},
        "BatchExecutionRequest": {"title": "Batch execution request", "properties": {
            "GlobalParameters": {"$ref": "#/definitions/GlobalParameters"},
            "Inputs": {"$ref": "#/definitions/BatchInputs"},
            "Outputs": {"$ref": "#/definitions/BatchOutputs"}}},
        "AzureBlobDataReference": _BLOB_REF,
        "BatchExecutionStatus": _STATUS,
        "GlobalParameters": {"title": "Global parameters definition", "properties": parameters,
                             "type": "object"},
        "ExecutionInputs": {"title": "Execution inputs defintion", "type": "object",
                            "properties": {} if training else {
                                RRS_INPUT: {"type": "array", "items": row}}},
        # A trained model cannot travel in an RRS response, so the real document lists a
        # training service's model output under BatchOutputs only ("model" in the reference
        # swagger.api.json) and its tabular outputs under both.
        "ExecutionOutputs": {"title": "Execution outputs defintion", "type": "object",
                             "properties": {EVALUATION_OUTPUT: {"type": "array",
                                                                "items": evaluation}}
                             if training else {RRS_OUTPUT: {"type": "array", "items": scored}}},
        "BatchInputs": {"title": "Batch inputs defintion", "type": "object",
                        "properties": {name: dict(_REF) for name in TRAINING_INPUTS}},
        "BatchOutputs": {"title": "Batch outputs defintion", "type": "object",
                         "properties": outputs},
    }


def swagger_document(api_location: str, service_name: str, endpoint_name: str,
                     training: bool) -> dict[str, Any]:
    """The swagger 2.0 document of one endpoint (``title``s' typos as in the real one)."""
    parts = urlsplit(api_location)
    return {
        "swagger": "2.0",
        "info": {"version": "2.0", "title": service_name,
                 "description": "No description provided for this web service.",
                 "x-endpoint-name": endpoint_name},
        "host": parts.netloc, "basePath": parts.path, "schemes": [parts.scheme],
        "consumes": ["application/json"], "produces": ["application/json"],
        "paths": _paths(training), "definitions": _definitions(training),
        "securityDefinitions": {"api_key": {"type": "apiKey", "name": "Authorization",
                                            "in": "header",
                                            "description": "For example: Bearer abc123"}},
    }
