"""Coerce the common option values without Pydantic; Typer's own coercion for everything else.

Typer 0.2x coerces every parameter value through a Pydantic ``TypeAdapter`` built on first use,
even a value left unset (``None``, which it then returns unchanged): any command line imports
Pydantic and builds adapters, about a third of a ``--help`` or a ``webservice show``. Here a
parameter's runtime coercion starts as a stand-in that answers what Typer's adapter would for the
values a command line holds — nothing given, a string for a ``str``, a path, an enum choice,
plain digits for a number — and builds Typer's own adapter for any other value or kind, or
whenever the quick answer is not certain, so every error message stays Typer's word for word.
Typer without this machinery (older releases, a future redesign) is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

# (value, param, ctx) -> the value as Typer's adapter would return it. Any exception (a value it
# is not sure of, a bad value) hands the value to Typer's own coercion, which words the error.
Quick = Callable[[Any, Any, Any], Any]


class _NotCertain(Exception):
    """The quick path cannot promise Typer's answer: ask Typer."""


def _quick_leaf(annotation: Any, info: Any) -> Quick | None:
    """A quick coercion mirroring Typer's leaf adapter for ``annotation``, or None for Typer's own.

    The checks run in the order of ``typer._adapters.build_leaf_adapter``.
    """
    from typer import _param_types as types

    if info.parser is not None:
        return None
    if types.lenient_issubclass(annotation, Enum):
        choices = list(annotation)

        def choice(value: Any, param: Any, ctx: Any) -> Any:
            return types.coerce_cli_choice(value, choices=choices,
                                           case_sensitive=info.case_sensitive, ctx=ctx)

        return choice
    if annotation in (int, float):
        return _quick_number(annotation, info)
    if annotation is str:
        def text(value: Any, param: Any, ctx: Any) -> Any:
            if type(value) is str:
                return value
            raise _NotCertain
        return text
    if types.routes_to_path(annotation, info):
        path_type = info.path_type
        if path_type is None and types.lenient_issubclass(annotation, Path):
            path_type = annotation

        def path(value: Any, param: Any, ctx: Any) -> Any:
            if type(value) is str and types.lenient_issubclass(path_type, Path):
                value = path_type(value)  # what Pydantic's lax Path validation does with a str
            return types.coerce_cli_path(value, info, path_type=path_type, param=param, ctx=ctx)
        return path
    return None  # datetime, Literal, bool given as text, UUID, ...: Typer's adapter


def _quick_number(kind: type, info: Any) -> Quick | None:
    if getattr(info, "clamp", False):
        return None
    low, high = info.min, info.max
    pattern = _INT if kind is int else _FLOAT

    def number(value: Any, param: Any, ctx: Any) -> Any:
        if type(value) is str and pattern.fullmatch(value):
            value = kind(value)
        elif type(value) is not kind:  # bool is an int: Typer decides about True
            raise _NotCertain
        if (low is not None and value < low) or (high is not None and value > high):
            raise _NotCertain  # out of range: Typer's message
        return value
    return number


def _quick(annotation: Any, info: Any) -> Quick | None:
    """Quick coercion for a leaf or a ``list[leaf]`` annotation (tuples go to Typer)."""
    if get_origin(annotation) is list:
        args = get_args(annotation)
        leaf = _quick_leaf(args[0], info) if len(args) == 1 else None
        if leaf is None:
            return None

        def items(value: Any, param: Any, ctx: Any) -> Any:
            values = value if isinstance(value, list | tuple) else [value]
            return [leaf(v, param, ctx) for v in values]
        return items
    if get_origin(annotation) is not None:
        return None
    return _quick_leaf(annotation, info)


def install() -> bool:
    """Give Typer parameters the quick coercion; False (nothing changed) on a Typer without it."""
    try:
        from typer import _coercion
        from typer.core import _TyperParameter
    except ImportError:
        return False
    original = getattr(_TyperParameter, "get_runtime_param", None)
    base = getattr(_coercion, "RuntimeParam", None)
    typers_build = getattr(_coercion, "build_runtime_param", None)
    if original is None or base is None or typers_build is None or getattr(original, "quick", False):
        return bool(getattr(original, "quick", False))
    build: Callable[[Any], Any] = typers_build

    @dataclass(frozen=True)
    class QuickRuntimeParam(base):  # type: ignore[misc, valid-type]
        """Typer's RuntimeParam contract; Typer's own one is built only when needed."""

        descriptor: Any = None
        quick: Quick | None = None
        typer_param: list[Any] | None = None  # the built one, once needed (a frozen field)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.quick is not None:
                with suppress(Exception):  # Typer's coercion decides, and words the error
                    return self.quick(value, param, ctx)
            assert self.typer_param is not None
            if not self.typer_param:
                self.typer_param.append(build(self.descriptor))
            return self.typer_param[0]._coerce_value(value, param, ctx)

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            descriptor = self.type_descriptor
            if descriptor.file_annotation is not None:  # files: Typer's own (no Pydantic to build)
                self._runtime_param = build(descriptor)
            else:
                self._runtime_param = QuickRuntimeParam(
                    parameter_info=descriptor.parameter_info, annotation=descriptor.annotation,
                    descriptor=descriptor,
                    quick=_quick(descriptor.annotation, descriptor.parameter_info), typer_param=[])
        return self._runtime_param

    get_runtime_param.quick = True  # type: ignore[attr-defined]
    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
    return True
