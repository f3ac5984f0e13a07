"""RRS (CLASSIC-API §7), model propagation after PATCH, swagger documents, batch scoring."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from azure.storage.blob import BlobSasPermissions, BlobServiceClient, generate_blob_sas

from aml_emulator.azurite import AzuriteProcess
from aml_emulator.classic.training import seed_model
from aml_emulator.storage import DEVSTORE_ACCOUNT, DEVSTORE_KEY

from .conftest import MODEL_RESOURCE, TRAINING_ID, Api, assert_exec_error
from .support import Endpoint, configure, download, training_body, upload

COLUMNS = ["age", "education_num", "hours_per_week", "capital_gain", "income"]
ROWS = [["39", "13", "40", "2174", "<=50K"], ["52", "16", "70", "15024", ">50K"],
        ["23", "9", "20", "0", "<=50K"], ["45", "10", "85", "0", "<=50K"]]
OUT_COLUMNS = [*COLUMNS, "Scored Labels", "Scored Probabilities"]


def _request(rows: list[list[str]] = ROWS, columns: list[str] = COLUMNS) -> dict[str, Any]:
    return {"Inputs": {"input1": {"ColumnNames": columns, "Values": rows}},
            "GlobalParameters": {}}


def _scores(endpoint: Endpoint) -> list[tuple[str, float]]:
    answer = endpoint.execute(_request(), details="true")
    assert answer.status_code == 200, answer.text
    values = answer.json()["Results"]["output1"]["value"]["Values"]
    return [(row[-2], float(row[-1])) for row in values]


def _expected_seed_scores() -> list[tuple[str, float]]:
    model = seed_model()
    predictions = [model.predict([float(v) for v in row[:4]]) for row in ROWS]
    return [(p.label, p.probability or 0.0) for p in predictions]


def _close(actual: list[tuple[str, float]], expected: list[tuple[str, float]]) -> bool:
    return [label for label, _p in actual] == [label for label, _p in expected] and \
        [p for _l, p in actual] == pytest.approx([p for _l, p in expected], rel=1e-9)


@pytest.fixture
def rrs(sapi: Api) -> Endpoint:
    return Endpoint.predictive(sapi)


def test_default_endpoint_scores_with_the_seed_model(rrs: Endpoint) -> None:
    answer = rrs.execute(_request(), details="true")
    assert answer.status_code == 200, answer.text
    output = answer.json()["Results"]["output1"]
    assert output["type"] == "table"
    value = output["value"]
    assert value["ColumnNames"] == OUT_COLUMNS
    assert value["ColumnTypes"] == ["Int32"] * 4 + ["String", "String", "Double"]
    assert all(isinstance(v, str) for row in value["Values"] for v in row)
    assert [row[:5] for row in value["Values"]] == ROWS  # input columns pass through
    scores = [(row[-2], float(row[-1])) for row in value["Values"]]
    assert _close(scores, _expected_seed_scores())
    assert {label for label, _p in scores} == {"<=50K", ">50K"}
    plain = rrs.execute(_request())
    assert "ColumnTypes" not in plain.json()["Results"]["output1"]["value"]


def test_swagger_format(rrs: Endpoint) -> None:
    body = {"Inputs": {"input1": [dict(zip(COLUMNS, row)) for row in ROWS]},
            "GlobalParameters": {}}
    answer = rrs.execute(body, format="swagger")
    assert answer.status_code == 200, answer.text
    records = answer.json()["Results"]["output1"]
    assert [list(record) for record in records] == [OUT_COLUMNS] * len(ROWS)
    assert _close([(r["Scored Labels"], r["Scored Probabilities"]) for r in records],
                  _expected_seed_scores())
    assert records[0]["age"] == "39"


@pytest.mark.parametrize(("body", "error_class", "code"), [
    (_request(columns=["age", "education_num", "hours", "capital_gain", "income"]),
     "BadUserArgument", "InputParseError"),
    (_request(rows=[["x", "13", "40", "0", ">50K"]]), "BadUserArgument", "InputParseError"),
    (_request(rows=[["39", "13"]]), "BadUserArgument", "InputParseError"),
    ({"Inputs": {}}, "BadArgument", "MissingRequestInput"),
    ({"Inputs": {"input1": {"ColumnNames": COLUMNS, "Values": ROWS}, "input2": {}}},
     "BadArgument", "InvalidInputNames"),
    ({"Inputs": {"input1": [1, 2]}}, "BadArgument", "RequestBodyInvalid"),
    ({**_request(), "GlobalParameters": {"x": "1"}}, "BadArgument", "UnexpectedParameter"),
])
def test_bad_requests(rrs: Endpoint, body: dict[str, Any], error_class: str, code: str) -> None:
    assert_exec_error(rrs.execute(body), 400, error_class, code)


def test_wrong_key_and_training_endpoint(rrs: Endpoint) -> None:
    for key in (None, "wrong", rrs.api.get_endpoint("default", TRAINING_ID)["PrimaryKey"]):
        answer = rrs.call("POST", "/execute", key=key, json=_request())
        assert assert_exec_error(answer, 401, "Unauthorized", "ScoreRequestUnauthorized") == \
            "Invalid credentials provided."
    training = Endpoint.of(rrs.api)
    assert_exec_error(training.execute(_request()), 400, "InvalidOperation",
                      "RequestResponseNotSupported")


def _patch(api: Api, name: str, result: dict[str, Any]) -> None:
    body = {"Resources": [{"Name": MODEL_RESOURCE, "Location": {
        "BaseLocation": result["BaseLocation"], "RelativeLocation": result["RelativeLocation"],
        "SasBlobToken": result["SasBlobToken"]}}]}
    answer = api.call("PATCH", api.ep(name), json=body)
    assert answer.status_code == 200, answer.text


def test_patched_endpoint_scores_with_retrained_model_after_propagation(
        rrs: Endpoint, azurite: AzuriteProcess) -> None:
    configure(rrs.api, bes_job_seconds=0.2, propagation_seconds=3600)
    _job, status = Endpoint.of(rrs.api).run(training_body(azurite))
    assert status["StatusCode"] == "Finished", status
    assert rrs.api.create("ep01").status_code == 200
    added = Endpoint.predictive(rrs.api, "ep01")
    seed_scores = _scores(added)
    assert _close(seed_scores, _expected_seed_scores())
    _patch(rrs.api, "ep01", status["Results"]["output1"])
    assert _scores(added) == seed_scores  # not propagated yet: still the previous model
    configure(rrs.api, propagation_seconds=0)
    retrained = _scores(added)
    assert [p for _l, p in retrained] != pytest.approx([p for _l, p in seed_scores])
    assert [label for label, _p in retrained] != [label for label, _p in seed_scores]
    assert _scores(rrs) == seed_scores  # the default endpoint keeps the seed model


def _sas_result(azurite: AzuriteProcess, relative: str) -> dict[str, Any]:
    container, blob = relative.split("/", 1)
    sas = generate_blob_sas(DEVSTORE_ACCOUNT, container, blob, account_key=DEVSTORE_KEY,
                            permission=BlobSasPermissions(read=True),
                            expiry=datetime.now(timezone.utc) + timedelta(hours=1))
    return {"BaseLocation": azurite.blob_endpoint + "/", "RelativeLocation": relative,
            "SasBlobToken": "?" + sas}


def test_non_json_model_is_refused(rrs: Endpoint, azurite: AzuriteProcess) -> None:
    configure(rrs.api, propagation_seconds=0, result_sas_seconds=600)
    rrs.api.create("ep01")
    for blob, data in [("models/bad/pickle.ilearner", b"\x80\x04\x95cos\nsystem\n."),
                       ("models/bad/other.ilearner", b'{"format": "sklearn-pickle"}')]:
        upload(azurite, blob, data)
        _patch(rrs.api, "ep01", _sas_result(azurite, blob))
        added = Endpoint.predictive(rrs.api, "ep01")
        message = assert_exec_error(added.execute(_request()), 500, "InternalError",
                                    "ResourceLoadFailed")
        assert "could not be loaded" in message and "sig=" not in message


def test_faults_apply_to_rrs(rrs: Endpoint) -> None:
    fault = {"method": "POST", "path": r"/execute$", "status": 429}
    assert rrs.api.call("POST", "/_emulator/faults", token=None, json=fault).status_code == 200
    assert rrs.execute(_request()).status_code == 429
    assert rrs.execute(_request()).status_code == 200


def test_swagger_documents(rrs: Endpoint) -> None:
    training = Endpoint.of(rrs.api)
    answer = training.call("GET", "/swagger.json", key=None)  # anonymous, as the real one
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert doc["swagger"] == "2.0" and doc["info"]["title"] == "Census Model [Training Exp.]"
    assert training.location.endswith(doc["basePath"])
    definitions = doc["definitions"]
    assert set(definitions["BatchInputs"]["properties"]) == {"input1"}
    assert set(definitions["BatchOutputs"]["properties"]) == {"output1", "output2"}
    assert set(definitions["GlobalParameters"]["properties"]) == {"Label column", "Regularization"}
    assert "/jobs?api-version=2.0" in doc["paths"]
    predictive = rrs.call("GET", "/swagger.json").json()
    assert set(predictive["definitions"]["ExecutionInputs"]["properties"]) == {"input1"}
    assert set(predictive["definitions"]["ExecutionOutputs"]["properties"]) == {"output1"}
    assert "/execute?api-version=2.0&format=swagger" in predictive["paths"]
    assert requests.get(training.location + "/swagger.json", verify=rrs.api.ca,
                        timeout=10).status_code == 200


def test_batch_scoring_on_the_predictive_service(rrs: Endpoint, azurite: AzuriteProcess) -> None:
    configure(rrs.api, bes_job_seconds=0)
    data = ("\n".join(",".join(row) for row in [COLUMNS, *ROWS]) + "\n").encode()
    _job, status = rrs.run({"Inputs": {"input1": upload(azurite, "scoring/in.csv", data)}})
    assert status["StatusCode"] == "Finished", status
    rows = list(csv.reader(io.StringIO(download(status["Results"]["output1"]).decode())))
    assert rows[0] == OUT_COLUMNS
    assert _close([(r[-2], float(r[-1])) for r in rows[1:]], _expected_seed_scores())


def _flipped_seed_model() -> bytes:
    # A model that is certainly not the seed's: every decision is the seed's, negated.
    raw = seed_model().to_json()
    raw["coef"] = [-c for c in raw["coef"]]
    raw["intercept"] = -raw["intercept"]
    return json.dumps(raw).encode("utf-8")


def _sas_until(relative: str, expiry: datetime) -> str:
    container, blob = relative.split("/", 1)
    return "?" + generate_blob_sas(DEVSTORE_ACCOUNT, container, blob, account_key=DEVSTORE_KEY,
                                   permission=BlobSasPermissions(read=True), expiry=expiry)


def _poll_until_refused(url: str, within: float = 30.0) -> int:
    """Poll the blob with its SAS until storage refuses it (the SAS has expired)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        status = requests.get(url, timeout=5).status_code
        if status in (401, 403):
            return status
        time.sleep(0.2)  # polling a condition, not waiting out a duration
    raise AssertionError(f"the SAS of {url.split('?')[0]} did not expire within {within} s")


