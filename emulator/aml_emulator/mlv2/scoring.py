"""The data plane: each endpoint's scoring URI, and the MLflow runs the evaluation gate reads.

Scoring (online-contract §8; the ``azureml-model-deployment`` header is NOT IN SPEC, ML-V2 §4):
``POST {scoringUri}`` with ``Authorization: Bearer <key>`` (authMode Key), an AMLToken from the
token operation, or the ARM token (AADToken). The header routes to that deployment, whatever its
weight; without it the request goes by the traffic weights and a copy goes to each mirror target
at its mirror percentage (its answer discarded, counted in ``/_emulator/state``). Reference
silent: the real service picks at random; the emulator interleaves deterministically (smooth
weighted round-robin, mirrors by accumulated share), so 100 requests at 90/10 give exactly 90 and
10; a header-routed request is not mirrored. Body: the MLflow ``input_data`` split format
``{"columns", "index", "data"}``; answer: one prediction per row.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from ..classic.handlers import bearer_token
from ..classic.model import TrainedModel
from ..web import Handler, HTTPError, Request, Response
from .backend import MlBackend
from .handlers import workspace_pattern
from .state import Endpoint, Workspace

__all__ = ["MlScoring", "MlflowError"]

Params = Mapping[str, str]
_SCORE = r"/online/(?P<sub>[^/]+)/(?P<rg>[^/]+)/(?P<ws>[^/]+)/(?P<ep>[^/]+)"
_MLFLOW = r"/mlflow/v1\.0" + workspace_pattern() + r"/api/2\.0/mlflow"
_HEADER = "azureml-model-deployment"
_NO_ROUTE = ("No valid deployments to route to. Please check that the endpoint has at least one "
             "deployment with positive weight values or use a deployment specific header to "
             "route.")


class MlflowError(HTTPError):
    """MLflow's REST error shape ``{"error_code", "message"}`` (online-contract §3)."""

    def to_response(self) -> Response:
        return Response(self.status, {"error_code": self.code, "message": self.message},
                        dict(self.headers))


