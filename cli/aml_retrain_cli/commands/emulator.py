"""``aml-retrain emulator``: run the local emulator of the Azure ML services, with Azurite."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from aml_retrain_cli.context import state
from aml_retrain_cli.render import emit_pairs, notice

app = typer.Typer(help="Local HTTPS emulator of the Azure ML APIs (plus Azurite).",
                  no_args_is_help=True)

DEFAULT_PROFILE = Path.home() / ".aml-retrain" / "emulator.json"
ProfileOpt = Annotated[
    Path | None,
    typer.Option("--profile", help=f"Profile to write (default: {DEFAULT_PROFILE})."),
]


def _emulator() -> Any:
    try:
        import aml_emulator
    except ImportError:
        notice("The emulator is an optional extra: pip install 'aml-retrain[emulator]'")
        raise typer.Exit(code=2) from None
    return aml_emulator


def _profile(ctx: typer.Context, profile: Path | None) -> Path:
    return (profile or state(ctx).profile or DEFAULT_PROFILE).expanduser().resolve()


@app.command("start")
def start(
    ctx: typer.Context,
    profile: ProfileOpt = None,
    detach: Annotated[bool, typer.Option("--detach", help="Run in the background.")] = False,
    storage_connection_string_env: Annotated[
        str | None,
        typer.Option(help="Use the storage account in this env var instead of starting Azurite."),
    ] = None,
) -> None:
    """Start the emulator and Azurite; write a profile that points aml-retrain at them."""
    emu = _emulator()
    path = _profile(ctx, profile)
    if not detach:
        # Foreground: the emulator's own runner owns signals and shutdown.
        from aml_emulator.__main__ import main as serve

        argv = ["--profile", str(path)]
        if storage_connection_string_env:
            argv += ["--storage-connection-string-env", storage_connection_string_env]
        raise typer.Exit(code=serve(argv))
    import os

    conn = os.environ.get(storage_connection_string_env) if storage_connection_string_env else None
    handle = emu.start_services(path, storage_connection_string=conn, detach=True)
    st = state(ctx)
    emit_pairs(st, {"Profile": str(path), "Url": handle.url, "Pid": handle.pid})
    if not st.json:
        notice(f"Use it with: export AML_RETRAIN_PROFILE={path}")


@app.command("stop")
def stop(ctx: typer.Context, profile: ProfileOpt = None) -> None:
    """Stop a detached emulator (and the Azurite it started)."""
    path = _profile(ctx, profile)
    stopped = _emulator().stop_services(path)
    emit_pairs(state(ctx), {"Profile": str(path), "Stopped": bool(stopped)})
