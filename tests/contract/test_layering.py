"""Which of our modules may import which: every import is read (function bodies and TYPE_CHECKING too).

The layers, lowest first (docs/architecture.md draws them): ``errors`` (with ``_redact``), the
neutral modules both APIs share (``NEUTRAL``), then ``classic`` and ``arm`` side by side, then
``promotion``, then the CLI. The emulator is an independent opinion of the services.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = {"aml_retrain": REPO / "core", "aml_retrain_cli": REPO / "cli", "aml_emulator": REPO / "emulator"}
NEUTRAL = ("_blobs", "_files", "_json", "_scoring", "_execution", "_http", "_structured", "_redact",
           "storage", "config", "evaluation")

# (package-relative glob, module names it must not import, of ours the only ones it may import)
RULES: list[tuple[str, tuple[str, ...], tuple[str, ...] | None]] = [
    ("aml_retrain/arm/**/*.py", ("aml_retrain.classic", "aml_retrain.promotion"), None),
    ("aml_retrain/classic/**/*.py", ("aml_retrain.arm", "aml_retrain.promotion"), None),
    ("aml_retrain/errors.py", (), ("aml_retrain._redact",)),
    *((f"aml_retrain/{name}.py", ("aml_retrain.classic", "aml_retrain.arm", "aml_retrain.promotion"), None)
      for name in NEUTRAL),
    ("aml_retrain/**/*.py", ("aml_retrain_cli",), None),
    ("aml_emulator/**/*.py", ("aml_retrain", "aml_retrain_cli"), None),
]


def module_name(path: Path) -> str:
    """``core/aml_retrain/arm/client.py`` -> ``aml_retrain.arm.client`` (a package is its __init__)."""
    root = next(r for r in SOURCES.values() if path.is_relative_to(r))
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_ours(name: str) -> bool:
    return name.split(".")[0] in SOURCES


@functools.cache
def is_module(name: str) -> bool:
    root = SOURCES.get(name.split(".")[0])
    base = root / Path(*name.split(".")) if root else None
    return base is not None and (base.with_suffix(".py").is_file() or (base / "__init__.py").is_file())


@functools.cache
def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """``(module imported, names taken from it, line)`` for every import statement in ``path``."""
    name = module_name(path).split(".")
    return imports_of(path.read_text(encoding="utf-8"), name if path.name == "__init__.py" else name[:-1])


def imports_of(source: str, package: list[str]) -> list[tuple[str, list[str], int]]:
    """The imports of ``source``, a module of ``package`` (relative imports resolved)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names = [alias.name for alias in node.names]
            # ``from aml_retrain import classic`` imports the module aml_retrain.classic.
            found += [(f"{module}.{n}", [], node.lineno) for n in names if is_module(f"{module}.{n}")]
            rest = [n for n in names if not is_module(f"{module}.{n}")]
            if rest:
                found.append((module, rest, node.lineno))
    return found


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def cases() -> list[tuple[str, Path]]:
    out = []
    for pattern, _, _ in RULES:
        top = pattern.split("/")[0]
        root = SOURCES[top]
        out += [(pattern, p) for p in sorted(root.glob(pattern)) if "__pycache__" not in p.parts]
    return out


@pytest.mark.parametrize(("pattern", "path"), cases(),
                         ids=lambda v: v.relative_to(REPO).as_posix() if isinstance(v, Path) else v)
def test_module_imports_only_what_its_layer_may(pattern: str, path: Path) -> None:
    forbidden, allowed = next((f, a) for p, f, a in RULES if p == pattern)
    wrong = [f"line {line}: {name}" for name, _, line in imports(path)
             if any(under(name, prefix) for prefix in forbidden)
             or (allowed is not None and is_ours(name) and not any(under(name, a) for a in allowed))]
    assert wrong == [], f"{path.relative_to(REPO)} crosses its layer ({pattern})"


@pytest.mark.parametrize("path", sorted((REPO / "core").rglob("*.py")),
                         ids=lambda p: p.relative_to(REPO).as_posix())
def test_no_module_takes_private_names_from_another_package(path: Path) -> None:
    # Inside one package private names are shared freely; across packages they are a hidden API.
    package = module_name(path).rpartition(".")[0] if path.name != "__init__.py" else module_name(path)
    wrong = [f"line {line}: {name}.{n}" for name, taken, line in imports(path)
             if is_ours(name) and name.rpartition(".")[0] != package
             for n in taken if n.startswith("_") and not n.startswith("__")]
    assert wrong == [], "make the name public in its module, or move it where both can use it"


def test_the_scan_sees_every_import_form() -> None:
    # The forms the old code crossed layers with: under TYPE_CHECKING, inside a function, relative.
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from aml_retrain.classic.scoring import ScoreResult\n"
        "def f():\n"
        "    from ..classic import validation\n"
        "    from . import _lro\n"
        "    import aml_retrain_cli.main\n"
        "    from aml_retrain.storage import _storage_errors, blob_url\n"
    )
    assert imports_of(source, ["aml_retrain", "arm"]) == [
        ("typing", ["TYPE_CHECKING"], 1),
        ("aml_retrain.classic.scoring", ["ScoreResult"], 3),
        ("aml_retrain.classic.validation", [], 5),
        ("aml_retrain.arm._lro", [], 6),
        ("aml_retrain_cli.main", [], 7),
        ("aml_retrain.storage", ["_storage_errors", "blob_url"], 8),
    ]
    assert module_name(REPO / "core" / "aml_retrain" / "arm" / "__init__.py") == "aml_retrain.arm"
