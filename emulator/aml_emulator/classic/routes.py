"""Routing table of the classic management API (CLASSIC-API §5). Paths match case-sensitively."""

from __future__ import annotations

from ..web import Handler
from .handlers import ClassicHandlers

__all__ = ["routes"]

_W = r"/workspaces/(?P<ws>[^/]+)/webservices"
_SVC = _W + r"/(?P<svc>[^/]+)"
_EP = _SVC + r"/endpoints/(?P<name>[^/]+)"


def routes(h: ClassicHandlers) -> list[tuple[str, str, Handler]]:
    return [
        ("GET", _W, h.list_webservices),
        ("GET", _SVC, h.get_webservice),
        ("GET", _SVC + r"/endpoints", h.list_endpoints),
        ("GET", _EP, h.get_endpoint),
        ("PUT", _EP, h.create_endpoint),
        ("PATCH", _EP, h.patch_endpoint),
        ("DELETE", _EP, h.delete_endpoint),
        ("POST", _EP + r"/refresh", h.refresh_endpoint),
    ]
