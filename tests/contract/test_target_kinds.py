"""The target seam: only promotion/kinds/ knows what kinds exist and what a model is."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from aml_retrain.promotion.targets import KINDS

REPO = Path(__file__).resolve().parents[2]
PROMOTION = REPO / "core" / "aml_retrain" / "promotion"
CLI_COMMANDS = REPO / "cli" / "aml_retrain_cli" / "commands"
# Promotion code outside kinds/, and the CLI commands that drive it.
SCANNED = sorted(p for p in PROMOTION.rglob("*.py") if "kinds" not in p.relative_to(PROMOTION).parts
                 and "__pycache__" not in p.parts) + [
    CLI_COMMANDS / name for name in ("promotion.py", "fanout.py", "target.py")
    if (CLI_COMMANDS / name).exists()]
# What a model is (an .ilearner blob) is the classic/arm kinds' business.
MODEL_WORDS = ("parse_model_url", "url_without_sas", "classic.validation")


def kind_comparisons(source: str) -> list[str]:
    """Return the lines of ``source`` that compare a target's kind or name a kind's prefix."""
    prefixes = set(KINDS)
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            constants = [n.value for side in (node.left, *node.comparators) for n in ast.walk(side)
                         if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            attrs = [n for side in (node.left, *node.comparators) for n in ast.walk(side)
                     if isinstance(n, ast.Attribute) and n.attr == "kind"]
            targets = [a for a in attrs if "target" in ast.unparse(a.value).lower()]
            if prefixes & set(constants) or targets:
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and any(node.value.startswith(f"{p}:") for p in prefixes):
            found.append(f"line {node.lineno}: {node.value!r}")
    return found


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: p.name)
def test_no_promotion_module_outside_kinds_compares_kinds(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert kind_comparisons(source) == [], f"{path.name} branches on a target kind: move it into kinds/"
    words = [w for w in MODEL_WORDS if w in source]
    assert words == [], f"{path.name} assumes what a model is ({words}): ask the target's kind"


@pytest.mark.parametrize("snippet", [
    'if target.kind == "classic": pass',
    'if spec.target.kind != "arm": pass',
    'ok = kind in ("classic", "arm")',
    'text = "classic:svc/ep"',
])
def test_the_check_catches_kind_branches(snippet: str) -> None:
    assert kind_comparisons(snippet)


def test_metrics_kinds_are_not_target_kinds() -> None:
    assert kind_comparisons("same = baseline.kind != candidate.kind") == []


def test_every_kind_parses_its_own_forms_and_prints_them_back() -> None:
    from aml_retrain.promotion.targets import kind_of, parse_target

    for prefix, kind in KINDS.items():
        assert kind.prefix == prefix and kind.forms
        # The first form with each placeholder (RESOURCE_GROUP, NAME, ...) filled in with a word.
        path = kind.forms[0].split(":", 1)[1]
        text = f"{prefix}:" + "/".join(f"part{i}" for i, _ in enumerate(path.split("/")))
        sample = parse_target(text)
        assert kind_of(sample) is kind and str(sample) == text


@pytest.mark.parametrize("name", ["promote.py", "plan.py", "rollback.py"])
def test_a_job_becomes_a_model_through_the_target_kind(name: str) -> None:
    # What a training job produced (a BES .ilearner today, a registered model version for an online
    # endpoint) is the kind's business: promote/plan/rollback never call a job API themselves.
    tree = ast.parse((PROMOTION / name).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {m for m in imported if m.startswith(("aml_retrain.classic", "aml_retrain.arm"))}


@pytest.mark.parametrize("path", [p for p in SCANNED if p.name != "targets.py"], ids=lambda p: p.name)
def test_only_the_registry_imports_a_kind_module(path: Path) -> None:
    # targets.py lists the kinds; everything else reaches a kind through it, so adding one is
    # its module plus one line there.
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    named = {m for m in imported if m.startswith("aml_retrain.promotion.kinds.")
             and not m.rsplit(".", 1)[1].startswith("_")}
    assert named == set(), f"{path.name} imports a kind module: go through targets.KINDS"
