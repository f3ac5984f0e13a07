"""Cross-check the emulator's objects against the official management swagger, when it is present.

The swagger lives in the team's shared reference folder, beside the repository; the project does not
ship it, so this test skips with a reason where it is absent (a user's clone, say).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared"
SWAGGER = SHARED / "reference" / "classic" / "swagger.endpointapi.json"
SEED = Path(__file__).resolve().parents[2] / "emulator" / "aml_emulator" / "data" / "seed.json"

pytestmark = pytest.mark.skipif(not SWAGGER.exists(), reason=f"reference swagger not found at {SWAGGER}")


def definitions() -> dict:  # type: ignore[type-arg]
    return json.loads(SWAGGER.read_text(encoding="utf-8-sig"))["definitions"]


def test_emulator_endpoint_objects_carry_the_swagger_fields(tmp_path: Path) -> None:
    from aml_emulator.classic.backend import ClassicBackend

    seed = json.loads(SEED.read_text(encoding="utf-8"))
    backend = ClassicBackend(seed, "https://127.0.0.1:1")
    ws = seed["workspaces"][0]
    checked = 0
    for service in ws["WebServices"]:
        service_obj = backend.get_webservice(ws["Id"], service["Id"])
        assert set(definitions()["WebService"]["properties"]) <= set(service_obj)
        for endpoint in backend.list_endpoints(ws["Id"], service["Id"]):
            assert set(definitions()["Endpoint"]["properties"]) <= set(endpoint)
            checked += 1
    assert checked >= 2


def test_enums_match_the_swagger() -> None:
    from aml_retrain.classic import validation

    d = definitions()
    assert set(d["ThrottleLevel"]["enum"]) == set(validation.THROTTLE_LEVELS)
