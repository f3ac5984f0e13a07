"""Request-Response Service (RRS), classic or ARM alike: build a request from a file, send it, read it."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aml_retrain import _http
from aml_retrain._execution import ExecutionApiClient
from aml_retrain._structured import json_loads
from aml_retrain.errors import ServiceError, ValidationError

__all__ = [
    "ScoreRequest",
    "ScoreResult",
    "ScoringClient",
    "parse_score_results",
    "predict_row",
    "read_rows",
    "request_from_file",
    "select_output",
]


@dataclass(frozen=True)
class ScoreRequest:
    """Inputs and global parameters for one RRS call, and which body format they use."""

    inputs: dict[str, Any]
    global_parameters: dict[str, Any] = field(default_factory=dict)
    swagger_format: bool = False


@dataclass(frozen=True)
class ScoreResult:
    """One output table of an RRS response."""

    output_name: str
    columns: list[str]
    rows: list[list[Any]]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"output_name": self.output_name, "columns": self.columns, "rows": self.rows}

    def records(self) -> list[dict[str, Any]]:
        """Return the rows as dicts keyed by column name."""
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]


class ScoringClient(ExecutionApiClient):
    """Calls one endpoint's ``{ApiLocation}/execute`` with the endpoint's API key."""

    default_timeout = 100.0

    def execute(
        self,
        inputs: Mapping[str, Any],
        *,
        global_parameters: Mapping[str, Any] | None = None,
        swagger_format: bool = False,
    ) -> dict[str, Any]:
        """POST ``/execute?api-version=2.0&details=true`` (+``&format=swagger``); return the body."""
        url = f"{self.api_location}/execute?api-version=2.0&details=true"
        if swagger_format:
            url += "&format=swagger"
        body = {"Inputs": dict(inputs), "GlobalParameters": dict(global_parameters or {})}
        response = _http.request(
            self._session, "POST", url, token=self._key, json=body, timeout=self.timeout
        )
        try:
            data = json.loads(response.content.decode("utf-8-sig") or "null")
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            raise ServiceError(
                "the scoring response is not a JSON object", status_code=response.status_code,
                request_id=response.headers.get("x-ms-request-id"), url=url, method="POST",
            )
        return data


def request_from_file(
    path: str | Path, *, input_name: str = "input1", swagger_format: bool | None = None
) -> ScoreRequest:
    """Read a CSV (header + rows) or JSON (request body or list of records) into a request."""
    source = Path(path)
    if not source.is_file():
        raise ValidationError(f"{source} is not a file: pass a .csv or .json file of rows to score")
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read {source} as UTF-8 text: {exc}") from None
    if source.suffix.lower() == ".json":
        request = _from_json(text, source, input_name)
    else:
        request = ScoreRequest({input_name: _table_from_csv(text, source)})
    if swagger_format is None or swagger_format == request.swagger_format:
        return request
    inputs = {
        name: (_to_records(value) if swagger_format else _to_table(name, value))
        for name, value in request.inputs.items()
    }
    return ScoreRequest(inputs, request.global_parameters, swagger_format)


def _table_from_csv(text: str, source: Path) -> dict[str, Any]:
    rows = [r for r in csv.reader(text.splitlines()) if r]
    if len(rows) < 2:
        raise ValidationError(f"{source} needs a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ValidationError(
                f"{source} line {number} has {len(row)} values but the header has {len(header)}"
            )
    return {"ColumnNames": header, "Values": rows[1:]}


def _from_json(text: str, source: Path, input_name: str) -> ScoreRequest:
    try:
        data = json_loads(text, str(source))
    except ValueError as exc:
        raise ValidationError(f"{source} is not valid JSON: {exc}") from None
    if isinstance(data, list):
        if not data or not all(isinstance(r, dict) for r in data):
            raise ValidationError(f"{source} must hold a non-empty list of records (objects)")
        return ScoreRequest({input_name: data}, {}, True)
    if isinstance(data, dict) and isinstance(data.get("Inputs"), dict) and data["Inputs"]:
        inputs = data["Inputs"]
        parameters = data.get("GlobalParameters") or {}
        if not isinstance(parameters, dict):
            raise ValidationError(f"{source}: GlobalParameters must be an object")
        swagger = all(isinstance(v, list) for v in inputs.values())
        for name, value in inputs.items():
            if not swagger and not (isinstance(value, dict) and "ColumnNames" in value):
                raise ValidationError(
                    f"{source}: input {name!r} must be a list of records or "
                    "{\"ColumnNames\": [...], \"Values\": [[...]]}"
                )
        return ScoreRequest(dict(inputs), dict(parameters), swagger)
    raise ValidationError(
        f"{source} must hold a request body {{\"Inputs\": {{...}}}} or a list of records"
    )


def _to_records(value: Any) -> list[dict[str, Any]]:
    columns = [str(c) for c in value.get("ColumnNames") or []]
    return [dict(zip(columns, row, strict=False)) for row in value.get("Values") or []]


def _to_table(name: str, records: Any) -> dict[str, Any]:
    columns: list[str] = []
    for record in records:
        columns.extend(k for k in record if k not in columns)
    values = [[_cell(r.get(c)) for c in columns] for r in records]
    return {"ColumnNames": columns, "Values": values}


def _cell(value: Any) -> str:
    # The classic table format carries every value as a string.
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def parse_score_results(body: Mapping[str, Any]) -> list[ScoreResult]:
    """Return each output of an RRS response body (table or swagger format)."""
    results = body.get("Results")
    if not isinstance(results, Mapping):
        raise ValidationError("the scoring response has no 'Results' object")
    out = []
    for name, value in results.items():
        if isinstance(value, list):  # swagger format: a list of records
            records = [r for r in value if isinstance(r, Mapping)]
            columns: list[str] = []
            for record in records:
                columns.extend(str(k) for k in record if k not in columns)
            out.append(ScoreResult(str(name), columns, [[r.get(c) for c in columns] for r in records]))
            continue
        table = value.get("value", value) if isinstance(value, Mapping) else None
        if not isinstance(table, Mapping):
            raise ValidationError(f"output {name!r} of the scoring response is not a table")
        cols = [str(c) for c in table.get("ColumnNames") or []]
        rows = [list(r) for r in table.get("Values") or [] if isinstance(r, list)]
        out.append(ScoreResult(str(name), cols, rows))
    return out


def select_output(results: list[ScoreResult], output_name: str | None = None) -> ScoreResult:
    """Return the output named ``output_name`` (default ``output1``, else the first one)."""
    if not results:
        raise ValidationError("the scoring response has no outputs")
    wanted = output_name or ("output1" if any(r.output_name == "output1" for r in results) else None)
    if wanted is None:
        return results[0]
    for result in results:
        if result.output_name == wanted:
            return result
    raise ValidationError(
        f"the scoring response has no output {wanted!r}: it has "
        f"{', '.join(repr(r.output_name) for r in results)}"
    )


PREDICTION_COLUMN = "Scored Labels"  # what a Studio (classic) Score Model module appends


def predict_row(client: ScoringClient, row: Mapping[str, Any], *, input_name: str = "input1",
                output_name: str | None = None) -> Any:
    """Score one row (swagger format) and return its prediction: ``Scored Labels``, else the last column."""
    body = client.execute({input_name: [dict(row)]}, swagger_format=True)
    output = select_output(parse_score_results(body), output_name)
    if len(output.rows) != 1 or not output.columns:
        raise ServiceError(f"the scoring response has {len(output.rows)} rows for 1 row sent",
                           status_code=200, url=client.api_location, method="POST")
    column = PREDICTION_COLUMN if PREDICTION_COLUMN in output.columns else output.columns[-1]
    return output.records()[0].get(column)


def read_rows(path: str | Path) -> Any:
    """Read rows to score: a CSV with a header, a JSON list of records, or an ``input_data`` body."""
    source = Path(path)
    if source.suffix.lower() == ".json" and source.is_file():
        try:
            data = json_loads(source.read_text(encoding="utf-8-sig"), str(source))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ValidationError(f"cannot read {source} as JSON: {exc}") from None
        if isinstance(data, dict) and isinstance(data.get("input_data"), dict):
            return data["input_data"]
    request = request_from_file(source, swagger_format=True)
    if len(request.inputs) != 1:
        raise ValidationError(f"{source} holds {len(request.inputs)} inputs: an online endpoint "
                              "takes one table of rows")
    return [{k: _number(v) for k, v in row.items()} for row in next(iter(request.inputs.values()))]


def _number(value: Any) -> Any:
    # CSV cells are text; a model reading a numeric column wants the number, as MLflow's pandas does.
    if not isinstance(value, str):
        return value
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value
