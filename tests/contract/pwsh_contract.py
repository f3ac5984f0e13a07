"""Static reading of the AmlRetrain PowerShell module with tree-sitter-pwsh, shared by the contract tests.

No PowerShell runtime is needed: the module is parsed, its functions, help, parameters and CLI
invocations are extracted, and the CLI side is read from the Typer app's Click tree (duck-typed:
``.commands`` on groups, ``.params`` with ``.opts`` on commands). Also the declaration of which JSON
fields of the CLI's output the module consumes, checked statically here and against the emulator in
tests/integration/test_pwsh_json_contract.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / "pwsh-module" / "AmlRetrain"
PUBLIC = MODULE / "Public"
PRIVATE = MODULE / "Private"
INVOKER = "Invoke-AmlRetrainCli"

Command = tuple[str, ...]

# --- What the module reads from the CLI's JSON ---------------------------------------------------
# Pipeline binding by property name: (producing CLI command, consuming function, {parameter: field}).
# The static test checks each parameter binds from the field (its name or an alias); the integration
# test checks the producing command really prints the field.
_ENDPOINT = {"WebServiceId": "WebServiceId", "Name": "Name"}
_JOB = {"JobId": "job_id", "TrainingWebServiceId": "web_service_id"}
_FROM_JOB = {"FromJob": "job_id"}
_ARM = {"ResourceGroup": "resource_group", "Name": "name"}
PIPES: list[tuple[Command, str, dict[str, str]]] = [
    (("classic", "services", "list"), "Get-AmlWebServiceEndpoint", {"WebServiceId": "Id"}),
    (("classic", "services", "list"), "Start-AmlRetraining", {"WebServiceId": "Id"}),
    (("classic", "endpoints", "list"), "Update-AmlWebServiceEndpoint", _ENDPOINT),
    (("classic", "endpoints", "list"), "Remove-AmlWebServiceEndpoint", _ENDPOINT),
    (("classic", "endpoints", "show"), "Get-AmlWebServiceEndpointPatchUrl", _ENDPOINT),
    (("classic", "endpoints", "show"), "Invoke-AmlWebServiceScore", _ENDPOINT),
    (("classic", "endpoints", "create"), "Update-AmlWebServiceEndpoint", _ENDPOINT),
    (("classic", "retrain"), "Update-AmlWebServiceEndpoint", _FROM_JOB),
    (("classic", "retrain"), "Wait-AmlRetrainingJob", _JOB),
    (("classic", "retrain"), "Get-AmlRetrainingJob", _JOB),
    (("classic", "retrain"), "Stop-AmlRetrainingJob", _JOB),
    (("classic", "retrain"), "Publish-AmlModel", _FROM_JOB),
    (("classic", "retrain"), "Test-AmlModelGate", _FROM_JOB),
    (("classic", "retrain"), "New-AmlPromotionPlan", _FROM_JOB),
    (("classic", "retrain"), "Set-AmlWebServiceDefinitionModel", _FROM_JOB),
    (("classic", "retrain"), "Update-AmlNewWebServiceModel", _FROM_JOB),
    (("webservice", "list"), "Export-AmlWebServiceDefinition", _ARM),
    (("webservice", "list"), "Update-AmlNewWebServiceModel", _ARM),
    (("webservice", "list"), "Get-AmlNewWebServiceKey", _ARM),
    (("webservice", "export"), "Set-AmlWebServiceDefinitionModel", {"Path": "path"}),
    (("webservice", "export"), "Import-AmlWebServiceDefinition", {"Path": "path"}),
    (("plan",), "Invoke-AmlPromotionPlan", {"Path": "plan_file"}),
    (("ledger", "show"), "Undo-AmlPromotion", {"Target": "target", "ToEntry": "seq"}),
    (("ledger", "show"), "Publish-AmlModel", {"Target": "target"}),
    (("online", "deployments", "list"), "Invoke-AmlOnlineScore", {"EndpointName": "endpoint"}),
    (("online", "deployments", "list"), "Get-AmlOnlineDeployment", {"EndpointName": "endpoint"}),
    (("online", "models", "list"), "Get-AmlOnlineModel", {"Name": "name"}),
    (("online", "retrain"), "Get-AmlOnlineModel", {"Name": "model_name"}),
    (("online", "retrain"), "Publish-AmlModel", _FROM_JOB),
    (("online", "retrain"), "Test-AmlModelGate", _FROM_JOB),
    (("online", "retrain"), "New-AmlPromotionPlan", _FROM_JOB),
    (("fanout", "run"), "Get-AmlFanoutRun", {"RunId": "run_id"}),
]
# Fields the function's code reads as properties ($_.field / $result.field) of a command's output.
READS: list[tuple[Command, str, str]] = [
    (("classic", "services", "list"), "Get-AmlWebService", "Name"),
    (("classic", "endpoints", "list"), "Get-AmlWebServiceEndpoint", "Name"),
    (("webservice", "list"), "Get-AmlNewWebService", "resource_group"),
    (("gate",), "Test-AmlModelGate", "outcome"),
    (("ledger", "verify"), "Test-AmlPromotionLedger", "ok"),
    (("online", "endpoints", "list"), "Get-AmlOnlineEndpoint", "name"),
    (("online", "endpoints", "show"), "Get-AmlOnlineEndpoint", "name"),
    (("fanout", "status"), "Get-AmlFanoutRun", "targets"),
]


# Properties the module itself adds to the CLI's objects (Get-AmlNewWebService: ResourceGroup; the
# online cmdlets: where the object lives, from their own arguments, and an endpoint's EndpointName).
MODULE_ADDED = frozenset({"ResourceGroup", "ResourceGroupName", "WorkspaceName", "EndpointName"})
FORMAT_FILE = MODULE / "AmlRetrain.Format.ps1xml"


def format_views() -> dict[str, list[str]]:
    """TypeName -> the PropertyName columns of its table view in AmlRetrain.Format.ps1xml."""
    import xml.etree.ElementTree as ET

    views: dict[str, list[str]] = {}
    for view in ET.parse(FORMAT_FILE).getroot().iter("View"):
        for type_name in view.iter("TypeName"):
            views[str(type_name.text)] = [str(p.text) for p in view.iter("PropertyName")]
    return views


def type_producers() -> dict[str, set[Command]]:
    """TypeName -> the CLI commands whose output the module tags with it."""
    found: dict[str, set[Command]] = {}
    for fn in public_functions():
        names = re.findall(r"-TypeName '(AmlRetrain\.\w+)'", text(fn.node))
        for name in names:
            found.setdefault(name, set()).update(inv.path for inv in fn.invocations)
    return found


def consumed_fields() -> dict[Command, set[str]]:
    """Every JSON field the module consumes, per CLI command (bound, read, or shown by a view)."""
    fields: dict[Command, set[str]] = {}
    for command, _, mapping in PIPES:
        fields.setdefault(command, set()).update(mapping.values())
    for command, _, name in READS:
        fields.setdefault(command, set()).add(name)
    producers = type_producers()
    for type_name, columns in format_views().items():
        for command in producers.get(type_name, set()) - set(PENDING_COMMANDS):
            fields.setdefault(command, set()).update(set(columns) - MODULE_ADDED)
    return fields


# --- Parsing -------------------------------------------------------------------------------------
@cache
def language() -> Any:
    import tree_sitter_pwsh
    from tree_sitter import Language

    return Language(tree_sitter_pwsh.language())


def parse(source: bytes) -> Any:
    from tree_sitter import Parser

    return Parser(language()).parse(source)


def syntax_problems(source: bytes) -> list[str]:
    """'line N: ERROR' / 'line N: MISSING x' for every error or missing node; empty when clean."""
    problems: list[str] = []

    def walk(node: Any) -> None:
        if node.is_error or node.is_missing:
            kind = f"MISSING {node.type}" if node.is_missing else "ERROR"
            problems.append(f"line {node.start_point.row + 1}: {kind}")
        for child in node.children:
            walk(child)

    walk(parse(source).root_node)
    return problems


def walk(node: Any) -> Iterator[Any]:
    yield node
    for child in node.children:
        yield from walk(child)


def text(node: Any) -> str:
    return str(node.text.decode("utf-8"))


def string_value(node: Any) -> str:
    """The value of a string_literal node (quotes removed; no interpolation)."""
    raw = text(node)
    return raw[1:-1] if len(raw) >= 2 and raw[0] in "'\"" and raw[-1] == raw[0] else raw


def strings(node: Any) -> list[Any]:
    return [n for n in walk(node) if n.type == "string_literal"]


# --- Functions -----------------------------------------------------------------------------------
@dataclass
class Param:
    name: str
    attributes: dict[str, str]  # attribute name -> argument text
    aliases: list[str]

    @property
    def by_property_name(self) -> bool:
        return "ValueFromPipelineByPropertyName" in self.attributes.get("Parameter", "")


@dataclass
class Invocation:
    function: str
    path: Command
    options: list[str]
    line: int


@dataclass
class Function:
    name: str
    file: Path
    help: str
    binding: str | None  # the CmdletBinding argument text, None when absent
    aliases: list[str]
    params: list[Param]
    invocations: list[Invocation] = field(default_factory=list)
    stray_options: list[str] = field(default_factory=list)
    node: Any = None

    @property
    def verb(self) -> str:
        return self.name.split("-", 1)[0]

    def help_section(self, keyword: str) -> list[str]:
        """The bodies of every .KEYWORD section of the comment-based help."""
        parts = re.split(r"^\s*\.([A-Z]+)[ \t]*(.*)$", self.help, flags=re.MULTILINE)
        found = []
        for i in range(1, len(parts) - 2, 3):
            if parts[i] == keyword:
                found.append((parts[i + 1] + "\n" + parts[i + 2]).strip())
        return found

    def help_parameters(self) -> list[str]:
        return [section.split()[0] for section in self.help_section("PARAMETER") if section.split()]


def _attributes(attribute_list: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for attribute in attribute_list.children:
        if attribute.type != "attribute":
            continue
        name = next((c for c in attribute.children if c.type == "attribute_name"), None)
        if name is None:
            continue
        args = next((c for c in attribute.children if c.type == "attribute_arguments"), None)
        found[text(name)] = found.get(text(name), "") + (text(args) if args is not None else "")
    return found


def _param(node: Any) -> Param:
    attribute_list = next((c for c in node.children if c.type == "attribute_list"), None)
    attributes = _attributes(attribute_list) if attribute_list is not None else {}
    variable = next(c for c in node.children if c.type == "variable")
    aliases = re.findall(r"'([^']+)'", attributes.get("Alias", ""))
    return Param(text(variable).lstrip("$"), attributes, aliases)


def _params(node: Any) -> list[Param]:
    """The parameter of a script_parameter node, plus any the grammar folded into its default.

    tree-sitter-pwsh reads "$A = @{},  [string] $B" as one parameter whose default is the array
    "@{}, [string] $B"; PowerShell's parser ends a default at the comma (about_Functions_Advanced_
    Parameters), so each later element of that array is a parameter of its own.
    """
    found = [_param(node)]
    default = next((c for c in node.children if c.type == "script_parameter_default"), None)
    children = default.children if default is not None else []
    array = next((c for c in children if c.type == "array_literal_expression"), None)
    for element in [c for c in array.children if c.type != ","][1:] if array is not None else []:
        variable = next((n for n in walk(element) if n.type == "variable"), None)
        if variable is not None:
            alias = re.search(r"\[Alias\(([^)]*)\)\]", text(element))
            aliases = re.findall(r"'([^']+)'", alias.group(1)) if alias else []
            found.append(Param(text(variable).lstrip("$"), {}, aliases))
    return found


def _invocations(function: Any, name: str) -> tuple[list[Invocation], list[str]]:
    """Each Invoke-AmlRetrainCli call with its literal path and the '--options' of its region.

    A call's region is the largest enclosing node that contains no other call, so an option literal
    belongs to exactly one call; literals outside every region are shared by all the calls (each
    command must have them). Without any call, the literals are returned as strays.
    """
    calls = [n for n in walk(function) if n.type == "command" and _command_name(n) == INVOKER]
    call_ids = {c.id for c in calls}

    def calls_under(node: Any) -> int:
        return sum(1 for n in walk(node) if n.id in call_ids)

    found: list[Invocation] = []
    covered: set[int] = set()
    for call in calls:
        region = call
        parent = region.parent
        while parent is not None and parent.id != function.id and calls_under(parent) == 1:
            region, parent = parent, parent.parent
        path = _command_argument(call)
        options = [string_value(s) for s in strings(region) if string_value(s).startswith("--")]
        covered.update(s.id for s in strings(region))
        found.append(Invocation(name, path, options, call.start_point.row + 1))
    strays = [string_value(s) for s in strings(function)
              if string_value(s).startswith("--") and s.id not in covered]
    # Options built before a branch between calls (Start-AmlRetraining: classic or ARM) go to each.
    for invocation in found:
        invocation.options += strays
    return found, strays if not found else []


def _command_name(node: Any) -> str | None:
    name = next((c for c in node.children if c.type == "command_name"), None)
    return text(name) if name is not None else None


def _command_argument(call: Any) -> Command:
    elements = next(c for c in call.children if c.type == "command_elements")
    children = [c for c in elements.children if c.type != "command_argument_sep"]
    for i, child in enumerate(children):
        if child.type == "command_parameter" and text(child).lower() == "-command":
            return tuple(string_value(s) for s in strings(children[i + 1]))
    raise AssertionError(f"line {call.start_point.row + 1}: {INVOKER} without a literal -Command")


def read_functions(path: Path) -> list[Function]:
    tree = parse(path.read_bytes())
    functions = []
    for node in walk(tree.root_node):
        if node.type != "function_statement":
            continue
        name = text(next(c for c in node.children if c.type == "function_name"))
        comment = next((c for c in node.children if c.type == "comment"), None)
        block = next(c for c in node.children if c.type == "script_block")
        param_block = next((c for c in block.children if c.type == "param_block"), None)
        attributes: dict[str, str] = {}
        params: list[Param] = []
        if param_block is not None:
            attribute_list = next((c for c in param_block.children if c.type == "attribute_list"), None)
            if attribute_list is not None:
                attributes = _attributes(attribute_list)
            params = [q for p in walk(param_block) if p.type == "script_parameter" for q in _params(p)]
        invocations, strays = _invocations(node, name)
        functions.append(Function(
            name=name, file=path, help=text(comment) if comment is not None else "",
            binding=attributes.get("CmdletBinding"),
            aliases=re.findall(r"'([^']+)'", attributes.get("Alias", "")),
            params=params, invocations=invocations, stray_options=strays, node=node,
        ))
    return functions


@cache
def public_functions() -> tuple[Function, ...]:
    return tuple(f for path in sorted(PUBLIC.glob("*.ps1")) for f in read_functions(path))


def module_files() -> list[Path]:
    return sorted(p for p in MODULE.parent.rglob("*") if p.suffix in (".ps1", ".psm1", ".psd1")) + sorted(
        (REPO / "tests" / "pwsh").glob("*.ps1"))


# --- Manifest ------------------------------------------------------------------------------------
def manifest() -> dict[str, Any]:
    """The .psd1 hashtable as Python values (strings, lists, nested dicts) via tree-sitter."""
    tree = parse((MODULE / "AmlRetrain.psd1").read_bytes())
    table = next(n for n in walk(tree.root_node) if n.type == "hash_literal_expression")
    return _hashtable(table)


def _hashtable(node: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for entry in walk(node):
        if entry.type != "hash_entry" or entry.parent.parent.id != node.id:
            continue
        key = text(entry.children[0]).strip("'\"")
        result[key] = _value(entry.children[-1])
    return result


def _value(node: Any) -> Any:
    tables = [n for n in walk(node) if n.type == "hash_literal_expression"]
    if tables:
        return _hashtable(tables[0])
    values = [string_value(s) for s in strings(node)]
    if any(n.type == "array_expression" for n in walk(node)):
        return values
    if values:
        return values[0]
    return text(node).strip()


# --- CLI side ------------------------------------------------------------------------------------
def cli_root() -> Any:
    import typer.main

    from aml_retrain_cli.main import app

    return typer.main.get_command(app)


def cli_leaves(root: Any, prefix: Command = ()) -> dict[Command, Any]:
    """Every runnable command of the Click tree by path (duck-typed: groups have .commands)."""
    leaves: dict[Command, Any] = {}
    for name, command in getattr(root, "commands", {}).items():
        if getattr(command, "commands", None):
            leaves.update(cli_leaves(command, (*prefix, name)))
        else:
            leaves[(*prefix, name)] = command
    return leaves


def option_names(command: Any) -> set[str]:
    names = set()
    for param in command.params:
        names.update(getattr(param, "opts", []), getattr(param, "secondary_opts", []))
    return {name for name in names if name.startswith("-")}


# CLI commands the module calls before another change adds them to the CLI, each mapped to the
# command it is modelled on: checked against that model while absent, against themselves once present.
PENDING_COMMANDS: dict[Command, Command] = {}


def contract_problems(invocations: list[Invocation], root: Any) -> list[str]:
    """Every way the module's invocations disagree with the CLI tree (empty when they agree)."""
    leaves = cli_leaves(root)
    problems = []
    for inv in invocations:
        where = f"{inv.function} (line {inv.line}): aml-retrain {' '.join(inv.path)}"
        command = leaves.get(inv.path)
        if command is None and inv.path in PENDING_COMMANDS:
            command = leaves.get(PENDING_COMMANDS[inv.path])
        if command is None:
            problems.append(f"{where}: no such command")
            continue
        known = option_names(command)
        problems += [f"{where}: unknown option {opt}" for opt in inv.options if opt not in known]
        for param in command.params:
            opts = [o for o in getattr(param, "opts", []) if o.startswith("--")]
            if opts and getattr(param, "required", False) and not set(opts) & set(inv.options):
                problems.append(f"{where}: required option {opts[0]} is never passed")
    return problems


