"""Every ``aml-retrain …`` command and ``--option`` named in a message or a doc exists (issue 13.5).

The command lines come from tests/contract/hint_scan.py (string literals of core and cli, README,
docs, the PowerShell module and the pipeline templates); each is walked down the real Click tree
that Typer builds, so a hint naming a group, command or option that is not there fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer

from tests.contract import hint_scan as scan

ALWAYS = frozenset({"--help", "-h"})  # Click adds these to every command


def _root() -> Any:
    from aml_retrain_cli.main import app

    return typer.main.get_command(app)


def _options(cmd: Any) -> dict[str, Any]:
    names: dict[str, Any] = {}
    for param in cmd.params:
        if param.param_type_name == "option":
            for opt in (*param.opts, *param.secondary_opts):
                names[opt] = param
    return names


def _every_option(cmd: Any) -> set[str]:
    found = set(_options(cmd))
    for sub in getattr(cmd, "commands", {}).values():
        found |= _every_option(sub)
    return found


def check_mention(mention: scan.Mention, root: Any) -> list[str]:
    """Problems with one command line: a missing command, or an option its command lacks."""
    globals_ = _options(root)
    words = list(mention.words)
    cmds, path, i = [root], [], 0
    problems: list[str] = []
    while i < len(words):
        word = scan.clean(words[i]) if words[i].startswith("-") else words[i].rstrip(".,:;")
        if word.startswith("-") and not path:  # a global option before the command
            for name in scan.option_names([word]):
                if name not in globals_ and name not in ALWAYS:
                    problems.append(f"`{mention.text}`: {name} is not a global option")
            param = globals_.get(word.split("=", 1)[0])
            i += 2 if param is not None and not param.is_flag and "=" not in word else 1
            continue
        group = cmds[0]
        if not hasattr(group, "commands") or not scan.is_word(word):
            break
        names = word.split("|")
        missing = [n for n in names if n not in group.commands]
        if missing:
            if not path and i == 0 and word in scan.PROSE_WORDS:
                return []  # the project's name in a sentence, not a command line
            problems.append(f"`{mention.text}`: there is no `aml-retrain {' '.join([*path, missing[0]])}`"
                            f" (commands there: {', '.join(sorted(group.commands))})")
            return problems
        cmds, i = [group.commands[n] for n in names], i + 1
        path.append(word)
        if len(names) > 1:
            break
    for name in scan.option_names(words[i:]):
        for cmd, label in zip(cmds, path[-1].split("|") if path else [""], strict=True):
            if name not in _options(cmd) and name not in globals_ and name not in ALWAYS:
                where = " ".join([*path[:-1], label]) if path else ""
                problems.append(f"`{mention.text}`: `aml-retrain {where}` has no {name}")
    if len(cmds) == 1 and path and i < len(words) and not hasattr(cmds[0], "commands"):
        word = words[i].rstrip(".,:;")
        if scan.is_word(word) and word in _command_names(root):  # `promote plan`: plan is no argument
            problems.append(f"`{mention.text}`: `aml-retrain {' '.join(path)}` has no subcommand "
                            f"{word!r} (it is a command elsewhere)")
    return problems


def _command_names(cmd: Any) -> set[str]:
    names: set[str] = set()
    for name, sub in getattr(cmd, "commands", {}).items():
        names |= {name, *_command_names(sub)}
    return names


def check_segment(segment: scan.Segment, root: Any, known: set[str]) -> list[str]:
    """Problems in one piece of text: its command lines, then the options it names in passing."""
    found, rest = scan.mentions(segment)
    problems = [p for m in found for p in check_mention(m, root)]
    if segment.kind == "python":  # a hint to type is a whole command line
        problems += [f"'{q}' names no program: write 'aml-retrain {q}'"
                     for q in scan.bare_commands(rest, set(root.commands))]
    problems += [f"{name} (named in passing) is an option of no command"
                 for name in scan.prose_options(rest) if name not in known | ALWAYS]
    return [f"{segment.where}: {p}" for p in problems]


def _problems(segments: Any) -> tuple[list[str], int]:
    root = _root()
    known = _every_option(root)
    problems: list[str] = []
    count = 0
    for segment in segments:
        count += len(scan.mentions(segment)[0])
        problems += check_segment(segment, root, known)
    return problems, count


def test_every_command_and_option_named_in_messages_and_docs_exists() -> None:
    problems, count = _problems(scan.all_segments())
    assert count > 100, f"only {count} command lines found: the scan is broken"
    assert not problems, f"{len(problems)} hints name something that does not exist:\n" + "\n".join(
        problems)


def _one(text: str, kind: str = "python") -> list[str]:
    return _problems([scan.Segment("here", text, kind)])[0]


@pytest.mark.parametrize("text", [
    "restore by hand with aml-retrain arm update --file backup.json",
    "check it with 'aml-retrain arm show' before retrying",
    "make one with 'aml-retrain promote plan TARGET'",
    "make one with 'promote plan'",
    "check the Azure credential (--auth, az login)",
    "aml-retrain promote TARGET --metrics eval.csv",
    "aml-retrain webservice show RG NAME --timeout 60",
    "aml-retrain webservice list|export|frobnicate",
    "aml-retrain classic endpoints set-model S E --from-job J --services X",
    "pass --no-such-option <id> so it can be looked up",
    "aml-retrain --no-such-global classic services list",
])
def test_the_check_catches_a_wrong_hint(text: str) -> None:
    assert _one(text)


@pytest.mark.parametrize("text", [
    "restore by hand with: aml-retrain webservice update RG NAME --file backups/x.json",
    "aml-retrain webservice list|export|show|update",
    "aml-retrain -o json --profile p.json classic services list",
    "aml-retrain classic jobs wait JOB_ID --service arm:rg/train --timeout 60 -o json",
    "the aml-retrain wheel is built by make dist",
    "pip install --editable . && aml-retrain --version",
    "raise --timeout, or pass --service SERVICE",
    "python -m pip wheel --no-deps --outdir dist .",
    "(scripts and module) of aml-retrain (scripts and module)",
    "the 'default' endpoint of 'my service'",
    "aml-retrain gate --candidate job:JOB --target classic:S/E. Then --timeout",
])
def test_the_check_accepts_a_true_hint(text: str) -> None:
    assert _one(text) == []


def test_f_strings_and_concatenations_are_read_whole(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text('X = f"wait with aml-retrain jobs wait {job} " "--bogus"\n'
                      'Y = ("use aml-retrain "\n     "arm list")\n', encoding="utf-8")
    texts = [s.text for s in scan.python_segments(source)]
    assert "wait with aml-retrain jobs wait VALUE --bogus" in texts
    assert "use aml-retrain arm list" in texts
    problems = _problems(scan.python_segments(source))[0]
    assert len(problems) == 2, problems


def test_markdown_code_spans_fences_and_continuations(tmp_path: Path) -> None:
    doc = tmp_path / "d.md"
    doc.write_text("Run `aml-retrain arm show RG NAME` first.\n\n```bash\n"
                   "aml-retrain classic retrain ID \\\n  --data x.csv --bogus  # comment --x\n"
                   "pip install --user aml-retrain\n```\n", encoding="utf-8")
    problems = _problems(scan.markdown_segments(doc))[0]
    assert len(problems) == 2, problems
    assert any("aml-retrain arm" in p for p in problems)
    assert any("--bogus" in p for p in problems)


def test_pipeline_script_calls_are_checked(tmp_path: Path) -> None:
    script = tmp_path / "s.sh"
    script.write_text('# aml-retrain arm list (a comment)\nargs=(promote "$target" --from-job "$job")\n'
                      '[[ -z "$p" ]] || args+=(--bogus "$p")\naml_run webservice show "$rg" --file x\n',
                      encoding="utf-8")
    problems = _problems(scan.shell_segments(script))[0]
    assert len(problems) == 2, problems
    assert "promote` has no --bogus" in problems[0] and "show` has no --file" in problems[1]
