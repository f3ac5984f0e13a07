"""The output variables the CLI sets on an Azure Pipelines agent, per command (the one list).

The templates' downstream reads are checked against this table, and the table against the
``pipelines.set_outputs``/``set_output`` calls in ``cli/aml_retrain_cli`` (a renamed variable
breaks tests/contract/test_pipelines.py). ``metric_*`` stands for ``metric_<Name>`` per metric.
"""

from __future__ import annotations

JOB = frozenset({"jobId", "jobStatus", "modelUrl", "metric_*", "metricsKind"})
PROMOTION = frozenset({"modelUrl", "previousModelUrl", "ledgerSeq", "alreadyCurrent", "gateOutcome",
                       "backupPath"})
CHANGE = frozenset({"modelUrl", "previousModelUrl", "backupPath", "verified"})

CLI_OUTPUTS: dict[tuple[str, ...], frozenset[str]] = {
    ("classic", "retrain"): JOB,
    ("webservice", "retrain"): JOB,
    ("online", "retrain"): JOB,  # modelUrl is the registered version, azureml:NAME:VERSION
    ("classic", "jobs", "status"): JOB,
    ("classic", "jobs", "wait"): JOB,
    ("classic", "jobs", "cancel"): JOB,
    ("promote",): PROMOTION,
    ("apply",): PROMOTION,
    ("rollback",): PROMOTION,
    ("gate",): frozenset({"gateOutcome", "gateSummary"}),
    ("plan",): frozenset({"planFile", "planHash", "gateOutcome"}),
    ("classic", "endpoints", "set-model"): frozenset({"backupPath", "verified"}),
    ("classic", "endpoints", "patch-url"): frozenset({"patchUrl", "endpointKey"}),
    ("webservice", "set-model"): CHANGE,
    ("webservice", "update"): CHANGE,
    ("target", "show"): frozenset({"modelUrl", "stateHash"}),
    ("fanout", "new-run-id"): frozenset({"runId"}),  # read by jobs/fanout.yml's shard jobs
}

SECRET_OUTPUTS = frozenset({"endpointKey"})


def outputs_of(command: tuple[str, ...]) -> frozenset[str]:
    """What a command path sets (empty for commands that set nothing)."""
    return CLI_OUTPUTS.get(command, frozenset())


def sets(names: frozenset[str] | set[str], variable: str) -> bool:
    """True when ``variable`` is among ``names`` (``metric_*`` matches ``metric_AUC``)."""
    return variable in names or (variable.startswith("metric_") and "metric_*" in names)
