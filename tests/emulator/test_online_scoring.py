"""Azure ML v2 scoring URI: auth, split by traffic weights, the deployment header, mirroring."""

from __future__ import annotations

from collections import Counter

import pytest
import requests

from aml_emulator.classic.training import seed_model

from .online_support import (
    FEATURES,
    ROWS,
    OnlineApi,
    add_deployment,
    endpoint_body,
    ep_path,
    score_body,
    set_traffic,
)


def _expected(rows: list[list[float]]) -> list[str]:
    model = seed_model()
    return [model.predict([float(v) for v in row]).label for row in rows]


def test_scoring_answers_one_prediction_per_row_from_blue(online: OnlineApi) -> None:
    answer = online.score()
    assert answer.status_code == 200, answer.text
    assert answer.headers["azureml-model-deployment"] == "blue"
    assert answer.json() == _expected(ROWS)
    assert online.stored()["served"] == {"blue": 1}


def test_the_secondary_key_works_and_a_wrong_one_is_401(online: OnlineApi) -> None:
    assert online.score(key=online.keys()["secondaryKey"]).status_code == 200
    wrong = online.score(key="not-a-key")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "Unauthorized"
    assert online.stored()["served"] == {"blue": 1}


def test_aad_token_endpoints_take_the_arm_token(online: OnlineApi) -> None:
    online.put_done(ep_path("aad-ep"), endpoint_body(auth="AADToken"), 201)
    answer = online.score(key=online.token, endpoint="aad-ep")
    assert answer.status_code == 404  # no deployment takes traffic yet
    assert "No valid deployments to route to" in answer.json()["error"]["message"]
    assert online.score(key="other", endpoint="aad-ep").status_code == 401


def test_aml_token_endpoints_take_a_token_from_the_token_operation(online: OnlineApi) -> None:
    online.put_done(ep_path("aml-ep"), endpoint_body(auth="AMLToken"), 201)
    token = online.ok("POST", ep_path("aml-ep") + "/token")["accessToken"]
    assert online.score(key=token, endpoint="aml-ep").status_code == 404
    assert online.score(key=online.token, endpoint="aml-ep").status_code == 401


def test_requests_split_exactly_by_the_weights(online: OnlineApi) -> None:
    add_deployment(online)
    set_traffic(online, {"blue": 90, "green": 10})
    key = online.keys()["primaryKey"]
    seen = Counter(online.score(key=key).headers["azureml-model-deployment"]
                   for _ in range(50))
    assert seen == {"blue": 45, "green": 5}
    assert online.stored()["served"] == {"blue": 45, "green": 5}


def test_the_header_routes_to_a_deployment_at_zero_percent(online: OnlineApi) -> None:
    add_deployment(online)
    key = online.keys()["primaryKey"]
    answer = online.score(key=key, **{"azureml-model-deployment": "green"})
    assert answer.status_code == 200 and answer.headers["azureml-model-deployment"] == "green"
    missing = online.score(key=key, **{"azureml-model-deployment": "purple"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "DeploymentNotFound"


def test_no_live_traffic_means_no_route_without_the_header(online: OnlineApi) -> None:
    set_traffic(online, {"blue": 0})
    answer = online.score()
    assert answer.status_code == 404
    assert answer.json()["error"]["message"].startswith("No valid deployments to route to")
    assert online.score(**{"azureml-model-deployment": "blue"}).status_code == 200


def test_mirrored_copies_are_counted_and_their_answers_discarded(online: OnlineApi) -> None:
    add_deployment(online)
    set_traffic(online, {"blue": 100}, {"green": 20})
    key = online.keys()["primaryKey"]
    answers = {online.score(key=key).headers["azureml-model-deployment"] for _ in range(20)}
    assert answers == {"blue"}
    stored = online.stored()
    assert stored["served"] == {"blue": 20} and stored["mirrored"] == {"green": 4}
    online.score(key=key, **{"azureml-model-deployment": "blue"})
    assert online.stored()["mirrored"] == {"green": 4}  # a header-routed request is not mirrored


@pytest.mark.parametrize("body", [{"data": ROWS}, {"input_data": {"columns": FEATURES}},
                                  {"input_data": {"columns": FEATURES, "data": [[1, 2]]}},
                                  {"input_data": {"columns": ["age"], "data": [[1]]}},
                                  {"input_data": {"columns": FEATURES, "data": [["a", 1, 2, 3]]}}])
def test_a_bad_scoring_body_is_400(online: OnlineApi, body: object) -> None:
    answer = online.score(body)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "BadRequest"


def test_an_unknown_scoring_uri_is_404(online: OnlineApi) -> None:
    uri = online.ok("GET", ep_path())["properties"]["scoringUri"].replace("census-online", "x")
    answer = requests.post(uri, json=score_body(), verify=online.ca, timeout=10)
    assert answer.status_code == 404
