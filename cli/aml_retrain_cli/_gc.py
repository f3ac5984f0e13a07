"""The ``aml-retrain`` process builds its clients with Python's cyclic garbage collector paused.

Building a client imports azure-core, azure-mgmt-resource and requests: tens of thousands of
objects (modules, classes, functions) that live as long as the process. The collector would scan
them some sixty times while they are made (~10 ms), and all of them again in the full collection
at interpreter exit (~25 ms): together a sixth of a 0.2 s ``webservice show``. While paused
nothing is collected; afterwards what exists is frozen (``gc.freeze``: later collections, the
one at exit included, skip it) and collection resumes, so a long wait or the foreground emulator
collects as usual.

The console script (``aml_retrain_cli:main``: it also imports the app itself paused, typer and
all) and ``aml_retrain_cli.main.main`` claim their process; a host that imports the app (tests,
scripts, a notebook) keeps its collector exactly as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_owned = False


def own_process() -> None:
    """Let :func:`paused` act: called once by the console-script entry point."""
    global _owned
    _owned = True


@contextmanager
def paused() -> Iterator[None]:
    """Run the block with the collector off (only in the CLI's own process), then freeze and resume."""
    if not (_owned and gc.isenabled()):  # someone else's process, or already paused (nested)
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
