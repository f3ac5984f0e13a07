"""validate_definition: each kind of bad shape is named by its JSON path; the examples pass."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aml_retrain.arm.definition import export_definition, validate_definition
from aml_retrain.arm.schema import OBJECTS, canonical_copy, canonical_keys, pointer, schema_problems
from aml_retrain.errors import ValidationError

from .arm_fakes import webservice

SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "reference" / "arm-webservices" / \
    "stable" / "2017-01-01"


def test_fixture_and_its_export_are_valid() -> None:
    validate_definition(webservice())
    validate_definition(export_definition(webservice()))


def _props(d: dict[str, Any]) -> dict[str, Any]:
    return d["properties"]


BAD: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("missing properties", lambda d: d.pop("properties"), "/properties: required"),
    ("missing location", lambda d: d.pop("location"), "/location: required"),
    ("missing packageType", lambda d: _props(d).pop("packageType"), "/properties/packageType: required"),
    ("packageType Code", lambda d: _props(d).update(packageType="Code"),
     "/properties/packageType: must be one of Graph"),
    ("diagnostics level", lambda d: _props(d).update(diagnostics={"level": "Verbose"}),
     "/properties/diagnostics/level: must be one of None, Error, All"),
    ("diagnostics without level", lambda d: _props(d).update(diagnostics={}),
     "/properties/diagnostics/level: required"),
    ("maxConcurrentCalls low", lambda d: _props(d).update(realtimeConfiguration={"maxConcurrentCalls": 3}),
     "/properties/realtimeConfiguration/maxConcurrentCalls: must be an integer from 4 to 200"),
    ("maxConcurrentCalls high", lambda d: _props(d).update(realtimeConfiguration={"maxConcurrentCalls": 201}),
     "maxConcurrentCalls: must be an integer from 4 to 200"),
    ("maxConcurrentCalls bool",
     lambda d: _props(d).update(realtimeConfiguration={"maxConcurrentCalls": True}),
     "maxConcurrentCalls: must be an integer"),
    ("asset without uri", lambda d: _props(d)["assets"]["asset3"]["locationInfo"].pop("uri"),
     "/properties/assets/asset3/locationInfo/uri: required"),
    ("asset without name", lambda d: _props(d)["assets"]["asset3"].pop("name"),
     "/properties/assets/asset3/name: required"),
    ("asset bad type", lambda d: _props(d)["assets"]["asset3"].update(type="Model"),
     "/properties/assets/asset3/type: must be one of Module, Resource"),
    ("asset not an object", lambda d: _props(d)["assets"].update({"x/y": "oops"}),
     "/properties/assets/x~1y: must be an object"),
    ("title not a string", lambda d: _props(d).update(title=5), "/properties/title: must be a string"),
    ("description not a string", lambda d: _props(d).update(description=["a"]),
     "/properties/description: must be a string"),
    ("readOnly string", lambda d: _props(d).update(readOnly="false"),
     "/properties/readOnly: must be true or false"),
    ("input without properties", lambda d: _props(d)["input"].pop("properties"),
     "/properties/input/properties: required"),
    ("column type",
     lambda d: _props(d)["input"]["properties"]["input1"]["properties"]["age"].update(type="int"),
     "/properties/input/properties/input1/properties/age/type: must be one of Boolean"),
    ("output tables not a map", lambda d: _props(d)["output"].update(properties=[]),
     "/properties/output/properties: must be an object"),
    ("2016 string parameter", lambda d: _props(d)["package"]["nodes"]["node1"]["parameters"].update(
        {"R Version": "CRAN R 3.1.0"}), "2016-05-01-preview"),
    ("graph parameter without links", lambda d: _props(d)["package"].update(
        graphParameters={"p": {"type": "String"}}), "/properties/package/graphParameters/p/links: required"),
    ("edges not a list", lambda d: _props(d)["package"].update(edges={}),
     "/properties/package/edges: must be an array"),
    ("workspace without id", lambda d: _props(d).update(machineLearningWorkspace={}),
     "/properties/machineLearningWorkspace/id: required"),
    ("tags not strings", lambda d: d.update(tags={"a": 1}), "/tags/a: must be a string"),
    ("bad createdOn", lambda d: _props(d).update(createdOn="yesterday"),
     "/properties/createdOn: must be an ISO 8601"),
    ("example inputs not a matrix", lambda d: _props(d)["exampleRequest"].update(inputs={"input1": ["a"]}),
     "/properties/exampleRequest/inputs/input1/0: must be an array"),
    ("not an object", lambda d: d.clear() or d.update(properties="Graph"),
     "/properties: must be an object"),
]


@pytest.mark.parametrize(("mutate", "expected"), [(m, e) for _, m, e in BAD],
                         ids=[name for name, _, _ in BAD])
def test_bad_shapes_are_named_by_path(mutate: Callable[[dict[str, Any]], None], expected: str) -> None:
    defn = webservice()
    mutate(defn)
    with pytest.raises(ValidationError) as info:
        validate_definition(defn)
    assert expected in str(info.value)


def test_nulls_count_as_absent_and_all_problems_are_collected() -> None:
    defn = webservice(title=None)
    defn["properties"]["diagnostics"] = {"level": "x"}
    defn["properties"]["realtimeConfiguration"] = {"maxConcurrentCalls": 1}
    problems = schema_problems(defn)
    assert len(problems) == 2 and not any("title" in p for p in problems)


def test_long_problem_lists_are_cut() -> None:
    defn = webservice()
    defn["properties"]["assets"] = {f"a{i}": {} for i in range(12)}
    with pytest.raises(ValidationError, match=r"and \d+ more"):
        validate_definition(defn)


def test_pointer_escapes() -> None:
    assert pointer("properties", "assets", "a/b~c") == "/properties/assets/a~1b~0c"


def test_canonical_keys_leave_unknown_fields_and_map_keys() -> None:
    out = canonical_keys({"PROPERTIES": {"PackageType": "Graph", "Custom": 1,
                                         "Assets": {"MyAsset": {"NAME": "n"}}}})
    assert out == {"properties": {"packageType": "Graph", "Custom": 1,
                                  "assets": {"MyAsset": {"name": "n"}}}}


def test_canonical_keys_renames_inside_maps_and_arrays_without_changing_the_input() -> None:
    doc = webservice()
    doc["properties"]["package"]["edges"][0] = {"SourceNodeId": "node1", "targetNodeId": "node2"}
    doc["properties"]["assets"]["asset3"]["LocationInfo"] = doc["properties"]["assets"]["asset3"].pop(
        "locationInfo")
    before = json.dumps(doc)
    out = canonical_keys(doc)
    assert json.dumps(doc) == before
    assert out["properties"]["package"]["edges"][0] == {"sourceNodeId": "node1", "targetNodeId": "node2"}
    assert out["properties"]["assets"]["asset3"]["locationInfo"]["uri"]
    assert out["properties"]["assets"]["asset1"] is doc["properties"]["assets"]["asset1"]  # unchanged: shared


def test_canonical_keys_exact_spelling_wins() -> None:
    assert canonical_keys({"Title": "a", "title": "b"}, "WebServiceProperties") == {"title": "b"}
    assert canonical_keys({"title": "b", "TITLE": "a"}, "WebServiceProperties") == {"title": "b"}


def test_canonical_copy_is_a_new_document_without_nulls() -> None:
    doc = webservice(title=None)
    doc["Properties"] = doc.pop("properties")
    doc["Properties"]["package"]["nodes"]["node1"]["parameters"]["p"] = {
        "value": {"a": None, "b": [None, {"c": None}]}}
    out = canonical_copy(doc)
    assert "title" not in out["properties"]
    assert out["properties"]["package"]["nodes"]["node1"]["parameters"]["p"] == {
        "value": {"b": [None, {}]}}
    out["properties"]["assets"]["asset3"]["locationInfo"]["uri"] = "changed"
    assert doc["Properties"]["assets"]["asset3"]["locationInfo"]["uri"] != "changed"


# -- cross-check against the reference swagger, when the shared folder is present ----------------

needs_spec = pytest.mark.skipif(not SPEC_DIR.is_dir(),
                                reason=f"reference swagger not present at {SPEC_DIR}")


@needs_spec
@pytest.mark.parametrize(("example", "key"), [
    ("getWebService.json", "responses"),
    ("putWebService.json", "createOrUpdatePayload"),
    ("getWebServicesByResourceGroup.json", "responses"),
])
def test_swagger_examples_validate(example: str, key: str) -> None:
    data = json.loads((SPEC_DIR / "examples" / example).read_text(encoding="utf-8"))
    if key == "responses":
        body = data["responses"]["200"]["body"]
        docs = body.get("value", [body])
    else:
        docs = [data["parameters"][key]]
    for doc in docs:
        validate_definition(doc)


@needs_spec
def test_schema_fields_match_swagger_definitions() -> None:
    spec = json.loads((SPEC_DIR / "webservices.json").read_text(encoding="utf-8"))["definitions"]

    def fields(name: str) -> tuple[set[str], set[str]]:
        d = spec[name]
        props = dict(d.get("properties", {}))
        required = set(d.get("required", []))
        for ref in d.get("allOf", []):
            p, r = fields(ref["$ref"].rsplit("/", 1)[1])
            props.update(dict.fromkeys(p))
            required |= r
        return set(props), required

    renamed = {"Port": "InputPort"}
    for ours, declared in OBJECTS.items():
        name = renamed.get(ours, ours)
        spec_fields, spec_required = fields(name)
        if ours == "WebServiceProperties":
            spec_fields.add("package")  # from WebServicePropertiesForGraph (discriminator Graph)
        assert {k.lstrip("!") for k in declared} == spec_fields, ours
        assert {k[1:] for k in declared if k.startswith("!")} == spec_required, ours
