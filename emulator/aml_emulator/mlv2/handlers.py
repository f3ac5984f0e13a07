"""HTTP in/out of the v2 control plane (ML-V2 §0-§2): auth, api-version, routes, LRO headers.

Every route needs ``Authorization: Bearer <arm_token>`` (the same ARM credential as the web
services emulator), then ``api-version=2025-12-01`` (400 without it). Lists page with
``nextLink`` carrying ``$skip`` (ML-V2 §0; ``$skipToken``, as in the examples, is accepted too).
PUT of an endpoint or deployment: 201 (create) or 200 (update) with the body and
``Azure-AsyncOperation`` (reference silent on the 200's headers: the service sends them, so a
client can follow the update); PATCH, DELETE and cancel: 202 + ``Location`` + ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..arm import errors as arm_errors
from ..classic.handlers import bearer_token
from ..web import Handler, HTTPError, Request, Response
from .backend import MlBackend
from .errors import API_VERSION, unsupported_api_version, user_error
from .state import Operation, Workspace

__all__ = ["MlHandlers", "workspace_pattern"]

Params = Mapping[str, str]
_SUB = r"/subscriptions/(?P<sub>[^/]+)"
_PROVIDER = r"/(?i:providers)/(?i:Microsoft\.MachineLearningServices)"
_W = _SUB + r"/(?i:resourceGroups)/(?P<rg>[^/]+)" + _PROVIDER + r"/(?i:workspaces)/(?P<ws>[^/]+)"
_EP = _W + r"/(?i:onlineEndpoints)/(?P<ep>[^/]+)"
_DEP = _EP + r"/(?i:deployments)/(?P<dep>[^/]+)"
_MODEL = _W + r"/(?i:models)/(?P<model>[^/]+)/(?i:versions)"
_JOB = _W + r"/(?i:jobs)/(?P<job>[^/]+)"
_LOCATION = _SUB + _PROVIDER + r"/(?i:locations)/(?P<loc>[^/]+)"
_TIMEOUT = "PT1H"  # x-ms-async-operation-timeout (online-contract §1)


def workspace_pattern() -> str:
    """The regex of W (with groups ``sub``, ``rg``, ``ws``), for the MLflow routes."""
    return _W


class MlHandlers:
    def __init__(self, backend: MlBackend) -> None:
        self.backend = backend

    def routes(self) -> list[tuple[str, str, Handler]]:
        h = self
        return [
            ("GET", _W, h.workspace),
            ("GET", _W + r"/(?i:onlineEndpoints)", h.list_endpoints),
            ("GET", _EP, h.get_endpoint), ("PUT", _EP, h.put_endpoint),
            ("HEAD", _EP, h.endpoint_exists), ("HEAD", _DEP, h.deployment_exists),
            ("PATCH", _EP, h.patch_endpoint), ("DELETE", _EP, h.delete_endpoint),
            ("POST", _EP + r"/(?i:listKeys)", h.list_keys),
            ("POST", _EP + r"/(?i:token)", h.token),
            ("GET", _EP + r"/(?i:deployments)", h.list_deployments),
            ("GET", _DEP, h.get_deployment), ("PUT", _DEP, h.put_deployment),
            ("PATCH", _DEP, h.patch_deployment), ("DELETE", _DEP, h.delete_deployment),
            ("POST", _DEP + r"/(?i:getLogs)", h.get_logs),
            ("GET", _W + r"/(?i:models)", h.list_models),
            ("GET", _MODEL, h.list_versions),
            ("GET", _MODEL + r"/(?P<version>[^/]+)", h.get_version),
            ("PUT", _MODEL + r"/(?P<version>[^/]+)", h.put_version),
            ("DELETE", _MODEL + r"/(?P<version>[^/]+)", h.delete_version),
            ("GET", _W + r"/(?i:jobs)", h.list_jobs),
            ("GET", _JOB, h.get_job), ("PUT", _JOB, h.put_job), ("DELETE", _JOB, h.delete_job),
            ("POST", _JOB + r"/(?i:cancel)", h.cancel_job),
            ("GET", _LOCATION + r"/(?i:mfeOperationsStatus)/(?P<op>[^/]+)", h.status),
            ("GET", _LOCATION + r"/(?i:mfeOperationResults)/(?P<op>[^/]+)", h.result),
        ]

    # --- common ----------------------------------------------------------------------------

    def _guard(self, request: Request) -> None:
        token = bearer_token(request)
        if token is None:
            raise arm_errors.authentication_failed(missing=True)
        if not self.backend.arm.accepts_token(token):
            raise arm_errors.authentication_failed(missing=False)
        version = request.query.get("api-version")
        if version != API_VERSION:
            raise unsupported_api_version(version)

    def _ws(self, request: Request, params: Params) -> Workspace:
        self._guard(request)
        return self.backend.workspace(params["sub"], params["rg"], params["ws"])

    @staticmethod
    def _body(request: Request) -> Any:
        try:
            return request.json(required=True)
        except HTTPError as exc:
            raise arm_errors.invalid_request_content(exc.message) from None

    def _url(self, op: Operation, kind: str) -> str:
        return f"{self.backend.base_url}{op.path(kind)}?api-version={API_VERSION}"

    def _retry_after(self) -> dict[str, str]:
        return {"Retry-After": str(self.backend.config.settings.mlv2_retry_after)}

    def _put_answer(self, body: dict[str, Any], op: Operation, created: bool) -> Response:
        headers = {"Azure-AsyncOperation": self._url(op, "mfeOperationsStatus"),
                   "x-ms-async-operation-timeout": _TIMEOUT}
        return Response(201 if created else 200, body, headers)

    def _accepted(self, op: Operation | None, *, timeout: bool = True) -> Response:
        if op is None:
            return Response(204)
        headers = {"Location": self._url(op, "mfeOperationResults"), **self._retry_after()}
        if timeout:
            headers["x-ms-async-operation-timeout"] = _TIMEOUT
        return Response(202, None, headers)

    def _page(self, request: Request, items: list[dict[str, Any]]) -> Response:
        raw = request.query.get("$skip", request.query.get("$skipToken", "0"))
        if not raw.isdigit():
            raise user_error("$skip must be a number this service issued in a nextLink.",
                             target="$skip")
        skip = int(raw)
        page, more = self.backend.page(items, skip)
        body: dict[str, Any] = {"value": page}
        if more:
            body["nextLink"] = (f"{self.backend.base_url}{request.path}?api-version="
                                f"{API_VERSION}&$skip={skip + len(page)}")
        return Response(200, body)

    def _locked(self, request: Request, params: Params,
                fn: Callable[[Workspace], Response]) -> Response:
        ws = self._ws(request, params)
        with self.backend.lock:
            return fn(ws)

    # --- workspace and endpoints -----------------------------------------------------------

    def workspace(self, request: Request, params: Params) -> Response:
        ws = self._ws(request, params)
        return Response(200, ws.view(self.backend.base_url))

    def list_endpoints(self, request: Request, params: Params) -> Response:
        return self._locked(request, params, lambda ws: self._page(request, [
            ep.view() for ep in ws.endpoints.values()]))

    def get_endpoint(self, request: Request, params: Params) -> Response:
        ends = self.backend.endpoints
        return self._locked(request, params, lambda ws: Response(
            200, ends.endpoint(ws, params["ep"]).view(read=True)))

    def endpoint_exists(self, request: Request, params: Params) -> Response:
        """HEAD: ARM's existence check (azure-mgmt-resource check_existence_by_id), 204 or 404;
        outside the subset, ARM answers it for every resource type."""
        return self._locked(request, params, lambda ws: Response(
            204 if self.backend.endpoints.endpoint(ws, params["ep"]) else 404))

    def deployment_exists(self, request: Request, params: Params) -> Response:
        return self._locked(request, params, lambda ws: Response(204 if self.backend.endpoints
                                                                 .deployment(ws, params["ep"],
                                                                             params["dep"])
                                                                 else 404))

    def put_endpoint(self, request: Request, params: Params) -> Response:
        body = self._body(request)

        def put(ws: Workspace) -> Response:
            ep, op, created = self.backend.endpoints.put_endpoint(ws, params["ep"], body)
            return self._put_answer(ep.view(), op, created)
        return self._locked(request, params, put)

    def patch_endpoint(self, request: Request, params: Params) -> Response:
        body = self._body(request)

        def patch(ws: Workspace) -> Response:
            op = self.backend.endpoints.patch_endpoint(ws, params["ep"], body)
            ep = self.backend.endpoints.endpoint(ws, params["ep"])
            op.final = ep.view
            return self._accepted(op)
        return self._locked(request, params, patch)

    def delete_endpoint(self, request: Request, params: Params) -> Response:
        return self._locked(request, params, lambda ws: self._accepted(
            self.backend.endpoints.delete_endpoint(ws, params["ep"])))

    def list_keys(self, request: Request, params: Params) -> Response:
        return self._locked(request, params, lambda ws: Response(
            200, self.backend.endpoints.list_keys(ws, params["ep"])))

    def token(self, request: Request, params: Params) -> Response:
        return self._locked(request, params, lambda ws: Response(
            200, self.backend.endpoints.token(ws, params["ep"])))

    # --- deployments -----------------------------------------------------------------------

    def list_deployments(self, request: Request, params: Params) -> Response:
        return self._locked(request, params, lambda ws: self._page(request, [
            d.view() for d in self.backend.endpoints.endpoint(ws, params["ep"])
            .deployments.values()]))

    def get_deployment(self, request: Request, params: Params) -> Response:
        return self._locked(request, params, lambda ws: Response(
            200, self.backend.endpoints.deployment(ws, params["ep"], params["dep"]).view()))

    def put_deployment(self, request: Request, params: Params) -> Response:
        body = self._body(request)

        def put(ws: Workspace) -> Response:
            dep, op, created = self.backend.endpoints.put_deployment(ws, params["ep"],
                                                                     params["dep"], body)
            return self._put_answer(dep.view(), op, created)
        return self._locked(request, params, put)

    def patch_deployment(self, request: Request, params: Params) -> Response:
        body = self._body(request)

        def patch(ws: Workspace) -> Response:
            ends = self.backend.endpoints
            op = ends.patch_deployment(ws, params["ep"], params["dep"], body)
            op.final = ends.deployment(ws, params["ep"], params["dep"]).view
            return self._accepted(op)
        return self._locked(request, params, patch)

    def delete_deployment(self, request: Request, params: Params) -> Response:
        return self._locked(request, params, lambda ws: self._accepted(
            self.backend.endpoints.delete_deployment(ws, params["ep"], params["dep"])))

    def get_logs(self, request: Request, params: Params) -> Response:
        body = request.json_object()
        container = str(body.get("containerType") or "InferenceServer")
        if container.lower() not in ("storageinitializer", "inferenceserver"):
            raise user_error("containerType must be StorageInitializer or InferenceServer.",
                             target="containerType")

        def logs(ws: Workspace) -> Response:
            dep = self.backend.endpoints.deployment(ws, params["ep"], params["dep"])
            # Reference silent: what the logs say. A line per state the emulator knows.
            lines = [f"aml-emulator {container}: deployment {dep.name} of endpoint "
                     f"{dep.endpoint} is {dep.state}", f"model: {dep.properties.get('model')}"]
            tail = body.get("tail")
            if isinstance(tail, int) and not isinstance(tail, bool) and tail >= 0:
                lines = lines[-tail:] if tail else []
            return Response(200, {"content": "\n".join(lines)})
        return self._locked(request, params, logs)

    # --- models ----------------------------------------------------------------------------

    def list_models(self, request: Request, params: Params) -> Response:
        return self._locked(request, params, lambda ws: self._page(
            request, self.backend.assets.containers(ws)))

    def list_versions(self, request: Request, params: Params) -> Response:
        def listing(ws: Workspace) -> Response:
            found = self.backend.assets.versions(ws, params["model"],
                                                 request.query.get("$orderBy"))
            top = request.query.get("$top")
            if top is not None:
                if not top.isdigit():
                    raise user_error("$top must be a non-negative integer.", target="$top")
                found = found[:int(top)]
            return self._page(request, [v.view() for v in found])
        return self._locked(request, params, listing)

    def get_version(self, request: Request, params: Params) -> Response:
        return self._locked(request, params, lambda ws: Response(200, self.backend.assets.version(
            ws, params["model"], params["version"]).view()))

    def put_version(self, request: Request, params: Params) -> Response:
        body = self._body(request)

        def put(ws: Workspace) -> Response:
            model, created = self.backend.assets.put_version(ws, params["model"],
                                                             params["version"], body)
            return Response(201 if created else 200, model.view())
        return self._locked(request, params, put)

    def delete_version(self, request: Request, params: Params) -> Response:
        return self._locked(request, params, lambda ws: Response(
            200 if self.backend.assets.delete_version(ws, params["model"], params["version"])
            else 204))

    # --- jobs ------------------------------------------------------------------------------

    def list_jobs(self, request: Request, params: Params) -> Response:
        return self._locked(request, params, lambda ws: self._page(request, [
            job.view() for job in ws.jobs.values()]))

    def get_job(self, request: Request, params: Params) -> Response:
        return self._locked(request, params, lambda ws: Response(
            200, self.backend.assets.read_job(ws, params["job"]).view()))

    def put_job(self, request: Request, params: Params) -> Response:
        body = self._body(request)

        def put(ws: Workspace) -> Response:
            job, created = self.backend.assets.put_job(ws, params["job"], body)
            return Response(201 if created else 200, job.view())
        return self._locked(request, params, put)

    def delete_job(self, request: Request, params: Params) -> Response:
        return self._locked(request, params, lambda ws: self._accepted(
            self.backend.assets.delete_job(ws, params["job"])))

    def cancel_job(self, request: Request, params: Params) -> Response:
        # ML-V2 §1: cancel's 202 has Location and Retry-After, no timeout header.
        return self._locked(request, params, lambda ws: self._accepted(
            self.backend.assets.cancel_job(ws, params["job"]), timeout=False))

    # --- async operations ------------------------------------------------------------------

    def status(self, request: Request, params: Params) -> Response:
        self._guard(request)
        op = self.backend.ops.poll(params["sub"], params["loc"], params["op"])
        headers = self._retry_after() if op.status == "InProgress" else {}
        return Response(200, op.body(), headers)

    def result(self, request: Request, params: Params) -> Response:
        """The ``Location`` URL: 202 while running; then 200 (a PATCH: the resource)."""
        self._guard(request)
        op = self.backend.ops.poll(params["sub"], params["loc"], params["op"])
        if op.status == "InProgress":
            return Response(202, None, {"Location": self._url(op, "mfeOperationResults"),
                                        **self._retry_after()})
        if op.status == "Failed" and op.error is not None:
            raise arm_errors.ArmError(500, op.error["code"], op.error["message"])
        if op.final is not None:
            with self.backend.lock:
                return Response(200, op.final())
        return Response(200)