def test_patched_endpoint_keeps_scoring_after_sas_expiry_and_blob_deletion(
        rrs: Endpoint, azurite: AzuriteProcess) -> None:
    configure(rrs.api, propagation_seconds=0)
    relative = f"shortlived/{uuid.uuid4().hex}.ilearner"  # a private container: SAS needed
    upload(azurite, relative, _flipped_seed_model())
    sas = _sas_until(relative, datetime.now(timezone.utc) + timedelta(seconds=2))
    rrs.api.create("ep01")
    _patch(rrs.api, "ep01", {"BaseLocation": azurite.blob_endpoint + "/",
                             "RelativeLocation": relative, "SasBlobToken": sas})
    _poll_until_refused(f"{azurite.blob_endpoint}/{relative}{sas}")
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    service.get_blob_client(*relative.split("/", 1)).delete_blob()
    added = Endpoint.predictive(rrs.api, "ep01")
    scores = _scores(added)  # the copy the PATCH took, not a download with the dead SAS
    seed = _expected_seed_scores()
    assert [label for label, _p in scores] == [
        ">50K" if label == "<=50K" else "<=50K" for label, _p in seed]
    assert [p for _l, p in scores] == pytest.approx([1 - p for _l, p in seed], rel=1e-9)


# The class headings of "Azure Machine Learning Studio REST API Error Codes" (D-ERR,
# MicrosoftDocs/azure-docs articles/machine-learning/studio/web-service-error-codes.md).
CLASS_TEXTS = {
    "BadArgument": "Invalid argument provided.",
    "BadUserArgument": "Invalid user argument provided.",
    "InvalidOperation": "The request is invalid in the current context.",
    "Unauthorized": "Request is unauthorized to access resource.",
    "NotFound": "Resource not found.",
    "InternalError": "Execution encountered an internal error.",
}


