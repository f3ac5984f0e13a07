from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aml_retrain._scoring import ScoringClient, parse_score_results, request_from_file
from aml_retrain.classic.management import ClassicManagementClient
from aml_retrain.classic.scoring import score
from aml_retrain.errors import ConfigError, ServiceError, ValidationError

from .conftest import WS
from .fakes import FakeAdapter, fake_session

API = "https://rrs.test/workspaces/ws1/services/pred1"
EXECUTE = "/workspaces/ws1/services/pred1/execute"
KEY = "rrs-key-SECRET"
SVC = "p" * 32
TABLE_RESPONSE = {
    "Results": {
        "output1": {
            "type": "table",
            "value": {
                "ColumnNames": ["age", "Scored Labels", "Scored Probabilities"],
                "ColumnTypes": ["Int32", "String", "Double"],
                "Values": [["39", ">50K", "0.92"], ["50", "<=50K", "0.1"]],
            },
        }
    }
}
SWAGGER_RESPONSE = {
    "Results": {
        "output1": [
            {"age": 39, "Scored Labels": ">50K", "Scored Probabilities": 0.92},
            {"age": 50, "Scored Labels": "<=50K", "Scored Probabilities": 0.1},
        ]
    }
}


def test_execute_default_format(adapter: FakeAdapter) -> None:
    adapter.add("POST", EXECUTE, json=TABLE_RESPONSE)
    client = ScoringClient(API, KEY, session=fake_session(adapter))
    inputs = {"input1": {"ColumnNames": ["age"], "Values": [["39"]]}}
    assert client.execute(inputs) == TABLE_RESPONSE
    assert adapter.calls() == [("POST", f"{EXECUTE}?api-version=2.0&details=true")]
    assert adapter.body(0) == {"Inputs": inputs, "GlobalParameters": {}}
    assert adapter.requests[0].headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in repr(client)


def test_execute_swagger_format(adapter: FakeAdapter) -> None:
    adapter.add("POST", EXECUTE, json=SWAGGER_RESPONSE)
    client = ScoringClient(API, KEY, session=fake_session(adapter))
    client.execute({"input1": [{"age": "39"}]}, global_parameters={"g": "1"}, swagger_format=True)
    assert adapter.calls() == [("POST", f"{EXECUTE}?api-version=2.0&details=true&format=swagger")]
    assert adapter.body(0) == {"Inputs": {"input1": [{"age": "39"}]}, "GlobalParameters": {"g": "1"}}


def test_rrs_error_details_are_folded_in(adapter: FakeAdapter) -> None:
    adapter.add(
        "POST",
        EXECUTE,
        status=400,
        json={
            "error": {
                "code": "BadArgument",
                "message": "Invalid argument provided.",
                "details": [
                    {"code": "InputMismatchError", "message": "Input data does not match input port schema."}
                ],
            }
        },
    )
    client = ScoringClient(API, KEY, session=fake_session(adapter))
    with pytest.raises(ServiceError) as info:
        client.execute({"input1": {"ColumnNames": [], "Values": []}})
    assert "Input data does not match input port schema" in str(info.value)
    assert info.value.details[0]["code"] == "InputMismatchError"


def test_non_json_response_is_a_service_error(adapter: FakeAdapter) -> None:
    adapter.add("POST", EXECUTE, text="<html>")
    with pytest.raises(ServiceError, match="not a JSON object"):
        ScoringClient(API, KEY, session=fake_session(adapter)).execute({})


def test_parse_both_formats() -> None:
    table = parse_score_results(TABLE_RESPONSE)[0]
    swagger = parse_score_results(SWAGGER_RESPONSE)[0]
    assert table.output_name == swagger.output_name == "output1"
    assert table.columns == swagger.columns == ["age", "Scored Labels", "Scored Probabilities"]
    assert table.rows[0] == ["39", ">50K", "0.92"]
    assert swagger.rows[1] == [50, "<=50K", 0.1]
    assert table.to_dict()["rows"] == table.rows
    assert table.records()[0]["Scored Labels"] == ">50K"
    bare = parse_score_results({"Results": {"o": {"ColumnNames": ["a"], "Values": [["1"]]}}})
    assert bare[0].rows == [["1"]]
    with pytest.raises(ValidationError, match="no 'Results'"):
        parse_score_results({})


