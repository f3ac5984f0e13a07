"""`webservice import` shows the definition without its keys, storage key or plain credentials."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aml_retrain_cli.main import app

SECRETS = ("PRIMARY-K3Y-VALUE", "SECONDARY-K3Y-VALUE", "STORAGE-K3Y-VALUE")


@pytest.fixture
def definition(tmp_path: Path) -> Path:
    body = {
        "location": "South Central US",
        "properties": {
            "packageType": "Graph", "title": "t",
            "keys": {"primary": SECRETS[0], "secondary": SECRETS[1]},
            "storageAccount": {"name": "mlstore", "key": SECRETS[2]},
            "commitmentPlan": {"id": "/subscriptions/s/resourceGroups/g/providers/"
                                     "Microsoft.MachineLearning/commitmentPlans/p"},
            "input": {"type": "object", "properties": {}},
            "output": {"type": "object", "properties": {}},
            "assets": {}, "package": {"nodes": {}, "edges": []},
        },
    }
    path = tmp_path / "ws.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


@pytest.mark.parametrize("output", [[], ["-o", "json"]])
def test_import_prints_no_secret(definition: Path, output: list[str]) -> None:
    result = CliRunner().invoke(app, [*output, "webservice", "import", "--file", str(definition)])
    assert result.exit_code == 0, result.output
    assert not any(secret in result.output for secret in SECRETS)
    assert "<hidden>" in result.output
