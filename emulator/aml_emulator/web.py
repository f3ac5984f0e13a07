"""Transport-neutral request/response types, the error base class and a tiny router.

Handlers receive a :class:`Request` and the path parameters, and return a :class:`Response`
or raise :class:`HTTPError`; ``server.py`` turns both into bytes on the wire.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["HTTPError", "Handler", "Request", "Response", "Router"]


class HTTPError(Exception):
    """An error answered with the classic envelope ``{"error": {"code", "message"}}``."""

    status = 500
    code = "InternalError"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers: dict[str, str] = dict(headers or {})

    def to_response(self) -> Response:
        body = {"error": {"code": self.code, "message": self.message}}
        return Response(self.status, body, dict(self.headers))


class RouteNotFound(HTTPError):
    status = 404
    code = "NotFound"


class MethodNotAllowed(HTTPError):
    status = 405
    code = "MethodNotAllowed"


class RequestBodyInvalid(HTTPError):
    # D-ERR (BadArgument): the body is not the JSON the operation expects.
    status = 400
    code = "RequestBodyInvalid"


@dataclass
class Request:
    """One decoded HTTP request (path without the query string, percent-decoded)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes = b""
    query: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None

    def json(self, *, required: bool = False) -> Any:
        """Parse the body as JSON; an empty body is ``None`` unless *required*."""
        if not self.body.strip():
            if required:
                raise RequestBodyInvalid("The request body is empty; a JSON object is expected.")
            return None
        try:
            return json.loads(self.body.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise RequestBodyInvalid("The request body is not valid JSON.") from exc

    def json_object(self, *, required: bool = False) -> dict[str, Any]:
        """Parse the body as a JSON object (``{}`` when empty and not *required*)."""
        data = self.json(required=required)
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise RequestBodyInvalid("The request body must be a JSON object.")
        return data


@dataclass
class Response:
    """Status, optional JSON body (``None`` = no body) and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request, Mapping[str, str]], Response]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Dispatch (method, path regex) to handlers; the regex must match the whole path."""

    def __init__(self) -> None:
        self._routes: list[_Route] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append(_Route(method.upper(), re.compile(pattern), handler))

    def include(self, routes: list[tuple[str, str, Handler]]) -> None:
        for method, pattern, handler in routes:
            self.add(method, pattern, handler)

    def resolve(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        """Find the handler; raise 404 when no pattern matches, 405 when only the method differs."""
        path_matched = False
        for route in self._routes:
            found = route.pattern.fullmatch(path)
            if found is None:
                continue
            path_matched = True
            if route.method == method.upper():
                return route.handler, found.groupdict()
        if path_matched:
            raise MethodNotAllowed(f"The method {method.upper()} is not allowed on this resource.")
        raise RouteNotFound("The URL does not map to any known resource or operation.")
