"""Local copies of endpoint definitions, written before any destructive call."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from aml_retrain._files import without_signatures, write_private_json

__all__ = ["KEY_FIELDS", "strip_keys", "write_backup"]

KEY_FIELDS = ("PrimaryKey", "SecondaryKey")


def strip_keys(endpoint_obj: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of an endpoint object without its API keys."""
    return {k: v for k, v in endpoint_obj.items() if k not in KEY_FIELDS}


def write_backup(
    backup_dir: str | Path,
    workspace_id: str,
    service_id: str,
    endpoint: str,
    endpoint_obj: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> Path:
    """Save an endpoint (keys and SAS removed) as ``backup_dir/<ws>/<service>/<endpoint>/<UTC>.json``."""
    folder = Path(backup_dir).expanduser() / workspace_id / service_id / endpoint
    text = json.dumps(without_signatures(strip_keys(endpoint_obj)), indent=2, sort_keys=True) + "\n"
    return write_private_json(folder, text, now=now)
