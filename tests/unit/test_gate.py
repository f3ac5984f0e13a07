"""Evaluation gate: rules at their boundaries, outcomes, force, policy files and metrics files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.errors import AmlRetrainError, GatedError, StalePlanError, ValidationError
from aml_retrain.evaluation import Metrics
from aml_retrain.promotion.gate import (
    GateResult,
    Policy,
    Rule,
    default_policy,
    evaluate_gate,
    infer_direction,
    load_metrics,
    load_policy,
    metric_key,
)


def cls(**values: float) -> Metrics:
    return Metrics("classification", {k.replace("_", " "): v for k, v in values.items()})


def reg(**values: float) -> Metrics:
    return Metrics("regression", {k.replace("_", " "): v for k, v in values.items()})


# (id, rule, candidate value, baseline value or None, passed)
RULE_ROWS: list[tuple[str, Rule, float, float | None, bool]] = [
    ("min at boundary", Rule("AUC", minimum=0.7, tolerance=None), 0.7, None, True),
    ("min just below", Rule("AUC", minimum=0.7, tolerance=None), 0.6999, None, False),
    ("max at boundary", Rule("Mean Absolute Error", maximum=0.5, tolerance=None), 0.5, None, True),
    ("max just above", Rule("Mean Absolute Error", maximum=0.5, tolerance=None), 0.5001, None, False),
    ("abs improvement exactly met", Rule("AUC", min_improvement=0.01), 0.71, 0.70, True),
    ("abs improvement missed", Rule("AUC", min_improvement=0.01), 0.7099, 0.70, False),
    ("rel improvement exactly met", Rule("AUC", min_relative_improvement=0.1), 0.88, 0.80, True),
    ("rel improvement missed", Rule("AUC", min_relative_improvement=0.1), 0.8799, 0.80, False),
    ("no regression: equal passes", Rule("Accuracy"), 0.80, 0.80, True),
    ("no regression: tiny drop fails", Rule("Accuracy"), 0.7999, 0.80, False),
    ("tolerance: drop within", Rule("Accuracy", tolerance=0.005), 0.795, 0.80, True),
    ("tolerance: drop beyond", Rule("Accuracy", tolerance=0.005), 0.7949, 0.80, False),
    ("lower inferred: rmse decrease passes", Rule("RMSE", min_improvement=0.1), 1.9, 2.0, True),
    ("lower inferred: rmse increase fails", Rule("Root Mean Squared Error"), 2.01, 2.0, False),
    ("lower inferred from loss", Rule("Average Log Loss"), 0.31, 0.30, False),
    ("explicit direction overrides name", Rule("Custom Error", direction="higher"), 0.9, 0.8, True),
    ("tolerance None: no baseline check", Rule("AUC", minimum=0.5, tolerance=None), 0.6, 0.9, True),
    ("improvement ignores tolerance", Rule("AUC", min_improvement=0.0, tolerance=0.5), 0.6, 0.9, False),
]


@pytest.mark.parametrize(("rule", "cand", "base", "passed"), [r[1:] for r in RULE_ROWS],
                         ids=[r[0] for r in RULE_ROWS])
def test_rule_boundaries(rule: Rule, cand: float, base: float | None, passed: bool) -> None:
    kind = "regression" if infer_direction(rule.metric) == "lower" else "classification"
    candidate = Metrics(kind, {rule.metric: cand})
    baseline = Metrics(kind, {rule.metric: base}) if base is not None else None
    result = evaluate_gate(candidate, baseline, Policy((rule,)))
    assert result.rules[0].passed is passed, result.summary
    assert result.outcome == ("pass" if passed else "gated")
    assert result.rules[0].candidate == cand and result.rules[0].baseline == base


@pytest.mark.parametrize(("name", "direction"), [
    ("AUC", "higher"), ("Accuracy", "higher"), ("F1", "higher"), ("Coefficient of Determination", "higher"),
    ("RMSE", "lower"), ("Mean Absolute Error", "lower"), ("Average Log Loss", "lower"), ("mae", "lower"),
])
def test_direction_inference(name: str, direction: str) -> None:
    assert infer_direction(name) == direction
    assert Rule(name).resolved_direction == direction


def test_metric_names_match_tolerantly() -> None:
    assert metric_key("F-Score") == metric_key("f1") == metric_key("F1 Score") == metric_key("fscore")
    rmse = metric_key("Root Mean Squared Error")
    assert rmse == metric_key("rmse") == metric_key("root_mean_squared_error")
    assert metric_key("AUC") != metric_key("Accuracy")
    result = evaluate_gate(cls(F_Score=0.9), cls(F_Score=0.8), Policy((Rule("f1"),)))
    assert result.outcome == "pass" and result.rules[0].baseline == 0.8


def test_missing_candidate_metric_is_error() -> None:
    result = evaluate_gate(cls(Accuracy=0.9), cls(Accuracy=0.8, AUC=0.8), default_policy("classification"))
    assert result.outcome == "error"
    auc = next(r for r in result.rules if r.metric == "AUC")
    assert not auc.passed and auc.candidate is None and "missing from the candidate" in auc.message


def test_missing_baseline_metric_skips_comparison_with_note() -> None:
    policy = Policy((Rule("AUC", minimum=0.7), Rule("Accuracy")))
    result = evaluate_gate(cls(AUC=0.75, Accuracy=0.5), cls(Accuracy=0.5), policy)
    assert result.outcome == "pass"
    assert any("AUC is not in the baseline" in n for n in result.notices)
    # The absolute threshold still applies when the baseline lacks the metric.
    assert evaluate_gate(cls(AUC=0.65, Accuracy=0.5), cls(Accuracy=0.5), policy).outcome == "gated"


def test_no_baseline_passes_with_first_promotion_notice() -> None:
    result = evaluate_gate(cls(AUC=0.1, Accuracy=0.1), None, default_policy("classification"))
    assert result.outcome == "pass" and result.passed
    assert "no baseline: first promotion" in result.notices
    assert "no baseline: first promotion" in result.summary
    assert result.to_dict()["baseline"] is False


def test_require_baseline_gates_without_one() -> None:
    policy = Policy((Rule("AUC"),), require_baseline=True)
    result = evaluate_gate(cls(AUC=0.9), None, policy)
    assert result.outcome == "gated" and not result.passed
    assert "no baseline" in result.summary and "requires one" in result.summary
    assert evaluate_gate(cls(AUC=0.9), cls(AUC=0.8), policy).outcome == "pass"


def test_force_with_reason_turns_gated_into_pass() -> None:
    result = evaluate_gate(cls(AUC=0.6), cls(AUC=0.8), Policy((Rule("AUC"),)), force=True,
                           reason="hotfix for drift")
    assert result.outcome == "pass" and result.forced and result.reason == "hotfix for drift"
    assert result.summary.startswith("pass (forced: hotfix for drift)")
    assert result.rules[0].passed is False  # the failing rule stays visible
    data = result.to_dict()
    assert data["forced"] is True and data["outcome"] == "pass"


def test_force_on_a_pass_is_not_recorded_as_forced() -> None:
    result = evaluate_gate(cls(AUC=0.9), cls(AUC=0.8), Policy((Rule("AUC"),)), force=True, reason="x")
    assert result.outcome == "pass" and not result.forced


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_force_needs_a_reason(reason: str | None) -> None:
    with pytest.raises(ValidationError, match="reason"):
        evaluate_gate(cls(AUC=0.6), cls(AUC=0.8), Policy((Rule("AUC"),)), force=True, reason=reason)


def test_error_is_not_forceable() -> None:
    result = evaluate_gate(cls(Accuracy=0.9), None, Policy((Rule("AUC"),)), force=True, reason="please")
    assert result.outcome == "error" and not result.forced


def test_require_baseline_can_be_forced() -> None:
    policy = Policy((Rule("AUC"),), require_baseline=True)
    result = evaluate_gate(cls(AUC=0.9), None, policy, force=True, reason="first model")
    assert result.outcome == "pass" and result.forced


def test_default_policies() -> None:
    classification = default_policy("classification")
    assert [r.metric for r in classification.rules] == ["AUC", "Accuracy"]
    assert all(r.tolerance == 0.0 and not r.requires_improvement for r in classification.rules)
    regression = default_policy("regression")
    assert [(r.metric, r.resolved_direction) for r in regression.rules] == [
        ("Root Mean Squared Error", "lower")]
    assert evaluate_gate(reg(RMSE=1.1), reg(RMSE=1.0), regression).outcome == "gated"
    assert evaluate_gate(reg(RMSE=0.9), reg(RMSE=1.0), regression).outcome == "pass"
    with pytest.raises(ValidationError):
        default_policy("clustering")


def test_result_to_dict_and_summary() -> None:
    result = evaluate_gate(cls(AUC=0.6, Accuracy=0.9), cls(AUC=0.8, Accuracy=0.8),
                           default_policy("classification"))
    data = result.to_dict()
    assert data["outcome"] == "gated" and data["forced"] is False
    assert [r["metric"] for r in data["rules"]] == ["AUC", "Accuracy"]
    assert set(data["rules"][0]) == {"metric", "direction", "candidate", "baseline", "threshold", "passed",
                                     "message"}
    assert data["rules"][0]["threshold"] == "no regression beyond 0"
    assert json.loads(json.dumps(data)) == data
    assert result.summary.startswith("gated: AUC:") and "\n" not in result.summary
    ok = evaluate_gate(cls(AUC=0.9, Accuracy=0.9), cls(AUC=0.8, Accuracy=0.8),
                       default_policy("classification"))
    assert ok.summary == "pass: 2 of 2 rules passed"


def test_gated_error_carries_result_and_exit_code() -> None:
    result = evaluate_gate(cls(AUC=0.6), cls(AUC=0.8), Policy((Rule("AUC"),)))
    err = GatedError.from_result(result)
    assert err.exit_code == 8 and err.result is result
    assert "nothing was promoted" in str(err) and "--force" in str(err)
    assert isinstance(err, AmlRetrainError)
    stale = StalePlanError("the target changed since the plan", expected="a", actual="b")
    assert stale.exit_code == 9 and (stale.expected, stale.actual) == ("a", "b")


# --- policy files --------------------------------------------------------------------------------

POLICY_YAML = """
require_baseline: true
rules:
  - metric: AUC
    direction: higher
    min: 0.7
    min_improvement: 0.0
    min_relative_improvement: 0.01
  - {metric: Accuracy, tolerance: 0.005}
