"""Progress display on stderr, only when stderr is a terminal (quiet and JSON-clean otherwise)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def interactive() -> bool:
    """True when stderr is a terminal a person is watching."""
    return sys.stderr.isatty()


@contextmanager
def upload_bar(label: str) -> Iterator[Callable[[int, int | None], None] | None]:
    """Yield a ``progress(done, total)`` callback drawing a bar, or None when not interactive."""
    if not interactive():
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@contextmanager
def job_spinner(label: str) -> Iterator[Callable[[Any], None] | None]:
    """Yield an ``on_update(state)`` callback showing the job status, or None when not interactive."""
    if not interactive():
        yield None
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status(label) as status:

        def update(state: Any) -> None:
            value = getattr(state, "status", state)
            status.update(f"{label}: {getattr(value, 'value', value)}")

        yield update
