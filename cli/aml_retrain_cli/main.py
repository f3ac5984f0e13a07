"""The ``aml-retrain`` Typer app and its single error boundary.

Exit codes (also in the README):

==  =====================================================================
0   success
1   error: the service failed, could not be reached, or a read-back disagreed
2   usage: bad option, bad input or missing settings (nothing was sent)
3   not found: the workspace, web service or endpoint does not exist
4   timeout: a request or a wait ran out of time
5   auth: the token or key was refused (401/403)
6   conflict: the resource already exists or changed underneath (409)
8   gated: the candidate did not pass the evaluation gate; nothing was promoted
9   stale plan: the target changed since the plan was made; nothing was applied
==  =====================================================================
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from aml_retrain_cli import _fast_params, _gc
from aml_retrain_cli.context import State
from aml_retrain_cli.lazy import Entry, LazyCommands

EXIT_ERROR = 1
EXIT_USAGE = 2


def _click_errors() -> tuple[type[Exception], ...]:
    # Typer 0.2x raises the errors of its vendored click (typer._click), older Typer the click
    # package's: typer.BadParameter derives from whichever ClickException is in use.
    return tuple(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


_CLICK_ERRORS = _click_errors()


class OutputFormat(str, Enum):
    """Output formats."""

    table = "table"
    json = "json"


# The top-level commands in the order `--help` lists them. Each is imported and built only when a
# command line uses it (aml_retrain_cli.lazy); the summary is its help's first paragraph, as the
# root's --help prints it (tests/cli/test_lazy_commands.py holds them to the real help).
# Jobs of either kind of training service live in one journal: one group, also under `classic`.
COMMANDS = {
    "gate": Entry("promotion", "gate",
                  "Compare candidate metrics with the baseline; exit 8 when gated (not promoted)."),
    "promote": Entry("promotion", "promote",
                     "Deploy a model to TARGET (optionally gated and health-probed) and record it "
                     "in the ledger."),
    "plan": Entry("promotion", "plan", "Compute what a deploy would change and write a plan file "
                  "(for an approval to sit between)."),
    "apply": Entry("promotion", "apply", "Apply a plan if the target has not changed since "
                   "(exit 9 when stale); record it."),
    "rollback": Entry("promotion", "rollback",
                      "Re-point TARGET at the previous (or a chosen) model from the ledger."),
    "auth": Entry("auth", "app", "Azure sign-in for the ARM commands."),
    "classic": Entry("classic", "app", "Classic (Studio) web services: endpoints and trained models."),
    "webservice": Entry("webservice", "app",
                        "New (ARM) web services: Microsoft.MachineLearning/webServices."),
    "online": Entry("online", "app", "Azure ML v2 managed online endpoints: deployments, models, "
                    "retrain, score."),
    "jobs": Entry("classic_jobs", "jobs_app", "Batch Execution Service jobs started by retrain."),
    "ledger": Entry("promotion", "ledger_app",
                    "The promotion ledger: history per target, tamper check."),
    "fanout": Entry("fanout", "app", "Retrain and/or deploy many targets from a manifest, canary first."),
    "target": Entry("target", "app", "Promotion targets: what they serve now."),
    "storage": Entry("storage", "app", "Blob storage for models and training data."),
    "emulator": Entry("emulator", "app", "Local HTTPS emulator of the Azure ML APIs (plus Azurite)."),
}


class AmlGroup(TyperGroup):
    """Root group: turns library and usage errors into one stderr line and a documented exit code."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        given, self.commands = self.commands, LazyCommands(COMMANDS)
        self.commands.update(given)

    def list_commands(self, ctx: Any) -> list[str]:
        """Every command name, none of them built."""
        return list(self.commands)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The root's help lists commands from their summaries: nothing is imported for it."""
        commands = self.commands
        if not isinstance(commands, LazyCommands):
            return super().format_help(ctx, formatter)
        with commands.listing():
            return super().format_help(ctx, formatter)

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None,
                     **extra: Any) -> Any:
        """Parse the global options; a usage error there is one plain line off a terminal."""
        if parent is None:
            args = hoist_global_options(self, list(args))
        try:
            return super().make_context(info_name, args, parent, **extra)
        except _CLICK_ERRORS as exc:
            _plain_usage_error(exc)
            raise

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        """Run the command; map AmlRetrainError to its exit code."""
        from aml_retrain.errors import AmlRetrainError

        try:
            return super().invoke(ctx)
        except _CLICK_ERRORS as exc:  # a subcommand's usage error or a BadParameter
            _plain_usage_error(exc)
            raise
        except AmlRetrainError as exc:
            st = ctx.obj if isinstance(ctx.obj, State) else State()
            exc = st.explain(exc)
            if st.debug:  # the traceback is extra detail: the exit code stays the error's
                import traceback

                from aml_retrain._redact import redact_text

                # A chained cause (a requests error quoting a signed URL) is not redacted itself.
                typer.echo(redact_text("".join(traceback.format_exception(exc))).rstrip(), err=True)
            line = one_line(f"{type(exc).__name__}: {exc}")
            typer.echo(line, err=True)
            from aml_retrain_cli import pipelines

            code = getattr(exc, "exit_code", EXIT_ERROR)
            # Gated is a decision, not a failure: a warning; the template sets SucceededWithIssues.
            pipelines.log_issue(line, kind="warning" if code == 8 else "error")
            raise typer.Exit(code=code) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise typer.Exit(code=130) from None


