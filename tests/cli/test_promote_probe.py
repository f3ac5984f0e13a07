"""``promote --probe/--bake/--probe-every`` with core monkeypatched: what reaches promote, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aml_retrain.errors import HealthCheckError
from aml_retrain.promotion.health import HealthPolicy
from tests.cli.test_promotion_ring import TARGET, URL, Calls, core, run

__all__ = ["core"]  # the fixture, shared with the promotion ring


@pytest.fixture
def rows(tmp_path: Path) -> Path:
    path = tmp_path / "rows.csv"
    path.write_text("age,hours\n39,40\n50,13\n", encoding="utf-8")
    return path


def policy(tmp_path: Path, data: object, name: str = "policy.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_probe_and_bake_reach_promote_as_a_health_check(core: Calls, rows: Path) -> None:
    result = run("promote", TARGET, "--model-url", URL, "--probe", str(rows), "--bake", "120",
                 "--probe-every", "15")
    assert result.exit_code == 0, result.output
    [(_name, (_t, _ctx, _model, gate), kwargs)] = core.seen
    check = kwargs["health"]
    assert (check.bake_seconds, check.every_seconds) == (120.0, 15.0)
    assert [dict(r) for r in check.probe.rows] == [{"age": 39, "hours": 40}, {"age": 50, "hours": 13}]
    assert check.policy == HealthPolicy() and gate.enabled is False


def test_a_health_only_policy_sets_thresholds_without_a_gate(core: Calls, rows: Path,
                                                             tmp_path: Path) -> None:
    path = policy(tmp_path, {"health": {"min_agreement": 0.7}})
    result = run("promote", TARGET, "--model-url", URL, "--probe", str(rows), "--policy", str(path))
    assert result.exit_code == 0, result.output
    [(_name, (_t, _ctx, _model, gate), kwargs)] = core.seen
    assert kwargs["health"].policy.min_agreement == 0.7 and kwargs["health"].bake_seconds == 0
    assert gate.enabled is False


def test_rules_and_health_in_one_policy_gate_and_probe(core: Calls, rows: Path,
                                                       tmp_path: Path) -> None:
    path = policy(tmp_path, {"rules": {"AUC": {"min": 0.7}}, "health": {"min_success_rate": 1}})
    result = run("promote", TARGET, "--model-url", URL, "--probe", str(rows), "--policy", str(path))
    assert result.exit_code == 0, result.output
    [(_name, (_t, _ctx, _model, gate), kwargs)] = core.seen
    assert gate.enabled is True and kwargs["health"].policy.min_success_rate == 1


@pytest.mark.parametrize("extra", [
    ["--bake", "60"],
    ["--probe-every", "5"],
    ["--probe", "{rows}", "--bake", "-1"],
    ["--probe", "{rows}", "--probe-every", "0"],
    ["--probe", "{missing}"],
    ["--policy", "{health_only}"],
    ["--probe", "{rows}", "--policy", "{bad_health}"],
])
def test_bad_probe_options_are_exit_2_without_a_core_call(core: Calls, rows: Path, tmp_path: Path,
                                                          extra: list[str]) -> None:
    names = {"rows": str(rows), "missing": str(tmp_path / "none.csv"),
             "health_only": str(policy(tmp_path, {"health": {}}, "health-only.json")),
             "bad_health": str(policy(tmp_path, {"health": {"min_agrement": 1}}, "bad.json"))}
    result = run("promote", TARGET, "--model-url", URL, *[a.format(**names) for a in extra])
    assert result.exit_code == 2, result.output
    assert core.seen == []


def test_an_unhealthy_target_is_exit_1_with_one_line(core: Calls, rows: Path) -> None:
    core.raises = HealthCheckError(f"{TARGET} turned unhealthy right after the switch: agreement "
                                   "0 with the old model < min_agreement 0.7 (3 rows); rolled "
                                   "back to M (ledger entry #2)", rolled_back=True)
    result = run("promote", TARGET, "--model-url", URL, "--probe", str(rows))
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("HealthCheckError: ") and "rolled back" in lines[0]


def test_the_health_figures_are_in_the_json_and_the_table(core: Calls, rows: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from aml_retrain.promotion import promote
    from tests.cli.test_promotion_ring import promoted

    figures = {"healthy": True, "rows": 2, "success_rate": 1.0, "latency_p50_ms": 3.0,
               "latency_p95_ms": 4.0, "baseline_latency_p95_ms": 4.0, "latency_p95_ratio": 1.0,
               "compared_rows": 2, "agreement": 1.0, "mean_abs_change": None, "failures": [],
               "errors": [], "probes": 3, "elapsed_seconds": 60.0, "bake_seconds": 60.0}
    monkeypatch.setattr(promote, "promote", core.stub("promote", replace(promoted(), health=figures)))
    result = run("promote", TARGET, "--model-url", URL, "--probe", str(rows))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["health"] == figures
    from typer.testing import CliRunner

    from aml_retrain_cli.main import app

    table = CliRunner().invoke(app, ["promote", TARGET, "--model-url", URL, "--probe", str(rows)])
    assert "healthy: success 1.0, p95 4.0 ms (x1.0 the old model's), agreement 1.0, 3 probe(s) " \
           "over 60.0 s" in table.stdout
