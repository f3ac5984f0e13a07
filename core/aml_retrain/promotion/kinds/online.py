"""Online target: ``online:RESOURCE_GROUP/WORKSPACE/ENDPOINT[#DEPLOYMENT]``, a v2 managed online endpoint.

A model is a registered model version, recorded as ``azureml:NAME:VERSION`` (relative to the
target's workspace). Deploying it creates a deployment copied from the one it replaces (the
pinned ``#DEPLOYMENT``, else the one taking most traffic), waits for it, then moves that
deployment's share of traffic to it with a whole-endpoint PUT. With ``promote --smoke`` the new
deployment first scores the rows through the ``azureml-model-deployment`` header (at 0 %); a
failure leaves traffic where it was. Afterwards idle deployments past ``online_keep`` (default 1)
are deleted, never one taking live or mirror traffic, the one replaced, or the one the ledger's
rollback returns to; so a rollback is a traffic switch back (a redeploy when it is gone).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from aml_retrain.errors import ValidationError
from aml_retrain.promotion.kinds import JsonObject, Target, TargetState, canonical_hash, path_parts

if TYPE_CHECKING:
    from aml_retrain.config import Settings
    from aml_retrain.evaluation import Metrics
    from aml_retrain.online import OnlineClient
    from aml_retrain.online.results import Deployment, Endpoint
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.health import Probe, ProbeResult

__all__ = ["KIND", "OnlineClients", "OnlineKind", "OnlineTarget"]


@dataclass(frozen=True)
class OnlineTarget:
    """A managed online endpoint; ``deployment`` pins the deployment a promotion replaces."""

    resource_group: str
    workspace: str
    endpoint: str
    deployment: str | None = None
    kind: ClassVar[str] = "online"

    def __str__(self) -> str:
        pin = f"#{self.deployment}" if self.deployment else ""
        return f"online:{self.resource_group}/{self.workspace}/{self.endpoint}{pin}"


def _own(target: Target) -> OnlineTarget:
    assert isinstance(target, OnlineTarget)  # the registry routes by prefix
    return target


class OnlineClients:
    """The online kind's client: one :class:`OnlineClient` per workspace, built on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._built: dict[tuple[str, str], OnlineClient] = {}

    def workspace(self, resource_group: str, workspace: str) -> OnlineClient:
        """Return the client of one workspace."""
        key = (resource_group, workspace)
        if key not in self._built:
            from aml_retrain.online import OnlineClient

            self._built[key] = OnlineClient.from_settings(self.settings, resource_group, workspace)
        return self._built[key]

    def close(self) -> None:
        """Close every workspace client built."""
        for client in self._built.values():
            client.close()


def _clients(context: PromotionContext) -> OnlineClients:
    clients: OnlineClients = context.clients.get("online")
    return clients


def _client(context: PromotionContext, target: OnlineTarget) -> OnlineClient:
    return _clients(context).workspace(target.resource_group, target.workspace)


def _key_of(model_id: str) -> str:
    from aml_retrain.online.models import parse_model_ref

    name, version = parse_model_ref(model_id)
    return f"azureml:{name}:{version}"


def _source(own: OnlineTarget, endpoint: Endpoint) -> str:
    chosen = own.deployment or endpoint.serving()
    if chosen is None:
        raise ValidationError(f"no deployment of {own.endpoint} takes traffic: pin the one to "
                              f"replace, e.g. {own}#DEPLOYMENT")
    return chosen


def _live(split: Mapping[str, int]) -> dict[str, int]:
    return {name: share for name, share in split.items() if share}


