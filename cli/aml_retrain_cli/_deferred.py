"""Modules the ``aml-retrain`` process imports only when something first uses them.

azure-mgmt-core's ``policies`` package imports its async policies, and with them ``asyncio``
(~10 ms: asyncio, concurrent.futures, selectors), on every ARM client build; the CLI is
synchronous and never runs them. ``asyncio`` is therefore registered as a stand-in that
imports the real module on its first attribute access (``asyncio.run``, ``from asyncio import
...``) and from then on is the real module's namespace: a command that does use asyncio gets it
whole, a little later. Only the console script's process does this (``aml_retrain_cli:main``).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

DEFERRED = ("asyncio",)


class _Deferred(types.ModuleType):
    """A module not executed yet: the first missing attribute imports it for real."""

    def __getattr__(self, attr: str) -> Any:
        real = sys.modules.get(self.__name__)
        if real is self or real is None:
            del sys.modules[self.__name__]  # let the import system execute the real one
            real = importlib.import_module(self.__name__)
        self.__dict__.update(real.__dict__)  # holders of the stand-in now see the real names
        return getattr(real, attr)


def defer(names: tuple[str, ...] = DEFERRED) -> None:
    """Register a stand-in for each of ``names`` not imported yet (one that cannot be found: none)."""
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue
        stand_in = _Deferred(name)
        # What `import name` reads without using the module. No __path__: importing a submodule
        # reads it, and so executes the real package first, in its own order.
        stand_in.__spec__, stand_in.__loader__ = spec, spec.loader
        stand_in.__file__, stand_in.__package__ = spec.origin, name
        sys.modules[name] = stand_in
