"""No copy of the target grammar outside the CLI (issue 14): the PowerShell module and the pipelines
pass target text to `aml-retrain` and read its JSON (`target show`), so a new kind of target needs no
edit to a ValidatePattern, a `case` or a split in pwsh-module/ or ado-pipelines/.

Code only is scanned (comments and comment-based help may show the forms); the prefixes come from the
CLI's registry, so a kind added there is covered here without a change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.ado_pipelines import PIPELINES, REPO, inline_scripts
from tests.contract import pwsh_contract as ps

pytest.importorskip("tree_sitter_pwsh")


def prefixes() -> list[str]:
    from aml_retrain.promotion.targets import KINDS

    return list(KINDS)


def grammar_rules() -> dict[str, re.Pattern[str]]:
    """What taking a target apart looks like, for every registered prefix."""
    names = "|".join(map(re.escape, prefixes()))
    return {
        # classic:[0-9a-f]…, arm:[^/#]…, arm:*, 'arm:', ${x#arm:}: a prefix inside a pattern.
        "prefix in a pattern": re.compile(rf"(?<![\w-])(?:{names}):(?=[\[(*\\^.?{{+'\"}}]|$)", re.I | re.M),
        # ^(classic|arm): and the like: an alternation of prefixes.
        "alternation of prefixes": re.compile(
            rf"\([^()\n]*\|\s*(?:{names})\s*[|)]|\(\s*(?:{names})\s*\|[^()\n]*\)", re.I),
        # ${t%%:*}, $t.Split(':'), -split ':', .partition(":"): the kind cut off at the colon.
        "split at the colon": re.compile(
            r"%%:\*|#\*:|\.Split\(\s*['\"]:['\"]|-split\s*['\"]:['\"]|\.(?:partition|split)\(\s*['\"]:['\"]",
            re.I),
        # case "$kind" in classic) …
        "case on a kind": re.compile(rf"^\s*\(?\s*(?:{names})(?:\s*\|\s*[\w*]+)*\s*\)", re.I | re.M),
    }


def _pwsh_code(source: str) -> str:
    """PowerShell with its comments (and comment-based help) blanked, line numbers kept."""
    raw = source.encode()
    spans = [(n.start_byte, n.end_byte) for n in ps.walk(ps.parse(raw).root_node) if n.type == "comment"]
    out = bytearray(raw)
    for start, end in spans:
        out[start:end] = bytes(b if b == 0x0A else 0x20 for b in raw[start:end])
    return out.decode()


def _shell_code(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith("#") else line for line in source.splitlines())


def code_sources() -> Iterator[tuple[str, str, bool]]:
    """(where, code, is shell) for the module, the step scripts and the inline PowerShell bodies."""
    for path in sorted(ps.MODULE.parent.rglob("*")):
        if path.suffix in (".ps1", ".psm1", ".psd1"):
            yield str(path.relative_to(REPO)), _pwsh_code(path.read_text(encoding="utf-8-sig")), False
    scripts = PIPELINES / "scripts"
    for path in sorted(scripts.rglob("*")):
        where = str(path.relative_to(REPO))
        if path.suffix == ".sh":
            yield where, _shell_code(path.read_text()), True
        elif path.suffix == ".ps1":
            yield where, _pwsh_code(path.read_text(encoding="utf-8-sig")), False
        elif path.suffix == ".py":
            yield where, _shell_code(path.read_text()), False
    for where, text in inline_scripts():
        yield where, _pwsh_code(re.sub(r"\$\{\{.*?\}\}", "X", text)), False


def grammar_copies(where: str, code: str, shell: bool) -> list[str]:
    """'where line N: rule: line' for each line of ``code`` that takes a target apart."""
    found = []
    lines = code.splitlines()
    for rule, pattern in grammar_rules().items():
        if rule == "case on a kind" and not shell:
            continue
        for match in pattern.finditer(code):
            number = code.count("\n", 0, match.start())
            line = lines[number].strip() if number < len(lines) else ""
            found.append(f"{where} line {number + 1}: {rule}: {line}")
    return found


def test_the_scan_covers_the_module_the_scripts_and_the_inline_bodies() -> None:
    wheres = [where for where, _, _ in code_sources()]
    assert "pwsh-module/AmlRetrain/Public/Publish-AmlModel.ps1" in wheres
    assert "ado-pipelines/scripts/verify.sh" in wheres
    assert any(w == "ado-pipelines/templates/steps/smoke-score.yml" for w in wheres)
    assert set(prefixes()) >= {"classic", "arm"}


def test_no_file_under_pwsh_module_or_ado_pipelines_copies_the_target_grammar() -> None:
    problems = [p for where, code, shell in code_sources() for p in grammar_copies(where, code, shell)]
    assert problems == []


# What the module and the pipelines did before issue 14 (each line from the code it replaced).
OLD_COPIES = {
    "Publish-AmlModel -Target": (
        "[ValidatePattern('^(classic:[0-9a-fA-F]{32}/[^/#]+|arm:[^/#]+/[^/#]+)(#.+)?$')]", False),
    "Get-AmlPromotionLedger -Target": ("[ValidatePattern('^(classic|arm):')]", False),
    "-TrainingWebServiceId": ("[ValidatePattern('^([0-9a-fA-F]{32}|arm:[^/#?\\s]+/[^/#?\\s]+)$')]", False),
    "verify.sh kind": ('kind="${target%%:*}" rest="${target#*:}"', True),
    "verify.sh case": ('case "$kind" in\n  classic) shown="$(aml_run classic endpoints show)" ;;', True),
    "smoke-score.yml": ("$kind, $rest = $target.Split(':', 2)", False),
    "a glob": ('if [[ "$target" == classic:* ]]; then', True),
    "a prefix test": ("if ($target.StartsWith('arm:')) { }", False),
    # The retrain step's training-service dispatch, gone with issue 15 (classic retrain takes both).
    "retrain.sh glob": ('if [[ "$service" == arm:* ]]; then', True),
    "retrain.sh strip": ('rest="${service#arm:}"', True),
    "retrain.yml like": ("if ($service -like 'arm:*') {", False),
}


@pytest.mark.parametrize("name", sorted(OLD_COPIES))
def test_the_scan_catches_the_copies_it_replaced(name: str) -> None:
    code, shell = OLD_COPIES[name]
    assert grammar_copies("sample", code, shell), name


def test_the_scan_lets_target_values_and_comments_through() -> None:
    values = ("$target = \"classic:$($predictive.Id)/retrained01\"  # or 'arm:my-rg/ws'\n"
              "Publish-AmlModel -Target 'arm:rg/ws#asset3' -FromJob $id\n"
              "Invoke-AmlRetrainCli -Command @('classic', 'endpoints', 'show')\n")
    assert grammar_copies("sample", _pwsh_code(values), False) == []
    shell = 'aml_run classic score "$first" "$second"\n# case "$kind" in classic) ;;\n'
    assert grammar_copies("sample", _shell_code(shell), True) == []


def test_a_new_prefix_is_scanned_without_editing_this_test(monkeypatch: pytest.MonkeyPatch) -> None:
    from aml_retrain.promotion import targets

    monkeypatch.setitem(targets.KINDS, "online", targets.KINDS["arm"])
    assert grammar_copies("sample", "[ValidatePattern('^online:[^/]+/[^/]+')]", False)
    assert grammar_copies("sample", "case \"$k\" in\n  online) x ;;", True)


def test_the_pipelines_read_targets_only_through_target_show() -> None:
    # The verify step asks the CLI what the target serves (both flavours); the reader it replaced
    # (model_url.py, parsing `endpoints show` / `webservice show` per kind) is gone.
    verify = (PIPELINES / "scripts" / "verify.sh").read_text()
    assert 'aml_run -o json target show "$target"' in verify
    assert "endpoints show" not in verify and "webservice show" not in verify
    assert not (PIPELINES / "scripts" / "model_url.py").exists()
    body = dict(inline_scripts())["ado-pipelines/templates/steps/smoke-score.yml"]
    assert "Get-AmlTarget -Target $target" in body
    assert "Get-AmlWebServiceEndpoint" not in body and "Get-AmlNewWebService " not in body
    # The online retrain finds its endpoint the same way: target show's detail, one reader per flavour.
    retrain = (PIPELINES / "scripts" / "retrain.sh").read_text()
    assert 'aml_run -o json target show "$target"' in retrain
    for script in (verify, retrain):
        assert '/service.py" <<<"$shown")' in script
    for where in ("smoke-score.yml", "retrain.yml"):
        assert "Get-TargetService -Shown" in dict(inline_scripts())[f"ado-pipelines/templates/steps/{where}"]


def test_no_module_cmdlet_takes_a_target_apart() -> None:
    # Every -Target is handed to the CLI as text: no pattern, no split, no field pulled from it.
    for fn in ps.public_functions():
        target = next((p for p in fn.params if p.name == "Target"), None)
        if target is None:
            continue
        assert "ValidatePattern" not in target.attributes, fn.name
        body = _pwsh_code(ps.text(fn.node)).split("process {", 1)[-1]
        uses = re.findall(r"\$Target\b[.\[]?", body)
        assert all(u == "$Target" for u in uses), f"{fn.name} reads into $Target: {uses}"



def test_the_docs_name_the_cmdlet_where_target_show_is_described() -> None:
    promotion = (REPO / "docs" / "promotion.md").read_text(encoding="utf-8")
    module = (ps.MODULE.parent / "README.md").read_text(encoding="utf-8")
    pipelines = (PIPELINES / "README.md").read_text(encoding="utf-8")
    assert "`Get-AmlTarget TARGET`" in promotion
    assert re.search(r"^\|[^\n]*`Get-AmlTarget`[^\n]*\| `target show` \|$", module, re.MULTILINE)
    assert "`Get-AmlTarget`" in pipelines and "target show" in pipelines
