"""Print the trained-model URL (no SAS) from `endpoints show` / `webservice show` JSON on stdin.

Usage: model_url.py classic|arm
"""

from __future__ import annotations

import json
import sys
from typing import Any


def classic(shown: dict[str, Any]) -> str:
    """The endpoint's trained-model resource location (the first resource that has one)."""
    for res in shown.get("Resources") or []:
        loc = res.get("Location") or {}
        if loc.get("BaseLocation") or loc.get("RelativeLocation"):
            base = str(loc.get("BaseLocation") or "").rstrip("/")
            return base + "/" + str(loc.get("RelativeLocation") or "").lstrip("/")
    raise SystemExit("the endpoint has no trained-model resource")


def arm(shown: dict[str, Any]) -> str:
    """The web service's trained-model asset URI (the first asset of type Resource)."""
    assets = (shown.get("properties") or {}).get("assets") or {}
    for asset in assets.values():
        if asset.get("type") == "Resource":
            return str((asset.get("locationInfo") or {}).get("uri"))
    raise SystemExit("the web service has no trained-model asset")


if __name__ == "__main__":
    data = json.load(sys.stdin)
    url = classic(data) if sys.argv[1] == "classic" else arm(data)
    print(url.split("?", 1)[0])
