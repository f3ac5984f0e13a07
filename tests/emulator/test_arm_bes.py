"""BES of the ARM web services at their swaggerLocation base: training and batch scoring jobs."""

from __future__ import annotations

import csv
import io
from typing import Any

from aml_emulator.azurite import AzuriteProcess
from aml_emulator.classic.model import load_model

from .arm_support import TRAINING_NAME, WS_NAME, ArmApi
from .conftest import Api, assert_exec_error
from .support import Endpoint, configure, download, training_body


def bes_of(sapi: Api, sarm: ArmApi, name: str) -> Endpoint:
    swagger = sarm.get(name)["properties"]["swaggerLocation"]
    return Endpoint(sapi, swagger.rsplit("/swagger.json", 1)[0], sarm.keys(name)["primary"])


def finished(bes: Endpoint, body: dict[str, Any]) -> dict[str, Any]:
    job_id = bes.submit(body)
    bes.start(job_id)
    status = bes.wait(job_id)
    assert status["StatusCode"] == "Finished", status
    return {"job_id": job_id, **status}


def test_training_service_job_trains_a_model(sapi: Api, sarm: ArmApi,
                                             azurite: AzuriteProcess) -> None:
    configure(sapi, bes_job_seconds=0.1)
    bes = bes_of(sapi, sarm, TRAINING_NAME)
    status = finished(bes, training_body(azurite))
    job_id, results = status["job_id"], status["Results"]
    assert results["output1"]["RelativeLocation"].endswith(f"/{job_id}.ilearner")
    assert results["output2"]["RelativeLocation"].endswith("/output2.csv")
    assert load_model(download(results["output1"])).label == "income"


def test_training_service_swagger_names_the_model_output_as_batch_only(sapi: Api,
                                                                      sarm: ArmApi) -> None:
    bes = bes_of(sapi, sarm, TRAINING_NAME)
    answer = bes.call("GET", "/swagger.json", key=None)
    assert answer.status_code == 200, answer.text
    definitions = answer.json()["definitions"]
    assert set(definitions["BatchOutputs"]["properties"]) == {"output1", "output2"}
    assert set(definitions["ExecutionOutputs"]["properties"]) == {"output2"}
    predictive = bes_of(sapi, sarm, WS_NAME).call("GET", "/swagger.json", key=None).json()
    assert set(predictive["definitions"]["BatchOutputs"]["properties"]) == \
        set(predictive["definitions"]["ExecutionOutputs"]["properties"]) == {"output1"}


def test_predictive_service_batch_job_scores_to_csv(sapi: Api, sarm: ArmApi,
                                                   azurite: AzuriteProcess) -> None:
    configure(sapi, bes_job_seconds=0.1)
    status = finished(bes_of(sapi, sarm, WS_NAME), training_body(azurite))
    [(name, result)] = status["Results"].items()
    # Scored data, even though the output shares the training model's name: never .ilearner.
    assert name == "output1" and result["RelativeLocation"].endswith(".csv")
    rows = list(csv.reader(io.StringIO(download(result).decode("utf-8"))))
    assert "Scored Labels" in rows[0]


def test_bes_needs_the_service_key_and_a_known_guid(sapi: Api, sarm: ArmApi,
                                                    azurite: AzuriteProcess) -> None:
    bes = bes_of(sapi, sarm, TRAINING_NAME)
    other = sarm.keys(WS_NAME)["primary"]
    assert_exec_error(bes.call("POST", "/jobs", key=other, json=training_body(azurite)), 401,
                      "Unauthorized", "ScoreRequestUnauthorized")
    unknown = Endpoint(sapi, bes.location.rsplit("/", 1)[0] + "/" + "0" * 32, bes.key)
    assert_exec_error(unknown.call("POST", "/jobs", json={}), 404, "NotFound", "WebServiceNotFound")
    assert sapi.call("GET", "/_emulator/state", token=None).json()["jobs"] == []


def test_training_service_refuses_rrs(sapi: Api, sarm: ArmApi) -> None:
    bes = bes_of(sapi, sarm, TRAINING_NAME)
    answer = bes.call("POST", "/execute", json={"Inputs": {}, "GlobalParameters": {}})
    assert_exec_error(answer, 400, "InvalidOperation", "RequestResponseNotSupported")


def test_classic_predictive_batch_job_output_is_not_named_ilearner(sapi: Api,
                                                                   azurite: AzuriteProcess) -> None:
    configure(sapi, bes_job_seconds=0.1)
    status = finished(Endpoint.predictive(sapi), training_body(azurite))
    assert status["Results"]["output1"]["RelativeLocation"] == \
        f"experimentoutput/{status['job_id']}/output1.csv"
