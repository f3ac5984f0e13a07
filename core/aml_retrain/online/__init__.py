"""Azure ML v2 managed online endpoints: the client and what it returns (no CLI, no kind here)."""

from aml_retrain.online.client import OnlineClient
from aml_retrain.online.jobspec import job_body_from_yaml, load_job_spec, new_job_name
from aml_retrain.online.names import deployment_name_for
from aml_retrain.online.results import (
    Deployment,
    Endpoint,
    EndpointKeys,
    Job,
    ModelContainer,
    ModelVersion,
    RunMetrics,
    ScoreOutcome,
    TrafficChange,
)

__all__ = [
    "Deployment",
    "Endpoint",
    "EndpointKeys",
    "Job",
    "ModelContainer",
    "ModelVersion",
    "OnlineClient",
    "RunMetrics",
    "ScoreOutcome",
    "TrafficChange",
    "deployment_name_for",
    "job_body_from_yaml",
    "load_job_spec",
    "new_job_name",
]
