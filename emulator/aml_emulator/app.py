"""The transport-independent application: router + control plane + fault injection + errors."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from .arm.backend import ArmBackend
from .arm.bes import ArmBatchExecution
from .arm.handlers import ArmHandlers, decorate, is_arm_path
from .arm.scoring import ArmScoring
from .classic.backend import ClassicBackend
from .classic.bes import JobManager
from .classic.execution import ExecutionHandlers
from .classic.handlers import ClassicHandlers
from .classic.routes import routes as classic_routes
from .classic.scoring import ModelCache
from .config import EmulatorConfig
from .control import CONTROL_PREFIX, ControlPlane
from .mlv2.backend import MlBackend
from .mlv2.handlers import MlHandlers
from .mlv2.scoring import MlScoring
from .web import HTTPError, Request, Response, Router

__all__ = ["DROP", "EmulatorApp"]

_log = logging.getLogger("aml_emulator")
_HEALTH = CONTROL_PREFIX + "health"

DROP = None
"""Returned by :meth:`EmulatorApp.handle` when the connection must be closed without an answer."""


class EmulatorApp:
    """Everything behind the socket: build once per server, then ``handle()`` each request."""

    def __init__(self, seed: Mapping[str, Any], base_url: str, *,
                 blob_base_url: str | None = None,
                 storage_connection_string: str | None = None) -> None:
        """*storage_connection_string*: the default storage for BES outputs (none: every
        output must be overridden)."""
        self.config = EmulatorConfig()
        self.classic = ClassicBackend(seed, base_url, blob_base_url=blob_base_url)
        self.models = ModelCache()
        self.jobs = JobManager(self.config, storage_connection_string, self.models.get)
        self.arm = ArmBackend(seed, base_url, self.config, blob_base_url=blob_base_url,
                              storage_connection_string=storage_connection_string)
        self.mlv2 = MlBackend(seed, base_url, self.config, self.arm, blob_base_url=blob_base_url,
                              storage_connection_string=storage_connection_string)
        self.control = ControlPlane({"classic": self.classic, "jobs": self.jobs,
                                     "arm": self.arm, "mlv2": self.mlv2}, config=self.config)
        self.router = Router()
        self.router.include(self.control.routes())
        self.router.include(classic_routes(ClassicHandlers(self.classic, self.models)))
        self.router.include(ExecutionHandlers(self.classic, self.jobs, self.models,
                                              self.config).routes())
        self.router.include(ArmHandlers(self.arm).routes())
        scoring = ArmScoring(self.arm, self.models)
        self.router.include(scoring.routes())
        self.router.include(ArmBatchExecution(self.arm, self.jobs, scoring.model).routes())
        self.router.include(MlHandlers(self.mlv2).routes())
        self.router.include(MlScoring(self.mlv2).routes())

    def handle(self, request: Request) -> Response | None:
        """Answer *request*; ``None`` (:data:`DROP`) means: close the socket, send nothing."""
        if request.path == _HEALTH and request.method == "GET":
            return Response(200, {"status": "ok"})  # fast path: no router, no lock, no log
        if request.path.startswith(CONTROL_PREFIX):
            return self._dispatch(request)
        with self.control.in_flight:
            return self._serve(request)

    def _serve(self, request: Request) -> Response | None:
        fault = self.control.faults.take(request.method, request.path)
        response: Response | None
        if fault is not None and fault.delay:
            time.sleep(fault.delay)  # an injected slow answer, not a readiness wait
        # ``after``: the request is served, then its answer is lost or replaced by the error.
        served = self._dispatch(request) if fault is not None and fault.after else None
        if fault is not None and fault.drop:
            response = DROP
        elif fault is not None and fault.status is not None:
            response = fault.error().to_response()
        else:
            response = served or self._dispatch(request)
        if response is not None and is_arm_path(request.path):
            response = decorate(request, response)
        status = response.status if response is not None else None
        self.control.requests.record(request.method, request.path, status)
        _log.info("%s %s -> %s", request.method, request.path, status or "dropped")
        return response

    def _dispatch(self, request: Request) -> Response:
        try:
            handler, params = self.router.resolve(request.method, request.path)
            return handler(request, params)
        except HTTPError as exc:
            return exc.to_response()
        except Exception:  # the one boundary: never leak a traceback (or a secret) to the client
            _log.exception("unhandled error for %s %s", request.method, request.path)
            return HTTPError("An unexpected error occurred. Report the x-ms-request-id.",
                             code="InternalError", status=500).to_response()
