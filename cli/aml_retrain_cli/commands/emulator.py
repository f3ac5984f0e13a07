"""``aml-retrain emulator``: run the local emulator of the Azure ML services, with Azurite.

The emulator never imports ``aml_retrain``: its launcher errors (``aml_emulator.errors``) are
turned here into the CLI's errors, so they reach the one-line error boundary of ``main.py``:

==  ==================================================================================
2   Azurite or Node.js/npm not found, or the profile path cannot be used
4   Azurite or the emulator did not answer within its start timeout
6   an emulator already runs for the profile, the port is in use, or sample files exist
1   anything else (Azurite exited early, npm install failed)
==  ==================================================================================
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, ClassVar

import typer

from aml_retrain.errors import AmlRetrainError
from aml_retrain_cli.context import state
from aml_retrain_cli.render import emit_pairs, notice

app = typer.Typer(help="Local HTTPS emulator of the Azure ML APIs (plus Azurite).",
                  no_args_is_help=True)

DEFAULT_PROFILE = Path.home() / ".aml-retrain" / "emulator.json"
ProfileOpt = Annotated[
    Path | None,
    typer.Option("--profile", help=f"Profile to write (default: {DEFAULT_PROFILE})."),
]


class EmulatorError(AmlRetrainError):
    """The emulator could not be started, stopped or set up (exit 1)."""


class EmulatorSetupError(EmulatorError):
    """Azurite or Node.js is missing, or the profile path cannot be used (exit 2)."""

    exit_code: ClassVar[int] = 2


class EmulatorTimeoutError(EmulatorError):
    """Azurite or the emulator did not answer in time (exit 4)."""

    exit_code: ClassVar[int] = 4


class EmulatorConflictError(EmulatorError):
    """Already running, port in use, or files exist (exit 6)."""

    exit_code: ClassVar[int] = 6


_KINDS: dict[str, type[EmulatorError]] = {
    "AzuriteNotFoundError": EmulatorSetupError, "NodeNotFoundError": EmulatorSetupError,
    "ProfileError": EmulatorSetupError, "StartTimeoutError": EmulatorTimeoutError,
    "AlreadyRunningError": EmulatorConflictError, "PortInUseError": EmulatorConflictError,
    "SampleDataExistsError": EmulatorConflictError,
}


def _emulator() -> Any:
    try:
        import aml_emulator
    except ImportError:
        notice("The emulator is an optional extra: pip install 'aml-retrain[emulator]'")
        raise typer.Exit(code=2) from None
    return aml_emulator


@contextmanager
def _errors() -> Iterator[None]:
    """Turn the emulator's launcher errors into CLI errors with their exit codes."""
    from aml_emulator.errors import EmulatorError as LauncherError

    try:
        yield
    except LauncherError as exc:
        kind = next((_KINDS[c.__name__] for c in type(exc).__mro__ if c.__name__ in _KINDS),
                    EmulatorError)
        raise kind(str(exc)) from exc


def _profile(ctx: typer.Context, profile: Path | None) -> Path:
    return (profile or state(ctx).profile or DEFAULT_PROFILE).expanduser().resolve()


@app.command("start")
def start(
    ctx: typer.Context,
    profile: ProfileOpt = None,
    detach: Annotated[bool, typer.Option("--detach", help="Run in the background.")] = False,
    port: Annotated[int, typer.Option(help="Emulator port on 127.0.0.1 (0 = a free one).")] = 0,
    storage_connection_string_env: Annotated[
        str | None,
        typer.Option(help="Use the storage account in this env var instead of starting Azurite."),
    ] = None,
) -> None:
    """Start the emulator and Azurite; write a profile that points aml-retrain at them.

    The profile keeps this emulator's ledger, job journal and backups in its state folder.
    """
    emu = _emulator()
    path = _profile(ctx, profile)
    conn = os.environ.get(storage_connection_string_env) if storage_connection_string_env else None
    if storage_connection_string_env and not conn:
        raise EmulatorSetupError(f"environment variable {storage_connection_string_env} is empty")
    st = state(ctx)
    with _errors():
        if not detach:  # foreground: the emulator's own runner owns signals and shutdown
            from aml_emulator.__main__ import serve

            serve(path, connection_string=conn, port=port, announce=lambda handle: notice(
                f"Serving {handle.url}; use it with: export AML_RETRAIN_PROFILE={path} "
                "(Ctrl-C stops)"))
            return
        handle = emu.start_services(path, storage_connection_string=conn, detach=True, port=port)
    emit_pairs(st, {"profile": str(path), "url": handle.url, "pid": handle.pid})
    if not st.json:
        notice(f"Use it with: export AML_RETRAIN_PROFILE={path}")


@app.command("stop")
def stop(ctx: typer.Context, profile: ProfileOpt = None) -> None:
    """Stop a detached emulator (and the Azurite it started)."""
    path = _profile(ctx, profile)
    with _errors():
        stopped = _emulator().stop_services(path)
    emit_pairs(state(ctx), {"profile": str(path), "stopped": bool(stopped)})


@app.command("install-azurite")
def install_azurite(ctx: typer.Context) -> None:
    """Install the pinned Azurite under ~/.aml-retrain/azurite with npm (needs Node.js 20)."""
    emu = _emulator()
    with _errors():
        binary = emu.install_azurite(on_start=lambda prefix: notice(
            f"Installing Azurite {emu.AZURITE_VERSION} into {prefix} with npm..."))
    emit_pairs(state(ctx), {"version": emu.AZURITE_VERSION,
                            "prefix": str(binary.parents[2]), "azurite_blob": str(binary)})


@app.command("sample-data")
def sample_data(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(metavar="DIR",
                                           help="Folder to write into (created if missing).")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write model.ilearner (trained by the emulator), train.csv and score.csv into DIR.

    Existing files are kept unless --force: exit 6, nothing written.
    """
    emu = _emulator()
    with _errors():
        paths = emu.write_sample_data(folder, force=force)
    emit_pairs(state(ctx), {"dir": str(paths["model"].parent),
                            **{kind: str(path) for kind, path in paths.items()}})
