"""HTTP in/out of the execution APIs under ``{ApiLocation}``: BES jobs, RRS execute, swagger.

``ApiLocation`` = ``{base}/workspaces/{ws}/services/{endpoint guid}`` (CLASSIC-API §2). Auth is
the endpoint's ``PrimaryKey``/``SecondaryKey`` as a bearer token (§4); errors use the envelope
with ``details`` (§7). Undocumented choices are commented where they are made.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..config import EmulatorConfig
from ..web import Handler, Request, Response
from . import rrs
from .backend import ApiEndpoint, ClassicBackend
from .bes import JobManager
from .exec_errors import bad_argument, invalid_operation
from .handlers import bearer_token
from .interface import swagger_document
from .rrs import API_VERSION, check_version, json_body
from .scoring import ModelCache

__all__ = ["ExecutionHandlers"]

Params = Mapping[str, str]
_API = r"/workspaces/(?P<ws>[^/]+)/services/(?P<guid>[^/]+)"
_JOB = _API + r"/jobs/(?P<job>[^/]+)"


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
        check_version(request)
        return Response(200, self.jobs.submit(api, json_body(request)))  # the id as a JSON string

    def start(self, request: Request, params: Params) -> Response:
        api = self._api(request, params)
        check_version(request)
        self.jobs.start(api, params["job"])
        return Response(204)

    def status(self, request: Request, params: Params) -> Response:
        api = self._api(request, params)
        check_version(request)
        return Response(200, self.jobs.status(api, params["job"]))

    def cancel(self, request: Request, params: Params) -> Response:
        api = self._api(request, params)
        check_version(request)
        self.jobs.cancel(api, params["job"])
        return Response(204)

    # --- RRS ---------------------------------------------------------------------------------

    def execute(self, request: Request, params: Params) -> Response:
        """``POST …/execute?api-version=2.0[&details=true][&format=swagger]``."""
        api = self._api(request, params)
        check_version(request)
        if api.kind == "training":
            # Not documented: only BES can produce trained models (D-PROG, D-PSMULTI). Our
            # choice: 400 InvalidOperation with a code of our own that says what to do.
            raise invalid_operation("RequestResponseNotSupported",
                                    "This web service trains a model; trained models can only "
                                    "be produced by the Batch Execution Service. Submit a job "
                                    "(POST …/jobs?api-version=2.0) instead.")
        return rrs.execute(request, lambda: self.models.get(api.resources))

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
