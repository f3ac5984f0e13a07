"""Models (containers and versions) and command jobs of the v2 workspace (callers hold a lock).

Reference silent, online-contract §4-§6: a model version's ``modelUri`` is
``azureml://jobs/{job}/outputs/{output}/paths/…`` (what ``az ml model create --path`` sends) or
the job output's datastore URI (``azureml://subscriptions/…/datastores/workspaceblobstore/paths/
azureml/{job}/{output}/``); either must name a Completed job and one of its declared outputs. A
deployment's ``model`` is the version's ARM id (or ``azureml:{name}:{version}``).

Job status, on GETs (ML-V2 §2: JobStatus): ``NotStarted`` in the PUT answer, then ``Queued``,
``Running`` for ``mlv2_job_polls`` reads in all, then ``Completed`` or ``Failed`` once training is
done. Only ``Command`` jobs run (reference silent: the emulator trains one model).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..classic.model import TrainedModel
from ..classic.state import later_than
from ..config import EmulatorConfig
from .errors import conflict, not_found, user_error
from .operations import Operations
from .state import Job, ModelVersion, Operation, Workspace
from .training import OUTPUT, run_job
from .validation import JOB, MODEL_VERSION, check, check_resource_name

__all__ = ["TERMINAL", "Assets"]

TERMINAL = ("Completed", "Failed", "Canceled")
_JOB_URI = re.compile(r"azureml://jobs/(?P<job>[^/]+)/outputs/(?P<output>[^/]+)(/paths(/.*)?)?",
                      re.IGNORECASE)
_DATASTORE_URI = re.compile(
    r"azureml://subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/workspaces/"
    r"(?P<ws>[^/]+)/datastores/workspaceblobstore/paths/azureml/(?P<job>[^/]+)/"
    r"(?P<output>[^/]+)/?", re.IGNORECASE)
_ASSET_ID = re.compile(r"azureml:(?P<name>[^:/]+):(?P<version>[^:/]+)")
_MUTABLE = ("description", "tags", "stage", "isArchived", "properties")
Storage = Callable[[], Mapping[str, str] | None]


def output_uri(ws: Workspace, job: str) -> str:
    """online-contract §4: where a job's ``model_output`` lands (datastore form)."""
    return (f"azureml://subscriptions/{ws.subscription}/resourcegroups/{ws.group}/workspaces/"
            f"{ws.name}/datastores/workspaceblobstore/paths/azureml/{job}/{OUTPUT}/")


