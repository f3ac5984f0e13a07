"""Read the Azure DevOps YAML under ado-pipelines/ the way the service does, closely enough for tests.

- ``expand(path, params)``: template expansion at compile time — ``${{ parameters.x }}``,
  ``${{ if … }}`` / ``${{ else }}``, ``- template:`` inclusion at every level (``@self`` and the
  ``@aml-retrain`` alias of the examples resolve to this repository), parameter defaults and
  required-parameter errors.
- ``evaluate(expr, …)``: the expression functions the templates use (``eq``, ``ne``, ``and``,
  ``or``, ``not``, ``succeeded()``, ``canceled()``, ``dependencies.X.outputs['…']``).
- ``parse_vso(text)``: the logging commands a step printed.
- ``task_lib_split(line)``: how AzureCLI@2 (bash, ``scriptPath``) splits its ``arguments`` input.
- ``cli_invocations(text)``: the ``aml-retrain`` argument lists of a bash script (``aml_run``,
  ``aml_run_gated``, array variables built with ``args=(…)`` / ``args+=(…)``).

Only what the templates here use is supported; anything else raises, so a new construct fails a
test instead of being silently misread.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
PIPELINES = REPO / "ado-pipelines"
TOOLS_ALIAS = "aml-retrain"

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_EACH = re.compile(r"^\$\{\{\s*each\s+(\w+)\s+in\s+(.*?)\s*\}\}$")
_IF = re.compile(r"^\$\{\{\s*(if|elseif)\s+(.*?)\s*\}\}$")
_ELSE = re.compile(r"^\$\{\{\s*else\s*\}\}$")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def pipeline_files() -> list[Path]:
    return sorted(PIPELINES.rglob("*.yml"))


def resolve_template(ref: str, including: Path) -> Path:
    """The file a ``template:`` value names, seen from the file that includes it."""
    path, _, alias = ref.partition("@")
    if alias in ("self", TOOLS_ALIAS) or path.startswith("/"):
        # path@repo is relative to that repository's root; here both repositories are this one.
        return (REPO / path.lstrip("/")).resolve()
    if alias:
        raise ValueError(f"{including}: unknown repository alias in template {ref!r}")
    return (including.parent / path).resolve()


# ---------------------------------------------------------------- expressions


class _Deps:
    """``dependencies.X`` / ``stageDependencies.X.Y``: attribute access onto results and outputs."""

    def __init__(self, tree: dict[str, Any]):
        self._tree = tree

    def __getattr__(self, name: str) -> Any:
        value = self._tree.get(name)
        if isinstance(value, dict) and "outputs" not in value and "result" not in value:
            return _Deps(value)
        return _Node(value or {})


class _Node:
    def __init__(self, data: dict[str, Any]):
        self.outputs = _Outputs(data.get("outputs", {}))
        self.result = data.get("result", "Skipped")


class _Outputs(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""  # the service yields an empty string for an output that was never set


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return "" if value is None else str(value)


def _eq(a: Any, b: Any) -> bool:
    return _text(a).lower() == _text(b).lower()


def evaluate(expr: str, *, parameters: dict[str, Any] | None = None,
             dependencies: dict[str, Any] | None = None,
             stage_dependencies: dict[str, Any] | None = None, succeeded: bool = True) -> Any:
    """Evaluate an Azure Pipelines expression (the subset the templates use)."""
    params = parameters or {}

    def lookup(dotted: str) -> Any:
        value: Any = params
        for part in dotted.split("."):
            if isinstance(value, dict):
                value = value.get(part, "")
            else:
                return ""
        return value

    loops = "|".join(map(re.escape, params.get(_LOOP, {})))
    if loops:  # `${{ each pair in … }}` bodies read pair.key / pair.value
        expr = re.sub(rf"\b({loops})\.(key|value)\b", lambda m: f"_v({m.group(1)!r}, {m.group(2)!r})", expr)
    code = re.sub(r"\bparameters\.([\w.]+)", lambda m: f"_p({m.group(1)!r})", expr)
    code = re.sub(r"\b(and|or|not|in)\(", r"_\1(", code)
    code = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", code))
    names: dict[str, Callable[..., Any] | Any] = {
        "_p": lookup, "_v": lambda name, part: params[_LOOP][name][part],
        "eq": _eq, "ne": lambda a, b: not _eq(a, b),
        # gt converts both sides to numbers (expressions doc: "Type casting" rules for gt/lt).
        "gt": lambda a, b: float(_text(a)) > float(_text(b)),
        "_and": lambda *a: all(_truthy(x) for x in a), "_or": lambda *a: any(_truthy(x) for x in a),
        "_not": lambda a: not _truthy(a), "_in": lambda a, *b: any(_eq(a, x) for x in b),
        "succeeded": lambda: succeeded, "failed": lambda: not succeeded,
        "canceled": lambda: False, "always": lambda: True, "succeededOrFailed": lambda: True,
        "format": lambda f, *a: re.sub(r"\{(\d+)\}", lambda m: _text(a[int(m.group(1))]), f),
        "dependencies": _Deps(dependencies or {}), "stageDependencies": _Deps(stage_dependencies or {}),
    }
    return eval(code, {"__builtins__": {}}, names)


_LOOP = "__loop__"  # loop variables of enclosing `${{ each }}`, kept beside the parameters


def _iterate(expr: str, var: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Parameter sets for each item of ``${{ each var in expr }}`` (a mapping gives key/value)."""
    collection = evaluate(expr, parameters=params)
    items = collection.items() if isinstance(collection, dict) else enumerate(collection or [])
    for key, value in items:
        item = {"key": key, "value": value} if isinstance(collection, dict) else value
        yield {**params, _LOOP: {**params.get(_LOOP, {}), var: item}}


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() not in ("", "false", "0")
    return bool(value)


