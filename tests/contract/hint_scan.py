"""Find every ``aml-retrain <words…>`` command line and ``--option`` named in code messages and docs.

Used by test_hints_exist.py, which checks each one against the real Typer app. Sources:

- Python: every string constant (f-strings with ``{…}`` read as the placeholder ``VALUE``), read
  with :mod:`ast`, so implicitly concatenated literals are one string, as the user sees them;
- Markdown and YAML: fenced code lines, inline code spans and the prose around them;
- PowerShell: the whole file (comment-based help and messages);
- the pipeline scripts: their CLI calls (``aml_run ARGS``, ``args=(ARGS)``) and messages.

A command line ends at a quote, a backtick, ``;``, `` | `` (a shell pipe), `` # `` (a comment) or a
word that ends a clause (``.``, ``,``, ``:``). Option names are taken from the words after the
command path; an option named with no command in front of it is a *prose option*.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Words that follow the project's name in prose, where it is a noun ("the aml-retrain wheel").
PROSE_WORDS = frozenset({
    "at", "checked", "closed", "command", "errors", "executable", "exit", "exited", "fan-out",
    "is", "package", "printed", "raises", "repo", "repository", "so", "step", "was", "wheel", "with",
})
# Programs whose own options a doc line may show (`pip install --editable .`): not ours to check.
OTHER_PROGRAMS = frozenset({
    "az", "bash", "curl", "git", "invoke-pester", "make", "node", "npm", "npx", "pip", "pip3",
    "pwsh", "pytest", "python", "python3", "ruff", "mypy", "sh", "azurite", "azurite-blob",
    ".venv/bin/pip", ".venv/bin/python", ".venv/bin/pytest", "sudo", "apt-get", "brew", "uv",
    "pytest_addopts:",  # an environment variable holding pytest's options
})
_MENTION = re.compile(r"(?<![\w./\-\[])aml-retrain(?=[ \t]+\S)")
_END_CHARS = re.compile(r"['\"`;\n]| \| | # | && |\|\|")
_OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?![\w-])")
_WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Segment:
    """A run of text that may hold a command line; ``kind`` is python, code, prose or powershell."""

    where: str
    text: str
    kind: str = "code"


@dataclass(frozen=True)
class Mention:
    """One ``aml-retrain …`` command line: its words, from the first after the program name."""

    where: str
    words: tuple[str, ...]

    @property
    def text(self) -> str:
        """The command line as found."""
        return " ".join(("aml-retrain", *self.words))


# --- sources -----------------------------------------------------------------------------------


def _relative(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else path.name


def python_segments(path: Path) -> Iterator[Segment]:
    """Yield every string constant of a Python file (f-string values become ``VALUE``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    parts: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts.update(id(v) for v in node.values)
    rel = _relative(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "VALUE" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts:
            text = node.value
        else:
            continue
        yield Segment(f"{rel}:{node.lineno}", text, "python")


_FENCE = re.compile(r"^\s*(```|~~~)")
_SPAN = re.compile(r"(`+)(.+?)\1")


def markdown_segments(path: Path) -> Iterator[Segment]:
    """Yield fenced code lines (continuations joined), inline code spans and prose lines."""
    rel = _relative(path)
    fenced = False
    pending = ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        where = f"{rel}:{number}"
        if fenced:
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            yield Segment(where, re.split(r"(?:^|\s)#", pending + line, maxsplit=1)[0])
            pending = ""
            continue
        for match in _SPAN.finditer(line):
            yield Segment(where, match.group(2).replace("\\|", "|"))
        yield Segment(where, _SPAN.sub(" ", line), "prose")


def powershell_segments(path: Path) -> Iterator[Segment]:
    """Yield each line of a PowerShell file (help and messages are line-based)."""
    rel = _relative(path)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        yield Segment(f"{rel}:{number}", line, "powershell")


_SHELL_CALL = re.compile(r"\baml_run(?:_gated)? ")
_SHELL_ARGS = re.compile(r"(?:^|\|\||&&|then)\s*args(\+?)=\((.*)\)")


def shell_segments(path: Path) -> Iterator[Segment]:
    """Yield each line of a pipeline script, its CLI calls (``aml_run ARGS``, ``args=(ARGS)``,
    ``args+=(MORE)`` after it) spelled ``aml-retrain ARGS``; shell quotes are dropped (they quote
    values, not messages)."""
    rel = _relative(path)
    command = ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        text = line.replace('"', " ").replace("'", " ")
        array = _SHELL_ARGS.search(text)
        if array:
            command = (command + " " if array.group(1) else "") + array.group(2).strip()
            text = f"aml-retrain {command}"
        yield Segment(f"{rel}:{number}", _SHELL_CALL.sub("aml-retrain ", text), "shell")


def all_segments() -> Iterator[Segment]:
    """Every segment of the scanned sources (see the module docstring)."""
    for root in ("core/aml_retrain", "cli/aml_retrain_cli"):
        for path in sorted((REPO / root).rglob("*.py")):
            yield from python_segments(path)
    docs = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")),
            *sorted((REPO / "pwsh-module").rglob("*.md")),
            *sorted((REPO / "ado-pipelines").rglob("*.md")),
            *sorted((REPO / "ado-pipelines").rglob("*.yml"))]
    for path in docs:
        yield from markdown_segments(path)
    for path in sorted((REPO / "pwsh-module").rglob("*.ps1")):
        yield from powershell_segments(path)
    for path in sorted((REPO / "ado-pipelines" / "scripts").rglob("*.sh")):
        yield from shell_segments(path)


# --- parsing -----------------------------------------------------------------------------------


def _clause(text: str) -> list[str]:
    """The words of a command line, up to where it ends (see the module docstring)."""
    end = _END_CHARS.search(text)
    words: list[str] = []
    for word in (text[: end.start()] if end else text).split():
        words.append(word)
        if word.endswith((".", ",", ":")):  # the clause (and the command line) ends here
            break
    return words


def mentions(segment: Segment) -> tuple[list[Mention], str]:
    """The command lines in ``segment`` and the text left over (for prose options)."""
    found: list[Mention] = []
    rest: list[str] = []
    position = 0
    for match in _MENTION.finditer(segment.text):
        if match.start() < position:
            continue
        rest.append(segment.text[position:match.start()])
        words = _clause(segment.text[match.end():])
        found.append(Mention(segment.where, tuple(words)))
        end = match.end()
        for word in words:  # step past the words taken, whatever the spacing
            end = segment.text.index(word, end) + len(word)
        position = end
    rest.append(segment.text[position:])
    return found, " ".join(rest)


def clean(word: str) -> str:
    """A word without the brackets and punctuation a doc puts around it."""
    return word.strip("[](){}<>").rstrip(".,:;!?").strip("[](){}<>*")


def option_names(words: tuple[str, ...] | list[str]) -> list[str]:
    """The ``--long`` and ``-s`` option names among ``words`` (``--x=1`` gives ``--x``)."""
    names = []
    for word in words:
        for piece in clean(word).split("/"):
            piece = clean(piece).split("=", 1)[0]
            if re.fullmatch(r"--[a-z][a-z0-9-]*|-[a-zA-Z]", piece):
                names.append(piece)
    return names


def prose_options(text: str) -> list[str]:
    """The ``--long`` options in text that names no command; those after another program's name
    (``python -m pip wheel --outdir``) are that program's."""
    found = []
    for match in _OPTION.finditer(text):
        before = {w.lower().strip("'\"`(") for w in text[: match.start()].split()}
        if not before & OTHER_PROGRAMS:
            found.append(match.group(1))
    return found


_QUOTED = re.compile(r"'([a-z][a-z0-9-]*(?: [^' ]+)+)'")


def bare_commands(text: str, top_level: set[str]) -> list[str]:
    """Quoted command lines without the program name (``'promote plan'``) in a message."""
    return [q for q in _QUOTED.findall(text) if q.split(" ", 1)[0] in top_level]


def is_word(word: str) -> bool:
    """True for a command-like word (lower case, hyphens), or several joined by ``|``."""
    return all(_WORD.fullmatch(part) for part in word.split("|"))
