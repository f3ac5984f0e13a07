"""What a web service's graph says about it: which outputs are trained models.

The reference is silent on how a training graph is told apart from a predictive one. Our
choice, after Studio's training experiments: an output node fed by the ``Trained model`` port
of a ``Train Model`` module is a trained-model output; a service with one is a training service.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["is_training", "model_outputs"]

TRAIN_MODEL, TRAINED_MODEL_PORT = "Train Model", "Trained model"


def model_outputs(properties: Mapping[str, Any]) -> list[str]:
    """Output ids wired to a Train Model module's ``Trained model`` port."""
    package = properties.get("package") or {}
    nodes = package.get("nodes") or {}
    assets = properties.get("assets") or {}
    found = []
    for edge in package.get("edges") or []:
        source = nodes.get(edge.get("sourceNodeId")) or {}
        target = nodes.get(edge.get("targetNodeId")) or {}
        asset = assets.get(source.get("assetId")) or {}
        if target.get("outputId") and asset.get("type") == "Module" \
                and asset.get("name") == TRAIN_MODEL and edge.get("sourcePortId") == TRAINED_MODEL_PORT:
            found.append(str(target["outputId"]))
    return found


def is_training(properties: Mapping[str, Any]) -> bool:
    """True when the web service's graph trains a model (see the module docstring)."""
    return bool(model_outputs(properties))
