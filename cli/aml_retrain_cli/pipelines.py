"""Azure DevOps logging commands, emitted only when running on an agent (``TF_BUILD`` is set).

Later steps, jobs and stages read the output variables with the documented syntax, e.g.
``$(retrain.jobId)`` or ``$[ stageDependencies.Retrain.Train.outputs['retrain.modelUrl'] ]``.
The commands go to stderr: the agent reads logging commands from both output streams, and stdout
stays a clean JSON document under ``--output json``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from typing import Any

# Values and messages may not carry raw line breaks or '%' (the agent's escaping rules).
_ESCAPES = (("%", "%AZP25"), ("\r", "%0D"), ("\n", "%0A"))
_NAME = re.compile(r"[^A-Za-z0-9_]")


def active() -> bool:
    """True on an Azure Pipelines agent."""
    return bool(os.environ.get("TF_BUILD"))


def _escape(text: str) -> str:
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    return text


def variable_name(text: str) -> str:
    """A metric or field name as a pipeline variable name (letters, digits, underscores)."""
    return _NAME.sub("_", text).strip("_")


def set_output(name: str, value: Any, *, secret: bool = False) -> None:
    """Set an output variable (``isOutput=true``; ``issecret=true`` for secrets)."""
    if not active() or value is None:
        return
    if isinstance(value, bool):  # pipeline conditions and scripts expect true/false
        value = "true" if value else "false"
    flags = ";isOutput=true" + (";issecret=true" if secret else "")
    print(f"##vso[task.setvariable variable={variable_name(name)}{flags}]{_escape(str(value))}",
          file=sys.stderr)


def set_outputs(values: Mapping[str, Any], *, secrets: tuple[str, ...] = ()) -> None:
    """Set several output variables; names in ``secrets`` are masked by the agent."""
    for name, value in values.items():
        set_output(name, value, secret=name in secrets)


def log_issue(message: str, *, kind: str = "error") -> None:
    """Annotate the run with an error or warning (the one-line message)."""
    if active():
        print(f"##vso[task.logissue type={kind}]{_escape(message)}", file=sys.stderr)


def metrics_outputs(metrics: Mapping[str, Any] | None) -> dict[str, Any]:
    """``metric_<Name>`` variables for each evaluation metric, plus the kind."""
    if not metrics:
        return {}
    values = metrics.get("values") or {}
    out: dict[str, Any] = {f"metric_{variable_name(k)}": v for k, v in values.items()}
    out["metricsKind"] = metrics.get("kind")
    return out
