"""BES (CLASSIC-API §6) against the real HTTPS emulator and real Azurite, with real training."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

import pytest
from azure.storage.blob import BlobSasPermissions, generate_blob_sas

from aml_emulator.azurite import AzuriteProcess
from aml_emulator.classic.model import LOGISTIC_FORMAT, load_model
from aml_emulator.classic.training import CLASSIFICATION_METRICS
from aml_emulator.storage import DEVSTORE_ACCOUNT, DEVSTORE_KEY

from .conftest import TOKEN, TRAINING_ID, Api, assert_exec_error
from .support import Endpoint, blob_exists, configure, download, training_body, upload


@pytest.fixture
def bes(sapi: Api) -> Endpoint:
    configure(sapi, bes_job_seconds=0.2)
    return Endpoint.of(sapi)


def test_job_trains_a_model_and_evaluates_it(bes: Endpoint, azurite: AzuriteProcess) -> None:
    body = training_body(azurite, **{"Label column": "income", "Regularization": "0.5"})
    job_id = bes.submit(body)
    assert bes.status(job_id) == {"StatusCode": "NotStarted", "Results": None, "Details": None}
    bes.start(job_id)
    status = bes.wait(job_id)
    assert status["StatusCode"] == "Finished" and status["Details"] is None, status
    results = status["Results"]
    assert set(results) == {"output1", "output2"}
    for result in results.values():
        assert result["ConnectionString"] is None
        assert result["BaseLocation"] == azurite.blob_endpoint + "/"
        assert result["SasBlobToken"].startswith("?") and "sp=r" in result["SasBlobToken"]
    assert results["output1"]["RelativeLocation"] == \
        f"experimentoutput/{job_id}/{job_id}.ilearner"
    assert results["output2"]["RelativeLocation"] == f"experimentoutput/{job_id}/output2.csv"
    model = load_model(download(results["output1"]))
    assert (model.format, model.label, model.classes) == (LOGISTIC_FORMAT, "income",
                                                           ("<=50K", ">50K"))
    assert model.features == ("age", "education_num", "hours_per_week", "capital_gain")
    assert model.rows == 600  # 75 % of 800
    rows = list(csv.reader(io.StringIO(download(results["output2"]).decode("utf-8"))))
    assert len(rows) == 2 and tuple(rows[0]) == CLASSIFICATION_METRICS
    metrics = dict(zip(rows[0], map(float, rows[1])))
    assert 0.0 <= metrics["Accuracy"] <= 1.0 and 0.5 < metrics["AUC"] <= 1.0


def test_running_lasts_bes_job_seconds_and_numeric_status(bes: Endpoint,
                                                          azurite: AzuriteProcess) -> None:
    configure(bes.api, bes_job_seconds=30, status_format="numeric")
    job_id = bes.submit(training_body(azurite))
    assert bes.status(job_id)["StatusCode"] == 0
    bes.start(job_id)
    assert bes.status(job_id)["StatusCode"] == 1
    configure(bes.api, bes_job_seconds=0.2)  # read at start: this job still runs 30 s
    assert bes.status(job_id)["StatusCode"] == 1
    assert bes.call("DELETE", f"/jobs/{job_id}").status_code == 204
    assert bes.status(job_id)["StatusCode"] == 3
    _job, status = bes.run(training_body(azurite))
    assert status["StatusCode"] == 4 and set(status["Results"]) == {"output1", "output2"}


def test_each_get_mints_a_fresh_sas(bes: Endpoint, azurite: AzuriteProcess) -> None:
    configure(bes.api, result_sas_seconds=120)
    job_id, first = bes.run(training_body(azurite))
    second = bes.status(job_id)
    for name in ("output1", "output2"):
        one, two = first["Results"][name], second["Results"][name]
        assert one["RelativeLocation"] == two["RelativeLocation"]
        assert one["SasBlobToken"] != two["SasBlobToken"]
        assert download(one) == download(two)


def test_overrides_legacy_input_and_sas_reference(bes: Endpoint, azurite: AzuriteProcess) -> None:
    source = training_body(azurite)["Inputs"]["input1"]
    body = {"Input": source, "Outputs": {
        "output1": {"ConnectionString": azurite.connection_string,
                    "RelativeLocation": "/models/run1/model.ilearner"},
        "output2": {"ConnectionString": azurite.connection_string,
                    "RelativeLocation": "newcontainer/run1/evaluation.csv"}}}
    _job, status = bes.run(body)
    assert status["StatusCode"] == "Finished", status
    assert status["Results"]["output1"]["RelativeLocation"] == "models/run1/model.ilearner"
    assert status["Results"]["output2"]["RelativeLocation"] == "newcontainer/run1/evaluation.csv"
    assert load_model(download(status["Results"]["output1"])).rows == 600
    sas = generate_blob_sas(DEVSTORE_ACCOUNT, "training", "census.csv", account_key=DEVSTORE_KEY,
                            permission=BlobSasPermissions(read=True),
                            expiry=datetime.now(timezone.utc) + timedelta(hours=1))
    by_sas = {"BaseLocation": azurite.blob_endpoint + "/", "RelativeLocation": "training/census.csv",
              "SasBlobToken": "?" + sas}
    _job, status = bes.run({"Inputs": {"input1": by_sas}})
    assert status["StatusCode"] == "Finished", status


def _ref(azurite: AzuriteProcess, relative: str) -> dict[str, str]:
    return {"ConnectionString": azurite.connection_string, "RelativeLocation": relative}


@pytest.mark.parametrize(("make_body", "error_class", "code"), [
    (lambda a: {"Inputs": {"input2": _ref(a, "t/x.csv")}}, "BadArgument", "InvalidInputNames"),
    (lambda a: {"Inputs": {"Input1": _ref(a, "t/x.csv")}}, "BadArgument", "InvalidInputNames"),
    (lambda a: {"Inputs": {}}, "BadArgument", "BatchJobInputsNotSpecified"),
    (lambda a: {"GlobalParameters": {}}, "BadArgument", "BatchJobInputsNotSpecified"),
    (lambda a: {"Inputs": {"input1": _ref(a, "t/x.csv")}, "Input": _ref(a, "t/x.csv")},
     "BadArgument", "DuplicateInputInBatchCall"),
    (lambda a: {"Inputs": {"input1": _ref(a, "t/x.txt")}}, "BadArgument", "InvalidBlobExtension"),
    (lambda a: {"Inputs": {"input1": _ref(a, "t/x.csv")},
                "Outputs": {"output1": _ref(a, "m/model.csv")}}, "BadArgument",
     "InvalidBlobExtension"),
    (lambda a: {"Inputs": {"input1": _ref(a, "t/x.csv")},
                "Outputs": {"output2": _ref(a, "m/eval.ilearner")}}, "BadArgument",
     "InvalidBlobExtension"),
    (lambda a: {"Inputs": {"input1": _ref(a, "t/x.csv")},
                "Outputs": {"model": _ref(a, "m/model.ilearner")}}, "BadArgument",
     "InvalidOutputOverrideName"),
    (lambda a: {"Inputs": {"input1": {"ConnectionString": "AccountName=x",
                                      "RelativeLocation": "t/x.csv"}}},
     "BadArgument", "InvalidBlobConnectionString"),
    (lambda a: {"Inputs": {"input1": {"RelativeLocation": "t/x.csv"}}}, "BadArgument",
     "MissingInputBlobInformation"),
    (lambda a: {"Inputs": {"input1": _ref(a, "t/x.csv")}, "GlobalParameters": {"label column": "x"}},
     "BadArgument", "UnexpectedParameter"),
    (lambda a: {"Inputs": {"input1": _ref(a, "t/x.csv")}, "GlobalParameters": {"Regularization": "0"}},
     "BadUserArgument", "UserParameterInvalid"),
])
def test_submit_validation(bes: Endpoint, azurite: AzuriteProcess, make_body: Any,
                           error_class: str, code: str) -> None:
    answer = bes.call("POST", "/jobs", json=make_body(azurite))
    assert_exec_error(answer, 400, error_class, code)
    assert DEVSTORE_KEY not in answer.text
    assert bes.api.call("GET", "/_emulator/state", token=None).json()["jobs"] == []


def test_api_version_and_body_are_checked(bes: Endpoint, azurite: AzuriteProcess) -> None:
    body = training_body(azurite)
    assert_exec_error(bes.call("POST", "/jobs", json=body, version=None), 400, "BadArgument",
                      "BadVersionCall")
    assert_exec_error(bes.call("POST", "/jobs", json=body, version="2014-10-01"), 400,
                      "BadArgument", "BadVersionCall")
    assert_exec_error(bes.call("POST", "/jobs", data=b"{nope"), 400, "BadArgument",
                      "RequestBodyInvalid")


def test_start_twice_is_cannot_start_job(bes: Endpoint, azurite: AzuriteProcess) -> None:
    configure(bes.api, bes_job_seconds=30)
    job_id = bes.submit(training_body(azurite))
    bes.start(job_id)
    message = assert_exec_error(bes.call("POST", f"/jobs/{job_id}/start"), 400,
                                "InvalidOperation", "CannotStartJob")
    assert message == "The job cannot be started because it is in Running state."


def test_cancel_leaves_no_outputs(bes: Endpoint, azurite: AzuriteProcess) -> None:
    configure(bes.api, bes_job_seconds=30)
    job_id = bes.submit(training_body(azurite))
    bes.start(job_id)
    assert bes.status(job_id)["StatusCode"] == "Running"
    assert bes.call("DELETE", f"/jobs/{job_id}").status_code == 204
    assert bes.status(job_id) == {"StatusCode": "Cancelled", "Results": None, "Details": None}
    assert not blob_exists(azurite, f"experimentoutput/{job_id}/{job_id}.ilearner")
    assert not blob_exists(azurite, f"experimentoutput/{job_id}/output2.csv")
    waiting = bes.submit(training_body(azurite))
    assert bes.call("DELETE", f"/jobs/{waiting}").status_code == 204
    message = assert_exec_error(bes.call("POST", f"/jobs/{waiting}/start"), 400,
                                "InvalidOperation", "CannotStartJob")
    assert "Cancelled state" in message


def test_delete_finished_job_succeeds_and_keeps_it(bes: Endpoint, azurite: AzuriteProcess) -> None:
    job_id, status = bes.run(training_body(azurite))
    assert bes.call("DELETE", f"/jobs/{job_id}").status_code == 204
    assert bes.status(job_id)["StatusCode"] == "Finished"
    assert blob_exists(azurite, status["Results"]["output1"]["RelativeLocation"])


@pytest.mark.parametrize(("data", "parameters", "expected"), [
    (None, {}, "BlobNotFound"),
    (b"age,education_num,salary\n" + b"30,10,high\n" * 20, {}, "Column 'income' not found"),
    (b"age,hours,income\n" + b"30,40,>50K\n" * 40, {}, "has 1 distinct value"),
    (b"age,hours,income\n30,40,>50K\n50,40,<=50K\n", {}, "training needs at least"),
    (b"age,hours,income\n30,40\n", {}, "Line 2"),
    (b"\xff\xfe\x00garbage", {}, "not UTF-8"),
    (b"age,hours,income\n" + b"30,40,>50K\n40,45,<=50K\n" * 20, {"Label column": "wage"},
     "Column 'wage' not found"),
])
def test_job_failures_are_failed_with_details(bes: Endpoint, azurite: AzuriteProcess,
                                              data: bytes | None, parameters: dict[str, str],
                                              expected: str) -> None:
    reference = _ref(azurite, "training/missing.csv") if data is None else \
        upload(azurite, "training/bad.csv", data)
    _job, status = bes.run({"Inputs": {"input1": reference}, "GlobalParameters": parameters})
    assert status["StatusCode"] == "Failed" and status["Results"] is None
    assert expected in status["Details"]
    assert azurite.connection_string not in status["Details"]


def test_unknown_job_id_is_404(bes: Endpoint) -> None:
    for method, suffix in [("GET", ""), ("DELETE", ""), ("POST", "/start")]:
        answer = bes.call(method, f"/jobs/{'0' * 32}{suffix}")
        assert_exec_error(answer, 404, "NotFound", "JobNotFound")


def test_jobs_are_scoped_to_their_endpoint(bes: Endpoint, azurite: AzuriteProcess) -> None:
    bes.api.create("train2", TRAINING_ID)
    other = Endpoint.of(bes.api, "train2")
    job_id = bes.submit(training_body(azurite))
    assert_exec_error(other.call("GET", f"/jobs/{job_id}"), 404, "NotFound", "JobNotFound")
    _job, status = other.run(training_body(azurite))  # added training endpoints serve BES too
    assert status["StatusCode"] == "Finished"


@pytest.mark.parametrize("key", [None, "wrong", TOKEN])
def test_wrong_key_is_401(bes: Endpoint, azurite: AzuriteProcess, key: str | None) -> None:
    answer = bes.call("POST", "/jobs", key=key, json=training_body(azurite))
    assert assert_exec_error(answer, 401, "Unauthorized", "ScoreRequestUnauthorized") == \
        "Invalid credentials provided."
    job_id = bes.submit(training_body(azurite))
    assert_exec_error(bes.call("GET", f"/jobs/{job_id}", key=key), 401, "Unauthorized",
                      "ScoreRequestUnauthorized")


def test_secondary_key_works_and_unknown_service_is_404(bes: Endpoint) -> None:
    secondary = bes.api.get_endpoint("default", TRAINING_ID)["SecondaryKey"]
    assert bes.call("GET", f"/jobs/{'0' * 32}", key=secondary).status_code == 404
    base = bes.location.rsplit("/", 1)[0]
    unknown = Endpoint(bes.api, base + "/" + "f" * 32, bes.key)
    assert_exec_error(unknown.call("POST", "/jobs", json={}), 404, "NotFound",
                      "WebServiceNotFound")


def test_state_lists_jobs_and_reset_cancels_them(bes: Endpoint, azurite: AzuriteProcess) -> None:
    configure(bes.api, bes_job_seconds=30)
    job_id = bes.submit(training_body(azurite))
    bes.start(job_id)
    state = bes.api.call("GET", "/_emulator/state", token=None).json()
    assert state["jobs"] == [{"id": job_id, "status": "Running", "service": TRAINING_ID}]
    assert state["config"]["bes_job_seconds"] == 30
    assert bes.api.call("POST", "/_emulator/reset", token=None).status_code == 200
    state = bes.api.call("GET", "/_emulator/state", token=None).json()
    assert state["jobs"] == [] and state["config"]["bes_job_seconds"] == 3.0
    fresh = Endpoint.of(bes.api)  # reset issued new keys
    assert_exec_error(fresh.call("GET", f"/jobs/{job_id}"), 404, "NotFound", "JobNotFound")
    assert not blob_exists(azurite, f"experimentoutput/{job_id}/{job_id}.ilearner")


def test_faults_apply_to_bes_routes(bes: Endpoint, azurite: AzuriteProcess) -> None:
    fault = {"method": "POST", "path": r"/jobs$", "status": 503, "retry_after": 2}
    assert bes.api.call("POST", "/_emulator/faults", token=None, json=fault).status_code == 200
    answer = bes.call("POST", "/jobs", json=training_body(azurite))
    assert (answer.status_code, answer.headers["Retry-After"]) == (503, "2")
    assert bes.call("POST", "/jobs", json=training_body(azurite)).status_code == 200


def test_without_default_storage_every_output_is_overridden(api: Api,
                                                           azurite: AzuriteProcess) -> None:
    configure(api, bes_job_seconds=0)
    endpoint = Endpoint.of(api)  # the emulator started without storage
    body = training_body(azurite)
    message = assert_exec_error(endpoint.call("POST", "/jobs", json=body), 400, "BadArgument",
                                "MissingRequiredOutputOverrides")
    assert "'output1', 'output2'" in message
    body["Outputs"] = {"output1": _ref(azurite, "nostore/model.ilearner"),
                       "output2": _ref(azurite, "nostore/evaluation.csv")}
    _job, status = endpoint.run(body)
    assert status["StatusCode"] == "Finished", status
    assert blob_exists(azurite, "nostore/model.ilearner")


def _sas_fields(result: dict[str, Any]) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(result["SasBlobToken"].lstrip("?")).items()}


def _sas_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_default_outputs_get_a_24h_container_sas_starting_5_minutes_back(
        bes: Endpoint, azurite: AzuriteProcess) -> None:
    configure(bes.api, result_sas_seconds=86400)  # the default, as the docs' samples show
    _job, status = bes.run(training_body(azurite))
    asked = datetime.now(timezone.utc)
    for result in status["Results"].values():
        sas = _sas_fields(result)
        # D-CLASSIC: "sr=c … sp=rl", st 22:53:06 → se the next day 22:58:06.
        assert (sas["sr"], sas["sp"]) == ("c", "rl"), sas
        start, expiry = _sas_time(sas["st"]), _sas_time(sas["se"])
        assert expiry - start == timedelta(hours=24, minutes=5)
        assert abs((asked - timedelta(minutes=5) - start).total_seconds()) < 60
        assert download(result)  # the container SAS reads the blob


def test_overridden_outputs_get_a_blob_sas(bes: Endpoint, azurite: AzuriteProcess) -> None:
    body = training_body(azurite)
    body["Outputs"] = {"output1": _ref(azurite, "models/override/model.ilearner")}
    _job, status = bes.run(body)
    overridden, default = status["Results"]["output1"], status["Results"]["output2"]
    assert (_sas_fields(overridden)["sr"], _sas_fields(overridden)["sp"]) == ("b", "r")
    assert _sas_fields(default)["sr"] == "c"
    assert load_model(download(overridden)).rows == 600