def test_csv_input(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("\ufeffage,workclass\n39,State-gov\n50,Private\n", encoding="utf-8")
    request = request_from_file(path)
    assert request.inputs == {
        "input1": {"ColumnNames": ["age", "workclass"], "Values": [["39", "State-gov"], ["50", "Private"]]}
    }
    assert request.swagger_format is False
    as_swagger = request_from_file(path, swagger_format=True, input_name="in")
    assert as_swagger.inputs == {
        "in": [{"age": "39", "workclass": "State-gov"}, {"age": "50", "workclass": "Private"}]
    }


def test_csv_input_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="is not a file"):
        request_from_file(tmp_path / "missing.csv")
    ragged = tmp_path / "r.csv"
    ragged.write_text("a,b\n1\n")
    with pytest.raises(ValidationError, match="line 2 has 1 values"):
        request_from_file(ragged)
    header_only = tmp_path / "h.csv"
    header_only.write_text("a,b\n")
    with pytest.raises(ValidationError, match="at least one data row"):
        request_from_file(header_only)


def test_json_inputs(tmp_path: Path) -> None:
    records = tmp_path / "records.json"
    records.write_text(json.dumps([{"age": 39, "x": "a"}, {"age": 50}]))
    request = request_from_file(records)
    assert request.swagger_format and request.inputs == {"input1": [{"age": 39, "x": "a"}, {"age": 50}]}
    table = request_from_file(records, swagger_format=False)
    assert table.inputs == {"input1": {"ColumnNames": ["age", "x"], "Values": [["39", "a"], ["50", ""]]}}
    body = tmp_path / "body.json"
    full = {
        "Inputs": {"input1": {"ColumnNames": ["age"], "Values": [["39"]]}},
        "GlobalParameters": {"p": "1"},
    }
    body.write_text(json.dumps(full))
    parsed = request_from_file(body)
    assert parsed.inputs == full["Inputs"] and parsed.global_parameters == {"p": "1"}
    assert parsed.swagger_format is False
    bad = tmp_path / "bad.json"
    bad.write_text('{"rows": []}')
    with pytest.raises(ValidationError, match="request body"):
        request_from_file(bad)
    bad.write_text("{nope")
    with pytest.raises(ValidationError, match="not valid JSON"):
        request_from_file(bad)


def endpoint(**kw: Any) -> dict[str, Any]:
    return {"Name": "ep1", "ApiLocation": API, "PrimaryKey": KEY, **kw}


def test_score_workflow(client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("age\n39\n")
    adapter.add("GET", f"/workspaces/{WS}/webservices/{SVC}/endpoints/ep1", json=endpoint())
    adapter.add("POST", EXECUTE, json=TABLE_RESPONSE)
    result = score(client, SVC, "ep1", path)
    assert result.columns[-1] == "Scored Probabilities"
    assert [m for m, _ in adapter.calls()] == ["GET", "POST"]
    assert adapter.requests[1].headers["Authorization"] == f"Bearer {KEY}"


def test_score_missing_file_fails_before_any_request(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="is not a file"):
        score(client, SVC, "ep1", tmp_path / "missing.csv")
    assert adapter.requests == []


def test_score_without_key_is_a_config_error(
    client: ClassicManagementClient, adapter: FakeAdapter, tmp_path: Path
) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("age\n39\n")
    adapter.add("GET", f"/workspaces/{WS}/webservices/{SVC}/endpoints/ep1", json=endpoint(PrimaryKey=None))
    with pytest.raises(ConfigError, match="without ApiLocation or keys"):
        score(client, SVC, "ep1", path)
