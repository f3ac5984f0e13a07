"""The fast JSON helpers behind definitions: indented text identical to json.dumps, plain copies."""

from __future__ import annotations

import enum
import json
import math
from typing import Any

import pytest

from aml_retrain import _json
from aml_retrain._json import copy_json, drop_nulls_in_place, dumps_indented
from aml_retrain.arm.definition import dumps_definition, export_definition

from .arm_fakes import webservice


def reference(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


REPRESENTATIVE: dict[str, Any] = {
    "properties": {
        "packageType": "Graph",
        "title": "Préd ✓ — 日本語 \U0001f600",
        "escapes": "quote \" backslash \\ slash / tab \t newline \n cr \r nul \x00 bell \x07 del \x7f "
                   "line-sep \u2028 bom \ufeff",
        "numbers": [0, -1, 2**70, 1.0, -0.0, 0.1, 1e-7, 1e16, 1.5e300, 123456789.123456789, 5e-324],
        "flags": [True, False, None],
        "empties": {"object": {}, "array": [], "nested": [{}, [], [[]], {"a": {}}], "string": ""},
        "assets": {"a/b~c": {"name": "M [trained model]", "type": "Resource",
                             "locationInfo": {"uri": "https://x.blob.core.windows.net/m.ilearner"}}},
        "matrix": [[1, "a", None], [], [2.5, [True, {"deep": [{"deeper": {}}]}]]],
    },
    "": "empty key",
    "tags": {"ünïcödé kéy": "välue", "k": None},
}


def test_dumps_matches_json_dumps_on_a_representative_document(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = reference(REPRESENTATIVE)
    # No fallback to json.dumps here: the fast path itself must write these bytes.
    monkeypatch.setattr(_json, "json", None)
    assert dumps_indented(REPRESENTATIVE).encode("utf-8") == expected.encode("utf-8")


def test_dumps_definition_matches_json_dumps_on_an_export() -> None:
    defn = export_definition(webservice(description="Préd ✓"))
    assert dumps_definition(defn) == reference(defn)


@pytest.mark.parametrize("value", [
    {}, [], "", "é", 0, 1.25, True, None, [{}], {"a": []}, [[[]]], {"a": {"b": {"c": {}}}},
])
def test_dumps_matches_json_dumps_on_small_values(value: Any) -> None:
    assert dumps_indented(value) == reference(value)


class Colour(enum.IntEnum):
    RED = 1


class Name(str):
    pass


@pytest.mark.parametrize("value", [
    {"nan": math.nan, "inf": math.inf, "-inf": -math.inf},  # json spells these NaN / Infinity
    {7: "int key", 2.5: "float key", True: "bool key", None: "null key"},
    {"tuple": (1, [2, (3,)])},
    {"enum": Colour.RED, Name("subclass key"): Name("subclass value")},
])
def test_dumps_falls_back_to_json_dumps_for_what_the_fast_path_does_not_spell(value: Any) -> None:
    assert dumps_indented(value) == reference(value)


def test_dumps_raises_what_json_dumps_raises() -> None:
    looped: dict[str, Any] = {}
    looped["self"] = looped
    with pytest.raises(ValueError, match="Circular reference"):
        dumps_indented(looped)
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps_indented({"a": {1, 2}})
    deep: list[Any] = []
    for _ in range(1500):  # deeper than the recursion limit: json.dumps fails too
        deep = [deep]
    with pytest.raises(RecursionError):
        dumps_indented(deep)


def test_copy_json_is_deep_and_equal() -> None:
    copied = copy_json(REPRESENTATIVE)
    assert copied == REPRESENTATIVE
    copied["properties"]["empties"]["nested"][3]["a"]["x"] = 1
    copied["properties"]["matrix"][0].append(2)
    assert "x" not in REPRESENTATIVE["properties"]["empties"]["nested"][3]["a"]
    assert REPRESENTATIVE["properties"]["matrix"][0] == [1, "a", None]


def test_copy_json_is_a_deep_copy() -> None:
    import copy

    class Odd:
        def __init__(self) -> None:
            self.items = [1]

    original = {"a": [1, {"b": [2, 3]}, "s", 1.5, None, True], "odd": Odd(), "t": ("x", [1])}
    copied = copy_json(original)
    assert copied["a"] == copy.deepcopy(original)["a"] and copied["t"] == original["t"]
    assert copied["a"] is not original["a"] and copied["a"][1] is not original["a"][1]
    assert copied["odd"] is not original["odd"] and copied["odd"].items == [1]
    assert copied["t"][1] is not original["t"][1]  # tuples holding lists: deep-copied too
    copied["a"][1]["b"].append(4)
    assert original["a"][1]["b"] == [2, 3]


def test_drop_nulls_in_place_drops_object_members_only() -> None:
    doc = {"a": None, "b": [None, {"c": None, "d": 1}], "e": {"f": {"g": None}}}
    drop_nulls_in_place(doc)
    assert doc == {"b": [None, {"d": 1}], "e": {"f": {}}}
