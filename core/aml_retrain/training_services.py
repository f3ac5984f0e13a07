"""Where a training web service's Batch Execution Service (BES) lives, for either kind of service.

Both kinds retrain the same way (CLASSIC-API §6, ARM-WEBSERVICES §4.4): a BES job on the *training*
web service, ``{base}/jobs?api-version=2.0`` with the service's key. Only the lookup differs:

- classic: the endpoint's ``ApiLocation`` and ``PrimaryKey`` from the management API;
- new (ARM): the base is ``properties.swaggerLocation`` without ``/swagger.json``
  (``…/subscriptions/{sub}/services/{guid}``), the key comes from ``GET …/listKeys``.

A *reference* names a training service: a classic web service id, or ``arm:RESOURCE_GROUP/NAME``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from aml_retrain.errors import ConfigError, ValidationError

if TYPE_CHECKING:
    import requests

    from aml_retrain.arm.client import ArmWebServiceClient
    from aml_retrain.classic.bes import BatchExecutionClient
    from aml_retrain.classic.management import ClassicManagementClient

__all__ = [
    "ARM_PREFIX",
    "ArmTrainingServices",
    "BesLocation",
    "ClassicTrainingServices",
    "TrainingServices",
    "as_training_services",
    "canonical_reference",
]

ARM_PREFIX = "arm:"
_CLASSIC_PREFIX = "classic:"
_SWAGGER = "/swagger.json"


@dataclass(frozen=True)
class BesLocation:
    """One training service's BES base URL and key (the key never shows in a repr)."""

    reference: str
    kind: str
    endpoint: str
    api_location: str
    key: str = field(repr=False)
    workspace_id: str = ""
    subscription_id: str | None = None


class _Kind(Protocol):
    kind: str

    def locate(self, reference: str, endpoint: str | None = None) -> BesLocation: ...

    def bes(self, location: BesLocation) -> BatchExecutionClient: ...

    def close(self) -> None: ...


def _split_arm(reference: str) -> tuple[str, str]:
    from aml_retrain.arm.client import validate_names

    path = reference[len(ARM_PREFIX):].strip()
    group, slash, name = path.partition("/")
    if not slash or not group or not name or "/" in name:
        raise ValidationError(
            f"invalid training service {reference!r}: expected arm:RESOURCE_GROUP/NAME"
        )
    validate_names(group, name)
    return group, name


def canonical_reference(reference: str) -> str:
    """Return the journal's spelling: ``arm:RG/NAME``, or the bare classic id."""
    text = (reference or "").strip()
    if text.startswith(ARM_PREFIX):
        group, name = _split_arm(text)
        return f"{ARM_PREFIX}{group}/{name}"
    if text.startswith(_CLASSIC_PREFIX):
        text = text[len(_CLASSIC_PREFIX):].strip()
    if not text or any(c in text for c in " /?#"):
        raise ValidationError(
            f"invalid training service {reference!r}: give a classic web service id or "
            "arm:RESOURCE_GROUP/NAME"
        )
    return text


class ClassicTrainingServices:
    """Classic training services: endpoint ``ApiLocation`` and key from the management API."""

    kind = "classic"

    def __init__(self, mgmt: ClassicManagementClient) -> None:
        self.mgmt = mgmt

    def locate(self, reference: str, endpoint: str | None = None) -> BesLocation:
        """Return the BES location of the service's endpoint (the default one if None)."""
        from aml_retrain.classic.validation import validate_endpoint_name

        service_id = canonical_reference(reference)
        if endpoint is not None:
            validate_endpoint_name(endpoint)
        else:
            service = self.mgmt.get_web_service(service_id)
            endpoint = str(service.get("DefaultEndpointName") or "default")
        obj = self.mgmt.get_endpoint(service_id, endpoint)
        api_location = obj.get("ApiLocation")
        key = obj.get("PrimaryKey") or obj.get("SecondaryKey")
        if not isinstance(api_location, str) or not api_location or not isinstance(key, str) \
                or not key:
            raise ConfigError(
                f"endpoint {endpoint!r} of web service {service_id} came back without ApiLocation "
                "or keys: check that the workspace token may read endpoint keys"
            )
        return BesLocation(service_id, self.kind, endpoint, api_location, key,
                           workspace_id=self.mgmt.workspace_id)

    def bes(self, location: BesLocation) -> BatchExecutionClient:
        """Return a BES client sharing the management session (same retries, same CA bundle)."""
        from aml_retrain.classic.bes import BatchExecutionClient

        return BatchExecutionClient(location.api_location, location.key,
                                    session=self.mgmt.session, timeout=self.mgmt.timeout)

    def close(self) -> None:
        """Nothing to close: the management client belongs to the caller."""


