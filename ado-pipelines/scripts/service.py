"""Where a target's service is, read from the JSON `aml-retrain -o json target show` printed (stdin).

Usage: service.py < shown.json
Prints one line of words for the step scripts: `classic SERVICE_ID ENDPOINT` (a classic endpoint),
`webservice RG NAME` (an ARM web service) or `online RG WORKSPACE ENDPOINT [DEPLOYMENT]` (a v2 online
endpoint and the deployment serving it), taken from the detail's ids as the CLI printed them, never
from the target text; nothing (exit 1) for a detail of any other shape. The scripts pick the CLI's
score or retrain command by the first word.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def words(detail: dict[str, Any]) -> list[str]:
    """The service's kind and names, or [] when the detail names no service the CLI can score."""
    if detail.get("service_id") and detail.get("endpoint"):
        return ["classic", str(detail["service_id"]), str(detail["endpoint"])]
    parts = str(detail.get("resource_id") or detail.get("endpoint_id") or "").split("/")
    lower = [part.lower() for part in parts]  # ARM ids are case-insensitive

    def after(segment: str) -> str:
        at = lower.index(segment) + 1 if segment in lower else len(parts)
        return parts[at] if at < len(parts) else ""

    group = after("resourcegroups")
    if group and after("webservices"):
        return ["webservice", group, after("webservices")]
    if group and after("workspaces") and after("onlineendpoints"):
        serving = [str(detail["deployment"])] if detail.get("deployment") else []
        return ["online", group, after("workspaces"), after("onlineendpoints"), *serving]
    return []


def main() -> int:
    """Print the words for the JSON on stdin; exit 1 (print nothing) when there are none."""
    try:
        shown = json.load(sys.stdin)
    except ValueError:
        return 1
    found = words(shown.get("detail") or {}) if isinstance(shown, dict) else []
    if not found:
        return 1
    print(" ".join(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