def substitute(value: Any, params: dict[str, Any]) -> Any:
    """Replace ``${{ … }}`` in a scalar; a value that is one whole expression keeps its type."""
    if not isinstance(value, str):
        return value
    whole = _EXPR.fullmatch(value.strip())
    if whole and len(_EXPR.findall(value)) == 1:
        return evaluate(whole.group(1), parameters=params)
    return _EXPR.sub(lambda m: _text(evaluate(m.group(1), parameters=params)), value)


# ---------------------------------------------------------------- template expansion


@dataclass
class Template:
    path: Path
    kind: str  # steps | jobs | stages | variables
    parameters: list[dict[str, Any]]
    body: Any

    @classmethod
    def read(cls, path: Path) -> Template:
        data = load(path)
        kinds = [k for k in ("stages", "jobs", "steps", "variables") if k in data]
        if len(kinds) != 1:
            raise ValueError(f"{path}: expected one of stages/jobs/steps/variables, found {kinds}")
        return cls(path, kinds[0], list(data.get("parameters") or []), data[kinds[0]])

    def bind(self, passed: dict[str, Any]) -> dict[str, Any]:
        """Parameter values: passed ones over defaults; unknown or missing required ones raise."""
        declared = {p["name"]: p for p in self.parameters}
        unknown = set(passed) - set(declared)
        if unknown:
            raise ValueError(f"{self.path}: unexpected parameters {sorted(unknown)}")
        bound: dict[str, Any] = {}
        for name, spec in declared.items():
            if name in passed:
                bound[name] = passed[name]
            elif "default" in spec:
                bound[name] = spec["default"]
            else:
                raise ValueError(f"{self.path}: missing required parameter {name!r}")
            allowed = spec.get("values")
            if allowed and isinstance(bound[name], str) and "$(" not in bound[name] \
                    and bound[name] not in allowed:
                raise ValueError(f"{self.path}: {name}={bound[name]!r} not in {allowed}")
        return bound


def expand(path: Path, passed: dict[str, Any] | None = None) -> Any:
    """The template at ``path`` with ``passed`` parameters, fully expanded (its body)."""
    template = Template.read(path)
    params = template.bind(passed or {})
    return _expand(template.body, params, path)


def expand_pipeline(path: Path) -> dict[str, Any]:
    """A pipeline file (with ``stages:`` or ``jobs:`` that may include templates), expanded."""
    data = load(path)
    out = dict(data)
    for key in ("stages", "jobs", "steps"):
        if key in data:
            out[key] = _expand(data[key], {}, path)
    return out


def _expand(node: Any, params: dict[str, Any], here: Path) -> Any:
    if isinstance(node, list):
        return _expand_list(node, params, here)
    if isinstance(node, dict):
        return _expand_dict(node, params, here)
    return substitute(node, params)