# --- Parameters used in scripts, docs and tests ------------------------------------------------------
# about_CommonParameters (PowerShell 7.4) with their aliases; -WhatIf/-Confirm only with ShouldProcess.
COMMON_PARAMETERS = frozenset(name.lower() for name in """
Verbose vb Debug db ErrorAction ea WarningAction wa InformationAction infa ProgressAction proga
ErrorVariable ev WarningVariable wv InformationVariable iv OutVariable ov OutBuffer ob
PipelineVariable pv
""".split())
SHOULD_PROCESS_PARAMETERS = frozenset({"whatif", "wi", "confirm", "cf"})


@cache
def module_commands() -> dict[str, Function]:
    """Every module function (public and private) by lower-case name and by lower-case alias."""
    found: dict[str, Function] = {}
    for path in sorted(PUBLIC.glob("*.ps1")) + sorted(PRIVATE.glob("*.ps1")):
        for fn in read_functions(path):
            for name in (fn.name, *fn.aliases):
                found[name.lower()] = fn
    return found


def accepted_names(fn: Function) -> set[str]:
    """Lower-case parameter names and aliases one may write after '-' (exactly, not by prefix)."""
    names = {n.lower() for p in fn.params for n in (p.name, *p.aliases)} | COMMON_PARAMETERS
    if "SupportsShouldProcess" in (fn.binding or ""):
        names |= SHOULD_PROCESS_PARAMETERS
    return names


