"""The README's command reference and exit-code table match the code."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _reference_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("cli_reference", REPO / "scripts" / "cli_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_command_reference_is_current() -> None:
    ref = _reference_module()
    assert ref.current() == ref.render(), "run: python scripts/cli_reference.py --write"


def test_reference_lists_the_contract_commands() -> None:
    text = _reference_module().render()
    for usage in ("aml-retrain classic services list", "aml-retrain classic endpoints patch-url",
                  "aml-retrain classic endpoints set-model SERVICE_ID ENDPOINT [--model-url",
                  "[--from-job <str>]", "aml-retrain classic retrain TRAINING_SERVICE_ID --data",
                  "[--output-dir", "[--global", "[--no-wait]", "[--timeout",
                  "aml-retrain classic jobs status JOB_ID", "aml-retrain classic jobs wait JOB_ID",
                  "aml-retrain classic jobs cancel JOB_ID",
                  "aml-retrain classic score SERVICE_ID ENDPOINT --input",
                  "aml-retrain emulator start", "aml-retrain emulator stop"):
        assert usage in text


def test_exit_code_table_matches_the_exception_tree() -> None:
    from aml_retrain import errors

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented = {int(c) for c in re.findall(r"^\| (\d) \|", readme, flags=re.M)}
    used = {cls.exit_code for cls in vars(errors).values()
            if isinstance(cls, type) and issubclass(cls, errors.AmlRetrainError)}
    assert used | {0, 2} <= documented