class OnlineKind:
    """Azure ML v2 managed online endpoints: a new deployment per model version, traffic moved."""

    prefix = "online"
    forms: tuple[str, ...] = ("online:RESOURCE_GROUP/WORKSPACE/ENDPOINT",
                              "online:RESOURCE_GROUP/WORKSPACE/ENDPOINT#DEPLOYMENT")
    usage = "online:RG/WORKSPACE/ENDPOINT[#DEPLOYMENT]"
    shares_sas = False  # a model version is not a blob URL
    needs_training_service = False  # retraining re-runs the job behind the serving model
    smoke_scores = True  # a new deployment answers through azureml-model-deployment at 0 %
    traffic_steps = True  # the endpoint splits (and mirrors) traffic between deployments

    def parse(self, path: str, selector: str | None) -> OnlineTarget:
        """Parse ``RESOURCE_GROUP/WORKSPACE/ENDPOINT`` (already split from ``#DEPLOYMENT``)."""
        from aml_retrain.online.names import (
            check_deployment,
            check_resource,
            check_resource_group,
            check_workspace,
        )

        group, workspace, endpoint = path_parts(path, 3, "RESOURCE_GROUP/WORKSPACE/ENDPOINT",
                                                self.prefix)
        check_resource_group(group)
        check_workspace(workspace)
        check_resource(endpoint, "endpoint")
        if selector is not None:
            check_deployment(selector)
        return OnlineTarget(group, workspace, endpoint, selector)

    def make_client(self, settings: Settings) -> OnlineClients:
        """Build the per-workspace client cache (nothing is contacted yet)."""
        return OnlineClients(settings)

    def read_state(self, target: Target, context: PromotionContext) -> TargetState:
        """GET the endpoint and its deployments; the hash covers traffic and deployments' models."""
        own = _own(target)
        client = _client(context, own)
        endpoint = client.get_endpoint(own.endpoint)
        deployments = {d.name: d for d in client.list_deployments(own.endpoint)}
        serving = own.deployment or endpoint.serving()
        model = ""
        if serving is not None and serving in deployments and deployments[serving].model:
            model = _key_of(deployments[serving].model)
        models = {name: d.model.lower() for name, d in sorted(deployments.items())}
        live = {"traffic": _live(endpoint.traffic), "mirror": _live(endpoint.mirror_traffic),
                "deployments": models}
        detail: JsonObject = {
            "endpoint_id": endpoint.id, "deployment": serving, "traffic": dict(endpoint.traffic),
            "mirror_traffic": dict(endpoint.mirror_traffic),
            "deployments": {name: _key_of(d.model) if d.model else None
                            for name, d in sorted(deployments.items())},
        }
        raw: JsonObject = {"endpoint": endpoint.raw,
                           "deployments": [d.raw for d in deployments.values()]}
        return TargetState(own, model, canonical_hash(live), detail, raw)

    def deploy(self, target: Target, model: str, context: PromotionContext, *,
               dry_run: bool = False) -> JsonObject:
        """Create (or reuse) the model's deployment, wait for it, then move the traffic to it."""
        from aml_retrain._files import write_private_json
        from aml_retrain.online import deployment_name_for
        from aml_retrain.online.models import parse_model_ref

        own = _own(target)
        client = _client(context, own)
        name, version = parse_model_ref(self.model_key(own, model))
        rows = _smoke_rows(context)  # a bad file is refused before any request
        model_id = client.model_id(name, version)
        endpoint = client.get_endpoint(own.endpoint)
        deployments = {d.name: d for d in client.list_deployments(own.endpoint)}
        source = _source(own, endpoint)
        if source not in deployments:
            raise ValidationError(f"{own.endpoint} has no deployment {source}: it has "
                                  f"{', '.join(sorted(deployments)) or 'none'}")
        reuse = _serving_model(deployments, model_id)
        chosen = reuse.name if reuse is not None else deployment_name_for(name, version)
        before = _live(endpoint.traffic)
        after = dict(before)
        share = after.pop(source, 0) if chosen != source else 0
        after[chosen] = after.get(chosen, 0) + share
        mirror = {n: s for n, s in endpoint.mirror_traffic.items() if n != chosen}
        shown: JsonObject = {
            "endpoint": own.endpoint, "endpoint_id": endpoint.id, "source": source,
            "deployment": chosen, "creates": reuse is None, "model_id": model_id,
            "traffic_before": before, "traffic_after": after,
            "mirror_before": dict(endpoint.mirror_traffic), "mirror_after": mirror,
        }
        plan = context.traffic_steps
        if dry_run:
            return {**shown, "dry_run": True, "smoke": rows is not None,
                    "steps": plan.to_dict() if plan is not None else None}
        backup = None
        if context.clients.backup_dir is not None:
            backup = str(write_private_json(context.clients.backup_dir, json.dumps(
                {"endpoint": endpoint.raw, "deployments": [d.raw for d in deployments.values()]},
                indent=2, sort_keys=True)))
        timeout = context.operation_timeout
        if reuse is None:
            client.create_deployment(own.endpoint, chosen, model_id, source=source,
                                     timeout=timeout, exist_ok=True)
        elif reuse.provisioning_state != "Succeeded":
            client.wait_deployment(own.endpoint, chosen, timeout=timeout)
        smoke = _smoke(client, own, chosen, rows) if rows is not None else None
        steps = None
        if plan is not None and plan.gradual and chosen != source:
            from aml_retrain.promotion.steps import walk

            steps = walk(plan, endpoint=own.endpoint, before=before,
                         mirror_before=_live(endpoint.mirror_traffic), mirror_after=mirror,
                         source=source, chosen=chosen,
                         apply=lambda t, m: client.set_traffic(own.endpoint, t, mirror_traffic=m,
                                                               timeout=timeout))
        # A failed or timed-out PUT is re-read by promote itself (deploy_and_report): applied or not.
        change = client.set_traffic(own.endpoint, after, mirror_traffic=mirror, timeout=timeout)
        keep = _clients(context).settings.online_keep
        protect = {chosen, source} | _serving(deployments, _rollback_model(context, own, model_id))
        pruned, kept, failed = _prune(client, own, deployments, change.after, change.mirror_traffic,
                                      protect=protect, keep=keep, timeout=timeout)
        return {**shown, "backup_path": backup, "reads": change.reads, "changed": change.changed,
                "traffic_after": dict(change.after), "smoke": smoke, "pruned": pruned,
                "kept": kept, "prune_failed": failed, "steps": steps}

    def probe(self, target: Target, context: PromotionContext, probe: Probe, *,
              deployment: str | None = None,
              clock: Callable[[], float] = time.perf_counter) -> ProbeResult:
        """Score each row on the scoring URI (as traffic routes it, or ``deployment`` by header)."""
        from aml_retrain.errors import AmlRetrainError, ServiceError
        from aml_retrain.promotion.health import ProbeResult, run_probe

        own = _own(target)
        try:
            send = _client(context, own).scorer(own.endpoint, deployment=deployment)
        except AmlRetrainError as exc:
            return ProbeResult.failed(len(probe.rows), exc)

        def predict(row: Mapping[str, Any]) -> Any:
            answer = send([row])
            if len(answer.predictions) != 1:
                raise ServiceError(f"the scoring answer holds {len(answer.predictions)} "
                                   "predictions for 1 row", status_code=200, method="POST")
            return answer.predictions[0]

        return run_probe(predict, probe, clock=clock)

    def plan_change(self, shown: Mapping[str, Any]) -> JsonObject:
        """The deployment a deploy would create or reuse and the traffic before and after."""
        keys = ("endpoint_id", "source", "deployment", "creates", "model_id", "traffic_before",
                "traffic_after", "mirror_before", "mirror_after")
        return {"kind": "online", **{k: shown[k] for k in keys}}

    def model_key(self, target: Target, model: str) -> str:
        """Return ``azureml:NAME:VERSION``; an ARM id must name the target's own workspace."""
        from aml_retrain.online.models import parse_model_ref

        own = _own(target)
        text = model.strip()
        if text.startswith("/") and f"/workspaces/{own.workspace.lower()}/" not in text.lower():
            raise ValidationError(f"model {text} is registered in another workspace than "
                                  f"{own.workspace}: register it there first")
        name, version = parse_model_ref(text if text.startswith(("/", "azureml:"))
                                        else f"azureml:{text}")
        return f"azureml:{name}:{version}"

    def model_from_job(self, target: Target, context: PromotionContext, job_id: str,
                       training_service: str | None,
                       *, want_metrics: bool) -> tuple[str, Metrics | None]:
        """The model version registered from the job (registered now if it is not yet)."""
        own = _own(target)
        client = _client(context, own)
        name = _serving_model_name(client, own)
        found = [v for v in client.list_model_versions(name) if v.job_name == job_id]
        version = found[-1] if found else client.register_model_from_job(name, job_id)
        metrics = self.job_metrics(target, context, job_id, training_service) if want_metrics \
            else None
        return f"azureml:{version.name}:{version.version}", metrics

    def retrain(self, target: Target, context: PromotionContext, data: str,
                training_service: str | None, *, budget: float) -> tuple[str, Metrics | None]:
        """Re-run the serving model's job on ``data`` and register its model (training_service unused)."""
        from aml_retrain.errors import JobFailedError
        from aml_retrain.evaluation import Metrics
        from aml_retrain.online.workflows import retrain_online

        own = _own(target)
        done = retrain_online(_client(context, own), data,
                              storage_connection_string=context.clients.storage_connection_string,
                              endpoint=own.endpoint, deployment=own.deployment, timeout=budget)
        if not done.succeeded:
            raise JobFailedError(f"job {done.job_id} ended {done.status}: "
                                 f"{done.error or 'the service gave no reason'}",
                                 job_id=done.job_id, status=done.status, details=done.error)
        return done.job_id, Metrics(done.metrics_kind or "", dict(done.metrics))

    def job_metrics(self, target: Target, context: PromotionContext, job_id: str,
                    training_service: str | None) -> Metrics | None:
        """The job's MLflow run metrics."""
        return _client(context, _own(target)).run_metrics(job_id).metrics

    def fresh_model(self, target: Target, planned: str, context: PromotionContext,
                    from_job: Callable[[], str] | None) -> str:
        """The planned model version as is: a version never changes once registered."""
        return planned

    def fingerprint_of(self, target: Target, context: PromotionContext, model: str,
                       key: str) -> tuple[JsonObject, list[str]]:
        """Return the version's record (id, model URI, job); a missing version is refused."""
        return self.check_restorable(target, context, key, {}), []

    def check_restorable(self, target: Target, context: PromotionContext, key: str,
                         chosen: Mapping[str, Any]) -> JsonObject:
        """Refuse a model version that is gone; return its record."""
        from aml_retrain.errors import NotFoundError
        from aml_retrain.online.models import parse_model_ref

        name, version = parse_model_ref(key)
        try:
            found = _client(context, _own(target)).get_model_version(name, version)
        except NotFoundError:
            raise ValidationError(f"model {key} is not registered in the workspace; nothing "
                                  "was changed") from None
        return {"id": found.id, "model_uri": found.to_dict()["model_uri"], "job_name": found.job_name}


