"""``degrade_training``: BES deliberately trains a worse model, so an evaluation gate can block it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from aml_emulator.azurite import AzuriteProcess
from aml_emulator.classic.model import TrainedModel, load_model
from aml_emulator.classic.training import census_csv, parse_table, train

from .conftest import MODEL_RESOURCE, Api
from .support import RETRAIN_CSV, Endpoint, configure, download, training_body

ROWS = [["39", "13", "40", "2174"], ["52", "16", "70", "15024"], ["23", "9", "20", "0"],
        ["45", "10", "60", "0"], ["61", "14", "45", "5000"]]
COLUMNS = ["age", "education_num", "hours_per_week", "capital_gain"]


def _metrics(data: bytes) -> dict[str, float]:
    header, values = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    return dict(zip(header, map(float, values), strict=True))


def _train_job(bes: Endpoint, azurite: AzuriteProcess) -> tuple[TrainedModel, dict[str, float],
                                                                 dict[str, Any]]:
    _job, status = bes.run(training_body(azurite, RETRAIN_CSV, **{"Label column": "income"}))
    assert status["StatusCode"] == "Finished", status
    results = status["Results"]
    return (load_model(download(results["output1"])), _metrics(download(results["output2"])),
            results["output1"])


def _scores(api: Api, name: str) -> list[list[str]]:
    endpoint = Endpoint.predictive(api, name)
    answer = endpoint.execute({"Inputs": {"input1": {"ColumnNames": COLUMNS, "Values": ROWS}},
                               "GlobalParameters": {}})
    assert answer.status_code == 200, answer.text
    values: list[list[str]] = answer.json()["Results"]["output1"]["value"]["Values"]
    return values


def _use_model(api: Api, name: str, result: dict[str, Any]) -> None:
    assert api.create(name).status_code == 200
    location = {key: result[key] for key in ("BaseLocation", "RelativeLocation", "SasBlobToken")}
    answer = api.call("PATCH", api.ep(name),
                      json={"Resources": [{"Name": MODEL_RESOURCE, "Location": location}]})
    assert answer.status_code == 200, answer.text


def test_degraded_training_scores_clearly_worse_and_predicts_differently(
        sapi: Api, azurite: AzuriteProcess) -> None:
    configure(sapi, bes_job_seconds=0, propagation_seconds=0)
    bes = Endpoint.of(sapi)
    good, good_metrics, good_result = _train_job(bes, azurite)
    assert configure(sapi, degrade_training=True)["degrade_training"] is True
    bad, bad_metrics, bad_result = _train_job(bes, azurite)
    # same data, same split: the evaluation shows the damage
    assert good_metrics["AUC"] > 0.7 and bad_metrics["AUC"] < 0.3
    assert bad_metrics["AUC"] == pytest.approx(1 - good_metrics["AUC"], abs=1e-6)
    assert bad_metrics["Accuracy"] == pytest.approx(1 - good_metrics["Accuracy"], abs=1e-6)
    assert bad_metrics["Accuracy"] < good_metrics["Accuracy"] - 0.2
    assert bad.coef == tuple(-c for c in good.coef) and bad.features == good.features
    # served by RRS, the degraded model flips every scored label
    _use_model(sapi, "good", good_result)
    _use_model(sapi, "bad", bad_result)
    good_rows, bad_rows = _scores(sapi, "good"), _scores(sapi, "bad")
    assert all(g[4] != b[4] for g, b in zip(good_rows, bad_rows, strict=True))
    assert all(float(g[5]) == pytest.approx(1 - float(b[5])) for g, b in
               zip(good_rows, bad_rows, strict=True))
    # reset restores normal training
    assert sapi.call("POST", "/_emulator/reset", token=None).status_code == 200
    configure(sapi, bes_job_seconds=0)
    assert _train_job(Endpoint.of(sapi), azurite)[1] == good_metrics


def test_degrade_is_read_when_the_job_starts(sapi: Api, azurite: AzuriteProcess) -> None:
    configure(sapi, bes_job_seconds=0)
    bes = Endpoint.of(sapi)
    job_id = bes.submit(training_body(azurite, RETRAIN_CSV))
    configure(sapi, degrade_training=True)  # after submit, before start: applies
    bes.start(job_id)
    status = bes.wait(job_id)
    configure(sapi, degrade_training=False)
    assert _metrics(download(status["Results"]["output2"]))["AUC"] < 0.5


def test_degraded_regression_has_negative_r2() -> None:
    table = parse_table(census_csv(400, seed=3), ".csv")
    _model, normal = train(table, "hours_per_week", 1.0)
    _model, degraded = train(table, "hours_per_week", 1.0, degrade=True)
    key = "Coefficient of Determination"
    assert _metrics(degraded)[key] < 0 and _metrics(degraded)[key] < _metrics(normal)[key]
    assert _metrics(degraded)["Mean Absolute Error"] > _metrics(normal)["Mean Absolute Error"]
