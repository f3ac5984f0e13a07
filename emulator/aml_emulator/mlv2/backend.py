"""State of the Azure ML v2 workspaces (``Microsoft.MachineLearningServices``, no HTTP).

One lock guards everything (v2 writes do no storage I/O under it: jobs train in threads). The
subscription and resource groups are the ARM web services' (same seed, same ARM front door);
``reset`` reloads the seed: workspace ``census-workspace`` with job ``census-train-1``
(Completed, really trained), model ``census-model`` version 1 and endpoint ``census-online``
whose deployment ``blue`` takes 100 % (online-contract §9).
"""

from __future__ import annotations

import copy
import threading
import zlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..arm.backend import ArmBackend
from ..arm.state import SEED_BLOB_BASE, _storage_account
from ..classic.model import TrainedModel
from ..config import EmulatorConfig
from .assets import Assets, output_uri
from .endpoints import Endpoints
from .errors import not_found
from .operations import Operations
from .state import Endpoint, Job, ModelVersion, Workspace
from .training import INPUT, OUTPUT, seed_training

__all__ = ["MlBackend"]


class MlBackend:
    """Workspaces → endpoints (→ deployments), models, jobs; and their async operations."""

    def __init__(self, seed: Mapping[str, Any], base_url: str, config: EmulatorConfig,
                 arm: ArmBackend, *, blob_base_url: str | None = None,
                 storage_connection_string: str | None = None) -> None:
        self._seed = copy.deepcopy(dict(seed.get("mlv2", {})))
        self.base_url = base_url.rstrip("/")
        self.config = config
        self.arm = arm
        self._blob_base_url = blob_base_url
        self._account = _storage_account(storage_connection_string)
        self.lock = threading.RLock()
        self.ops = Operations(config, self.lock)
        self.assets = Assets(config, self.ops, self.lock, lambda: self._account)
        self.endpoints = Endpoints(self.base_url, config, self.ops, self._check_model)
        self._workspaces: dict[tuple[str, str, str], Workspace] = {}
        self.reset()

    def _check_model(self, ws: Workspace, reference: str) -> None:
        self.assets.model_of(ws, reference)

    # --- lifecycle -------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.ops.reset()
            self._workspaces = {}
            for raw in self._seed.get("workspaces", []):
                ws = Workspace(subscription=raw["subscriptionId"], group=raw["resourceGroup"],
                               name=raw["name"], location=raw["location"])
                for job in raw.get("jobs", []):
                    self._seed_job(ws, job)
                for model in raw.get("models", []):
                    self._seed_model(ws, model)
                for endpoint in raw.get("endpoints", []):
                    self.endpoints.seed(ws, endpoint)
                self._workspaces[(ws.subscription.lower(), ws.group.lower(),
                                  ws.name.lower())] = ws

    def _seed_job(self, ws: Workspace, raw: Mapping[str, Any]) -> None:
        blob = raw["trainingData"]
        base = self._blob_base_url or SEED_BLOB_BASE
        properties = {
            "jobType": "Command", "displayName": raw.get("displayName", raw["name"]),
            "experimentName": raw.get("experimentName", "Default"),
            "command": raw["command"], "environmentId": raw["environmentId"],
            "computeId": f"{ws.rid}/computes/{raw.get('compute', 'cpu-cluster')}",
            "inputs": {INPUT: {"jobInputType": "uri_file", "uri": base + blob}},
            "outputs": {OUTPUT: {"jobOutputType": "custom_model", "mode": "ReadWriteMount"}},
            "tags": dict(raw.get("tags", {})), "properties": {}}
        job = Job(name=raw["name"], rid=f"{ws.rid}/jobs/{raw['name']}",
                  spec={"properties": properties}, output_uri=output_uri(ws, raw["name"]),
                  created=raw["createdAt"], modified=raw["createdAt"], status="Completed")
        job.model, job.metrics, job.params = seed_training()
        stamp = datetime.fromisoformat(raw["createdAt"].replace("Z", "+00:00"))
        job.started_ms = int(stamp.timestamp() * 1000)
        job.ended_ms = job.started_ms + 60_000  # reference silent: a one-minute seed run
        job.done.set()
        ws.jobs[job.name.lower()] = job

    @staticmethod
    def _seed_model(ws: Workspace, raw: Mapping[str, Any]) -> None:
        name, version, job = raw["name"], str(raw["version"]), raw["job"]
        spec = {"modelUri": f"azureml://jobs/{job}/outputs/{OUTPUT}/paths/",
                "modelType": "custom_model", "jobName": job,
                "description": raw.get("description", ""), "tags": dict(raw.get("tags", {}))}
        ws.models.setdefault(name.lower(), {})[version] = ModelVersion(
            name=name, version=version, rid=f"{ws.rid}/models/{name}/versions/{version}",
            spec=spec, job=job, created=raw["createdAt"], modified=raw["createdAt"])

    def snapshot(self) -> dict[str, Any]:
        """Everything, keys and scoring counters included (a test hook)."""
        with self.lock:
            return {"mlv2": {
                "workspaces": [self._dump(ws) for ws in self._workspaces.values()],
                "operations": [dict(op.body(), kind=op.kind, target=op.target)
                               for op in self.ops.all()]}}

    @staticmethod
    def _dump(ws: Workspace) -> dict[str, Any]:
        return {"id": ws.rid, "endpoints": [
            {"name": ep.name, "state": ep.state, "traffic": ep.traffic, "mirrorTraffic": ep.mirror,
             "primaryKey": ep.primary_key, "secondaryKey": ep.secondary_key,
             "served": dict(ep.served), "mirrored": dict(ep.mirrored),
             "deployments": {d.name: d.state for d in ep.deployments.values()}}
            for ep in ws.endpoints.values()],
            "jobs": {job.name: job.status for job in ws.jobs.values()},
            "models": {f"{v.name}:{v.version}": v.job for versions in ws.models.values()
                       for v in versions.values()}}

    # --- lookups ---------------------------------------------------------------------------

    def workspace(self, sub: str, group: str, name: str) -> Workspace:
        """The workspace (ARM's 404s for the subscription and group first)."""
        self.arm.scope(sub, group)
        with self.lock:
            ws = self._workspaces.get((sub.lower(), group.lower(), name.lower()))
        if ws is None:
            raise not_found("workspace", name)
        return ws

    def find_workspace(self, sub: str, group: str, name: str) -> Workspace | None:
        with self.lock:
            return self._workspaces.get((sub.lower(), group.lower(), name.lower()))

    def find_endpoint(self, sub: str, group: str, ws_name: str,
                      name: str) -> tuple[Workspace, Endpoint] | None:
        """For scoring: no ARM errors, just ``None`` when anything is missing."""
        with self.lock:
            ws = self._workspaces.get((sub.lower(), group.lower(), ws_name.lower()))
            ep = ws.endpoints.get(name.lower()) if ws is not None else None
            return (ws, ep) if ws is not None and ep is not None else None

    def model_for(self, ws: Workspace, ep: Endpoint, deployment: str) -> TrainedModel:
        with self.lock:
            found = ep.deployments[deployment.lower()]
            return self.assets.model_of(ws, str(found.properties.get("model") or ""))

    def page(self, items: list[dict[str, Any]], skip: int) -> tuple[list[dict[str, Any]], bool]:
        size = self.config.settings.arm_page_size
        return items[skip:skip + size], skip + size < len(items)

    # --- MLflow ----------------------------------------------------------------------------

    def run(self, ws: Workspace, run_id: str) -> dict[str, Any] | None:
        """online-contract §3: the MLflow run of job *run_id* (``None``: no such job)."""
        with self.lock:
            job = ws.jobs.get(run_id.lower())
            if job is None:
                return None
            status = {"Completed": "FINISHED", "Failed": "FAILED", "Canceled": "KILLED"}.get(
                job.status, "RUNNING")
            experiment = str(job.properties.get("experimentName") or "Default")
            info = {"run_id": job.name, "run_uuid": job.name, "run_name": job.name,
                    "experiment_id": str(zlib.crc32(experiment.encode())), "status": status,
                    "lifecycle_stage": "active", "start_time": job.started_ms or None}
            if status != "RUNNING":
                info["end_time"] = job.ended_ms or None
            stamp = job.ended_ms or 0
            metrics = [] if status != "FINISHED" else [
                {"key": key, "value": value, "timestamp": stamp, "step": 0}
                for key, value in job.metrics.items()]
            tags = [{"key": "mlflow.runName", "value": str(job.properties.get("displayName")
                                                           or job.name)}]
            tags += [{"key": k, "value": v} for k, v in (job.properties.get("tags") or {}).items()]
            if job.failure and status == "FAILED":
                tags.append({"key": "mlflow.note.content", "value": job.failure})
            return {"run": {"info": {k: v for k, v in info.items() if v is not None},
                            "data": {"metrics": metrics, "tags": tags, "params": [
                                {"key": k, "value": v} for k, v in job.params.items()]}}}
