"""The online results: snake_case to_dict (the repo's JSON naming rule), no secret anywhere."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aml_retrain.evaluation import Metrics
from aml_retrain.online import (
    Deployment,
    Endpoint,
    EndpointKeys,
    Job,
    ModelContainer,
    ModelVersion,
    RunMetrics,
    ScoreOutcome,
    TrafficChange,
)
from tests.contract.json_naming import SNAKE

from .test_online_fakes import PRIMARY_KEY, deployment, endpoint, job, model_version

# Maps keyed by data (deployment, input, output and metric names): their keys are not ours.
DATA_KEYED = {"traffic", "mirror_traffic", "before", "after", "inputs", "outputs", "values"}


def tool_keys(data: Any, path: str = "") -> list[str]:
    if isinstance(data, list):
        return [k for item in data for k in tool_keys(item, path)]
    if not isinstance(data, dict):
        return []
    found = []
    for key, value in data.items():
        found.append(f"{path}.{key}" if path else key)
        if key not in DATA_KEYED:
            found += tool_keys(value, key)
    return found


RESULTS = [
    Endpoint.from_arm(endpoint({"census-model-v2": 100}, mirror={"blue": 10})),
    Deployment.from_arm(deployment("census-model-v2"), "census-online"),
    ModelContainer.from_arm({"name": "census-model", "properties": {"latestVersion": "3"}}),
    ModelVersion.from_arm(model_version("2"), "census-model"),
    Job.from_arm(job()),
    TrafficChange("census-online", {"blue": 100}, {"census-model-v2": 100}, {}, reads=2),
    RunMetrics("census-train-1", "FINISHED", Metrics("classification", {"F-Score": 0.6})),
    ScoreOutcome([1, 0], "blue", "req-1"),
]


@pytest.mark.parametrize("result", RESULTS, ids=lambda r: type(r).__name__)
def test_to_dict_keys_are_snake_case_and_json_ready(result: Any) -> None:
    data = result.to_dict()
    assert [k for k in tool_keys(data) if not SNAKE.match(k.rsplit(".", 1)[-1])] == []
    json.dumps(data)  # JSON-ready: raises otherwise


@pytest.mark.parametrize("result", RESULTS, ids=lambda r: type(r).__name__)
def test_no_sas_or_key_in_repr_or_to_dict(result: Any) -> None:
    assert "SECRET" not in repr(result) and "SECRET" not in json.dumps(result.to_dict())


def test_the_raw_object_keeps_the_sas_for_callers_that_need_it() -> None:
    found = Job.from_arm(job())
    assert "sig=REDACTED" in found.inputs["training_data"]
    assert "SASSECRET" in found.raw["properties"]["inputs"]["training_data"]["uri"]


def test_keys_are_hidden() -> None:
    keys = EndpointKeys(PRIMARY_KEY, "other-SECRET")
    assert "SECRET" not in repr(keys) and "SECRET" not in str(keys) and "SECRET" not in f"{keys!r}"


def test_serving_picks_the_largest_share_and_none_without_traffic() -> None:
    assert Endpoint.from_arm(endpoint({"b": 50, "a": 50, "c": 0})).serving() == "a"
    assert Endpoint.from_arm(endpoint({"b": 0})).serving() is None
