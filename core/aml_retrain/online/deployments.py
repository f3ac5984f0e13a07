"""Online deployments: list/get, create from a serving deployment with a new model, wait, delete."""

from __future__ import annotations

from collections.abc import Callable

from aml_retrain._json import JsonObject, copy_json
from aml_retrain.errors import (
    AlreadyExistsError,
    NotFoundError,
    OperationFailedError,
    OperationTimeoutError,
    ValidationError,
)
from aml_retrain.online._base import WorkspaceScope
from aml_retrain.online.names import check_deployment, check_resource
from aml_retrain.online.results import Deployment, as_object

__all__ = ["COPIED_PROPERTIES", "DEFAULT_DEPLOY_TIMEOUT", "DeploymentOps", "deployment_body"]

DEFAULT_DEPLOY_TIMEOUT = 3600.0  # the service's own x-ms-async-operation-timeout (PT1H, contract §1)
# What a new deployment takes over from the one serving now (D:OnlineDeployment and its base);
# the model is the only thing that changes. provisioningState and the rest of readOnly stay behind.
COPIED_PROPERTIES = (
    "endpointComputeType", "instanceType", "scaleSettings", "requestSettings", "livenessProbe",
    "readinessProbe", "startupProbe", "environmentId", "codeConfiguration", "environmentVariables",
    "appInsightsEnabled", "egressPublicNetworkAccess", "modelMountPath", "dataCollector",
    "description", "properties",
)
_COPIED_ENVELOPE = ("location", "kind", "sku", "identity", "tags")


def deployment_body(source: JsonObject, model_id: str, *,
                    instance_count: int | None = None) -> JsonObject:
    """Return a PUT body copying ``source``'s settings (sku.capacity = instance count) with ``model_id``."""
    props = as_object(source.get("properties"))
    body: JsonObject = {k: copy_json(source[k]) for k in _COPIED_ENVELOPE if source.get(k) is not None}
    body.setdefault("sku", {"name": "Default", "capacity": 1})  # contract §6: Default, one instance
    if instance_count is not None:
        body["sku"]["capacity"] = _check_count(instance_count)
    new_props = {k: copy_json(props[k]) for k in COPIED_PROPERTIES if props.get(k) is not None}
    new_props.setdefault("endpointComputeType", "Managed")
    new_props["model"] = model_id
    body["properties"] = new_props
    return body


def _check_count(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValidationError(f"instance count must be a whole number of at least 1, got {count!r}")
    return count


class DeploymentOps(WorkspaceScope):
    """Deployment operations of :class:`~aml_retrain.online.client.OnlineClient`."""

    def _deployment_path(self, endpoint: str, name: str | None = None) -> str:
        base = self._path("onlineEndpoints", check_resource(endpoint, "endpoint"), "deployments")
        return base if name is None else f"{base}/{check_deployment(name)}"

    def model_id(self, name: str, version: str) -> str:
        """Return the ARM id of a model version: what ``properties.model`` holds (contract §6)."""
        return self._path("models", check_resource(name, "model"),
                          "versions", check_resource(version, "model version"))

    def list_deployments(self, endpoint: str) -> list[Deployment]:
        """List an endpoint's deployments (every page)."""
        return [Deployment.from_arm(d, endpoint)
                for d in self._arm.list(self._deployment_path(endpoint))]

    def get_deployment(self, endpoint: str, name: str) -> Deployment:
        """GET one deployment."""
        return Deployment.from_arm(self._arm.get(self._deployment_path(endpoint, name)), endpoint)

    def create_deployment(self, endpoint: str, name: str, model_id: str, *, source: str,
                          timeout: float = DEFAULT_DEPLOY_TIMEOUT, exist_ok: bool = False,
                          instance_count: int | None = None) -> Deployment:
        """Create deployment ``name`` serving ``model_id``, copying deployment ``source``'s settings.

        ``instance_count`` (sku.capacity) overrides the source's; it is checked before any request.

        An existing ``name`` is an AlreadyExistsError (nothing sent) unless ``exist_ok`` and it already
        serves ``model_id`` and Succeeded: then it is returned as is, so a retried promotion resumes.
        """
        path = self._deployment_path(endpoint, name)
        check_deployment(source)
        if instance_count is not None:
            _check_count(instance_count)
        existing = self._find(path, endpoint)
        if existing is not None:
            if exist_ok and existing.model.lower() == model_id.lower() \
                    and existing.provisioning_state == "Succeeded":
                return existing
            raise AlreadyExistsError(
                f"deployment {name} already exists on {endpoint} (serving {existing.model}, "
                f"{existing.provisioning_state}): pick another name or delete it first",
                url=self._arm.url(path))
        template = self._arm.get(self._deployment_path(endpoint, source))
        body = deployment_body(template, model_id, instance_count=instance_count)
        created = Deployment.from_arm(self._arm.put_lro(path, body, timeout=timeout), endpoint)
        if created.provisioning_state not in ("", "Succeeded"):
            raise OperationFailedError(
                f"deployment {name} ended {created.provisioning_state}: check its logs "
                "(getLogs) before retrying", status=created.provisioning_state,
                url=self._arm.url(path), method="PUT")
        return created

    def _find(self, path: str, endpoint: str) -> Deployment | None:
        try:
            return Deployment.from_arm(self._arm.get(path), endpoint)
        except NotFoundError:
            return None

    def wait_deployment(self, endpoint: str, name: str, *, timeout: float = DEFAULT_DEPLOY_TIMEOUT,
                        on_update: Callable[[Deployment], None] | None = None) -> Deployment:
        """Poll until provisioning is Succeeded (returned), Failed or Canceled (raised)."""
        path = self._deployment_path(endpoint, name)
        last, done, _reads = self._waiter.until(
            lambda: Deployment.from_arm(self._arm.get(path), endpoint), lambda d: d.done, timeout,
            on_update=on_update)
        if not done:
            raise OperationTimeoutError(
                f"deployment {name} was still {last.provisioning_state or 'provisioning'} after "
                f"{timeout:g} s: the service may still finish; wait again or raise --timeout")
        if last.provisioning_state != "Succeeded":
            raise OperationFailedError(
                f"deployment {name} ended {last.provisioning_state}: check its logs before retrying",
                status=last.provisioning_state, url=self._arm.url(path), method="GET")
        return last

    def delete_deployment(self, endpoint: str, name: str, *,
                          timeout: float = DEFAULT_DEPLOY_TIMEOUT) -> None:
        """DELETE a deployment and follow the operation until it is gone."""
        self._arm.delete_lro(self._deployment_path(endpoint, name), timeout=timeout)