class Assets:
    def __init__(self, config: EmulatorConfig, ops: Operations, lock: threading.RLock,
                 storage: Storage) -> None:
        self.config, self.ops, self._lock, self._storage = config, ops, lock, storage

    # --- models ----------------------------------------------------------------------------

    @staticmethod
    def version(ws: Workspace, name: str, version: str) -> ModelVersion:
        found = ws.models.get(name.lower(), {}).get(version)
        if found is None:
            raise not_found("model version", f"{name}:{version}")
        return found

    def _job_of_uri(self, ws: Workspace, uri: str) -> Job:
        match = _JOB_URI.fullmatch(uri) or _DATASTORE_URI.fullmatch(uri)
        if match is None:
            raise user_error("properties.modelUri must be azureml://jobs/{job}/outputs/{output}/"
                             "paths/ or the job output's azureml://subscriptions/…/datastores/"
                             "workspaceblobstore/paths/azureml/{job}/{output}/ URI.",
                             target="properties.modelUri")
        if "ws" in match.groupdict() and match["ws"].lower() != ws.name.lower():
            raise user_error(f"properties.modelUri names workspace '{match['ws']}', not this "
                             "one.", target="properties.modelUri")
        job = ws.jobs.get(match["job"].lower())
        if job is None:
            raise user_error(f"properties.modelUri names job '{match['job']}', which does not "
                             "exist in this workspace.", target="properties.modelUri")
        if match["output"] not in (job.properties.get("outputs") or {}):
            raise user_error(f"Job '{job.name}' has no output '{match['output']}' (its "
                             f"outputs: {', '.join(job.properties.get('outputs') or {}) or 'none'}"
                             ").", target="properties.modelUri")
        if job.status != "Completed" or job.model is None:
            raise user_error(f"Job '{job.name}' is {job.status}: a model can be registered "
                             "only from a Completed job's output.", target="properties.modelUri")
        return job

    def put_version(self, ws: Workspace, name: str, version: str,
                    body: Any) -> tuple[ModelVersion, bool]:
        check_resource_name(name, "model")
        check_resource_name(version, "model version")
        properties = check(MODEL_VERSION, body)["properties"]
        current = ws.models.get(name.lower(), {}).get(version)
        if current is not None:
            for key, value in properties.items():
                if key not in _MUTABLE and value != current.spec.get(key):
                    raise conflict(f"Model {current.name}:{version} exists and its {key} cannot "
                                   "change (a version is immutable but for description, tags, "
                                   "stage and isArchived); register a new version.")
            kept = {k: v for k, v in current.spec.items() if k not in _MUTABLE}
            current.spec = {**kept, **{k: v for k, v in properties.items() if k in _MUTABLE}}
            current.modified = later_than(current.modified)
            return current, False
        uri = properties.get("modelUri")
        if not uri:
            raise user_error("properties.modelUri is required: the trained model's location.",
                             target="properties.modelUri")
        job = self._job_of_uri(ws, uri)
        if properties.get("jobName") not in (None, job.name):
            raise user_error(f"properties.jobName '{properties['jobName']}' is not the job of "
                             f"properties.modelUri ('{job.name}').", target="properties.jobName")
        properties["jobName"] = job.name
        container = ws.models.setdefault(name.lower(), {})
        canonical = next(iter(container.values())).name if container else name
        model = ModelVersion(name=canonical, version=version,
                             rid=f"{ws.rid}/models/{canonical}/versions/{version}",
                             spec=properties, job=job.name)
        container[version] = model
        return model, True

    def delete_version(self, ws: Workspace, name: str, version: str) -> bool:
        container = ws.models.get(name.lower(), {})
        found = container.pop(version, None) is not None
        if not container:
            ws.models.pop(name.lower(), None)
        return found

    @staticmethod
    def containers(ws: Workspace) -> list[dict[str, Any]]:
        """D:ModelContainerResource entries (``latestVersion``: the newest registered)."""
        views = []
        for versions in ws.models.values():
            ordered = sorted(versions.values(), key=lambda v: v.created)
            first, last = ordered[0], ordered[-1]
            numbers = [int(v.version) for v in ordered if v.version.isdigit()]
            view = first.view()
            view.update(id=f"{ws.rid}/models/{first.name}", name=first.name,
                        type="Microsoft.MachineLearningServices/workspaces/models")
            view["properties"] = {"description": first.spec.get("description", ""),
                                  "tags": {}, "properties": {}, "isArchived": False,
                                  "latestVersion": last.version,
                                  "nextVersion": str(max(numbers, default=0) + 1),
                                  "provisioningState": "Succeeded"}
            views.append(view)
        return views

    @staticmethod
    def versions(ws: Workspace, name: str, order: str | None) -> list[ModelVersion]:
        """Ordered as ``$orderBy`` asks (``createdtime``/``version``, ``asc``/``desc``); default
        newest first (reference silent)."""
        found = list(ws.models.get(name.lower(), {}).values())
        key, _, direction = (order or "createdtime desc").strip().lower().partition(" ")
        if key not in ("createdtime", "createdat", "version"):
            raise user_error("$orderBy must be 'createdtime desc|asc' or 'version desc|asc'.",
                             target="$orderBy")
        if key == "version":
            found.sort(key=lambda v: (not v.version.isdigit(), int(v.version)
                                      if v.version.isdigit() else 0, v.version))
        else:
            found.sort(key=lambda v: v.created)
        return found if direction == "asc" else found[::-1]

    def model_of(self, ws: Workspace, reference: str) -> TrainedModel:
        """The trained model a deployment's ``model`` names; 400 if it names none."""
        match = _ASSET_ID.fullmatch(reference)
        prefix = f"{ws.rid}/models/".lower()
        if match is not None:
            name, version = match["name"], match["version"]
        elif reference.lower().startswith(prefix) and "/versions/" in reference:
            name, _, version = reference[len(prefix):].partition("/versions/")
        else:
            raise user_error(f"properties.model must be a model version of this workspace: "
                             f"{ws.rid}/models/{{name}}/versions/{{version}}.",
                             target="properties.model")
        found = ws.models.get(name.lower(), {}).get(version)
        job = ws.jobs.get(found.job.lower()) if found is not None else None
        if found is None or job is None or job.model is None:
            raise user_error(f"properties.model names model {name}:{version}, which is not "
                             "registered in this workspace.", target="properties.model")
        return job.model

    # --- jobs ------------------------------------------------------------------------------

    @staticmethod
    def job(ws: Workspace, name: str) -> Job:
        found = ws.jobs.get(name.lower())
        if found is None:
            raise not_found("job", name)
        return found

    def put_job(self, ws: Workspace, name: str, body: Any) -> tuple[Job, bool]:
        check_resource_name(name, "job")
        properties = check(JOB, body)["properties"]
        current = ws.jobs.get(name.lower())
        if current is not None:
            # ML-V2 §2 (Jobs_CreateOrUpdate summary): an update replaces the tags.
            current.properties["tags"] = properties.get("tags", {})
            current.modified = later_than(current.modified)
            return current, False
        if properties["jobType"] != "Command":
            raise user_error(f"The emulator runs Command jobs only, not {properties['jobType']}.",
                             target="properties.jobType")
        for field in ("command", "environmentId"):  # D:CommandJob required
            if not properties.get(field):
                raise user_error(f"properties.{field} is required for a Command job.",
                                 target=f"properties.{field}")
        job = Job(name=name, rid=f"{ws.rid}/jobs/{name}", spec={"properties": properties},
                  output_uri=output_uri(ws, name))
        ws.jobs[name.lower()] = job
        threading.Thread(target=run_job, args=(job, self._storage(),
                                               self.config.settings.degrade_training,
                                               lambda _job: None),
                         name=f"mlv2-job-{name[:20]}", daemon=True).start()
        return job, True

    def read_job(self, ws: Workspace, name: str) -> Job:
        """A GET: the job one read further along its status sequence."""
        job = self.job(ws, name)
        if job.status in TERMINAL or job.status == "CancelRequested":
            return job
        job.reads += 1
        if job.done.is_set() and job.reads > self.config.settings.mlv2_job_polls:
            job.status = "Failed" if job.failure else "Completed"
        else:
            job.status = "Queued" if job.reads <= 1 else "Running"
        job.modified = later_than(job.modified)
        return job

    def cancel_job(self, ws: Workspace, name: str) -> Operation:
        """202: ``CancelRequested`` now, ``Canceled`` when the operation ends; a terminal job
        keeps its status (reference silent: cancelling is idempotent)."""
        job = self.job(ws, name)
        if job.status not in TERMINAL:
            job.status = "CancelRequested"

        def apply() -> None:
            if job.status not in TERMINAL:
                job.status = "Canceled"
        return self.ops.start("cancel", ws.subscription, ws.location, job.rid + "/cancel",
                              apply)

    def delete_job(self, ws: Workspace, name: str) -> Operation | None:
        job = ws.jobs.get(name.lower())
        if job is None:
            return None

        def apply() -> None:
            ws.jobs.pop(name.lower(), None)
        return self.ops.start("delete", ws.subscription, ws.location, job.rid, apply)
