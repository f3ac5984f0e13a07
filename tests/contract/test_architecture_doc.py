"""docs/architecture.md (and the README's settings table) checked against the code they describe."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from aml_retrain import errors
from aml_retrain.config import ENV_PREFIX

REPO = Path(__file__).resolve().parents[2]
ARCHITECTURE = REPO / "docs" / "architecture.md"
_TREE_LINE = re.compile(r"^(?P<indent>(?:[│ ] {3})*)(?:[├└]── )?(?P<name>\w+)\b.*?\bexit (?P<code>\d+)")


def drawn_tree(text: str) -> list[str]:
    """The lines of the first fenced or ``::`` block that starts with ``AmlRetrainError``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("AmlRetrainError "))
    indent = len(lines[start]) - len(lines[start].lstrip())
    block = []
    for line in lines[start:]:
        if not line.strip() or line.strip().startswith("```"):
            break
        block.append(line[indent:].rstrip())
    return block


def parse_tree(block: list[str]) -> dict[str, tuple[str | None, int]]:
    """``{class name: (parent name, exit code)}`` from a drawn tree."""
    out: dict[str, tuple[str | None, int]] = {}
    parents: list[str] = []
    for line in block:
        match = _TREE_LINE.match(line)
        assert match, f"not a tree line: {line!r}"
        depth = len(match["indent"]) // 4 + (1 if "──" in line else 0)
        del parents[depth:]
        out[match["name"]] = (parents[-1] if parents else None, int(match["code"]))
        parents.append(match["name"])
    return out


def test_the_errors_docstring_draws_the_class_tree_with_its_exit_codes() -> None:
    classes = {name: cls for name, cls in inspect.getmembers(errors, inspect.isclass)
               if issubclass(cls, errors.AmlRetrainError) and cls.__module__ == errors.__name__}
    real = {name: (None if cls is errors.AmlRetrainError else cls.__bases__[0].__name__, cls.exit_code)
            for name, cls in classes.items()}
    assert parse_tree(drawn_tree(errors.__doc__ or "")) == real


def test_architecture_draws_the_same_tree_as_the_errors_docstring() -> None:
    doc = drawn_tree(ARCHITECTURE.read_text(encoding="utf-8"))
    assert doc == drawn_tree(errors.__doc__ or ""), "copy the tree from aml_retrain/errors.py's docstring"


def settings_read() -> dict[str, str]:
    """``{AML_RETRAIN_* variable: profile key or ""}`` for every setting config.py resolves."""
    tree = ast.parse((REPO / "core" / "aml_retrain" / "config.py").read_text(encoding="utf-8"))
    found = {f"{ENV_PREFIX}PROFILE": ""}  # read before any profile exists, so it has no key
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        # pick / pick_env_first(explicit, SUFFIX, key, …); _resolve_seconds(explicit, source, SUFFIX, key, …)
        first = {"pick": 1, "pick_env_first": 1, "_resolve_seconds": 2}.get(name)
        if first is None:
            continue
        suffix, key = node.args[first:first + 2]
        if isinstance(suffix, ast.Constant) and isinstance(key, ast.Constant):
            found[ENV_PREFIX + suffix.value] = key.value
    return found


def settings_documented(path: Path, env_header: str) -> dict[str, str]:
    """``{first AML_RETRAIN_* variable of a row: its profile key or ""}`` from the doc's settings table."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.startswith("|") and env_header in line and "profile key" in line)
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    env_col, key_col = header.index(env_header), header.index("profile key")
    out = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        variable = re.search(rf"`({ENV_PREFIX}\w+)`", cells[env_col])
        if variable:
            key = re.match(r"`(\w+)`", cells[key_col])
            out[variable[1]] = key[1] if key else ""
    return out


@pytest.mark.parametrize(("doc", "env_header"), [("docs/architecture.md", "env var"),
                                                 ("README.md", "environment variable")])
def test_settings_table_lists_every_variable_config_reads_with_its_profile_key(
    doc: str, env_header: str
) -> None:
    assert settings_documented(REPO / doc, env_header) == settings_read()


def test_the_settings_scan_finds_what_config_reads() -> None:
    # A scan that found nothing would make the table test vacuous.
    read = settings_read()
    assert read["AML_RETRAIN_TIMEOUT"] == "timeout" and read["AML_RETRAIN_ENDPOINT_KEY"] == ""
    assert read["AML_RETRAIN_POLL_INTERVAL"] == "poll_interval" and len(read) >= 20


def test_the_kinds_table_lists_every_member_of_the_target_kind_protocol() -> None:
    """docs/architecture.md's table of a kind's members is the protocol's member list, no more, no less."""
    from aml_retrain.promotion.kinds import TargetKind

    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## Promotion targets: one module per kind", 1)[1].split("\n## ", 1)[0]
    first_cells = re.findall(r"^\| (`[^|]+)\|", section, re.M)
    documented = {code.split("(", 1)[0] for cell in first_cells
                  for code in re.findall(r"`([^`]+)`", cell)}
    members = {name for name in vars(TargetKind) if not name.startswith("_")}
    members |= set(TargetKind.__annotations__)
    assert documented == members
