from __future__ import annotations

import pytest

from aml_retrain.errors import ValidationError
from aml_retrain.evaluation import parse_evaluation_csv


def test_classification_fixture() -> None:
    text = "Accuracy,Precision,Recall,F-Score,AUC,Average Log Loss\n0.85,0.74,0.6,0.66,0.9,0.31\n"
    metrics = parse_evaluation_csv(text)
    assert metrics.kind == "classification"
    assert metrics.values == {
        "Accuracy": 0.85,
        "Precision": 0.74,
        "Recall": 0.6,
        "F-Score": 0.66,
        "AUC": 0.9,
        "Average Log Loss": 0.31,
    }
    assert metrics.to_dict() == {"kind": "classification", "values": metrics.values}


def test_regression_fixture() -> None:
    text = (
        "Mean Absolute Error,Root Mean Squared Error,Relative Absolute Error,"
        "Relative Squared Error,Coefficient of Determination\r\n2.5,3.1,0.4,0.2,0.8\r\n"
    )
    metrics = parse_evaluation_csv(text)
    assert metrics.kind == "regression"
    assert metrics.values["Coefficient of Determination"] == 0.8
    assert metrics.values["Root Mean Squared Error"] == 3.1


@pytest.mark.parametrize("header", ["F-Score", "F1 Score", "F-score", "f_score", "F1", "fscore"])
def test_f_score_spellings(header: str) -> None:
    assert parse_evaluation_csv(f"accuracy,{header}\n0.5,0.25\n").values == {"Accuracy": 0.5, "F-Score": 0.25}


def test_bom_case_extra_and_non_numeric_columns() -> None:
    text = "\ufeffACCURACY,auc,Positive Label,Threshold,Training Log Loss\n0.9,0.95,>50K,0.5,12.3\n"
    metrics = parse_evaluation_csv(text)
    assert metrics.values == {"Accuracy": 0.9, "AUC": 0.95, "Threshold": 0.5, "Training Log Loss": 12.3}


def test_tsv_and_blank_lines() -> None:
    metrics = parse_evaluation_csv("\nMean Absolute Error\tRMSE\n\n1.5\t2\n")
    assert metrics.kind == "regression"
    assert metrics.values == {"Mean Absolute Error": 1.5, "Root Mean Squared Error": 2.0}


@pytest.mark.parametrize("text", ["", "Accuracy\n", "Age,Income\n39,50000\n", "Accuracy\nn/a\n"])
def test_no_known_metric_is_an_error(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_evaluation_csv(text)