def _rows(body: Any) -> tuple[list[str], list[list[Any]]]:
    data = body.get("input_data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("columns"), list) \
            or not isinstance(data.get("data"), list) \
            or not all(isinstance(row, list) for row in data["data"]):
        raise HTTPError('The body must be {"input_data": {"columns": [...], "index": [...], '
                        '"data": [[...], ...]}}.', code="BadRequest", status=400)
    columns = [str(c) for c in data["columns"]]
    for number, row in enumerate(data["data"]):
        if len(row) != len(columns):
            raise HTTPError(f"Row {number} has {len(row)} values for {len(columns)} columns.",
                            code="BadRequest", status=400)
    return columns, data["data"]


def predict(model: TrainedModel, columns: list[str], rows: list[list[Any]]) -> list[Any]:
    """One prediction per row: the label (classifier) or the number (regression)."""
    missing = [name for name in model.features if name not in columns]
    if missing:
        raise HTTPError(f"The input lacks column(s) {', '.join(missing)} the model needs.",
                        code="BadRequest", status=400)
    indexes = [columns.index(name) for name in model.features]
    answers: list[Any] = []
    for number, row in enumerate(rows):
        try:
            values = [float(row[i]) for i in indexes]
        except (TypeError, ValueError):
            raise HTTPError(f"Row {number} has a non-numeric feature value.", code="BadRequest",
                            status=400) from None
        prediction = model.predict(values)
        answers.append(prediction.label if model.is_classifier else float(prediction.label))
    return answers


def _pick(weights: Mapping[str, int], credit: dict[str, float]) -> str | None:
    """Smooth weighted round-robin: exact shares, interleaved."""
    live = {name: w for name, w in weights.items() if w > 0}
    if not live:
        return None
    for name, weight in live.items():
        credit[name] = credit.get(name, 0.0) + weight
    chosen = max(live, key=lambda name: credit[name])
    credit[chosen] -= sum(live.values())
    return chosen


class MlScoring:
    def __init__(self, backend: MlBackend) -> None:
        self.backend = backend

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("POST", _SCORE + r"/score", self.score),
                ("GET", _SCORE + r"/swagger\.json", self.swagger),
                ("GET", _MLFLOW + r"/runs/get", self.run)]

    def _endpoint(self, request: Request, params: Params) -> tuple[Workspace, Endpoint]:
        found = self.backend.find_endpoint(params["sub"], params["rg"], params["ws"],
                                           params["ep"])
        if found is None:
            raise HTTPError("No online endpoint answers at this scoring URI.", code="NotFound",
                            status=404)
        ws, ep = found
        token = bearer_token(request)
        mode = ep.properties.get("authMode")
        accepted: tuple[str, ...]
        if mode == "Key":
            accepted = (ep.primary_key, ep.secondary_key)
        elif mode == "AMLToken":
            accepted = tuple(ep.tokens)
        else:  # AADToken: a Microsoft Entra token; here, the ARM credential's
            accepted = (self.backend.arm.token,)
        if not token or not any(hmac.compare_digest(token.encode(), a.encode())
                                for a in accepted):
            raise HTTPError(f"Authentication failed: send 'Authorization: Bearer <"
                            f"{'key' if mode == 'Key' else 'token'}>' for this endpoint "
                            f"(authMode {mode}).", code="Unauthorized", status=401)
        return ws, ep

    def score(self, request: Request, params: Params) -> Response:
        ws, ep = self._endpoint(request, params)
        columns, rows = _rows(request.json(required=True))
        wanted = request.header(_HEADER)
        mirrors: list[str] = []
        with self.backend.lock:
            if wanted:
                chosen = next((d.name for d in ep.deployments.values()
                               if d.name.lower() == unquote(wanted).strip().lower()), None)
                if chosen is None:
                    raise HTTPError(f"The deployment '{wanted[:40]}' named in the {_HEADER} "
                                    "header does not exist on this endpoint.",
                                    code="DeploymentNotFound", status=404)
            else:
                chosen = _pick(ep.traffic, ep.credit)
                if chosen is None:
                    raise HTTPError(_NO_ROUTE, code="NoValidDeployments", status=404)
                for name, share in ep.mirror.items():
                    ep.mirror_credit[name] = ep.mirror_credit.get(name, 0.0) + share
                    if share > 0 and ep.mirror_credit[name] >= 100:
                        ep.mirror_credit[name] -= 100
                        mirrors.append(name)
            if ep.deployments[chosen.lower()].state not in ("Succeeded", "Updating", "Scaling"):
                raise HTTPError(f"Deployment '{chosen}' is not ready to serve.",
                                code="DeploymentNotReady", status=503)
            model = self.backend.model_for(ws, ep, chosen)
            shadows = [self.backend.model_for(ws, ep, name) for name in mirrors]
        answer = predict(model, columns, rows)
        for name, shadow in zip(mirrors, shadows, strict=True):
            try:
                predict(shadow, columns, rows)  # a mirrored copy: its answer is discarded
            except HTTPError:
                pass
            with self.backend.lock:
                ep.mirrored[name] = ep.mirrored.get(name, 0) + 1
        with self.backend.lock:
            ep.served[chosen] = ep.served.get(chosen, 0) + 1
        return Response(200, answer, {_HEADER: chosen})

    def swagger(self, request: Request, params: Params) -> Response:
        _ws, ep = self._endpoint(request, params)
        return Response(200, {"swagger": "2.0", "info": {"title": ep.name, "version": "1.0"},
                              "paths": {"/score": {"post": {"responses": {"200": {
                                  "description": "One prediction per input row."}}}}}})

    def run(self, request: Request, params: Params) -> Response:
        token = bearer_token(request)
        if not token or not self.backend.arm.accepts_token(token):
            raise MlflowError("Authentication failed: send the ARM bearer token.",
                              code="UNAUTHENTICATED", status=401)
        run_id = request.query.get("run_id") or request.query.get("run_uuid")
        if not run_id:
            raise MlflowError("Missing value for required parameter 'run_id'.",
                              code="INVALID_PARAMETER_VALUE", status=400)
        found = self.backend.find_workspace(params["sub"], params["rg"], params["ws"])
        run = self.backend.run(found, run_id) if found is not None else None
        if run is None:
            raise MlflowError(f"Run '{run_id[:80]}' not found.", code="RESOURCE_DOES_NOT_EXIST",
                              status=404)
        return Response(200, run)
