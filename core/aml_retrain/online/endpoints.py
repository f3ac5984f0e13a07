"""Online endpoints: list/get/put/wait, the traffic split (ML-V2.md §3), keys and scoring."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aml_retrain._json import JsonObject, copy_json
from aml_retrain.errors import OperationTimeoutError, ValidationError, VerificationError
from aml_retrain.online import scoring
from aml_retrain.online.deployments import DeploymentOps
from aml_retrain.online.names import check_deployment, check_resource
from aml_retrain.online.results import (
    PROVISIONING_TERMINAL,
    Deployment,
    Endpoint,
    EndpointKeys,
    ScoreOutcome,
    TrafficChange,
)

__all__ = ["AAD_SCORING_SCOPE", "DEFAULT_UPDATE_TIMEOUT", "EndpointOps", "check_mirror", "check_traffic",
           "put_body"]

DEFAULT_UPDATE_TIMEOUT = 1800.0
# The audience of Microsoft Entra tokens for AADToken endpoints (ML-V2.md §4: not in the spec).
AAD_SCORING_SCOPE = "https://ml.azure.com/.default"


def _shares(split: Mapping[str, Any], what: str) -> dict[str, int]:
    shares: dict[str, int] = {}
    for name, share in split.items():
        check_deployment(str(name))
        if isinstance(share, bool) or not isinstance(share, int) or not 0 <= share <= 100:
            raise ValidationError(f"{what} for {name!r} must be a whole percentage 0-100, got "
                                  f"{share!r}")
        shares[str(name)] = share
    return shares


def check_traffic(traffic: Mapping[str, Any]) -> dict[str, int]:
    """Return ``traffic`` as {deployment: int}, or raise ValidationError (0..100, sum 100 or 0)."""
    shares = _shares(traffic, "traffic")
    added = sum(shares.values())
    if added not in (0, 100):
        raise ValidationError(f"traffic adds up to {added}%: the shares must add up to 100 "
                              "(or all be 0)")
    return shares


def check_mirror(mirror: Mapping[str, Any]) -> dict[str, int]:
    """Return ``mirror`` as {deployment: int}, or raise ValidationError (sum at most 50)."""
    shares = _shares(mirror, "mirror traffic")
    if sum(shares.values()) > 50:
        raise ValidationError(f"mirror traffic adds up to {sum(shares.values())}%: at most 50 may "
                              "be mirrored")
    return shares


def put_body(raw: JsonObject) -> JsonObject:
    """Return a PUT body from a GET: everything kept (traffic, mirrorTraffic …) except ``keys``."""
    body: JsonObject = copy_json(raw)
    props = body.get("properties")
    if not isinstance(props, dict):
        raise ValidationError("an endpoint body needs 'properties' (with authMode and traffic)")
    # keys is create-only and always read back null (ML-V2.md §2): never send it.
    props.pop("keys", None)
    if not isinstance(props.get("traffic"), dict):
        # Omitting traffic on an existing endpoint resets every deployment to 0% (contract §7).
        raise ValidationError("the endpoint body has no properties.traffic: a PUT without it sets "
                              "every deployment to 0%; GET the endpoint and keep its traffic")
    if not isinstance(props.get("mirrorTraffic"), dict):
        props["mirrorTraffic"] = {}  # what omitting it means; sent so the intent is explicit
    return body


def _live(split: Mapping[str, int]) -> dict[str, int]:
    return {name: share for name, share in split.items() if share}


class EndpointOps(DeploymentOps):
    """Endpoint operations of :class:`~aml_retrain.online.client.OnlineClient`."""

    def _endpoint_path(self, name: str) -> str:
        return self._path("onlineEndpoints", check_resource(name, "endpoint"))

    def list_endpoints(self) -> list[Endpoint]:
        """List the workspace's online endpoints (every page)."""
        return [Endpoint.from_arm(e) for e in self._arm.list(self._path("onlineEndpoints"))]

    def get_endpoint(self, name: str) -> Endpoint:
        """GET one endpoint (``raw`` holds ARM's JSON as sent)."""
        return Endpoint.from_arm(self._arm.get(self._endpoint_path(name)))

    def put_endpoint(self, name: str, envelope: JsonObject, *,
                     timeout: float = DEFAULT_UPDATE_TIMEOUT) -> Endpoint:
        """PUT the whole envelope (never ``keys``), follow the operation, return the final GET."""
        body = put_body(envelope)
        return Endpoint.from_arm(self._arm.put_lro(self._endpoint_path(name), body, timeout=timeout))

    def wait_endpoint(self, name: str, *, timeout: float = DEFAULT_UPDATE_TIMEOUT) -> Endpoint:
        """Poll the endpoint until its provisioning state is Succeeded, Failed or Canceled."""
        path = self._endpoint_path(name)
        last, done, _reads = self._waiter.until(
            lambda: Endpoint.from_arm(self._arm.get(path)),
            lambda e: e.provisioning_state in PROVISIONING_TERMINAL, timeout)
        if not done:
            raise OperationTimeoutError(
                f"endpoint {name} was still {last.provisioning_state or 'provisioning'} after "
                f"{timeout:g} s: wait again, or raise --timeout")
        return last

    def set_traffic(self, endpoint: str, traffic: Mapping[str, int], *,
                    mirror_traffic: Mapping[str, int] | None = None,
                    timeout: float = DEFAULT_UPDATE_TIMEOUT) -> TrafficChange:
        """GET, change the split only, PUT the whole endpoint, then re-read until it shows.

        ``mirror_traffic`` None keeps the endpoint's mirroring. Every check (names, shares, targets
        provisioned, no live target mirrored) runs before the PUT, so a refusal changes nothing.
        """
        wanted = check_traffic(traffic)
        path = self._endpoint_path(endpoint)
        start = self._waiter.clock()
        raw = self._arm.get(path)
        before = Endpoint.from_arm(raw)
        mirror = (before.mirror_traffic if mirror_traffic is None
                  else check_mirror(mirror_traffic))
        if _live(wanted) == _live(before.traffic) and _live(mirror) == _live(before.mirror_traffic):
            return TrafficChange(endpoint, before.traffic, before.traffic, before.mirror_traffic,
                                 reads=1, changed=False)
        existing = self._check_targets(endpoint, wanted, mirror)
        # Deployments left out get an explicit 0 (what they receive otherwise is not in the spec).
        split = {**{n: 0 for n in before.traffic if n in existing}, **wanted}
        body = put_body(raw)
        body["properties"]["traffic"] = split
        body["properties"]["mirrorTraffic"] = mirror
        final = Endpoint.from_arm(self._arm.put_lro(path, body, timeout=timeout))
        if _live(final.traffic) == _live(wanted):  # the operation's own final GET shows it
            return TrafficChange(endpoint, before.traffic, final.traffic, final.mirror_traffic,
                                 reads=2, changed=True)
        # Traffic is eventually consistent (contract §7): read until the new split is visible.
        remaining = max(timeout - (self._waiter.clock() - start), 0.001)
        self._waiter.sleep(min(self._waiter.interval, remaining))
        seen, done, reads = self._waiter.until(
            lambda: Endpoint.from_arm(self._arm.get(path)),
            lambda e: _live(e.traffic) == _live(wanted), remaining)
        if not done:
            raise VerificationError(
                f"endpoint {endpoint} accepted the traffic change but still shows {seen.traffic} "
                f"after {reads + 1} reads (wanted {wanted}): read it again before retrying")
        return TrafficChange(endpoint, before.traffic, seen.traffic, seen.mirror_traffic,
                             reads=reads + 2, changed=True)

    def _check_targets(self, endpoint: str, wanted: Mapping[str, int],
                       mirror: Mapping[str, int]) -> set[str]:
        """Refuse a split the service would refuse; return the endpoint's deployment names."""
        deployments: dict[str, Deployment] = {
            d.name: d for d in self.list_deployments(endpoint)}
        named = sorted(set(wanted) | set(mirror))
        unknown = [n for n in named if n not in deployments]
        if unknown:
            raise ValidationError(
                f"endpoint {endpoint} has no deployment {', '.join(unknown)}: it has "
                f"{', '.join(sorted(deployments)) or 'none'}")
        unready = sorted({n for split in (wanted, mirror) for n, share in split.items()
                          if share and deployments[n].provisioning_state != "Succeeded"})
        if unready:
            states = ", ".join(f"{n} is {deployments[n].provisioning_state}" for n in unready)
            raise ValidationError(f"only a Succeeded deployment can take traffic ({states}): wait "
                                  "for it or choose another")
        both = [n for n in mirror if mirror[n] and wanted.get(n)]
        if both:
            raise ValidationError(f"{', '.join(both)} would take live and mirrored traffic: stop "
                                  "mirroring to it first (mirror_traffic)")
        return set(deployments)

    def list_keys(self, endpoint: str) -> EndpointKeys:
        """POST listKeys (Key endpoints); the keys are secrets and never printed."""
        _status, body = self._arm.send("POST", self._endpoint_path(endpoint) + "/listKeys")
        body = body or {}
        primary, secondary = body.get("primaryKey"), body.get("secondaryKey")
        if not primary:
            raise ValidationError(f"endpoint {endpoint} returned no key: is its authMode Key?")
        return EndpointKeys(str(primary), str(secondary or ""))

    def _scoring_bearer(self, endpoint: Endpoint) -> str:
        """Return what to send as Bearer: the primary key, an AAD token, or an AML token."""
        mode = endpoint.auth_mode.lower()
        if mode == "key":
            return self.list_keys(endpoint.name).primary
        if mode == "aadtoken":
            return self._arm.token(AAD_SCORING_SCOPE)
        if mode == "amltoken":
            _status, body = self._arm.send("POST", self._endpoint_path(endpoint.name) + "/token")
            token = (body or {}).get("accessToken")
            if token:
                return str(token)
        raise ValidationError(f"endpoint {endpoint.name} has authMode {endpoint.auth_mode!r}: "
                              "expected Key, AADToken or AMLToken")

    def score(self, endpoint: str, rows: scoring.Rows, *, deployment: str | None = None,
              timeout: float | None = None) -> ScoreOutcome:
        """Score ``rows`` on ``endpoint`` (on ``deployment`` only, if given), key or token as needed."""
        return self.scorer(endpoint, deployment=deployment, timeout=timeout)(rows)

    def scorer(self, endpoint: str, *, deployment: str | None = None,
               timeout: float | None = None) -> Callable[[scoring.Rows], ScoreOutcome]:
        """Return a function scoring rows on ``endpoint``; the URI and key or token are read once."""
        found = self.get_endpoint(endpoint)
        uri = found.scoring_uri
        if not uri:
            raise ValidationError(f"endpoint {endpoint} has no scoringUri yet: wait for it to be "
                                  "provisioned")
        bearer = self._scoring_bearer(found)
        wait = timeout or self._arm.timeout

        def send(rows: scoring.Rows) -> ScoreOutcome:
            return scoring.score(self._session, uri, rows, bearer=bearer, deployment=deployment,
                                 timeout=wait)

        return send
