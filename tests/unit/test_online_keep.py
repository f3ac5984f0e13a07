"""keep-N pruning of online deployments: which ones go, and the setting that says how many stay."""

from __future__ import annotations

import pytest

from aml_retrain.config import Settings
from aml_retrain.errors import ConfigError
from aml_retrain.online.results import Deployment
from aml_retrain.promotion.kinds.online import prune_plan


def deployments(*names: str) -> dict[str, Deployment]:
    # created in the order given: the first is the oldest
    return {name: Deployment.from_arm({"name": name, "systemData": {
        "createdAt": f"2026-01-0{i + 1}T00:00:00Z"}, "properties": {}}, "ep")
        for i, name in enumerate(names)}


def test_keep_one_keeps_the_replaced_deployment_and_drops_older_idle_ones() -> None:
    found = deployments("a", "b", "c", "new")
    assert prune_plan(found, {"new": 100}, {}, protect={"new", "c"}, keep=1) == (["b", "a"], ["c"])


def test_busy_and_protected_ones_stay_whatever_keep_says() -> None:
    found = deployments("old", "mirrored", "canary", "replaced", "new")
    delete, kept = prune_plan(found, {"new": 90, "canary": 10}, {"mirrored": 5},
                              protect={"new", "replaced", "old"}, keep=1)
    assert delete == [] and set(kept) == {"replaced", "old"}


def test_keep_n_keeps_the_newest_idle_ones_after_the_protected() -> None:
    found = deployments("a", "b", "c", "d", "new")
    assert prune_plan(found, {"new": 100}, {}, protect={"new", "d"}, keep=3) == (["a"], ["d", "c", "b"])


@pytest.mark.parametrize("value", ["0", "-1", "two", "101", "1.5"])
def test_online_keep_must_be_a_whole_number_from_1(value: str) -> None:
    with pytest.raises(ConfigError, match="AML_RETRAIN_ONLINE_KEEP"):
        Settings.resolve(env={"AML_RETRAIN_ONLINE_KEEP": value}, profile=None)


def test_online_keep_defaults_to_one_and_reads_the_variable() -> None:
    assert Settings.resolve(env={}).online_keep == 1
    assert Settings.resolve(env={"AML_RETRAIN_ONLINE_KEEP": "3"}).online_keep == 3
