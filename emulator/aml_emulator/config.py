"""Run-time settings of the emulated services, changed through ``POST /_emulator/config``.

- ``bes_job_seconds`` (3.0): least time a BES job stays ``Running``.
- ``propagation_seconds`` (1.0): after a PATCH, RRS keeps serving the previous model this long.
  The real service takes ~30 s (CLASSIC-API §10.5); the default is short to keep runs fast.
- ``result_sas_seconds`` (86400): how long after each GET the read SAS minted for BES ``Results``
  stays valid (D-CLASSIC's sample: 24 h, starting 5 minutes back); tests set a short one.
- ``status_format`` (``"string"``): BES ``StatusCode`` as ``"Finished"``, or with ``"numeric"``
  as ``4`` (the real service has been seen answering both: §6.4).
- ``arm_polls_before_done`` (2): polls of an ARM PUT/PATCH operation answered ``Provisioning``
  before the next one completes it (0 = the first poll does); a DELETE always ends at its first.
- ``arm_fail_next`` (0): the next N ARM async operations (PUT, PATCH, DELETE) end ``Failed``
  and change nothing; counts down as operations are created.
- ``arm_page_size`` (20): entries per page of the ARM list operations (then ``nextLink``).
- ``degrade_training`` (false): BES training jobs deliberately produce a *worse* model, so an
  evaluation gate has something to block. The model is fitted as usual, then its decision
  function is negated (classifier: coefficients and intercept, so every scored label flips and
  ``P`` becomes ``1 - P``; regression: the coefficients, predictions mirror around the mean).
  The evaluation CSV is computed on the degraded model, so it honestly reports the damage:
  Accuracy and AUC become ``1 -`` their normal values (below 0.5 for any model better than
  chance), a regression's Coefficient of Determination drops below 0. Read when a job starts.
- ``mlv2_polls_before_done`` (2): polls of an Azure ML v2 (``mlv2``) async operation answered
  ``InProgress`` before the next one ends it.
- ``mlv2_fail_next`` (0): the next N v2 endpoint/deployment PUTs end ``Failed`` (state Failed).
- ``mlv2_retry_after`` (10): ``Retry-After`` seconds on v2 202 answers and ``InProgress``
  status answers (the spec's range is 10-600; tests lower it to 0).
- ``mlv2_traffic_lag_reads`` (1): after a traffic change completes, this many endpoint GETs
  still show the previous ``traffic``/``mirrorTraffic`` (eventual consistency).
- ``mlv2_job_polls`` (2): GETs of a v2 job answered ``Queued``/``Running`` before a job whose
  training is done shows ``Completed`` (or ``Failed``).

Updates are validated as a whole (nothing changes when one value is bad); reset restores defaults.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from .web import RequestBodyInvalid

__all__ = ["EmulatorConfig", "Settings"]

STATUS_FORMATS = ("string", "numeric")
_MAX_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class Settings:
    bes_job_seconds: float = 3.0
    propagation_seconds: float = 1.0
    result_sas_seconds: float = 86400.0
    status_format: str = "string"
    arm_polls_before_done: int = 2
    arm_fail_next: int = 0
    arm_page_size: int = 20
    degrade_training: bool = False
    mlv2_polls_before_done: int = 2
    mlv2_fail_next: int = 0
    mlv2_retry_after: int = 10
    mlv2_traffic_lag_reads: int = 1
    mlv2_job_polls: int = 2


def _seconds(key: str, value: Any, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not minimum <= value <= _MAX_SECONDS:
        raise RequestBodyInvalid(f"'{key}' must be a number of seconds between {minimum:g} and "
                                 f"{_MAX_SECONDS:g}.")
    return float(value)


def _integer(key: str, value: Any, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise RequestBodyInvalid(f"'{key}' must be an integer between {minimum} and {maximum}.")
    return value


_INTEGERS = {"arm_polls_before_done": (0, 1000), "arm_fail_next": (0, 1000),
             "arm_page_size": (1, 1000), "mlv2_polls_before_done": (0, 1000),
             "mlv2_fail_next": (0, 1000), "mlv2_retry_after": (0, 600),
             "mlv2_traffic_lag_reads": (0, 1000), "mlv2_job_polls": (0, 1000)}


class EmulatorConfig:
    """Thread-safe holder of the current :class:`Settings`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings = Settings()

    @property
    def settings(self) -> Settings:
        with self._lock:
            return self._settings

    def update(self, body: Mapping[str, Any]) -> Settings:
        """Apply the given keys; 400 ``RequestBodyInvalid`` for unknown keys or bad values."""
        known = set(asdict(Settings()))
        unknown = sorted(set(body) - known)
        if unknown:
            raise RequestBodyInvalid(f"Unknown setting(s) {', '.join(unknown)}; known: "
                                     f"{', '.join(sorted(known))}.")
        changes: dict[str, Any] = {}
        for key in ("bes_job_seconds", "propagation_seconds"):
            if key in body:
                changes[key] = _seconds(key, body[key], 0.0)
        if "result_sas_seconds" in body:  # Azure SAS times have one-second resolution
            changes["result_sas_seconds"] = _seconds("result_sas_seconds",
                                                     body["result_sas_seconds"], 1.0)
        if "status_format" in body:
            if body["status_format"] not in STATUS_FORMATS:
                raise RequestBodyInvalid("'status_format' must be \"string\" or \"numeric\".")
            changes["status_format"] = body["status_format"]
        if "degrade_training" in body:
            if not isinstance(body["degrade_training"], bool):
                raise RequestBodyInvalid("'degrade_training' must be true or false.")
            changes["degrade_training"] = body["degrade_training"]
        for key, (low, high) in _INTEGERS.items():
            if key in body:
                changes[key] = _integer(key, body[key], low, high)
        with self._lock:
            self._settings = replace(self._settings, **changes)
            return self._settings

    def take_arm_failure(self) -> bool:
        """Consume one of ``arm_fail_next``: ``True`` when this operation must fail."""
        return self._take("arm_fail_next")

    def take_mlv2_failure(self) -> bool:
        """Consume one of ``mlv2_fail_next``: ``True`` when this operation must fail."""
        return self._take("mlv2_fail_next")

    def _take(self, key: str) -> bool:
        with self._lock:
            remaining = getattr(self._settings, key)
            if remaining <= 0:
                return False
            self._settings = replace(self._settings, **{key: remaining - 1})
            return True

    def reset(self) -> None:
        with self._lock:
            self._settings = Settings()

    def snapshot(self) -> dict[str, Any]:
        return {"config": asdict(self.settings)}
