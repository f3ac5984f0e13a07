from __future__ import annotations

from typing import Any

import pytest

from aml_retrain.classic.batch import (
    default_model_output,
    parameter_text,
    pick_input_name,
    swagger_names,
    validate_job_request,
)
from aml_retrain.errors import ValidationError

AZ = {"$ref": "#/definitions/AzureBlobDataReference"}
SWAGGER: dict[str, Any] = {
    "definitions": {
        "BatchInputs": {"properties": {"input1": AZ}},
        "BatchOutputs": {"properties": {"output1": AZ, "output2": AZ}},
        "GlobalParameters": {
            "properties": {"Label column": {"type": "string"}, "Regularization": {"type": "number"}}
        },
    }
}


def blob(relative: str) -> dict[str, str]:
    return {"ConnectionString": "cs", "RelativeLocation": relative}


def good() -> dict[str, Any]:
    return {
        "GlobalParameters": {"Label column": "income"},
        "Inputs": {"input1": blob("data/train.csv")},
        "Outputs": {"output1": blob("out/m.ilearner"), "output2": blob("out/eval.csv")},
    }


def test_good_request_passes_with_and_without_swagger() -> None:
    validate_job_request(good(), SWAGGER)
    validate_job_request(good())


def test_swagger_names_and_empty_inputs() -> None:
    names = swagger_names(SWAGGER)
    assert names.inputs == ["input1"]
    assert names.outputs == ["output1", "output2"]
    assert names.global_parameters == ["Label column", "Regularization"]
    no_inputs = swagger_names({"definitions": {"BatchInputs": {"type": "object"}}})
    assert no_inputs.inputs == [] and no_inputs.outputs is None
    assert swagger_names(None).inputs is None


def test_reference_swagger_model_output_is_autodetected() -> None:
    import json
    from pathlib import Path

    path = Path("/work/shared/reference/classic/swagger.api.json")
    if not path.exists():
        pytest.skip("reference swagger not available")
    swagger = json.loads(path.read_text(encoding="utf-8-sig"))
    assert default_model_output(swagger) == "model"
    assert swagger_names(swagger).inputs == []
    assert default_model_output(SWAGGER) == "output1"
    assert default_model_output(None, {"model": {}}) == "model"


def mutate(**changes: Any) -> dict[str, Any]:
    request = good()
    for key, value in changes.items():
        section, _, name = key.partition("__")
        if name:
            request[section][name.replace("_", " ") if section == "GlobalParameters" else name] = value
        else:
            request[section] = value
    return request


@pytest.mark.parametrize(
    ("request_", "swagger", "kw", "fragment"),
    [
        (
            mutate(Inputs__input1=blob("data/train.xlsx")),
            None,
            {},
            "input 'input1' must be a .csv/.tsv/.arff",
        ),
        (mutate(Inputs__input1=blob("data/train")), None, {}, "without extension"),
        (
            mutate(Outputs__output1=blob("out/m.csv")),
            None,
            {},
            "trained model: its blob must end in .ilearner",
        ),
        (
            mutate(Outputs__output2=blob("out/e.ilearner")),
            None,
            {},
            "output 'output2' must end in .csv/.tsv/.arff",
        ),
        (
            good(),
            None,
            {"model_output": "output2"},
            "output 'output1' must end in .csv/.tsv/.arff (only the model output 'output2'",
        ),
        (mutate(Inputs__input1={"ConnectionString": "cs"}), None, {}, "has no RelativeLocation"),
        (mutate(Inputs__input1="c/x.csv"), None, {}, "must be a blob reference"),
        (mutate(Inputs=["x"]), None, {}, "'Inputs' in the job request must be an object"),
        (
            mutate(Inputs__data=blob("d/x.csv")),
            SWAGGER,
            {},
            "unknown input name(s) 'data': the service declares 'input1'",
        ),
        (mutate(Outputs__model=blob("o/m.csv")), SWAGGER, {}, "unknown output name(s) 'model'"),
        (
            mutate(GlobalParameters__Label_Column="x"),
            SWAGGER,
            {},
            "unknown global parameter name(s) 'Label Column'",
        ),
        (mutate(GlobalParameters__Regularization=[1]), None, {}, "must be a string, number or boolean"),
        (mutate(Inputs={}), SWAGGER, {}, "expects input(s) 'input1'"),
        ({**good(), "Input": blob("d/x.csv")}, None, {}, "both 'Input' and 'Inputs'"),
    ],
)
def test_validation_errors(request_: dict[str, Any], swagger: Any, kw: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_job_request(request_, swagger, **kw)
    assert fragment in str(info.value)


def test_request_must_be_an_object() -> None:
    with pytest.raises(ValidationError, match="JSON object"):
        validate_job_request(["x"])  # type: ignore[arg-type]


def test_pick_input_name() -> None:
    assert pick_input_name(None, ["train"], "svc") == "train"
    assert pick_input_name(None, None, "svc") == "input1"
    assert pick_input_name("b", ["a", "b"], "svc") == "b"
    with pytest.raises(ValidationError, match="pass --input-name with one of them"):
        pick_input_name(None, ["a", "b"], "svc")
    with pytest.raises(ValidationError, match="declares no web-service input"):
        pick_input_name(None, [], "svc")


def test_parameter_text() -> None:
    assert [parameter_text(v) for v in ("x", 1, 0.5, True, False)] == ["x", "1", "0.5", "True", "False"]
    with pytest.raises(ValidationError):
        parameter_text(None)