# Global options a user may also type after the command, as az accepts `--output` anywhere.
HOISTED = frozenset({"--output", "-o", "--profile", "--subscription", "--workspace", "--ledger",
                     "--token-file", "--debug"})


def _option_table(cmd: Any) -> dict[str, bool]:
    """Option name -> whether it takes a value, for one command (its help option included)."""
    table = {name: False for name in ("-h", "--help")}
    for param in cmd.params:
        if param.param_type_name == "option":
            takes = not (param.is_flag or param.count)
            table.update(dict.fromkeys([*param.opts, *param.secondary_opts], takes))
    return table


def hoist_global_options(root: Any, args: list[str]) -> list[str]:
    """Move global options typed after the command to just before it (``cmd -o json`` works).

    The command path is followed group by group; an option the command itself defines (``emulator
    start --profile``) and the value of any option stay where they are, and ``--`` ends the scan.
    Anything unknown is left for click to report.
    """
    known = {k: v for k, v in _option_table(root).items() if k in HOISTED}
    cmd, own = root, _option_table(root)
    kept: list[str] = []
    moved: list[str] = []
    insert_at: int | None = None  # where the command path starts: hoisted options go there
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--":
            kept += args[i:]
            break
        if word.startswith("-") and word != "-":
            name, eq, _ = word.partition("=")
            attached = bool(eq) or (not name.startswith("--") and len(name) > 2)
            name = name if name.startswith("--") else name[:2]  # -ojson is -o json
            table = own if name in own or cmd is root else known
            takes = table.get(name, False) and not attached
            if i + 1 + takes > len(args) or name not in table:  # a value is missing, or unknown
                kept.append(word)
                i += 1
                continue
            (kept if table is own else moved).extend(args[i:i + 1 + takes])
            i += 1 + takes
            continue
        commands = getattr(cmd, "commands", None)
        if commands is None:  # an argument of the leaf command
            kept.append(word)
        elif word in commands:
            if insert_at is None:
                insert_at = len(kept)
            cmd = commands[word]
            own = _option_table(cmd)
            kept.append(word)
        else:  # not a command: click says so
            kept += args[i:]
            break
        i += 1
    if not moved or insert_at is None:
        return args
    return kept[:insert_at] + moved + kept[insert_at:]


