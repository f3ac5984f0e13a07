"""One pooled ``requests.Session`` per thread for the emulator's own calls to storage.

The server answers each client connection in its own thread, and a keep-alive client sends
many requests on it; a per-thread session lets every PATCH blob check and model download of
that connection reuse one pooled TCP connection to storage instead of opening a new one each
time. Sessions are not shared between threads (``requests`` does not promise thread safety).
``trust_env`` is off: the emulator talks to local storage and proxy settings would misroute it.

A pooled connection may have been closed by storage while idle (Azurite drops idle keep-alive
connections after a few seconds); a GET that fails on connect or read is retried once, on a
fresh connection, so that race never surfaces as a 500.
"""

from __future__ import annotations

import threading

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

__all__ = ["session"]

_local = threading.local()
_RETRY = Retry(total=1, connect=1, read=1, status=0, other=0, redirect=0,
               allowed_methods=frozenset({"GET", "HEAD"}), raise_on_status=False)


def session() -> requests.Session:
    """This thread's session (created on first use; dropped with the thread)."""
    current: requests.Session | None = getattr(_local, "session", None)
    if current is None:
        current = requests.Session()
        current.trust_env = False
        adapter = HTTPAdapter(max_retries=_RETRY)
        current.mount("http://", adapter)
        current.mount("https://", adapter)
        _local.session = current
    return current
