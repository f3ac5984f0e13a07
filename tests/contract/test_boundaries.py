"""The layout's promises: what each part may import, print or read, and file sizes."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORE = REPO / "core" / "aml_retrain"
CLI = REPO / "cli" / "aml_retrain_cli"
EMULATOR = REPO / "emulator" / "aml_emulator"


def modules(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def calls(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                found.add(f.id)
            elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                found.add(f"{f.value.id}.{f.attr}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "os" and node.attr == "environ":
                found.add("os.environ")
    return found


@pytest.mark.parametrize("path", modules(CORE), ids=lambda p: p.relative_to(CORE).as_posix())
def test_core_is_quiet(path: Path) -> None:
    assert not imported(path) & {"typer", "rich", "click"}
    used = calls(path)
    assert not used & {"print", "sys.exit", "exit"}
    if path.name != "config.py":
        assert "os.environ" not in used and "os.getenv" not in used


@pytest.mark.parametrize("path", modules(CORE), ids=lambda p: p.relative_to(CORE).as_posix())
def test_only_http_module_imports_requests(path: Path) -> None:
    if path.name != "_http.py":
        body = path.read_text(encoding="utf-8")
        runtime = [n for n in imported(path) if n == "requests"]
        # A TYPE_CHECKING-only import is allowed (annotations); a runtime one is not.
        assert not runtime or "if TYPE_CHECKING:\n    import requests" in body


@pytest.mark.parametrize("path", modules(CLI), ids=lambda p: p.relative_to(CLI).as_posix())
def test_cli_makes_no_http_calls(path: Path) -> None:
    assert not imported(path) & {"requests", "urllib3", "httpx"}


# What each package may import of ours: test_layering.py.


@pytest.mark.parametrize("path", modules(CORE) + modules(CLI) + modules(EMULATOR),
                         ids=lambda p: p.relative_to(REPO).as_posix())
def test_files_stay_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 500


def test_public_surface_is_sorted_and_complete() -> None:
    import aml_retrain

    assert aml_retrain.__all__ == sorted(aml_retrain.__all__)
    for name in aml_retrain.__all__:
        assert getattr(aml_retrain, name) is not None


def test_cli_start_up_imports_no_sdk_or_http_stack() -> None:
    code = ("import sys; from aml_retrain_cli.main import app; "
            "print(sorted(m for m in ('requests', 'azure.storage.blob', 'azure.core', 'urllib3') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
