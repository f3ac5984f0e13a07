"""ARM polling with a time budget; imported only from inside ArmWebServiceClient methods.

azure-core's LROPoller polls in a background thread with no deadline of its own, so the budget
lives in the polling method: the thread ends by itself instead of polling on after we gave up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from azure.mgmt.core.polling.arm_polling import ARMPolling

__all__ = ["BudgetExceeded", "BudgetPolling", "follow"]


class BudgetExceeded(Exception):
    """The operation was still running when the time budget ran out."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class BudgetPolling(ARMPolling):
    """ARMPolling that honours Retry-After but stops once ``deadline`` (monotonic) has passed."""

    def __init__(self, interval: float, deadline: float, **kwargs: Any) -> None:
        super().__init__(interval, **kwargs)
        self._deadline = deadline
        self._started = time.monotonic()
        self._waited = 0.0
        self.initial_request_id: str | None = None
        # The GET in flight after the PATCH (operation status or read-back), so a
        # failure is labelled with the request that failed, not the write.
        self.current_request: tuple[str, str] | None = None

    def initialize(self, client: Any, initial_response: Any, deserialization_callback: Any) -> None:
        # NETEXT: a failure is reported with the request id of the PATCH, not of the poll.
        self.initial_request_id = initial_response.http_response.headers.get("x-ms-request-id")
        super().initialize(client, initial_response, deserialization_callback)

    def request_status(self, status_link: str) -> Any:
        # NETEXT: azure-core's LROBasePolling sends every poll and the final GET through here.
        self.current_request = ("GET", status_link)
        return super().request_status(status_link)

    def _delay(self) -> None:
        # Time spent is at least the sum of our waits (which a test transport may only record).
        spent = max(time.monotonic() - self._started, self._waited)
        remaining = self._deadline - self._started - spent
        if remaining <= 0:
            raise BudgetExceeded(str(self.status()))
        delay = min(self._extract_delay(), remaining)
        self._waited += delay
        self._sleep(delay)


def follow(
    begin: Callable[[dict[str, Any]], Any], *, resource_id: str, api_version: str,
    polling_interval: float, base_url: str, timeout: float,
    translated: Callable[[Any], AbstractContextManager[None]],
    budget_error: Callable[[str], Exception],
) -> Any:
    """Start a generic-resource LRO with ``begin(kwargs)`` and wait for it within ``timeout``.

    ``translated(polling)`` turns azure-core errors into ours; ``budget_error(status)`` is raised
    when the operation is still running when the budget runs out.
    """
    polling = BudgetPolling(polling_interval, time.monotonic() + timeout,
                            path_format_arguments={"endpoint": base_url})
    kwargs = {"resource_id": resource_id.lstrip("/"), "api_version": api_version,
              "polling": polling}
    with translated(polling):
        poller = begin(kwargs)
        try:
            result = poller.result(timeout=timeout + 120)
        except BudgetExceeded as exc:
            raise budget_error(exc.status) from exc
        if not poller.done():  # a single request hung past the budget
            raise budget_error(str(poller.status()))
    return result
