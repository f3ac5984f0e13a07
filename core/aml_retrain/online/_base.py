"""What every part of the online client shares: the workspace's ARM path and a bounded poll loop."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from aml_retrain import _http
from aml_retrain.arm._pipeline import check_budget
from aml_retrain.online._arm import ArmJson
from aml_retrain.online.names import workspace_path

if TYPE_CHECKING:
    import requests

__all__ = ["Waiter", "WorkspaceScope"]

T = TypeVar("T")


class Waiter:
    """Polls ``read`` until ``done`` holds or the budget ends; clock and sleep are test seams."""

    def __init__(self, interval: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep

    def until(self, read: Callable[[], T], done: Callable[[T], bool], timeout: float, *,
              on_update: Callable[[T], None] | None = None) -> tuple[T, bool, int]:
        """Return ``(last value, done?, reads)``; reads at least once, sleeps only between reads."""
        check_budget(timeout)
        deadline = self.clock() + timeout
        reads = 0
        while True:
            value = read()
            reads += 1
            if on_update is not None:
                on_update(value)
            if done(value):
                return value, True, reads
            remaining = deadline - self.clock()
            if remaining <= 0:
                return value, False, reads
            self.sleep(min(self.interval, remaining))


class WorkspaceScope:
    """One Azure ML workspace reached through ``arm``; paths below it are built here."""

    def __init__(self, arm: ArmJson, resource_group: str, workspace: str, *,
                 waiter: Waiter | None = None, session: requests.Session | None = None) -> None:
        self.workspace_id = workspace_path(arm.subscription_id, resource_group, workspace)
        self.resource_group = resource_group
        self.workspace = workspace
        self._arm = arm
        self._waiter = waiter or Waiter(max(arm.polling_interval, 0.0))
        self._http_session = session
        self._owns_session = False

    @property
    def _session(self) -> requests.Session:
        """The requests session for the data plane (MLflow, scoring), made on first use."""
        if self._http_session is None:
            self._http_session = _http.make_session(ca_bundle=self._arm.ca_bundle)
            self._owns_session = True
        return self._http_session

    def _path(self, *parts: str) -> str:
        return "/".join((self.workspace_id, *parts))
