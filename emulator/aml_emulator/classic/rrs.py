"""The RRS request/response cycle (CLASSIC-API §7), shared by every service kind that scores.

``POST …/execute?api-version=2.0[&details=true][&format=swagger]``: parse the request, score
with the model the caller supplies, shape the answer. Used by the classic endpoints
(``execution.py``) and the ARM web services (``arm/scoring.py``); auth and the lookup of the
model stay with the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..web import HTTPError, Request, Response
from .exec_errors import bad_argument
from .interface import RRS_INPUT, RRS_OUTPUT
from .model import TrainedModel
from .scoring import score_rows

__all__ = ["API_VERSION", "check_version", "execute", "json_body"]

API_VERSION = "2.0"


def json_body(request: Request) -> dict[str, Any]:
    try:
        return request.json_object(required=True)
    except HTTPError as exc:  # the execution APIs answer with the details envelope
        raise bad_argument("RequestBodyInvalid", exc.message) from None


def check_version(request: Request) -> None:
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


def execute(request: Request, model: Callable[[], TrainedModel]) -> Response:
    """Score the request body; *model* is called once the body is valid."""
    swagger = request.query.get("format", "").lower() == "swagger"
    details = request.query.get("details", "").lower() == "true"
    body = json_body(request)
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
    scored = score_rows(model(), columns, rows)
    if swagger:
        return Response(200, {"Results": {RRS_OUTPUT: [
            dict(zip(scored.columns, row, strict=True)) for row in scored.rows]}})
    value: dict[str, Any] = {"ColumnNames": scored.columns}
    if details:  # without details=true, ColumnTypes is omitted (§7)
        value["ColumnTypes"] = scored.types
    value["Values"] = [[_text(v) for v in row] for row in scored.rows]
    return Response(200, {"Results": {RRS_OUTPUT: {"type": "table", "value": value}}})