def one_line(text: str) -> str:
    """Return ``text`` with line breaks and other unprintable characters as escapes (``\\x0c``).

    A message may quote user input (a file name, an id) holding a form feed, a NEL or a line
    separator; printed raw they split the error into several lines or hide part of it.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def _plain_usage_error(exc: Any) -> None:
    """Off a terminal, print a usage error as ``aml-retrain: error: <message>`` and exit with its code.

    On a terminal Typer draws its Rich box (usage, hint, framed message). Piped or captured (a
    script, the PowerShell module, an agent's log) only the message line is printed: a reader that
    takes one line must get the message, not the box's "Error" header. Exit codes stay click's.
    """
    if getattr(exc, "option_name", None) in HOISTED and type(exc).__name__ == "NoSuchOption":
        # Only reached when the option could not be moved (its value is missing, or after `--`).
        exc.message += (" (global options go before the command: "
                        "aml-retrain -o json classic services list)")
    if _stderr_is_terminal() or type(exc).__name__ == "NoArgsIsHelpError":  # help is not an error
        return
    message = one_line(" ".join(exc.format_message().split()))
    typer.echo(f"aml-retrain: error: {message}", err=True)
    raise typer.Exit(code=exc.exit_code) from None


def _flags_without_a_type() -> None:
    """Show a flag in help by its name alone: Typer 0.2x labels each one `<bool>`, as if it took a value."""
    from typer.core import TyperOption

    shown = getattr(TyperOption, "display_type_rich", None)  # absent in older Typer: nothing to do
    if shown is None or getattr(shown, "flags_untyped", False):
        return

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        return None if self.is_flag or self.count else shown(self, ctx)

    display_type_rich.flags_untyped = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_without_a_type()
_fast_params.install()

app = typer.Typer(
    cls=AmlGroup,
    name="aml-retrain",
    help="Retrain Azure ML web service models and point live endpoints at them, safely.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from aml_retrain import __version__

        typer.echo(f"aml-retrain {__version__}")
        raise typer.Exit()


@app.callback()
def _globals(
    ctx: typer.Context,
    profile: Annotated[
        Path | None,
        typer.Option(envvar="AML_RETRAIN_PROFILE", help="Profile file with endpoints and CA bundle."),
    ] = None,
    subscription: Annotated[
        str | None,
        typer.Option(help="Azure subscription id for the ARM commands (default: AZURE_SUBSCRIPTION_ID)."),
    ] = None,
    workspace: Annotated[
        str | None,
        typer.Option(envvar="AML_RETRAIN_WORKSPACE_ID", help="Workspace id (32 hex digits)."),
    ] = None,
    ledger: Annotated[
        str | None,
        typer.Option(help="Promotion ledger: a local path or az://container/path "
                     "(default: AML_RETRAIN_LEDGER or ~/.aml-retrain/ledger.jsonl)."),
    ] = None,
    token_file: Annotated[
        str | None,
        typer.Option(help="File holding the workspace token, or - for stdin. "
                     "Default: AML_RETRAIN_WORKSPACE_TOKEN or the profile."),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--output", "-o", case_sensitive=False, help="Output format.")
    ] = OutputFormat.table,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and HTTP debugging.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Retrain Azure ML web service models and point live endpoints at them, safely."""
    ctx.obj = State(profile=profile, subscription=subscription, workspace=workspace,
                    ledger_location=ledger, token_file=token_file,
                    output=output.value, debug=debug)
    if debug:
        _debug_logging()


def _debug_logging() -> None:
    # urllib3 logs request lines with their query strings: redact SAS signatures and keys there too.
    import logging

    from aml_retrain._redact import redact_text

    class _Redact(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            record.msg, record.args = redact_text(record.getMessage()), None
            return True

    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_Redact())
    logging.basicConfig(level=logging.DEBUG, handlers=[handler])


def main() -> None:
    """Console-script entry point."""
    _gc.own_process()
    app(prog_name="aml-retrain")
