"""HTTP in/out of the execution APIs under ``{ApiLocation}``: BES jobs, RRS execute, swagger.

``ApiLocation`` = ``{base}/workspaces/{ws}/services/{endpoint guid}`` (CLASSIC-API §2). Auth is
the endpoint's ``PrimaryKey``/``SecondaryKey`` as a bearer token (§4); errors use the envelope
with ``details`` (§7). Undocumented choices are commented where they are made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import EmulatorConfig
from ..web import Handler, HTTPError, Request, Response
from .backend import ApiEndpoint, ClassicBackend
from .bes import JobManager
from .exec_errors import bad_argument, invalid_operation
from .handlers import bearer_token
from .interface import RRS_INPUT, RRS_OUTPUT, swagger_document
from .scoring import ModelCache, score_rows

__all__ = ["ExecutionHandlers"]

Params = Mapping[str, str]
_API = r"/workspaces/(?P<ws>[^/]+)/services/(?P<guid>[^/]+)"
_JOB = _API + r"/jobs/(?P<job>[^/]+)"
API_VERSION = "2.0"


def _body(request: Request) -> dict[str, Any]:
    try:
        return request.json_object(required=True)
    except HTTPError as exc:  # the execution APIs answer with the details envelope
        raise bad_argument("RequestBodyInvalid", exc.message) from None


def _check_version(request: Request) -> None:
    # D-ERR BadVersionCall (class BadArgument); the text is not documented. The operations
    # declare api-version 2.0 in their URL, so a missing one is refused like a wrong one.
    version = request.query.get("api-version")
    if version != API_VERSION:
        shown = "missing" if version is None else f"'{version[:20]}'"
        raise bad_argument("BadVersionCall", f"The api-version is {shown}; use "
                                             f"api-version={API_VERSION}.")


def _default_rows(raw: Any) -> tuple[list[str], list[list[Any]]]:
    if not isinstance(raw, dict) or not isinstance(raw.get("ColumnNames"), list) \
            or not isinstance(raw.get("Values"), list):
        raise bad_argument("RequestBodyInvalid", f"Inputs.{RRS_INPUT} must be an object with "
                                                 "ColumnNames and Values arrays.")
    columns = [str(name) for name in raw["ColumnNames"]]
    rows = raw["Values"]
    if not all(isinstance(row, list) for row in rows):
        raise bad_argument("RequestBodyInvalid", "Each item of Values must be an array.")
    return columns, rows


def _swagger_rows(raw: Any) -> tuple[list[str], list[list[Any]]]:
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise bad_argument("RequestBodyInvalid", f"Inputs.{RRS_INPUT} must be an array of "
                                                 "objects (format=swagger).")
    columns: list[str] = []
    for item in raw:
        columns += [str(name) for name in item if str(name) not in columns]
    return columns, [[item.get(name) for name in columns] for item in raw]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    return repr(value) if isinstance(value, float) else str(value)


class ExecutionHandlers:
    """One method per execution operation (CLASSIC-API §6, §7)."""

    def __init__(self, backend: ClassicBackend, jobs: JobManager, models: ModelCache,
                 config: EmulatorConfig) -> None:
        self.backend, self.jobs, self.models, self.config = backend, jobs, models, config

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", _API + r"/swagger\.json", self.swagger),
            ("POST", _API + r"/execute", self.execute),
            ("POST", _API + r"/jobs", self.submit),
            ("GET", _JOB, self.status),
            ("DELETE", _JOB, self.cancel),
            ("POST", _JOB + r"/start", self.start),
        ]

    def _api(self, request: Request, params: Params, *, authenticate: bool = True) -> ApiEndpoint:
        return self.backend.api_endpoint(
            params["ws"], params["guid"], bearer_token(request), authenticate=authenticate,
            propagation_seconds=self.config.settings.propagation_seconds)

    # --- BES ---------------------------------------------------------------------------------

    def submit(self, request: Request, params: Params) -> Response:
        api = self._api(request, params)
        _check_version(request)
        return Response(200, self.jobs.submit(api, _body(request)))  # the id as a JSON string

    def start(self, request: Request, params: Params) -> Response:
        api = self._api(request, params)
        _check_version(request)
        self.jobs.start(api, params["job"])
        return Response(204)

    def status(self, request: Request, params: Params) -> Response:
        api = self._api(request, params)
        _check_version(request)
        return Response(200, self.jobs.status(api, params["job"]))

    def cancel(self, request: Request, params: Params) -> Response:
        api = self._api(request, params)
        _check_version(request)
        self.jobs.cancel(api, params["job"])
        return Response(204)

    # --- RRS ---------------------------------------------------------------------------------

    def execute(self, request: Request, params: Params) -> Response:
        """``POST …/execute?api-version=2.0[&details=true][&format=swagger]``."""
        api = self._api(request, params)
        _check_version(request)
        if api.kind == "training":
            # Not documented: only BES can produce trained models (D-PROG, D-PSMULTI). Our
            # choice: 400 InvalidOperation with a code of our own that says what to do.
            raise invalid_operation("RequestResponseNotSupported",
                                    "This web service trains a model; trained models can only "
                                    "be produced by the Batch Execution Service. Submit a job "
                                    "(POST …/jobs?api-version=2.0) instead.")
        swagger = request.query.get("format", "").lower() == "swagger"
        details = request.query.get("details", "").lower() == "true"
        body = _body(request)
        inputs = body.get("Inputs")
        if not isinstance(inputs, dict) or RRS_INPUT not in inputs:
            raise bad_argument("MissingRequestInput", f"The request has no input '{RRS_INPUT}' "
                                                      "in 'Inputs'.")
        unknown = sorted(set(inputs) - {RRS_INPUT})
        if unknown:
            raise bad_argument("InvalidInputNames", f"Unknown input name(s) "
                                                    f"{', '.join(map(repr, unknown))}; this web "
                                                    f"service's input: '{RRS_INPUT}'.")
        if body.get("GlobalParameters"):
            raise bad_argument("UnexpectedParameter", "This web service takes no global "
                                                      "parameters.")
        parse = _swagger_rows if swagger else _default_rows
        columns, rows = parse(inputs[RRS_INPUT])
        scored = score_rows(self.models.get(api.resources), columns, rows)
        if swagger:
            return Response(200, {"Results": {RRS_OUTPUT: [
                dict(zip(scored.columns, row, strict=True)) for row in scored.rows]}})
        value: dict[str, Any] = {"ColumnNames": scored.columns}
        if details:  # without details=true, ColumnTypes is omitted (§7)
            value["ColumnTypes"] = scored.types
        value["Values"] = [[_text(v) for v in row] for row in scored.rows]
        return Response(200, {"Results": {RRS_OUTPUT: {"type": "table", "value": value}}})

    # --- swagger -----------------------------------------------------------------------------

    def swagger(self, request: Request, params: Params) -> Response:
        """Anonymous: the real document declares no ``security`` on getSwaggerDocument while
        every other operation has ``api_key`` (reference ``swagger.api.json``)."""
        api = self._api(request, params, authenticate=False)
        version = request.query.get("api-version", API_VERSION)
        if version != API_VERSION:
            raise bad_argument("BadVersionCall", f"Use api-version={API_VERSION}.")
        return Response(200, swagger_document(api.api_location, api.service_name, api.name,
                                              training=api.kind == "training"))
