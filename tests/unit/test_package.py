from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import aml_retrain

CORE = Path(__file__).resolve().parents[2] / "core"


def test_all_is_sorted_and_resolves() -> None:
    assert aml_retrain.__all__ == sorted(aml_retrain.__all__)
    for name in aml_retrain.__all__:
        assert getattr(aml_retrain, name) is not None, name


def test_all_lists_every_public_name() -> None:
    ours = {
        name
        for name in dir(aml_retrain)
        if not name.startswith("_")
        and str(getattr(getattr(aml_retrain, name), "__module__", "")).startswith("aml_retrain")
    }
    assert ours <= set(aml_retrain.__all__)


def test_unknown_attribute_raises() -> None:
    try:
        aml_retrain.does_not_exist  # type: ignore[attr-defined]
    except AttributeError as exc:
        assert "does_not_exist" in str(exc)
    else:
        raise AssertionError("no AttributeError")


def test_version_is_a_string() -> None:
    assert isinstance(aml_retrain.__version__, str) and aml_retrain.__version__


def test_version_literal_is_the_distribution_version() -> None:
    # _version.py spells the version out (no metadata lookup at start-up): it must not drift from
    # pyproject.toml's, which the wheel and the installed metadata carry.
    project = (CORE.parent / "pyproject.toml").read_text(encoding="utf-8").split("[project]", 1)[1]
    declared = re.search(r'^version\s*=\s*"([^"]+)"', project.split("\n[", 1)[0], re.MULTILINE)
    assert declared and aml_retrain.__version__ == declared.group(1)
    assert aml_retrain.__version__ == importlib.metadata.version("aml-retrain")


def test_import_is_light() -> None:
    code = (
        "import sys, aml_retrain; "
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('requests', 'urllib3', 'azure', 'typer', 'rich')]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(CORE)})
    assert out.stdout.strip() == ""


def test_core_never_prints_or_reads_environ_outside_config() -> None:
    package = CORE / "aml_retrain"
    for path in package.rglob("*.py"):
        text = path.read_text()
        assert "print(" not in text, path
        assert "sys.exit" not in text, path
        assert "import typer" not in text and "import rich" not in text, path
        if path.name != "config.py":
            assert "os.environ" not in text and "getenv" not in text, path
        if path.name != "_http.py":
            # Type-only imports (indented under TYPE_CHECKING) are fine.
            assert not re.search(r"^(import|from) requests", text, re.M), path
