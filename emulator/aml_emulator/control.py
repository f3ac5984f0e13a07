"""Emulator control plane under ``/_emulator/`` (no auth; loopback only), per docs/architecture.md.

Routes: ``GET health`` (answered before routing: no lock, no log, so it stays cheap under any
load), ``POST reset`` (seed state of every backend — classic, BES jobs, ARM
web services and their async operations —, default settings, no faults, empty log),
``GET state`` (everything, keys and tokens included: a test hook; ARM under ``"arm"``),
``POST/GET faults``, ``GET requests``, ``GET/POST config`` (settings in ``config.py``; the ARM
ones: ``arm_polls_before_done``, ``arm_fail_next`` — the next N ARM async operations end
``Failed`` and change nothing —, ``arm_page_size``; ``degrade_training``: BES trains a
deliberately worse model, for evaluation gates to block).

Faults apply to service requests only, never to ``/_emulator/*`` itself (so a broad fault can
always be cleared with a reset), and only service requests are recorded in the request log.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol

from .config import EmulatorConfig
from .web import Handler, HTTPError, Request, RequestBodyInvalid, Response

__all__ = ["CONTROL_PREFIX", "ControlPlane", "Fault", "FaultInjector", "RequestLog", "StateSource"]

CONTROL_PREFIX = "/_emulator/"
MAX_LOGGED = 100_000  # request-log entries kept

# Codes for injected statuses: the D-ERR class names where one fits, else the status phrase.
_FAULT_CODES = {429: "RequestThrottled", 500: "InternalError", 503: "ServiceUnavailable",
                504: "BackendScoreTimeout"}


class StateSource(Protocol):
    def reset(self) -> None: ...

    def snapshot(self) -> dict[str, Any]: ...


@dataclass
class Fault:
    """The next ``count`` requests matching ``method`` and ``path`` (regex search) get this."""

    method: str
    path: re.Pattern[str]
    count: int
    status: int | None
    retry_after: int | None
    delay: float
    drop: bool
    skip: int = 0  # let this many matching requests through first (e.g. reach the read-back GET)
    after: bool = False  # serve the request, then answer with the fault (applied, reported failed)

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method.upper()) and self.path.search(path) is not None

    def error(self) -> HTTPError:
        assert self.status is not None
        headers = {}
        if self.retry_after is not None or self.status in (429, 503):
            headers["Retry-After"] = str(self.retry_after or 0)
        code = _FAULT_CODES.get(self.status) or HTTPStatus(self.status).phrase.replace(" ", "")
        return HTTPError("Injected fault from the emulator control plane.", code=code,
                         status=self.status, headers=headers)

    def describe(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path.pattern, "count": self.count,
                "status": self.status, "retry_after": self.retry_after, "delay": self.delay,
                "drop": self.drop, "skip": self.skip, "after": self.after}


def _number(body: Mapping[str, Any], key: str, default: float, kind: type) -> Any:
    value = body.get(key, default)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise RequestBodyInvalid(f"'{key}' must be a non-negative number.")
    return kind(value)


def parse_fault(body: Mapping[str, Any]) -> Fault:
    """Build a :class:`Fault`; without status, delay or drop it defaults to status 503."""
    try:
        path = re.compile(str(body.get("path") or ".*"))
    except re.error as exc:
        raise RequestBodyInvalid(f"'path' is not a valid regular expression: {exc}") from None
    delay = _number(body, "delay", 0, float)
    drop = bool(body.get("drop", False))
    status = body.get("status")
    if status is None and not delay and not drop:
        status = 503
    if status is not None and (isinstance(status, bool) or not isinstance(status, int)
                               or not 400 <= status <= 599):
        raise RequestBodyInvalid("'status' must be an HTTP error status (400-599) or null.")
    retry_after = None if body.get("retry_after") is None else _number(body, "retry_after", 0, int)
    return Fault(method=str(body.get("method") or "*").upper(), path=path,
                 count=_number(body, "count", 1, int), status=status,
                 retry_after=retry_after, delay=delay, drop=drop,
                 skip=_number(body, "skip", 0, int), after=bool(body.get("after", False)))


class FaultInjector:
    """Pending faults, consumed first-registered first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            if fault.count > 0:
                self._faults.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """The first matching fault, with one use consumed; ``None`` when none match."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
            return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.describe() for fault in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


class RequestLog:
    """``[{"method","path","status"}]`` of service requests; status ``null`` = dropped.

    Bounded: only the newest :data:`MAX_LOGGED` are kept, so a load test cannot exhaust memory.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=MAX_LOGGED)

    def record(self, method: str, path: str, status: int | None) -> None:
        with self._lock:
            self._entries.append({"method": method, "path": path, "status": status})

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class InFlight:
    """How many service requests are being answered now (a delayed one outlives its test)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def __enter__(self) -> None:
        with self._lock:
            self.count += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.count -= 1


class ControlPlane:
    """Handlers for ``/_emulator/*``; *sources* are the service backends to reset and dump."""

    def __init__(self, sources: Mapping[str, StateSource], *,
                 config: EmulatorConfig | None = None) -> None:
        self.sources = dict(sources)
        self.config = config or EmulatorConfig()
        self.faults = FaultInjector()
        self.requests = RequestLog()
        self.in_flight = InFlight()

    def reset(self) -> None:
        """Seed state (running BES jobs are cancelled), default settings, no faults, empty log."""
        for source in self.sources.values():
            source.reset()
        self.config.reset()
        self.faults.clear()
        self.requests.clear()

    def routes(self) -> list[tuple[str, str, Handler]]:
        handlers: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "health"): lambda _r: Response(200, {"status": "ok"}),
            ("POST", "reset"): self._reset,
            ("GET", "state"): self._state,
            ("POST", "faults"): self._add_fault,
            ("GET", "faults"): lambda _r: Response(200, self.faults.pending()),
            ("DELETE", "faults"): self._clear_faults,
            ("GET", "in-flight"): lambda _r: Response(200, {"in_flight": self.in_flight.count}),
            ("GET", "requests"): lambda _r: Response(200, self.requests.entries()),
            ("GET", "config"): lambda _r: Response(200, self.config.snapshot()["config"]),
            ("POST", "config"): self._configure,
        }
        return [(method, re.escape(CONTROL_PREFIX + name), _ignore_params(fn))
                for (method, name), fn in handlers.items()]

    def _clear_faults(self, _request: Request) -> Response:
        self.faults.clear()
        return Response(200, [])

    def _reset(self, _request: Request) -> Response:
        self.reset()
        return Response(200, {"status": "reset"})

    def _state(self, _request: Request) -> Response:
        state: dict[str, Any] = {}
        for source in self.sources.values():
            state.update(source.snapshot())
        state.update(self.config.snapshot())
        state["faults"] = self.faults.pending()
        return Response(200, state)

    def _configure(self, request: Request) -> Response:
        self.config.update(request.json_object(required=True))
        return Response(200, self.config.snapshot()["config"])

    def _add_fault(self, request: Request) -> Response:
        fault = parse_fault(request.json_object(required=True))
        self.faults.add(fault)
        return Response(200, fault.describe())


def _ignore_params(fn: Callable[[Request], Response]) -> Handler:
    return lambda request, _params: fn(request)