class ArmTrainingServices:
    """New (ARM) training services: BES base from ``swaggerLocation``, key from listKeys."""

    kind = "arm"

    def __init__(self, client: ArmWebServiceClient, *, timeout: float | None = None) -> None:
        self.client = client
        self.timeout = timeout
        self._session: requests.Session | None = None

    def locate(self, reference: str, endpoint: str | None = None) -> BesLocation:
        """Return the service's BES location; ``endpoint`` is ignored (one endpoint per service)."""
        group, name = _split_arm(canonical_reference(reference))
        service = self.client.get(group, name)
        props = service.get("properties") or {}
        swagger = props.get("swaggerLocation")
        if not isinstance(swagger, str) or not swagger.endswith(_SWAGGER):
            raise ValidationError(
                f"web service {group}/{name} has no swaggerLocation yet (provisioning state "
                f"{props.get('provisioningState')!r}): wait until it is Succeeded, then retry"
            )
        keys = self.client.list_keys(group, name)
        key = keys.get("primary") or keys.get("secondary")
        if not isinstance(key, str) or not key:
            raise ConfigError(
                f"listKeys of web service {group}/{name} returned no key: check that your "
                "identity may list the web service's keys (Contributor on the resource)"
            )
        return BesLocation(f"{ARM_PREFIX}{group}/{name}", self.kind, "default",
                           swagger[: -len(_SWAGGER)], key,
                           subscription_id=self.client.subscription_id)

    def bes(self, location: BesLocation) -> BatchExecutionClient:
        """Return a BES client on this object's own HTTP session (the ARM SDK has its own)."""
        from aml_retrain import _http
        from aml_retrain.classic.bes import BatchExecutionClient

        if self._session is None:
            self._session = _http.make_session(ca_bundle=self.client.ca_bundle)
        return BatchExecutionClient(location.api_location, location.key, session=self._session,
                                    timeout=self.timeout)

    def close(self) -> None:
        """Close the BES session this object opened."""
        if self._session is not None:
            self._session.close()
            self._session = None


class TrainingServices:
    """Send each reference to its kind, building a kind's client on first use."""

    def __init__(
        self,
        classic: Callable[[], ClassicManagementClient] | None = None,
        arm: Callable[[], ArmWebServiceClient] | None = None,
    ) -> None:
        self._factories: dict[str, Callable[[], Any] | None] = {"classic": classic, "arm": arm}
        self._kinds: dict[str, _Kind] = {}

    @staticmethod
    def _kind_of(reference: str) -> str:
        return "arm" if canonical_reference(reference).startswith(ARM_PREFIX) else "classic"

    def _get(self, kind: str) -> _Kind:
        built = self._kinds.get(kind)
        if built is not None:
            return built
        factory = self._factories.get(kind)
        if factory is None:
            hint = ("set AML_RETRAIN_SUBSCRIPTION_ID and ARM credentials" if kind == "arm"
                    else "set AML_RETRAIN_WORKSPACE_ID and AML_RETRAIN_WORKSPACE_TOKEN")
            raise ConfigError(f"no {kind} client is configured for this training service: {hint}")
        client = factory()
        built = ArmTrainingServices(client) if kind == "arm" else ClassicTrainingServices(client)
        self._kinds[kind] = built
        return built

    def locate(self, reference: str, endpoint: str | None = None) -> BesLocation:
        """Return the BES location of the training service ``reference`` names."""
        return self._get(self._kind_of(reference)).locate(reference, endpoint)

    def bes(self, location: BesLocation) -> BatchExecutionClient:
        """Return a BES client for ``location`` (from :meth:`locate`)."""
        return self._get(location.kind).bes(location)

    def close(self) -> None:
        """Close what this object opened (clients from factories belong to their owner)."""
        for kind in self._kinds.values():
            kind.close()


def as_training_services(source: Any) -> TrainingServices:
    """Wrap a classic management client, an ARM client or TrainingServices (returned as is)."""
    if isinstance(source, TrainingServices):
        return source
    from aml_retrain.arm.client import ArmWebServiceClient

    if isinstance(source, ArmWebServiceClient):
        return TrainingServices(arm=lambda: source)
    return TrainingServices(classic=lambda: source)
