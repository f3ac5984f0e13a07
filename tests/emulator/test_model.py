"""The JSON ``.ilearner`` format, training and evaluation, and the settings (no server)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import pickle
from typing import Any

import pytest

from aml_emulator.classic.model import (
    LINEAR_FORMAT,
    LOGISTIC_FORMAT,
    ModelFormatError,
    TrainedModel,
    load_model,
)
from aml_emulator.classic.training import (
    REGRESSION_METRICS,
    SPLIT_SEED,
    TrainingError,
    census_csv,
    parse_table,
    seed_model,
    train,
)
from aml_emulator.config import EmulatorConfig, Settings
from aml_emulator.web import RequestBodyInvalid


def _valid() -> dict[str, Any]:
    return json.loads(seed_model().to_bytes())


def test_seed_model_is_deterministic_and_round_trips() -> None:
    model = seed_model()
    assert model == seed_model() and load_model(model.to_bytes()) == model
    assert model.format == LOGISTIC_FORMAT and model.classes == ("<=50K", ">50K")
    assert model.rows == 1500  # 75 % of 2,000 rows
    assert census_csv() == census_csv() and census_csv().count(b"\n") == 2001
    assert census_csv(seed=1) != census_csv()


def test_pure_python_scores_match_scikit_learn() -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    table = parse_table(census_csv(300, seed=3), ".csv")
    model, _evaluation = train(table, "income", 2.0)
    x = np.array([[float(v) for v in row[:4]] for row in table.rows])
    y = np.array([int(row[4] == ">50K") for row in table.rows])
    x_train, _x_test, y_train, _y_test = train_test_split(
        x, y, test_size=0.25, random_state=SPLIT_SEED, stratify=y)
    scaler = StandardScaler().fit(x_train)
    reference = LogisticRegression(C=2.0, random_state=SPLIT_SEED, max_iter=1000)
    reference.fit(scaler.transform(x_train), y_train)
    expected = reference.predict_proba(scaler.transform(x))[:, 1]
    labels = reference.predict(scaler.transform(x))
    for row, probability, label in zip(x, expected, labels):
        prediction = model.predict(list(row))
        assert prediction.probability == pytest.approx(probability, rel=1e-9, abs=1e-12)
        assert prediction.label == (">50K" if label == 1 else "<=50K")


@pytest.mark.parametrize("data", [
    b"not json at all",
    pickle.dumps({"format": LOGISTIC_FORMAT}),
    b"[1, 2]",
    b"\xff\xfe",
])
def test_non_json_blobs_are_refused(data: bytes) -> None:
    with pytest.raises(ModelFormatError):
        load_model(data)


@pytest.mark.parametrize(("change", "message"), [
    ({"format": "sklearn/pickle"}, "unknown model format"),
    ({"extra": 1}, "exactly the keys"),
    ({"coef": [1.0]}, "'coef' must be a list of 4"),
    ({"mean": [0.0, float("nan"), 0.0, 0.0]}, "finite"),
    ({"scale": [1.0, 0.0, 1.0, 1.0]}, "positive"),
    ({"classes": [">50K"]}, "two different"),
    ({"classes": None}, "two different"),
    ({"rows": True}, "'rows'"),
    ({"features": ["a", "a", "b", "c"]}, "distinct"),
    ({"label": ""}, "'label'"),
    ({"intercept": "1"}, "'intercept'"),
])
def test_invalid_models_are_refused(change: dict[str, Any], message: str) -> None:
    raw = {**_valid(), **change}
    with pytest.raises(ModelFormatError, match=message):
        load_model(json.dumps(raw).encode())


def test_missing_key_and_huge_blob_are_refused() -> None:
    raw = _valid()
    del raw["rows"]
    with pytest.raises(ModelFormatError, match="exactly the keys"):
        load_model(json.dumps(raw).encode())
    with pytest.raises(ModelFormatError, match="larger than"):
        load_model(b" " * (1024 * 1024 + 1))


def test_numeric_label_trains_a_linear_regression() -> None:
    rows = ["x,y,target"] + [f"{i},{(i * 7) % 13},{3 * i + (i * 7) % 13 + 0.5}" for i in range(60)]
    model, evaluation = train(parse_table("\n".join(rows).encode(), ".csv"), "target", 1.0)
    assert model.format == LINEAR_FORMAT and model.classes is None
    assert load_model(model.to_bytes()) == model
    prediction = model.predict([10.0, 5.0])
    assert prediction.probability is None and abs(float(prediction.label) - 35.5) < 2.0
    header, values = list(csv.reader(io.StringIO(evaluation.decode())))
    assert tuple(header) == REGRESSION_METRICS
    assert float(values[header.index("Coefficient of Determination")]) > 0.95


def test_tsv_and_arff_inputs_parse_like_csv() -> None:
    csv_table = parse_table(census_csv(40, seed=5), ".csv")
    tsv = census_csv(40, seed=5).replace(b",", b"\t")
    assert parse_table(tsv, ".tsv") == csv_table
    header = "@relation census\n" + "".join(f"@attribute {c} numeric\n" for c in csv_table.columns)
    body = census_csv(40, seed=5).split(b"\n", 1)[1]
    assert parse_table(header.encode() + b"@data\n" + body, ".arff") == csv_table


@pytest.mark.parametrize(("data", "label", "message"), [
    (b"a,b\n1,2\n" * 1, "income", "Column 'income' not found"),
    (b"name,income\n" + b"x,>50K\ny,<=50K\n" * 10, "income", "no numeric feature"),
    (b"", "income", "empty"),
    (b"a,a,income\n1,2,x\n", "income", "every column once"),
])
def test_training_errors(data: bytes, label: str, message: str) -> None:
    with pytest.raises(TrainingError, match=message):
        train(parse_table(data, ".csv"), label, 1.0)


def test_models_are_never_pickled() -> None:
    model = seed_model()
    assert isinstance(model, TrainedModel)
    assert model.to_bytes().startswith(b"{") and b"\x80" not in model.to_bytes()


def test_settings_validate_and_reset() -> None:
    config = EmulatorConfig()
    assert config.update({"bes_job_seconds": 0.5, "status_format": "numeric"}) == Settings(
        bes_job_seconds=0.5, status_format="numeric")
    for bad in ({"bes_job_seconds": -1}, {"propagation_seconds": "1"}, {"status_format": "int"},
                {"result_sas_seconds": 0}, {"nope": 1}, {"bes_job_seconds": True},
                {"bes_job_seconds": 1, "status_format": "x"}):
        with pytest.raises(RequestBodyInvalid):
            config.update(bad)
    assert config.settings.bes_job_seconds == 0.5  # a bad update changes nothing
    config.reset()
    assert config.settings == Settings()


def test_model_cache_scores_with_the_copy_a_patch_kept_without_any_download(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from aml_emulator.classic import scoring

    def no_download(url: str, shown: str) -> bytes:
        raise AssertionError("downloaded although a copy was kept")

    monkeypatch.setattr(scoring, "_download", no_download)
    cache = scoring.ModelCache()
    location = {"BaseLocation": "http://127.0.0.1:1/acct/", "RelativeLocation": "c/m.ilearner",
                "SasBlobToken": "?se=2000-01-01&sig=x"}
    resources = [{"Name": "m", "Kind": "TrainedModel", "Location": location}]
    url, _shown = scoring.model_url(resources)
    first = seed_model()
    cache.keep_copy(url, first.to_bytes())
    assert cache.get(resources) == first
    flipped = dataclasses.replace(first, intercept=-first.intercept)
    cache.keep_copy(url, flipped.to_bytes())  # same URL, new bytes: the parsed model follows
    assert cache.get(resources) == flipped