def test_error_class_texts_are_the_error_code_pages(rrs: Endpoint) -> None:
    training = Endpoint.of(rrs.api)
    answers = {
        "BadArgument": rrs.execute({"Inputs": {}}),
        "BadUserArgument": rrs.execute(_request(rows=[["x", "13", "40", "0", ">50K"]])),
        "InvalidOperation": training.execute(_request()),
        "Unauthorized": rrs.call("POST", "/execute", key="wrong", json=_request()),
        "NotFound": training.call("GET", "/jobs/" + "0" * 32),
    }
    for error_class, answer in answers.items():
        error = answer.json()["error"]
        assert (error["code"], error["message"]) == (error_class, CLASS_TEXTS[error_class]), error


def test_internal_error_class_text(rrs: Endpoint, azurite: AzuriteProcess) -> None:
    configure(rrs.api, propagation_seconds=0)
    rrs.api.create("ep01")
    upload(azurite, "models/bad/broken.ilearner", b"not a model")
    _patch(rrs.api, "ep01", _sas_result(azurite, "models/bad/broken.ilearner"))
    error = Endpoint.predictive(rrs.api, "ep01").execute(_request()).json()["error"]
    assert (error["code"], error["message"]) == ("InternalError", CLASS_TEXTS["InternalError"])
