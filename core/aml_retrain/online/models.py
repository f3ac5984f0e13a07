"""Registered models: containers, versions, and registering a job's output as the next version."""

from __future__ import annotations

import re

from aml_retrain._json import JsonObject
from aml_retrain.errors import NotFoundError, ValidationError
from aml_retrain.online._base import WorkspaceScope
from aml_retrain.online.names import check_resource
from aml_retrain.online.results import Job, ModelContainer, ModelVersion

__all__ = ["ModelOps", "next_version", "parse_model_ref"]

_MODEL_ID = re.compile(r"/models/([^/]+)/versions/([^/?]+)$", re.IGNORECASE)
_ASSET_ID = re.compile(r"^azureml:([^:/]+):([^:/]+)$")


def parse_model_ref(ref: str) -> tuple[str, str]:
    """Return ``(name, version)`` from a model version's ARM id or ``azureml:NAME:VERSION``."""
    found = _MODEL_ID.search(ref) or _ASSET_ID.match(ref)
    if not found:
        raise ValidationError(f"{ref!r} does not name a model version: expected "
                              "azureml:NAME:VERSION or a .../models/NAME/versions/VERSION id")
    return found.group(1), found.group(2)


def next_version(versions: list[str]) -> str:
    """Return the latest numeric version + 1 ("1" when none is numeric), as az ml auto-versions."""
    numbers = [int(v) for v in versions if v.isdigit()]
    return str(max(numbers) + 1) if numbers else "1"


class ModelOps(WorkspaceScope):
    """Model operations of :class:`~aml_retrain.online.client.OnlineClient`."""

    def _versions_path(self, name: str) -> str:
        return self._path("models", check_resource(name, "model"), "versions")

    def list_models(self) -> list[ModelContainer]:
        """List the workspace's model containers (every page)."""
        return [ModelContainer.from_arm(m) for m in self._arm.list(self._path("models"))]

    def list_model_versions(self, name: str) -> list[ModelVersion]:
        """List every version of model ``name``; none (not an error) if the model does not exist."""
        try:
            return [ModelVersion.from_arm(v, name) for v in self._arm.list(self._versions_path(name))]
        except NotFoundError:
            return []

    def get_model_version(self, name: str, version: str) -> ModelVersion:
        """GET one model version."""
        path = f"{self._versions_path(name)}/{check_resource(version, 'model version')}"
        return ModelVersion.from_arm(self._arm.get(path), name)

    def register_model_from_job(self, name: str, job: Job | str, *, output: str = "model_output",
                                description: str | None = None,
                                tags: dict[str, str] | None = None) -> ModelVersion:
        """Register ``job``'s ``output`` as model ``name``'s next version (latest numeric + 1).

        ``job`` (a Job, or a name to GET) must be Completed and have that output; ``modelUri`` is
        the ``azureml://jobs/{job}/outputs/{output}/paths/`` form ``az ml model create`` sends.
        """
        check_resource(name, "model")
        check_resource(output, "job output")
        if isinstance(job, str):
            job = Job.from_arm(self._arm.get(self._path("jobs", check_resource(job, "job"))))
        if job.status != "Completed":
            raise ValidationError(f"job {job.name} is {job.status}: only a Completed job's output "
                                  "can be registered; wait for it")
        if output not in job.outputs:
            raise ValidationError(f"job {job.name} has no output {output!r} (it has "
                                  f"{', '.join(sorted(job.outputs)) or 'none'}): name the output "
                                  "that holds the model")
        version = next_version([v.version for v in self.list_model_versions(name)])
        props: JsonObject = {
            "modelUri": f"azureml://jobs/{job.name}/outputs/{output}/paths/",
            "modelType": "custom_model", "jobName": job.name,
        }
        if description is not None:
            props["description"] = description
        if tags:
            props["tags"] = dict(tags)
        _status, body = self._arm.send("PUT", f"{self._versions_path(name)}/{version}",
                                       {"properties": props})
        if body is None:
            return self.get_model_version(name, version)
        return ModelVersion.from_arm(body, name)
