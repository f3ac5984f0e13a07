"""Scoring a managed online endpoint (data plane): MLflow no-code body, Bearer key or token.

The header and body forms are not in the control-plane spec (ML-V2.md §4); they follow
online-contract.md §8: ``Authorization: Bearer <key or token>``, optional
``azureml-model-deployment`` to pick a deployment, ``{"input_data": {columns, index, data}}`` in,
a JSON list of predictions out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aml_retrain import _http
from aml_retrain._json import JsonObject
from aml_retrain.errors import ServiceError, ValidationError
from aml_retrain.online._arm import decode_json, online_error
from aml_retrain.online.names import check_deployment
from aml_retrain.online.results import ScoreOutcome

if TYPE_CHECKING:
    import requests

__all__ = ["DEPLOYMENT_HEADER", "input_data", "score"]

DEPLOYMENT_HEADER = "azureml-model-deployment"
Rows = Sequence[Mapping[str, Any]] | Mapping[str, Any]


def input_data(rows: Rows) -> JsonObject:
    """Return the MLflow ``input_data`` body for records (dicts) or a ``{columns, data}`` table."""
    if isinstance(rows, Mapping):
        columns, data = rows.get("columns"), rows.get("data")
        if not isinstance(columns, list) or not isinstance(data, list):
            raise ValidationError("a table to score needs 'columns' (a list) and 'data' (a list of "
                                  "rows); or pass a list of records")
        table = [list(r) for r in data]
    else:
        columns = []
        for record in rows:
            if not isinstance(record, Mapping):
                raise ValidationError("each row to score must be an object of column: value")
            columns.extend(k for k in record if k not in columns)
        table = [[record.get(c) for c in columns] for record in rows]
    if not table:
        raise ValidationError("nothing to score: pass at least one row")
    return {"input_data": {"columns": list(columns), "index": list(range(len(table))),
                           "data": table}}


def _score_hint(status: int) -> str:
    if status in (401, 403):
        return "The endpoint refused the key or token; read the keys again (listKeys) or check authMode"
    if status == 404:
        return "Check the scoring URI and the deployment name (azureml-model-deployment)"
    if status == 424 or status >= 500:
        return "The deployment failed to answer; check its logs and retry"
    return ""


def score(session: requests.Session, scoring_uri: str, rows: Rows, *, bearer: str,
          deployment: str | None = None, timeout: float | None = None) -> ScoreOutcome:
    """POST ``rows`` to ``scoring_uri`` with ``bearer``; return the predictions and who answered."""
    # The key travels with every call: never over plain http.
    if not scoring_uri.startswith("https://"):
        raise ValidationError("the endpoint's scoringUri must start with https:// (read it from the "
                              "endpoint again)")
    if not bearer:
        raise ValidationError("no key or token for the endpoint: listKeys returned none")
    headers = {"Content-Type": "application/json"}
    if deployment is not None:
        headers[DEPLOYMENT_HEADER] = check_deployment(deployment)
    response = _http.request(session, "POST", scoring_uri, token=bearer, json=input_data(rows),
                             timeout=timeout, headers=headers, ok_statuses=range(300, 600))
    request_id = response.headers.get("x-ms-request-id") or response.headers.get("x-request-id")
    if response.status_code >= 300:
        raise online_error(response.status_code, dict(response.headers), response.content,
                           method="POST", url=scoring_uri, hint=_score_hint)
    body = decode_json(response.content)
    if isinstance(body, dict) and isinstance(body.get("predictions"), list):
        body = body["predictions"]
    if not isinstance(body, list):
        raise ServiceError("the scoring answer is not a JSON list of predictions",
                           status_code=response.status_code, request_id=request_id,
                           url=scoring_uri, method="POST")
    return ScoreOutcome(body, response.headers.get(DEPLOYMENT_HEADER), request_id)
