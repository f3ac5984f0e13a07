"""``aml-retrain storage``: put model and data files in blob storage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aml_retrain_cli.context import state
from aml_retrain_cli.progress import upload_bar
from aml_retrain_cli.render import emit_pairs

app = typer.Typer(help="Blob storage for models and training data.", no_args_is_help=True)


@app.command("upload")
def upload(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Local file.")],
    container: Annotated[str, typer.Option(help="Container (created if missing).")],
    blob: Annotated[str | None, typer.Option(help="Blob name (default: the file name).")] = None,
) -> None:
    """Upload a file; print its blob URL (no SAS: commands mint short-lived ones when needed)."""
    from aml_retrain.storage import upload_file

    st = state(ctx)
    name = path.name if blob is None else blob  # an explicit --blob '' is refused, not replaced
    with upload_bar(f"Uploading {path.name}") as progress:
        url = upload_file(st.settings().require_storage(), container, name, path, progress=progress)
    emit_pairs(st, {"url": url, "container": container, "blob": name,
                    "size": path.stat().st_size})