def _serving_model(deployments: Mapping[str, Deployment], model_id: str) -> Deployment | None:
    same = [d for d in deployments.values() if d.model.lower() == model_id.lower()]
    ready = [d for d in same if d.provisioning_state == "Succeeded"]
    found = ready or same
    return found[0] if found else None


def _serving_model_name(client: OnlineClient, own: OnlineTarget) -> str:
    from aml_retrain.online.models import parse_model_ref

    source = _source(own, client.get_endpoint(own.endpoint))
    return parse_model_ref(client.get_deployment(own.endpoint, source).model)[0]


def _rollback_model(context: PromotionContext, own: OnlineTarget, model_id: str) -> str | None:
    """The model ``rollback`` returns to once this deploy is recorded (the ledger's rule)."""
    if context.ledger is None:
        return None  # then it is the replaced deployment's model, protected anyway
    deployed = _key_of(model_id)
    for entry in (context.ledger.current(str(own)), context.ledger.previous(str(own))):
        found = entry.get("new_model") if entry else None
        if found and found != deployed:
            return str(found)
    return None


def _serving(deployments: Mapping[str, Deployment], key: str | None) -> set[str]:
    return {name for name, d in deployments.items()
            if key is not None and d.model and _key_of(d.model) == key}


def _smoke_rows(context: PromotionContext) -> Any:
    if context.smoke_input is None:
        return None
    from aml_retrain.online.workflows import read_rows

    return read_rows(context.smoke_input)


