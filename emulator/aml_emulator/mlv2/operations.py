"""Async operations of the v2 writes (ML-V2 §1; status body and timing: online-contract §1).

A write creates an :class:`Operation` holding what to do when it ends (``apply``) and what to do
when it fails (``undo``). It answers ``InProgress`` for ``mlv2_polls_before_done`` polls (of its
``Azure-AsyncOperation`` or ``Location`` URL), then the next poll ends it. A new write on a
resource with a pending operation ends that one first (the real service would have finished it in
the background meanwhile). ``mlv2_fail_next`` dooms the next PUTs: they end ``Failed``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from ..arm.errors import ArmError
from ..classic.state import now
from ..config import EmulatorConfig
from .state import Operation

__all__ = ["Operations"]

_MAX_OPERATIONS = 500
_NOTHING: Callable[[], None] = lambda: None  # noqa: E731


class Operations:
    """The operations of every workspace, by id; callers hold *lock* around writes."""

    def __init__(self, config: EmulatorConfig, lock: threading.RLock) -> None:
        self.config = config
        self._lock = lock
        self._ops: dict[str, Operation] = {}
        self._pending: dict[str, str] = {}  # resource id (lower) → operation id

    def reset(self) -> None:
        with self._lock:
            self._ops.clear()
            self._pending.clear()

    def all(self) -> list[Operation]:
        with self._lock:
            return list(self._ops.values())

    def start(self, kind: str, subscription: str, location: str, target: str,
              apply: Callable[[], None], undo: Callable[[], None] = _NOTHING) -> Operation:
        """A new operation on *target*, pending until polled to its end."""
        doomed = kind == "put" and self.config.take_mlv2_failure()
        op = Operation(id=str(uuid.uuid4()), subscription=subscription, location=location,
                       kind=kind, target=target, apply=apply, undo=undo, doomed=doomed)
        with self._lock:
            self._ops[op.id] = op
            while len(self._ops) > _MAX_OPERATIONS:
                self._ops.pop(next(iter(self._ops)))
            self._pending[target.lower()] = op.id
        return op

    def settle(self, target: str, *, children: bool = False) -> None:
        """End the pending operation on *target* (with *children*: and under it) now."""
        with self._lock:
            prefix = target.lower()
            for key in [k for k in self._pending if k == prefix
                        or (children and k.startswith(prefix + "/"))]:
                op = self._ops.get(self._pending.get(key, ""))
                if op is not None:
                    self._finish(op)

    def get(self, subscription: str, location: str, op_id: str) -> Operation:
        with self._lock:
            op = self._ops.get(op_id.lower())
        if op is None or op.subscription.lower() != subscription.lower() \
                or op.location.lower() != location.lower():
            raise ArmError(404, "ResourceNotFound",
                           f"No asynchronous operation could be found with the id "
                           f"'{op_id[:64]}'.")
        return op

    def poll(self, subscription: str, location: str, op_id: str) -> Operation:
        """The operation after one more poll (the one after the configured count ends it)."""
        op = self.get(subscription, location, op_id)
        with self._lock:
            if op.status == "InProgress":
                op.polls += 1
                if op.polls > self.config.settings.mlv2_polls_before_done:
                    self._finish(op)
        return op

    def _finish(self, op: Operation) -> None:
        if op.status != "InProgress":
            return
        if self._pending.get(op.target.lower()) == op.id:
            del self._pending[op.target.lower()]
        op.end_time = now()
        if op.doomed:
            op.status = "Failed"
            op.error = {"code": "InternalServerError", "message": "The operation failed: "
                        "injected by the emulator control plane (mlv2_fail_next)."}
            op.undo()
            return
        op.status = "Succeeded"
        op.apply()
