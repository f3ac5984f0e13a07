"""Delayed effect of a model change: a timestamped history, not a timer.

The real services serve a changed trained model only after a while (CLASSIC-API §10.5: ~30 s).
:meth:`Propagation.serving` picks the newest change at least *delay* seconds old; used by the
classic endpoints and the ARM web services alike (``propagation_seconds`` in the config).
"""

from __future__ import annotations

import copy
import math
import time
from typing import Generic, TypeVar

__all__ = ["Propagation"]

T = TypeVar("T")
_HISTORY = 16  # changes remembered


class Propagation(Generic[T]):
    """``[(monotonic time of the change, value from then on)]``; empty = never changed."""

    def __init__(self) -> None:
        self._history: list[tuple[float, T]] = []

    def record(self, previous: T, new: T) -> None:
        """A change from *previous* to *new*, now."""
        if not self._history:
            self._history.append((-math.inf, copy.deepcopy(previous)))
        self._history.append((time.monotonic(), copy.deepcopy(new)))
        del self._history[:-_HISTORY]

    def serving(self, current: T, delay: float) -> T:
        """The value in effect: the newest change at least *delay* seconds old."""
        if not self._history:
            return copy.deepcopy(current)
        now = time.monotonic()
        serving = self._history[0][1]
        for changed_at, value in self._history:
            if changed_at + delay <= now:
                serving = value
        return copy.deepcopy(serving)
