"""Progress display on stderr, only when stderr is a terminal (quiet and JSON-clean otherwise).

One live display at a time: each display starts on its first update and stops the one before, and
the upload bar ends itself once every byte is sent, so `retrain` shows the bar, then the job
spinner, never both fighting over the same lines. Nothing here writes to stdout, and stdout is not
redirected meanwhile (rich's default), so `-o json` output stays exactly what the command emits.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# The stop function of the display drawing now; empty when none is.
_active: list[Callable[[], None]] = []


def interactive() -> bool:
    """True when stderr is a terminal a person is watching."""
    return sys.stderr.isatty()


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _take_over(stop: Callable[[], None]) -> None:
    """Stop the display drawing now (if any) and make ``stop`` the current one."""
    while _active:
        _active.pop()()
    _active.append(stop)


def _release(stop: Callable[[], None]) -> None:
    if stop in _active:
        _active.remove(stop)
    stop()


class _Display:
    """A rich live display started on demand and stopped at most once."""

    def __init__(self, live: Any) -> None:
        self.live = live
        self.running = False

    def start(self) -> None:
        if not self.running:
            _take_over(self.stop)
            self.live.start()
            self.running = True

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.live.stop()


@contextmanager
def upload_bar(label: str) -> Iterator[Callable[[int, int | None], None] | None]:
    """Yield a ``progress(done, total)`` callback drawing a bar, or None when not interactive."""
    if not interactive():
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    bar = Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                   TransferSpeedColumn(), console=_console(), transient=True,
                   redirect_stdout=False, redirect_stderr=False)
    display = _Display(bar)
    task = bar.add_task(label, total=None)

    def update(done: int, total: int | None) -> None:
        if total is not None and done >= total and not display.running:
            return  # finished before anything was drawn (or drawn and ended already)
        bar.update(task, completed=done, total=total)
        display.start()  # after the update: the first frame already shows the total
        if total is not None and done >= total:
            _release(display.stop)  # every byte sent: make room for what comes next

    try:
        yield update
    finally:
        _release(display.stop)


@contextmanager
def job_spinner(label: str) -> Iterator[Callable[[Any], None] | None]:
    """Yield an ``on_update(state)`` callback showing the job status, or None when not interactive."""
    if not interactive():
        yield None
        return
    from rich.live import Live
    from rich.spinner import Spinner

    spinner = Spinner("dots", text=label)
    display = _Display(Live(spinner, console=_console(), transient=True, refresh_per_second=8,
                            redirect_stdout=False, redirect_stderr=False))

    def update(state: Any) -> None:
        value = getattr(state, "status", state)
        spinner.update(text=f"{label}: {getattr(value, 'value', value)}")
        display.start()

    try:
        yield update
    finally:
        _release(display.stop)
