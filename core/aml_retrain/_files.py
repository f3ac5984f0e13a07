"""Private local files (backups of live definitions): written 0600, never overwritten, no SAS kept."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from aml_retrain.errors import ConfigError

__all__ = ["without_signatures", "write_private_json"]


def without_signatures(value: Any) -> Any:
    """Return ``value`` with every SAS removed: ``SasBlobToken`` fields, queries carrying ``sig=``.

    A backup is for reading what served before; a restore mints a fresh SAS from the connection
    string, so a signature kept here would only be a credential lying on disk.
    """
    if isinstance(value, Mapping):
        return {k: without_signatures(v) for k, v in value.items() if k != "SasBlobToken"}
    if isinstance(value, list):
        return [without_signatures(v) for v in value]
    if isinstance(value, str) and "sig=" in value.lower():
        return value.split("?", 1)[0] if "?" in value and not value.startswith("?") else ""
    return value


def write_private_json(folder: Path, text: str, *, now: datetime | None = None) -> Path:
    """Write ``text`` to ``folder/<UTC>.json`` with mode 0600, never overwriting an earlier file."""
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    stamp = moment.strftime("%Y%m%dT%H%M%SZ")
    # What a text-mode file writes, without its fstat/isatty/seek calls (a fan-out writes one a target).
    data = text.replace("\n", os.linesep).encode("utf-8") if os.linesep != "\n" else text.encode("utf-8")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for attempt in range(100):
            path = folder / (f"{stamp}.json" if attempt == 0 else f"{stamp}-{attempt}.json")
            try:
                # O_EXCL: two runs in the same second must not overwrite each other's backup.
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            return path
    except OSError as exc:
        raise ConfigError(
            f"cannot write the backup under {folder}: {exc.strerror or exc}; nothing was changed"
        ) from exc
    raise ConfigError(f"too many backups in {folder} for {stamp}; nothing was changed")