def _conditional_key(item: Any) -> tuple[str, str] | None:
    if isinstance(item, dict) and len(item) == 1:
        key = next(iter(item))
        if isinstance(key, str):
            m = _IF.match(key)
            if m:
                return m.group(1), m.group(2)
            if _ELSE.match(key):
                return "else", ""
            each = _EACH.match(key)
            if each:
                return "each", f"{each.group(1)} {each.group(2)}"
            if key.startswith("${{") and not _EXPR.fullmatch(key):
                raise ValueError(f"unsupported template construct {key!r}")
    return None


def _expand_list(items: list[Any], params: dict[str, Any], here: Path) -> list[Any]:
    out: list[Any] = []
    taken = False
    for item in items:
        cond = _conditional_key(item)
        if cond is not None:
            kind, expr = cond
            body = next(iter(item.values()))
            if kind == "each":
                var, _, collection = expr.partition(" ")
                for bound in _iterate(collection, var, params):
                    out.extend(_expand_list(body, bound, here))
                continue
            if kind == "if":
                taken = _truthy(evaluate(expr, parameters=params))
                chosen = taken
            else:
                chosen = not taken and (kind == "else" or _truthy(evaluate(expr, parameters=params)))
                taken = taken or chosen
            if chosen:
                out.extend(_expand_list(body, params, here))
            continue
        if isinstance(item, dict) and "template" in item:
            passed = _expand(item.get("parameters") or {}, params, here)
            ref = substitute(item["template"], params)
            target = resolve_template(ref, here)
            inner = expand(target, passed)
            out.extend(inner if isinstance(inner, list) else [{"__variables__": inner}])
            continue
        out.append(_expand(item, params, here))
    return out