def _splatted_keys(root: Any) -> dict[str, set[str]]:
    """Keys given to each variable as a literal hashtable, $v.Key = ... or $v['Key'] = ..."""
    keys: dict[str, set[str]] = {}
    for node in walk(root):
        if node.type != "assignment_expression":
            continue
        left = text(node.children[0]).strip()
        member = re.fullmatch(r"\$(\w+)(?:\.(\w+)|\['(\w+)'\])", left)
        if member:
            keys.setdefault(member.group(1).lower(), set()).add(member.group(2) or member.group(3))
            continue
        variable = re.fullmatch(r"\$(\w+)", left)
        tables = [n for n in walk(node.children[-1]) if n.type == "hash_literal_expression"]
        if variable and tables:
            entries = [e for e in walk(tables[0])
                       if e.type == "hash_entry" and e.parent.parent.id == tables[0].id]
            keys.setdefault(variable.group(1).lower(), set()).update(
                text(e.children[0]).strip("'\"") for e in entries)
    return keys


def parameter_problems(source: bytes, where: str) -> list[str]:
    """'where line N: Cmdlet -Param ...' for each parameter a module command is called with but lacks.

    A parameter must be written as its full name or an alias: PowerShell also binds a unique prefix
    (about_Parameters), which is how "-WebService" silently became -Name, so a prefix is a problem here
    too. Splatted hashtables built literally in the same source are checked by key.
    """
    root = parse(source).root_node
    commands = module_commands()
    splats = _splatted_keys(root)
    problems = []
    for node in walk(root):
        fn = commands.get((_command_name(node) or "").lower()) if node.type == "command" else None
        if fn is None:
            continue
        accepted = accepted_names(fn)
        called = _command_name(node)
        elements = next((c for c in node.children if c.type == "command_elements"), None)
        used = []
        for child in elements.children if elements is not None else []:
            if child.type == "command_parameter":
                used.append(text(child).lstrip("-").rstrip(":"))
            elif child.type in ("unary_expression", "variable") and text(child).startswith("@"):
                used += sorted(splats.get(text(child)[1:].lower(), set()))
        for name in used:
            if name.lower() in accepted:
                continue
            prefixed = sorted(p.name for p in fn.params
                              if any(n.lower().startswith(name.lower()) for n in (p.name, *p.aliases)))
            candidates = ", ".join("-" + n for n in prefixed)
            why = (f"binds by prefix to -{prefixed[0]}" if len(prefixed) == 1 else
                   f"ambiguous prefix of {candidates}" if prefixed else "no such parameter")
            problems.append(f"{where} line {node.start_point.row + 1}: {called} -{name}: {why}")
    return problems
