"""Local files: private backups (0600, never overwritten, no SAS kept) and atomic replacement."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from aml_retrain.errors import ConfigError

__all__ = ["replace_file", "without_signatures", "write_private_json"]


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


def replace_file(path: Path, text: str, *, keep_backup: bool) -> Path | None:
    """Write ``text`` to ``path`` atomically; first copy an existing different file to ``<path>.bak``."""
    backup: Path | None = None
    data = text.encode("utf-8")  # once, for the comparison and the write (definitions can be MBs)
    try:
        if keep_backup and path.exists():
            # A different size is a different file: copy it without holding it in memory too.
            if path.stat().st_size != len(data) or path.read_bytes() != data:
                backup = path.with_name(path.name + ".bak")
                shutil.copyfile(path, backup)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_bytes(data)
        # os.replace is atomic: a crash leaves the old file or the new one, never half of each.
        os.replace(temp, path)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return backup
