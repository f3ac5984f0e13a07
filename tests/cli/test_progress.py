"""The progress displays: one live at a time, the total from the first frame, none off a terminal."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from aml_retrain_cli import progress


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """A fake terminal on stderr: what the displays draw."""
    from rich.console import Console

    drawn = io.StringIO()
    monkeypatch.setattr(progress, "interactive", lambda: True)
    monkeypatch.setattr(progress, "_console",
                        lambda: Console(file=drawn, force_terminal=True, width=100))
    return drawn


def plain(drawn: io.StringIO) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", drawn.getvalue())


def test_the_bar_ends_before_the_spinner_starts(screen: io.StringIO) -> None:
    with progress.upload_bar("Uploading") as bar, progress.job_spinner("Retraining") as spin:
        assert bar is not None and spin is not None
        assert progress._active == []  # nothing is drawn before the first update
        bar(0, 2_000_000)
        assert len(progress._active) == 1
        bar(2_000_000, 2_000_000)  # every byte sent: the bar is gone
        assert progress._active == []
        spin("Running")
        assert len(progress._active) == 1
    assert progress._active == []
    text = plain(screen)
    assert "0.0/2.0 MB" in text and "? bytes" not in text
    assert text.rindex("Uploading") < text.index("Retraining")


def test_a_new_display_stops_the_one_drawing(screen: io.StringIO) -> None:
    with progress.upload_bar("Uploading") as bar, progress.job_spinner("Waiting") as spin:
        assert bar is not None and spin is not None
        bar(10, 100)
        first = progress._active[0]
        spin("Running")  # e.g. an upload that never reported its end
        assert progress._active != [first] and len(progress._active) == 1


def test_nothing_is_drawn_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "interactive", lambda: False)
    used: list[Any] = []
    monkeypatch.setattr(progress, "_console", lambda: used.append(1))
    with progress.upload_bar("Uploading") as bar, progress.job_spinner("Retraining") as spin:
        assert bar is None and spin is None
    assert used == []
