"""``target show``: what a promotion target serves now, read through its kind."""

from __future__ import annotations

from typing import Annotated

import typer

from aml_retrain.promotion.targets import TARGET_USAGE
from aml_retrain_cli import pipelines
from aml_retrain_cli.context import state
from aml_retrain_cli.render import emit_pairs

app = typer.Typer(help="Promotion targets: what they serve now.", no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="TARGET", help=f"{TARGET_USAGE}.")],
) -> None:
    """Print the model TARGET serves now, the hash of its live state and where it is (read only)."""
    from aml_retrain.promotion.targets import parse_target, read_state

    st = state(ctx)
    data = read_state(parse_target(target), st.promotion_context()).to_dict()
    pipelines.set_outputs({"modelUrl": data["model_url"], "stateHash": data["state_hash"]})
    emit_pairs(st, data, title=str(data["target"]))