"""


def test_load_policy_yaml(tmp_path: Path) -> None:
    path = tmp_path / "gate.yaml"
    path.write_text(POLICY_YAML)
    policy = load_policy(path)
    assert policy.require_baseline is True
    auc, acc = policy.rules
    assert (auc.metric, auc.direction, auc.minimum, auc.min_improvement, auc.min_relative_improvement) == (
        "AUC", "higher", 0.7, 0.0, 0.01)
    assert (acc.metric, acc.tolerance, acc.direction) == ("Accuracy", 0.005, None)


def test_load_policy_json_mapping_form(tmp_path: Path) -> None:
    path = tmp_path / "gate.json"
    path.write_text(json.dumps({"rules": {"AUC": {"max": 0.99, "tolerance": None}, "RMSE": None}}))
    policy = load_policy(path)
    assert policy.require_baseline is False
    rules = {r.metric: r for r in policy.rules}
    assert rules["AUC"].maximum == 0.99 and rules["AUC"].tolerance is None
    assert rules["RMSE"].resolved_direction == "lower" and rules["RMSE"].tolerance == 0.0
    assert load_policy(path) == policy  # Policy(Policy.to_dict()) stable


@pytest.mark.parametrize(("data", "needle"), [
    ({"rules": [{"metric": "AUC", "mni": 0.7}]}, "'mni'"),
    ({"rule": [{"metric": "AUC"}]}, "'rule'"),
    ({"rules": [{"metric": "AUC", "min": "high"}]}, "'min'"),
    ({"rules": [{"metric": "AUC", "min": True}]}, "'min'"),
    ({"rules": [{"metric": "AUC", "direction": "up"}]}, "direction"),
    ({"rules": [{"metric": "AUC", "tolerance": -1}]}, "tolerance"),
    ({"rules": [{"min": 0.7}]}, "metric"),
    ({"rules": []}, "at least one rule"),
    ({"rules": [{"metric": "AUC"}, {"metric": "auc"}]}, "two rules"),
    ({"require_baseline": "yes", "rules": [{"metric": "AUC"}]}, "require_baseline"),
    ({"rules": {"AUC": {"metric": "Accuracy"}}}, "another metric"),
    ({"rules": "AUC"}, "list or a mapping"),
    (["AUC"], "expected an object"),
])
def test_load_policy_rejects_bad_files(tmp_path: Path, data: Any, needle: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValidationError) as info:
        load_policy(path)
    assert needle in str(info.value) and str(path) in str(info.value)


def test_load_policy_bad_yaml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("rules: [unclosed\n")
    with pytest.raises(ValidationError, match="not valid YAML"):
        load_policy(path)
    with pytest.raises(ValidationError, match="not found"):
        load_policy(tmp_path / "nope.yaml")


# --- metrics files -------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "expected"), [
    ("flat.json", {"Accuracy": 0.8, "auc": 0.9}, Metrics("classification", {"Accuracy": 0.8, "AUC": 0.9})),
    ("kinded.json", {"kind": "regression", "values": {"RMSE": 1.5}},
     Metrics("regression", {"Root Mean Squared Error": 1.5})),
    ("retrain.json", {"job_id": "j1", "metrics": {"kind": "classification", "values": {"F1": 0.7}}},
     Metrics("classification", {"F-Score": 0.7})),
    ("inferred.json", {"Mean Absolute Error": 0.2, "rmse": 0.3},
     Metrics("regression", {"Mean Absolute Error": 0.2, "Root Mean Squared Error": 0.3})),
])
def test_load_metrics_json(tmp_path: Path, name: str, content: Any, expected: Metrics) -> None:
    path = tmp_path / name
    path.write_text(json.dumps(content))
    assert load_metrics(path) == expected


def test_load_metrics_csv(tmp_path: Path) -> None:
    path = tmp_path / "eval.csv"
    path.write_text("Accuracy,Precision,AUC\n0.81,0.7,0.88\n")
    metrics = load_metrics(str(path))
    assert metrics.kind == "classification" and metrics.values["AUC"] == 0.88


@pytest.mark.parametrize(("name", "content", "needle"), [
    ("m.txt", "Accuracy,0.8", "expected .json or .csv"),
    ("m.json", '{"Accuracy": "high"}', "'Accuracy'"),
    ("m.json", '{"job_id": "j", "metrics": null}', "no metrics"),
    ("m.json", "[1, 2]", "JSON object"),
    ("m.json", "{}", "no metric values"),
    ("m.json", "{not json", "not valid JSON"),
    ("m.json", '{"kind": "vision", "values": {"x": 1}}', "kind"),
])
def test_load_metrics_rejects(tmp_path: Path, name: str, content: str, needle: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ValidationError) as info:
        load_metrics(path)
    assert needle in str(info.value)


def test_gate_result_is_frozen_value() -> None:
    result = evaluate_gate(cls(AUC=0.9), None, Policy((Rule("AUC"),)))
    assert isinstance(result, GateResult)
    with pytest.raises(AttributeError):
        result.outcome = "gated"  # type: ignore[misc, unused-ignore]


@pytest.mark.parametrize("kwargs", [{"direction": "sideways"}, {"minimum": float("nan")},
                                    {"tolerance": -0.1}])
def test_rule_validates_itself(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Rule("AUC", **kwargs)
