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
from .preview import PREVIEW, from_preview, missing_patch_fields, to_preview
from .state import PROVIDER, Operation

__all__ = ["API_VERSION", "ArmHandlers", "decorate", "is_arm_path"]

API_VERSION = "2017-01-01"
API_VERSIONS = (API_VERSION, PREVIEW)  # both registered (PSREC1); preview shapes: preview.py
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

    def _guard(self, request: Request, versions: tuple[str, ...] = API_VERSIONS) -> str:
        """The token, then the api-version (returned)."""
        token = bearer_token(request)
        if token is None:
            raise e.authentication_failed(missing=True)
        if not self.backend.accepts_token(token):
            raise e.authentication_failed(missing=False)
        version = request.query.get("api-version")
        if version not in versions:
            raise e.unsupported_api_version(version, ", ".join(versions))
        return str(version)

    @staticmethod
    def _preview(request: Request) -> bool:
        return request.query.get("api-version") == PREVIEW

    def _shape(self, request: Request, doc: dict[str, Any]) -> dict[str, Any]:
        """A 2017-01-01 document as the request's api-version shows it."""
        return to_preview(doc) if self._preview(request) else doc

    def _scope(self, request: Request, params: Params) -> tuple[str, str]:
        self._guard(request)
        sub, group = self.backend.scope(params["sub"], params["rg"])
        assert group is not None
        return sub, group

    def _body(self, request: Request) -> Any:
        try:
            body = request.json(required=True)
        except HTTPError as exc:
            raise e.invalid_request_content(exc.message) from None
        if not isinstance(body, dict):
            raise e.invalid_request_content("the body must be a JSON object.")
        if not self._preview(request):
            return body
        sealer = self.backend.sealer
        converted, problems = from_preview(
            body, lambda value: sealer.thumbprint if sealer.open(value) is not None else "")
        if problems:
            raise e.bad_request(problems)
        return converted

    def _url(self, op: Operation, kind: str = "operationsStatus",
             version: str = API_VERSION) -> str:
        path = op.path().replace("/operationsStatus/", f"/{kind}/")
        return f"{self.backend.base_url}{path}?api-version={version}"

    def _async(self, request: Request, status: int, body: Any, op: Operation, *,
               location: bool) -> Response:
        # PUT/PATCH (ARM §4.1) and DELETE (PSREC1: 202, no body, these three headers) all send
        # the percentage; only DELETE (and CreateRegionalBlob, inferred) adds a Location. The
        # URLs carry the request's api-version (inferred: the provider answers in its own).
        version = str(request.query.get("api-version") or API_VERSION)
        headers = {"Azure-AsyncOperation": self._url(op, version=version),
                   "Azure-AsyncOperationPercentComplete": "0"}
        if location:
            headers["Location"] = self._url(op, "operationresults", version)
        return Response(status, self._shape(request, body) if body else body, headers)

    # --- the web service -------------------------------------------------------------------

    def get(self, request: Request, params: Params) -> Response:
        # `region` (encrypted parameters for another region, SPEC17) is accepted and ignored:
        # the emulator encrypts node credentials with one certificate for every region.
        sub, group = self._scope(request, params)
        return Response(200, self._shape(request, self.backend.get(sub, group, params["name"])))

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
        return self._async(request, 201 if created else 200, body, op, location=False)

    def patch(self, request: Request, params: Params) -> Response:
        sub, group = self._scope(request, params)
        body = self._body(request)
        if self._preview(request) and missing_patch_fields(body):
            # SPEC16: the PATCH body is a whole WebService (its location is then ignored).
            raise e.bad_request(missing_patch_fields(body))
        service, op = self.backend.patch(sub, group, params["name"], body)
        answer = service.sparse(created=False)
        answer["properties"]["provisioningState"] = "Provisioning"
        return self._async(request, 200, answer, op, location=False)

    def delete(self, request: Request, params: Params) -> Response:
        sub, group = self._scope(request, params)
        return self._async(request, 202, None, self.backend.delete(sub, group, params["name"]),
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
        self._guard(request, (API_VERSION,))  # not in SPEC16
        sub, group = self._scope(request, params)
        if not request.query.get("region"):
            raise e.bad_request([{"code": "MissingRequiredParameter", "target": "region",
                                  "message": "The query parameter 'region' is required."}])
        return self._async(request, 202, None,
                           self.backend.regional(sub, group, params["name"]), location=True)

    # --- lists -----------------------------------------------------------------------------

    def _page(self, request: Request, sub: str, group: str | None) -> Response:
        raw = request.query.get("$skiptoken", "0")
        if not raw.isdigit():
            raise e.bad_request([{"code": "InvalidSkipToken", "target": "$skiptoken",
                                  "message": "The $skiptoken is not one this service issued."}])
        skip = int(raw)
        page, more = self.backend.list(sub, group, skip)
        body: dict[str, Any] = {"value": [self._shape(request, entry) for entry in page]}
        if more:
            body["nextLink"] = (f"{self.backend.base_url}{request.path}?api-version="
                                f"{request.query.get('api-version')}&$skiptoken="
                                f"{skip + len(page)}")
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
            return Response(202, None, {"Location": self._url(
                op, "operationresults", str(request.query.get("api-version")))})
        if op.status == "Failed" and op.error is not None:
            raise e.ArmError(op.error_status, op.error["code"], op.error["message"])
        if op.kind in ("create", "update"):
            try:
                return Response(200, self._shape(request, self.backend.get(*op.service)))
            except e.ArmError:
                pass
        return Response(204)
