"""RRS of the ARM web services, at their ``swaggerLocation`` (ARM §4.4).

``{server}/subscriptions/{subscription without dashes}/services/{service guid}`` serves
``POST …/execute?api-version=2.0[&details=true][&format=swagger]`` with the web service's keys
(listKeys primary or secondary) as the bearer token, and ``GET …/swagger.json`` anonymously:
the classic RRS shapes and scorer (``classic/rrs.py``), scoring with the model at the service's
trained-model asset as it serves now (``propagation_seconds`` after a successful change).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from ..classic import rrs
from ..classic.exec_errors import (
    bad_argument,
    internal,
    invalid_operation,
    not_found,
    unauthorized,
)
from ..classic.handlers import bearer_token
from ..classic.interface import swagger_document
from ..classic.model import TrainedModel
from ..classic.scoring import ModelCache
from ..web import Handler, Request, Response
from .backend import ArmBackend, ScoringTarget
from .blobs import AssetReadError, read_asset, shown

__all__ = ["ArmScoring"]

Params = Mapping[str, str]
_API = r"/subscriptions/(?P<subhex>[0-9a-fA-F]{32})/services/(?P<guid>[^/]+)"


def _fetch(uri: str, storage: dict[str, Any] | None) -> bytes:
    try:
        return read_asset(uri, storage)
    except AssetReadError as exc:  # D-ERR 500 ResourceDownload, as for the classic endpoints
        raise internal("ResourceDownload", f"Could not download the trained model: "
                                           f"{exc.message}") from None


class ArmScoring:
    def __init__(self, backend: ArmBackend, models: ModelCache) -> None:
        self.backend, self.models = backend, models

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("POST", _API + r"/execute", self.execute),
                ("GET", _API + r"/swagger\.json", self.swagger)]

    def _target(self, params: Params) -> ScoringTarget:
        target = self.backend.scoring_target(params["subhex"], params["guid"])
        if target is None:  # as the classic execution host: 404 before auth (GUIDs are random)
            raise not_found("WebServiceNotFound", "Web service not found. Verify the URL (take "
                                                  "it from the web service's swaggerLocation).")
        return target

    def execute(self, request: Request, params: Params) -> Response:
        target = self._target(params)
        token = bearer_token(request)
        if not token or not any(hmac.compare_digest(token.encode(), key.encode())
                                for key in target.keys):
            raise unauthorized()
        rrs.check_version(request)
        if target.training:  # as the classic training endpoints (classic/execution.py)
            raise invalid_operation("RequestResponseNotSupported",
                                    "This web service trains a model; trained models can only "
                                    "be produced by the Batch Execution Service. Submit a job "
                                    "(POST …/jobs?api-version=2.0) instead.")
        return rrs.execute(request, lambda: self.model(target))

    def model(self, target: ScoringTarget) -> TrainedModel:
        """The model at the service's trained-model asset, as it serves now (cached)."""
        uri = target.model_uri
        if not uri:
            raise internal("InvalidWebServiceResources", "This web service has no trained model "
                                                         "asset (a Resource asset named "
                                                         "'… [trained model]') to score with.")
        storage = target.storage
        return self.models.load(uri, shown(uri), lambda: _fetch(uri, storage))

    def swagger(self, request: Request, params: Params) -> Response:
        """Anonymous, as the classic one (the real document declares no security on it)."""
        target = self._target(params)
        if request.query.get("api-version", rrs.API_VERSION) != rrs.API_VERSION:
            raise bad_argument("BadVersionCall", f"Use api-version={rrs.API_VERSION}.")
        return Response(200, swagger_document(target.api_location, target.name, "default",
                                              training=target.training))