def _smoke(client: OnlineClient, own: OnlineTarget, deployment: str, rows: Any) -> JsonObject:
    """Score ``rows`` on ``deployment`` alone; SmokeTestError (traffic untouched) if it fails."""
    from aml_retrain.errors import AmlRetrainError, SmokeTestError

    expected = len(rows["data"]) if isinstance(rows, dict) else len(rows)
    inspect = (f"traffic was not moved; {deployment} is left for inspection: aml-retrain online "
               f"score {own.resource_group} {own.workspace} {own.endpoint} --deployment "
               f"{deployment} --input FILE, then delete it or promote a fixed model")
    try:
        outcome = client.score(own.endpoint, rows, deployment=deployment)
    except AmlRetrainError as exc:
        raise SmokeTestError(f"smoke score of {deployment} failed ({type(exc).__name__}: {exc}); "
                             f"{inspect}") from None
    if len(outcome.predictions) != expected or outcome.deployment not in (None, deployment):
        raise SmokeTestError(
            f"smoke score of {deployment} answered {len(outcome.predictions)} predictions for "
            f"{expected} rows (from {outcome.deployment or 'an unnamed deployment'}); {inspect}")
    return {"deployment": deployment, "rows": expected}


def prune_plan(deployments: Mapping[str, Deployment], traffic: Mapping[str, int],
               mirror: Mapping[str, int], *, protect: set[str], keep: int) -> tuple[list[str], list[str]]:
    """Return ``(delete, kept)``: deployments past the ``keep`` newest idle ones, never a protected one.

    Idle: no live and no mirrored traffic. ``protect`` holds the new deployment and the one it
    replaced (the one a rollback switches back to): they are kept and count among ``keep``.
    """
    busy = set(_live(traffic)) | set(_live(mirror))
    idle = [d for name, d in deployments.items() if name not in busy]
    first = [d.name for d in idle if d.name in protect]
    # Newest first by creation time (then name): older deployments go before newer ones.
    rest = sorted((d for d in idle if d.name not in protect),
                  key=lambda d: (str(as_created(d)), d.name), reverse=True)
    room = max(keep - len(first), 0)
    kept = first + [d.name for d in rest[:room]]
    return [d.name for d in rest[room:]], kept


def as_created(deployment: Deployment) -> str:
    """The deployment's creation time as ARM's systemData says (empty when it does not)."""
    data = deployment.raw.get("systemData")
    return str(data.get("createdAt") or "") if isinstance(data, dict) else ""


def _prune(client: OnlineClient, own: OnlineTarget, before: Mapping[str, Deployment],
           traffic: Mapping[str, int], mirror: Mapping[str, int], *, protect: set[str],
           keep: int, timeout: float) -> tuple[list[str], list[str], list[str]]:
    """Delete the idle deployments past ``keep``; a failed delete is reported, not raised."""
    from aml_retrain.errors import AmlRetrainError

    delete, kept = prune_plan(before, traffic, mirror, protect=protect, keep=keep)
    pruned: list[str] = []
    failed: list[str] = []
    for name in delete:
        try:
            client.delete_deployment(own.endpoint, name, timeout=timeout)
            pruned.append(name)
        except AmlRetrainError as exc:  # the switch is done; an old deployment left is no error
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    return pruned, kept, failed


KIND = OnlineKind()
