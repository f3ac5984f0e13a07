"""Batch Execution Service of the ARM web services, at their ``swaggerLocation`` base.

The documented retraining flow for new web services (ARM-WEBSERVICES §4.4, CLASSIC-API §6)
deploys the training experiment as a web service of its own and calls *its* BES: the classic
jobs API (``POST …/jobs?api-version=2.0``, start, status, cancel) under
``{server}/subscriptions/{subscription without dashes}/services/{service guid}``, with the web
service's listKeys keys as the bearer token. Jobs run in the classic job manager, so they train
and score exactly as the classic ones do.
Whether a service trains is read from its graph (:mod:`.graph`).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping

from ..classic.backend import ApiEndpoint
from ..classic.bes import JobManager
from ..classic.exec_errors import not_found, unauthorized
from ..classic.handlers import bearer_token
from ..classic.model import TrainedModel
from ..classic.rrs import check_version, json_body
from ..web import Handler, Request, Response
from .backend import ArmBackend, ScoringTarget

__all__ = ["ArmBatchExecution"]

Params = Mapping[str, str]
_API = r"/subscriptions/(?P<subhex>[0-9a-fA-F]{32})/services/(?P<guid>[^/]+)"
_JOB = _API + r"/jobs/(?P<job>[^/]+)"


class ArmBatchExecution:
    """HTTP in/out of the ARM web services' BES, run by the shared classic :class:`JobManager`."""

    def __init__(self, backend: ArmBackend, jobs: JobManager,
                 load: Callable[[ScoringTarget], TrainedModel]) -> None:
        self.backend, self.jobs, self._load = backend, jobs, load

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("POST", _API + r"/jobs", self.submit),
            ("GET", _JOB, self.status),
            ("DELETE", _JOB, self.cancel),
            ("POST", _JOB + r"/start", self.start),
        ]

    def _api(self, request: Request, params: Params) -> tuple[ApiEndpoint, ScoringTarget]:
        target = self.backend.scoring_target(params["subhex"], params["guid"])
        if target is None:  # as the classic execution host: 404 before auth (GUIDs are random)
            raise not_found("WebServiceNotFound", "Web service not found. Verify the URL (take "
                                                  "it from the web service's swaggerLocation).")
        token = bearer_token(request)
        if not token or not any(hmac.compare_digest(token.encode(), key.encode())
                                for key in target.keys):
            raise unauthorized()
        check_version(request)
        api = ApiEndpoint(workspace_id=params["subhex"].lower(), service_id=target.name,
                          service_name=target.name,
                          kind="training" if target.training else "predictive", name="default",
                          guid=params["guid"].lower(), api_location=target.api_location,
                          resources=[])
        return api, target

    def submit(self, request: Request, params: Params) -> Response:
        api, target = self._api(request, params)
        # A predictive service's batch job scores with the model it serves at submit time.
        model = None if target.training else (lambda: self._load(target))
        return Response(200, self.jobs.submit(api, json_body(request), model=model))

    def start(self, request: Request, params: Params) -> Response:
        api, _target = self._api(request, params)
        self.jobs.start(api, params["job"])
        return Response(204)

    def status(self, request: Request, params: Params) -> Response:
        api, _target = self._api(request, params)
        return Response(200, self.jobs.status(api, params["job"]))

    def cancel(self, request: Request, params: Params) -> Response:
        api, _target = self._api(request, params)
        self.jobs.cancel(api, params["job"])
        return Response(204)
