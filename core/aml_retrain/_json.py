"""JSON helpers for classic and ARM: one ``JsonObject`` alias, indented text, copies, null-dropping.

Indented text is byte for byte what ``json.dumps(obj, indent=2, ensure_ascii=False)`` writes.

``json.dumps`` only uses its C encoder without ``indent``; with it, it falls back to a pure-Python
generator that yields one small string per token and joins them all at the end (slow, and the
token list costs several times the output in memory). Here each object or array becomes one string
as soon as its members are done, and strings, ints and floats are spelt by the same functions the
encoder uses (``encode_basestring`` is the C one when ``_json`` is available). Anything this fast
path does not handle exactly (other types, non-string keys, NaN, cycles, very deep nesting) goes to
``json.dumps`` itself, so the output never differs.
"""

from __future__ import annotations

import copy
import json
from json.encoder import encode_basestring
from typing import Any

__all__ = ["JsonObject", "copy_json", "drop_nulls_in_place", "dumps_indented"]

# A parsed JSON object as the services send it; one alias for every module that passes them on.
JsonObject = dict[str, Any]

_STEP = "  "
_float_repr = float.__repr__
_int_repr = int.__repr__
_INFINITE = (float("inf"), float("-inf"))


class _Unsupported(Exception):
    """A value the fast path does not spell; json.dumps then does the whole document."""


def _leaf(value: Any) -> str:
    # Exact types only: json.dumps treats subclasses (IntEnum, str subclasses…) in ways this
    # path does not copy, so those go to the fallback.
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return _int_repr(value)
    if kind is float and value == value and value not in _INFINITE:
        return _float_repr(value)
    raise _Unsupported


def _member(value: Any, newline: str) -> str:
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is dict:
        return _object(value, newline)
    if kind is list:
        return _array(value, newline)
    return _leaf(value)


def _object(value: dict[Any, Any], newline: str, end: str = "") -> str:
    if not value:
        return "{}" + end
    inner = newline + _STEP
    comma = "," + inner
    pieces = ["{", inner]
    append = pieces.append
    for key, item in value.items():
        if type(key) is not str:
            raise _Unsupported
        append(encode_basestring(key))
        append(": ")
        kind = type(item)
        if kind is str:
            append(encode_basestring(item))
        elif kind is dict:
            append(_object(item, inner))
        elif kind is list:
            append(_array(item, inner))
        else:
            append(_leaf(item))
        append(comma)
    # One join over the pieces, separators included: joining the members first and then
    # wrapping them in brackets would copy a big object's text twice (and hold both copies).
    pieces[-1] = newline
    append("}")
    append(end)
    return "".join(pieces)


def _array(value: list[Any], newline: str, end: str = "") -> str:
    if not value:
        return "[]" + end
    inner = newline + _STEP
    comma = "," + inner
    pieces = ["[", inner]
    append = pieces.append
    for item in value:
        append(_member(item, inner))
        append(comma)
    pieces[-1] = newline
    append("]")
    append(end)
    return "".join(pieces)


def dumps_indented(obj: Any) -> str:
    """Return ``json.dumps(obj, indent=2, ensure_ascii=False) + "\\n"``, faster for dicts and lists."""
    try:
        kind = type(obj)
        if kind is dict:
            return _object(obj, "\n", "\n")
        if kind is list:
            return _array(obj, "\n", "\n")
        return _leaf(obj) + "\n"
    except (_Unsupported, RecursionError):
        # json.dumps raises the same errors it always did (circular reference, bad types…).
        return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def copy_json(value: Any) -> Any:
    """Return a deep copy of a JSON document: dicts and lists new, strings and numbers shared."""
    # copy.deepcopy's generic dispatch and memo cost several times this for plain JSON; other
    # types (dict subclasses, tuples…) still get copy.deepcopy.
    kind = type(value)
    if kind is dict:
        return {key: copy_json(item) for key, item in value.items()}
    if kind is list:
        return [copy_json(item) for item in value]
    if kind in (str, int, float, bool) or value is None:
        return value
    return copy.deepcopy(value)


def drop_nulls_in_place(value: Any) -> None:
    """Remove null object members throughout ``value`` (a document nothing else holds)."""
    if isinstance(value, dict):
        if None in value.values():
            for key in [k for k, v in value.items() if v is None]:
                del value[key]
        for item in value.values():
            if isinstance(item, (dict, list)):
                drop_nulls_in_place(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                drop_nulls_in_place(item)
