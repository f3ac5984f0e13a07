"""A local JSON-lines journal of submitted BES jobs, so later commands need only the job id.

Only ids, names, URLs without secrets and statuses are stored: never keys, connection strings
or SAS tokens.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from aml_retrain._redact import redact_url
from aml_retrain._structured import json_loads
from aml_retrain.errors import ConfigError, ValidationError

__all__ = ["JobJournal", "JournalEntry"]


@dataclass(frozen=True)
class JournalEntry:
    """What the journal knows about one job (no secrets by construction)."""

    job_id: str
    web_service_id: str
    endpoint: str
    api_location: str
    workspace_id: str
    submitted_at: str
    model_output: str | None = None
    status: str | None = None
    updated_at: str | None = None
    # "classic" or "arm"; entries written before ARM retraining existed are classic.
    kind: str = "classic"
    subscription_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


_FIELDS = {f.name for f in fields(JournalEntry)}


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class JobJournal:
    """Append-only JSON-lines file; the last line for a job id wins."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()

    def __repr__(self) -> str:
        return f"JobJournal({str(self.path)!r})"

    def record(self, entry: JournalEntry) -> JournalEntry:
        """Append a job (its ApiLocation stripped of any query) and return what was stored."""
        stored = replace(
            entry,
            api_location=redact_url(entry.api_location).split("?", 1)[0],
            updated_at=entry.updated_at or _now(),
        )
        self._append(stored.to_dict())
        return stored

    def update_status(self, job_id: str, status: str) -> None:
        """Append the job's last known status (no-op for jobs not in the journal)."""
        if self.find(job_id) is None:
            return
        self._append({"job_id": job_id, "status": str(status), "updated_at": _now()})

    def find(self, job_id: str) -> JournalEntry | None:
        """Return the job's entry, or None if it was never recorded here."""
        merged: dict[str, Any] | None = None
        for line in self._lines():
            if line.get("job_id") != job_id:
                continue
            if merged is None:
                if "web_service_id" not in line:
                    continue  # a status update for an entry we never saw
                merged = {}
            merged.update({k: v for k, v in line.items() if k in _FIELDS})
        if merged is None:
            return None
        try:
            return JournalEntry(**merged)
        except TypeError:
            return None  # an entry missing required fields: treat as unknown

    def get(self, job_id: str) -> JournalEntry:
        """Return the job's entry or raise ValidationError saying to pass the service id."""
        entry = self.find(job_id)
        if entry is None:
            raise ValidationError(
                f"job {job_id} is not in the journal at {self.path}; pass --service SERVICE "
                "(the training web service's id, or arm:RESOURCE_GROUP/NAME) so its endpoint "
                "can be looked up"
            )
        return entry

    def entries(self) -> list[JournalEntry]:
        """Return every job in the journal, oldest first."""
        ids: list[str] = []
        for line in self._lines():
            job_id = line.get("job_id")
            if isinstance(job_id, str) and job_id not in ids:
                ids.append(job_id)
        found = (self.find(i) for i in ids)
        return [e for e in found if e is not None]

    def _lines(self) -> Iterator[dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise ConfigError(f"cannot read the job journal {self.path}: {exc.strerror}") from exc
        for raw in text.splitlines():
            try:
                data = json_loads(raw, "a journal line")
            except (ValueError, ValidationError):
                continue  # a crash mid-write leaves a partial line; the rest is still good
            if isinstance(data, dict):
                yield data

    def _append(self, data: dict[str, Any]) -> None:
        line = json.dumps(data, sort_keys=True) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # 0600: ids and URLs are not secret, but the journal is nobody else's business.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "r+b") as handle:
                size = os.fstat(fd).st_size
                # After a torn line (a crash mid-write), start a new one: else this entry is lost.
                torn = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
                handle.write((("\n" if torn else "") + line).encode("utf-8"))
        except OSError as exc:
            raise ConfigError(
                f"cannot write the job journal {self.path}: {exc.strerror or exc}; "
                "set AML_RETRAIN_JOURNAL to a writable file"
            ) from exc
