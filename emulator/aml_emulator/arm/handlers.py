"""HTTP in/out of the ARM web service operations: auth, api-version, scope, answer (ARM §3–§5).

Every route needs ``Authorization: Bearer <arm_token>`` (the profile's token; ARM checks it
before anything else), then ``api-version=2017-01-01``. Headers common to ARM answers are added
by :func:`decorate`, for errors and injected faults too.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ..classic.handlers import bearer_token
from ..web import Handler, HTTPError, Request, Response
from . import errors as e
from .backend import ArmBackend
from .state import PROVIDER, Operation

__all__ = ["API_VERSION", "ArmHandlers", "decorate", "is_arm_path"]

API_VERSION = "2017-01-01"
Params = Mapping[str, str]
_SUB = r"/subscriptions/(?P<sub>[^/]+)"
_PROVIDER = r"/(?i:providers)/(?i:Microsoft\.MachineLearning)"
_GROUP = _SUB + r"/(?i:resourceGroups)/(?P<rg>[^/]+)" + _PROVIDER + r"/(?i:webServices)"
_SERVICE = _GROUP + r"/(?P<name>[^/]+)"
_LOCATION = _SUB + _PROVIDER + r"/(?i:locations)/(?P<loc>[^/]+)"
_OPERATIONS = [  # Operations_List: what the provider registered for webServices (ARM §2)
    {"name": f"{PROVIDER}/webServices/{action}", "display": {
        "provider": "Microsoft Machine Learning", "resource": "Machine Learning Web Service",
        "operation": title, "description": title}}
    for action, title in (("read", "Read any Machine Learning Web Service"),
                          ("write", "Create or update any Machine Learning Web Service"),
                          ("delete", "Delete any Machine Learning Web Service"),
                          ("listkeys/read", "Get the keys of any Machine Learning Web Service"))]


def is_arm_path(path: str) -> bool:
    return path.startswith(("/subscriptions/", "/providers/"))


def decorate(request: Request, response: Response) -> Response:
    """ARM §4.7 headers: correlation id (the client's, else new) and rate-limit counters.

    An empty answer has no ``Content-Type`` (the server sends ``Content-Length: 0``): PSREC1's
    DELETE 202 and ARM's operationresults 202 carry none."""
    headers = response.headers
    headers.setdefault("x-ms-correlation-request-id",
                       request.header("x-ms-correlation-request-id") or str(uuid.uuid4()))
    kind = "reads" if request.method in ("GET", "HEAD") else "writes"
    headers.setdefault(f"x-ms-ratelimit-remaining-subscription-{kind}",
                       "11999" if kind == "reads" else "1199")
    return response


class ArmHandlers:
    """One method per operation of SPEC17 (and the operation-status URLs of ARM §4.3, §4.5)."""

    def __init__(self, backend: ArmBackend) -> None:
        self.backend = backend

    def routes(self) -> list[tuple[str, str, Handler]]:
        h = self
        return [
            ("PUT", _SERVICE, h.put), ("GET", _SERVICE, h.get), ("PATCH", _SERVICE, h.patch),
            ("DELETE", _SERVICE, h.delete), ("HEAD", _SERVICE, h.exists),
            # SPEC17, PSCLIENT and PSREC1: GET only, unlike the ARM convention for list* actions.
            ("GET", _SERVICE + r"/(?i:listKeys)", h.list_keys),
            ("POST", _SERVICE + r"/(?i:listKeys)", h.list_keys_by_post),
            ("POST", _SERVICE + r"/(?i:CreateRegionalBlob)", h.regional),
            ("GET", _GROUP, h.list_group),
            ("GET", _SUB + _PROVIDER + r"/(?i:webServices)", h.list_subscription),
            ("GET", _LOCATION + r"/(?i:operationsStatus)/(?P<op>[^/]+)", h.status),
            ("GET", _LOCATION + r"/(?i:operationresults)/(?P<op>[^/]+)", h.result),
            ("GET", _PROVIDER + r"/(?i:operations)", h.operations),
        ]

    # --- common ----------------------------------------------------------------------------

    def _guard(self, request: Request) -> None:
        token = bearer_token(request)
        if token is None:
            raise e.authentication_failed(missing=True)
        if not self.backend.accepts_token(token):
            raise e.authentication_failed(missing=False)
        version = request.query.get("api-version")
        if version != API_VERSION:
            raise e.unsupported_api_version(version, API_VERSION)

    def _scope(self, request: Request, params: Params) -> tuple[str, str]:
        self._guard(request)
        sub, group = self.backend.scope(params["sub"], params["rg"])
        assert group is not None
        return sub, group

    @staticmethod
    def _body(request: Request) -> Any:
        try:
            body = request.json(required=True)
        except HTTPError as exc:
            raise e.invalid_request_content(exc.message) from None
        if not isinstance(body, dict):
            raise e.invalid_request_content("the body must be a JSON object.")
        return body

    def _url(self, op: Operation, kind: str = "operationsStatus") -> str:
        path = op.path().replace("/operationsStatus/", f"/{kind}/")
        return f"{self.backend.base_url}{path}?api-version={API_VERSION}"

    def _async(self, status: int, body: Any, op: Operation, *, location: bool) -> Response:
        # PUT/PATCH (ARM §4.1) and DELETE (PSREC1: 202, no body, these three headers) all send
        # the percentage; only DELETE (and CreateRegionalBlob, inferred) adds a Location.
        headers = {"Azure-AsyncOperation": self._url(op),
                   "Azure-AsyncOperationPercentComplete": "0"}
        if location:
            headers["Location"] = self._url(op, "operationresults")
        return Response(status, body, headers)

    # --- the web service -------------------------------------------------------------------

    def get(self, request: Request, params: Params) -> Response:
        # `region` (encrypted parameters for another region, SPEC17) is accepted and ignored:
        # the emulator encrypts node credentials with one certificate for every region.
        sub, group = self._scope(request, params)
        return Response(200, self.backend.get(sub, group, params["name"]))

    def exists(self, request: Request, params: Params) -> Response:
        """HEAD: ARM's existence check (azure-mgmt-resource check_existence_by_id): 204 or 404.
        Not in SPEC17; ARM answers it for every resource type."""
        sub, group = self._scope(request, params)
        self.backend.get(sub, group, params["name"])
        return Response(204)

    def put(self, request: Request, params: Params) -> Response:
        sub, group = self._scope(request, params)
        service, op, created = self.backend.put(sub, group, params["name"], self._body(request))
        body = service.sparse(created=True)  # ARM §4.1: with payloadsInBlobStorage
        body["properties"]["provisioningState"] = "Provisioning"
        return self._async(201 if created else 200, body, op, location=False)

    def patch(self, request: Request, params: Params) -> Response:
        sub, group = self._scope(request, params)
        service, op = self.backend.patch(sub, group, params["name"], self._body(request))
        body = service.sparse(created=False)
        body["properties"]["provisioningState"] = "Provisioning"
        return self._async(200, body, op, location=False)

    def delete(self, request: Request, params: Params) -> Response:
        sub, group = self._scope(request, params)
        return self._async(202, None, self.backend.delete(sub, group, params["name"]),
                           location=True)

    def list_keys(self, request: Request, params: Params) -> Response:
        sub, group = self._scope(request, params)
        return Response(200, self.backend.list_keys(sub, group, params["name"]))

    def list_keys_by_post(self, request: Request, params: Params) -> Response:
        """POST …/listKeys: 405 after ARM's own checks (token, api-version, scope).

        Not documented: the provider registered listKeys as a GET (SPEC17, PSREC1), so a POST
        reaches no action. Our choice: 405 with ``Allow: GET`` (RFC 9110 §15.5.6), in the ARM
        envelope, with ASP.NET Web API's wording for a method a resource does not support."""
        self._scope(request, params)
        raise e.ArmError(405, "MethodNotAllowed",
                         "The requested resource does not support http method 'POST'.",
                         headers={"Allow": "GET"})

    def regional(self, request: Request, params: Params) -> Response:
        sub, group = self._scope(request, params)
        if not request.query.get("region"):
            raise e.bad_request([{"code": "MissingRequiredParameter", "target": "region",
                                  "message": "The query parameter 'region' is required."}])
        return self._async(202, None, self.backend.regional(sub, group, params["name"]),
                           location=True)

    # --- lists -----------------------------------------------------------------------------

    def _page(self, request: Request, sub: str, group: str | None) -> Response:
        raw = request.query.get("$skiptoken", "0")
        if not raw.isdigit():
            raise e.bad_request([{"code": "InvalidSkipToken", "target": "$skiptoken",
                                  "message": "The $skiptoken is not one this service issued."}])
        skip = int(raw)
        page, more = self.backend.list(sub, group, skip)
        body: dict[str, Any] = {"value": page}
        if more:
            body["nextLink"] = (f"{self.backend.base_url}{request.path}?api-version="
                                f"{API_VERSION}&$skiptoken={skip + len(page)}")
        return Response(200, body)

    def list_group(self, request: Request, params: Params) -> Response:
        sub, group = self._scope(request, params)
        return self._page(request, sub, group)

    def list_subscription(self, request: Request, params: Params) -> Response:
        self._guard(request)
        sub, _ = self.backend.scope(params["sub"])
        return self._page(request, sub, None)

    def operations(self, request: Request, _params: Params) -> Response:
        self._guard(request)
        return Response(200, {"value": _OPERATIONS})

    # --- async operations ------------------------------------------------------------------

    def status(self, request: Request, params: Params) -> Response:
        self._guard(request)
        op = self.backend.operation(params["sub"], params["loc"], params["op"])
        return Response(200, op.body())

    def result(self, request: Request, params: Params) -> Response:
        """ARM's ``Location`` URL (inferred, ARM conventions): 202 while running, then 204 for a
        DELETE, 200 + the resource for PUT/PATCH, or the failure as an ARM error."""
        self._guard(request)
        op = self.backend.operation(params["sub"], params["loc"], params["op"])
        if op.status == "Provisioning":
            return Response(202, None, {"Location": self._url(op, "operationresults")})
        if op.status == "Failed" and op.error is not None:
            raise e.ArmError(op.error_status, op.error["code"], op.error["message"])
        if op.kind in ("create", "update"):
            try:
                return Response(200, self.backend.get(*op.service))
            except e.ArmError:
                pass
        return Response(204)
