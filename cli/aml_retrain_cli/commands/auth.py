"""``aml-retrain auth``: which Azure credential and subscription are in use."""

from __future__ import annotations

import typer

from aml_retrain_cli.context import state
from aml_retrain_cli.render import emit_pairs

app = typer.Typer(help="Azure sign-in for the ARM commands.", no_args_is_help=True)


@app.command("show")
def show(ctx: typer.Context) -> None:
    """Print the credential kind, subscription and ARM endpoint in use (never a token)."""
    from aml_retrain.arm.auth import describe_auth

    st = state(ctx)
    emit_pairs(st, describe_auth(st.settings()))