def _expand_dict(node: dict[str, Any], params: dict[str, Any], here: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    taken = False
    for key, value in node.items():
        cond = _conditional_key({key: value})
        if cond is not None:
            kind, expr = cond
            if kind == "each":
                var, _, collection = expr.partition(" ")
                for bound in _iterate(collection, var, params):
                    out.update(_expand_dict(value, bound, here))
                continue
            chosen = _truthy(evaluate(expr, parameters=params)) if kind == "if" else not taken
            taken = chosen if kind == "if" else True
            if chosen:
                out.update(_expand_dict(value, params, here))
            continue
        out[str(substitute(key, params))] = _expand(value, params, here)
    return out


def variables_of(node: dict[str, Any]) -> dict[str, str]:
    """A job's (or stage's) variables as name → value (list form, mapping form, templates)."""
    raw = node.get("variables") or {}
    if isinstance(raw, dict):
        return {str(k): _text(v) for k, v in raw.items()}
    found: dict[str, str] = {}
    for item in raw:
        if "__variables__" in item:
            found.update({str(k): _text(v) for k, v in item["__variables__"].items()})
        elif "name" in item:
            found[str(item["name"])] = _text(item.get("value"))
    return found


def inline_scripts() -> Iterator[tuple[str, str]]:
    """(file, text) of every inline script in the YAML files (PowerShell bodies and bash)."""
    for path in pipeline_files():
        for name, value in scalars(load(path)):
            if name in ("script", "inlineScript", "Inline", "inline", "bash", "pwsh", "powershell"):
                yield str(path.relative_to(REPO)), value


def scalars(node: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(key, string) of every string in a YAML tree; list items take their parent's key."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from scalars(v, str(k))
    elif isinstance(node, list):
        for item in node:
            yield from scalars(item, key)
    elif isinstance(node, str):
        yield key, node


# ---------------------------------------------------------------- walking the expanded tree


def stages_of(pipeline: dict[str, Any]) -> list[dict[str, Any]]:
    return list(pipeline.get("stages") or [{"stage": "__default", "jobs": pipeline.get("jobs")}])


def steps_of(job: dict[str, Any]) -> list[dict[str, Any]]:
    if "steps" in job:
        return list(job["steps"])
    strategy = (job.get("strategy") or {}).get("runOnce") or {}
    steps: list[dict[str, Any]] = []
    for hook in ("preDeploy", "deploy", "routeTraffic", "postRouteTraffic"):
        steps.extend((strategy.get(hook) or {}).get("steps") or [])
    return steps


def job_name(job: dict[str, Any]) -> str:
    return str(job.get("job") or job.get("deployment"))


# ---------------------------------------------------------------- logging commands


@dataclass
class Vso:
    outputs: dict[str, str] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)
    issues: list[tuple[str, str]] = field(default_factory=list)
    complete: list[tuple[str, str]] = field(default_factory=list)
    summaries: list[str] = field(default_factory=list)


_VSO = re.compile(r"##vso\[([\w.]+)([^\]]*)\](.*)")


def parse_vso(text: str) -> Vso:
    """The logging commands in a step's output (both streams)."""
    found = Vso()
    for line in text.splitlines():
        m = _VSO.search(line)
        if not m:
            continue
        command, props, message = m.group(1), m.group(2), m.group(3)
        attrs = dict(p.split("=", 1) for p in props.strip().split(";") if "=" in p)
        if command == "task.setvariable" and attrs.get("isOutput") == "true":
            found.outputs[attrs["variable"]] = message
            if attrs.get("issecret") == "true":
                found.secrets.add(attrs["variable"])
        elif command == "task.logissue":
            found.issues.append((attrs.get("type", ""), message))
        elif command == "task.complete":
            found.complete.append((attrs.get("result", ""), message))
        elif command == "task.uploadsummary":
            found.summaries.append(message)
    return found


# ---------------------------------------------------------------- aml-retrain calls in bash


def _logical_lines(text: str) -> Iterator[str]:
    for line in text.replace("\\\n", " ").splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield stripped


def cli_invocations(text: str) -> list[list[str]]:
    """The argument lists passed to aml-retrain in a bash script or an inline script."""
    arrays: dict[str, list[str]] = {}
    calls: list[list[str]] = []
    for line in _logical_lines(text):
        assign = re.match(r"(?:local\s+)?(\w+)(\+?)=\((.*)\)\s*(?:\|\||&&|$)", line)
        if assign:
            name, append, body = assign.groups()
            tokens = shlex.split(body)
            arrays[name] = (arrays.get(name, []) if append else []) + tokens
        # `[[ … ]] || args+=(…)`
        for name, body in re.findall(r"\b(\w+)\+=\((.*?)\)", line):
            if not assign or assign.group(1) != name:
                arrays[name] = arrays.get(name, []) + shlex.split(body)
        m = re.search(r"(?:^|[\s;(|&$])(aml_run_gated|aml_run|aml-retrain)\s+(.*)", line)
        if not m or line.startswith(("aml_run()", "aml_run_gated()")):
            continue
        rest = re.split(r"\s(?:\|\||&&|\||>|2>)\s?", m.group(2))[0]
        if line[:m.start(1)].endswith("$("):  # x="$(aml_run …)" ;;
            rest = re.sub(r"\)\"?\s*(;;)?\s*$", "", rest)
        if '"$@"' in rest:
            continue  # the generic wrapper in lib.sh
        args: list[str] = []
        for token in shlex.split(rest):
            ref = re.fullmatch(r"\$\{(\w+)\[@\]\}", token)
            args.extend(arrays.get(ref.group(1), []) if ref else [token])
        calls.append(args)
    return calls


# ---------------------------------------------------------------- the agent's argument splitter


def task_lib_split(line: str) -> list[str]:
    """Split an ``arguments`` string the way azure-pipelines-task-lib's ``ToolRunner.line`` does.

    AzureCLI@2 with ``scriptType: bash`` runs ``tool(bash).arg(scriptPath).line(arguments)`` and
    spawns bash without a shell (Tasks/AzureCLIV2/src/ScriptType.ts; task-lib node/toolrunner.ts,
    ``shell`` defaults to false). Written from the documented rules, not copied: spaces outside
    double quotes separate arguments; a double quote toggles quoting and is dropped; inside quotes a
    backslash escapes only a double quote (before any other character it stays, and ``\\\\`` stays
    two backslashes); single quotes are ordinary characters; ``""`` is an empty argument; the last
    argument is trimmed.
    """
    args: list[str] = []
    arg, quoted, escaped, in_arg = "", False, False, False
    for c in line:
        if c == " " and not quoted:
            if in_arg:
                args.append(arg)
                arg = ""
            in_arg = False
            continue
        in_arg = True
        if c == '"':
            if escaped:
                arg, escaped = arg + c, False
            else:
                quoted = not quoted
        elif c == "\\" and escaped:
            arg, escaped = arg + "\\\\", False
        elif c == "\\" and quoted:
            escaped = True
        else:
            arg, escaped = arg + ("\\" if escaped else "") + c, False
    if in_arg:
        args.append(arg.strip())
    return args
