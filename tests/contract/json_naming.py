"""The JSON naming rule (README "Output:"): service objects keep their casing, the rest is snake_case.

``naming_problems(command, data)`` walks one command's ``-o json`` output and returns the keys the
tool built that are not snake_case. Where a service's object is passed through (``PASS_THROUGH``) the
walk stops; where a map is keyed by data — metric names, output names, statuses (``DATA_KEYED``) —
its keys are not checked but its values are.
Paths are dotted keys with ``[]`` for list items, matched with fnmatch (``*`` spans dots).
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Any

Command = tuple[str, ...]
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")

_DEPLOY = ("deploy.before", "deploy.after", "deploy.body", "deploy.patch[].value")
PASS_THROUGH: dict[Command, tuple[str, ...]] = {
    ("classic", "services", "list"): ("[]",),
    ("classic", "services", "show"): ("",),
    ("classic", "endpoints", "list"): ("[]",),
    ("classic", "endpoints", "show"): ("",),
    ("classic", "endpoints", "create"): ("",),
    # the endpoint resource before/after and the PATCH body, as the service spells them
    ("classic", "endpoints", "set-model"): ("before", "after", "body"),
    ("webservice", "show"): ("",),
    ("webservice", "import"): ("",),
    ("webservice", "set-model"): ("body", "patch[].value"),
    ("webservice", "update"): ("body", "patch[].value"),
    ("promote",): _DEPLOY,
    ("apply",): _DEPLOY,
    ("rollback",): _DEPLOY,
    # a plan's change: the resource's Location before/after and the body the apply will send
    ("plan",): ("change.before", "change.after", "change.body", "change.patch[].value"),
}
DATA_KEYED = ("*metrics.values", "counts", "outputs")
# Online (Azure ML v2) traffic splits are keyed by deployment names ("census-model-v2"), and an
# online retrain's metrics are keyed by MLflow metric names ("F-Score"): data, not our keys.
_TRAFFIC = ("*traffic", "*traffic_before", "*traffic_after", "*mirror_before", "*mirror_after",
            "*detail.deployments")
DATA_KEYED_BY_COMMAND: dict[Command, tuple[str, ...]] = {
    ("online", "endpoints", "list"): ("[].traffic", "[].mirror_traffic"),
    ("online", "endpoints", "show"): ("traffic", "mirror_traffic"),
    ("online", "retrain"): ("metrics",),
    ("promote",): _TRAFFIC,
    ("apply",): _TRAFFIC,
    ("rollback",): _TRAFFIC,
    ("plan",): _TRAFFIC,
    ("target", "show"): _TRAFFIC,
}


def _matches(path: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(path, p) for p in patterns)


def naming_problems(command: Command, data: Any, path: str = "") -> list[str]:
    """Return ``path.key`` for every tool-built key of ``data`` that is not snake_case."""
    if _matches(path, PASS_THROUGH.get(command, ())):
        return []
    if isinstance(data, list):
        return [p for item in data for p in naming_problems(command, item, f"{path}[]")]
    if not isinstance(data, dict):
        return []
    # its keys are data; its values are still ours
    keyed_by_data = _matches(path, DATA_KEYED + DATA_KEYED_BY_COMMAND.get(command, ()))
    problems = []
    for key, value in data.items():
        child = f"{path}.{key}" if path else str(key)
        if not keyed_by_data and not SNAKE.match(str(key)):
            problems.append(child)
        problems.extend(naming_problems(command, value, child))
    return problems
