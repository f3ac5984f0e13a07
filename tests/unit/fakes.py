"""A fake requests transport: canned responses by method and path, every request recorded."""

from __future__ import annotations

import json as jsonlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

BASE_URL = "https://mgmt.test"


@dataclass
class Route:
    method: str
    path: str
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    exc: Exception | None = None
    times: int | None = 1


class FakeAdapter(BaseAdapter):
    """Answers from a list of routes; each route is used ``times`` times (None = forever)."""

    def __init__(self) -> None:
        super().__init__()
        self.routes: list[Route] = []
        self.requests: list[requests.PreparedRequest] = []
        self.timeouts: list[Any] = []
        self.events: list[str] = []  # shared log so tests can order requests vs. side effects

    def add(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        json: Any = None,
        text: str | None = None,
        headers: dict[str, str] | None = None,
        exc: Exception | None = None,
        times: int | None = 1,
    ) -> None:
        body = text.encode() if text is not None else b""
        hdrs = dict(headers or {})
        if json is not None:
            body = jsonlib.dumps(json).encode()
            hdrs.setdefault("Content-Type", "application/json")
        self.routes.append(Route(method, path, status, body, hdrs, exc, times))

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        self.requests.append(request)
        self.timeouts.append(timeout)
        path = urlsplit(request.url or "").path
        self.events.append(f"{request.method} {path}")
        for route in self.routes:
            if route.method == request.method and route.path == path and route.times != 0:
                if route.times is not None:
                    route.times -= 1
                if route.exc is not None:
                    raise route.exc
                return _response(request, route)
        raise AssertionError(f"unexpected request {request.method} {request.url}")

    def close(self) -> None:
        pass

    def calls(self) -> list[tuple[str, str]]:
        """Return (method, path-with-query) of every request, in order."""
        out = []
        for r in self.requests:
            parts = urlsplit(r.url or "")
            out.append((str(r.method), parts.path + (f"?{parts.query}" if parts.query else "")))
        return out

    def body(self, index: int) -> Any:
        """Return the JSON body of the recorded request ``index``."""
        raw = self.requests[index].body
        return jsonlib.loads(raw) if raw else None


def _response(request: requests.PreparedRequest, route: Route) -> requests.Response:
    response = requests.Response()
    response.status_code = route.status
    response._content = route.body
    response.headers = CaseInsensitiveDict(route.headers)
    response.url = request.url or ""
    response.request = request
    response.reason = {200: "OK", 204: "No Content", 304: "Not Modified"}.get(route.status, "Err")
    return response


def fake_session(adapter: FakeAdapter) -> requests.Session:
    """Return a session whose every request goes to ``adapter``."""
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
