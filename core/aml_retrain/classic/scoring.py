"""Score a file against a classic endpoint: its key comes from the management API (RRS in _scoring)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aml_retrain._scoring import (
    ScoreResult,
    ScoringClient,
    parse_score_results,
    request_from_file,
    select_output,
)
from aml_retrain.classic.validation import validate_endpoint_name
from aml_retrain.errors import ConfigError

if TYPE_CHECKING:
    from aml_retrain.classic.management import ClassicManagementClient

__all__ = ["score", "scoring_client"]


def score(
    mgmt: ClassicManagementClient,
    service_id: str,
    endpoint: str,
    input_path: str | Path,
    *,
    swagger_format: bool | None = None,
    input_name: str = "input1",
    output_name: str | None = None,
) -> ScoreResult:
    """Score a CSV/JSON file against an endpoint (key fetched from the management API)."""
    validate_endpoint_name(endpoint)
    request = request_from_file(input_path, input_name=input_name, swagger_format=swagger_format)
    client = scoring_client(mgmt, service_id, endpoint)
    body = client.execute(
        request.inputs, global_parameters=request.global_parameters,
        swagger_format=request.swagger_format,
    )
    return select_output(parse_score_results(body), output_name)


def scoring_client(mgmt: ClassicManagementClient, service_id: str, endpoint: str) -> ScoringClient:
    """Return an RRS client of the endpoint (one GET for its ApiLocation and key; on mgmt's session)."""
    validate_endpoint_name(endpoint)
    obj = mgmt.get_endpoint(service_id, endpoint)
    api_location, key = obj.get("ApiLocation"), obj.get("PrimaryKey") or obj.get("SecondaryKey")
    if not isinstance(api_location, str) or not isinstance(key, str) or not key:
        raise ConfigError(
            f"endpoint {endpoint!r} came back without ApiLocation or keys: check that the "
            "workspace token may read endpoint keys"
        )
    return ScoringClient(api_location, key, session=mgmt.session, timeout=mgmt.timeout)
