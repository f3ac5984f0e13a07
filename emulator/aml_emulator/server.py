"""Threaded HTTPS server on 127.0.0.1 with a throw-away test CA (trustme).

``EmulatorServer(state_dir).start()`` binds a free port, writes ``<state_dir>/ca.pem``, serves
from a background thread and returns once ``/_emulator/health`` answers over TLS.
"""

from __future__ import annotations

import errno
import http.client
import json
import logging
import os
import socket
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import trustme

from .app import EmulatorApp
from .errors import PortInUseError, StartTimeoutError
from .storage import blob_base_url
from .web import Request, RequestBodyInvalid, Response

__all__ = ["EmulatorServer", "check_port", "healthy", "load_seed"]

_log = logging.getLogger("aml_emulator.server")
_MAX_BODY = 16 * 1024 * 1024
_READY_TIMEOUT = 10.0

SeedSource = dict[str, Any] | str | os.PathLike[str] | None


def load_seed(seed: SeedSource = None) -> dict[str, Any]:
    """The seed fixture: the packaged ``data/seed.json``, a JSON file path, or a dict as is."""
    if isinstance(seed, dict):
        return seed
    if seed is None:
        text = resources.files("aml_emulator").joinpath("data/seed.json").read_text("utf-8")
    else:
        text = Path(seed).read_text(encoding="utf-8-sig")
    data: dict[str, Any] = json.loads(text)
    return data


def healthy(url: str, ca: str | os.PathLike[str] | ssl.SSLContext) -> bool:
    """One probe of ``GET {url}/_emulator/health`` over TLS verified with the CA (path/context)."""
    context = ca if isinstance(ca, ssl.SSLContext) else ssl.create_default_context(cafile=str(ca))
    host, port = urlsplit(url).hostname or "127.0.0.1", urlsplit(url).port
    connection = http.client.HTTPSConnection(host, port, context=context, timeout=2)
    try:
        connection.request("GET", "/_emulator/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _port_in_use(port: int) -> PortInUseError:
    return PortInUseError(f"port {port} on 127.0.0.1 is in use: choose another --port, or 0 for "
                          "a free one")


def check_port(port: int) -> None:
    """Fail fast, before Azurite starts, when *port* (not 0) is taken; binding still checks."""
    if not port:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise _port_in_use(port) from None
            raise


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY each small JSON answer waits
    # ~40 ms for the client's delayed ACK (Nagle), which dominated every round trip.
    disable_nagle_algorithm = True
    server_version = "aml-emulator"
    timeout = 60  # seconds a silent client may hold a worker thread
    server: _TLSServer

    def setup(self) -> None:
        super().setup()
        assert isinstance(self.connection, ssl.SSLSocket)
        self.connection.do_handshake()  # here, in the worker thread, not in the accept loop

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the request line carries the query string. ``app`` logs method and path."""

    def _read_body(self) -> bytes:
        """The whole body (``Content-Length`` or chunked), so a keep-alive connection stays in
        step with the client; ``ValueError`` for a bad length or a body over the limit."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY or length < 0:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            size = int(self.rfile.readline(1024).split(b";", 1)[0].strip() or b"x", 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return bytes(body)
            if len(body) + size > _MAX_BODY:
                raise ValueError("request body too large")
            body += self.rfile.read(size)
            self.rfile.readline(1024)  # the CRLF after each chunk

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._send(RequestBodyInvalid("Bad Content-Length or body too large.").to_response())
            return
        request = Request(method=self.command, path=unquote(parts.path.rstrip("/") or "/"),
                          headers=dict(self.headers.items()), body=body,
                          query=dict(parse_qsl(parts.query)))
        response = self.server.app.handle(request)
        if response is None:
            self._drop()
        else:
            self._send(response)

    def _drop(self) -> None:
        """Injected fault: close the TCP connection without answering."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send(self, response: Response) -> None:
        """Every answer is delimited for HTTP/1.1 keep-alive: ``Content-Length`` (also on
        errors and on HEAD, for the body a GET would get), except 204 and 304, which by
        definition have no body and must not carry one (RFC 9110 §8.6, §15.4.5)."""
        no_body = response.body is None or response.status in (204, 304)
        payload = b"" if no_body else json.dumps(response.body).encode("utf-8")
        self.send_response(response.status)
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if payload:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        if response.status not in (204, 304):
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # listen backlog: 32+ clients connecting at once must not see SYN drops
    app: EmulatorApp

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Handshake failures and client disconnects are normal for a test server: no tracebacks.
        _log.debug("connection error from %s", client_address, exc_info=True)


class EmulatorServer:
    """HTTPS emulator of the classic management API, the ARM web services and the
    ``/_emulator`` control plane.

    :param state_dir: directory for ``ca.pem`` (created if missing).
    :param seed: the fixture (dict or JSON path); default: the packaged ``data/seed.json``.
    :param storage_connection_string: storage holding the seed model (sets its BaseLocation)
        and receiving BES outputs that are not overridden.
    :param port: TCP port on 127.0.0.1; 0 picks a free one.
    """

    def __init__(self, state_dir: str | os.PathLike[str], *, seed: SeedSource = None,
                 storage_connection_string: str | None = None, port: int = 0) -> None:
        self.state_dir = Path(state_dir).resolve()
        self.ca_path = self.state_dir / "ca.pem"
        self._seed = load_seed(seed)
        self._storage = storage_connection_string
        self._blob_base = blob_base_url(storage_connection_string) if storage_connection_string \
            else None
        self._port = port
        self._httpd: _TLSServer | None = None
        self._thread: threading.Thread | None = None
        self._ca: trustme.CA | None = None

    @property
    def url(self) -> str:
        """``https://127.0.0.1:<port>`` (no trailing slash); only after :meth:`start`."""
        if self._httpd is None:
            raise RuntimeError("the emulator is not started; call start() first")
        return f"https://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def app(self) -> EmulatorApp:
        if self._httpd is None:
            raise RuntimeError("the emulator is not started; call start() first")
        return self._httpd.app

    def _tls_context(self) -> ssl.SSLContext:
        self._ca = trustme.CA()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._ca.cert_pem.write_to_path(str(self.ca_path))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        self._ca.issue_cert("127.0.0.1", "localhost", "::1").configure_cert(context)
        return context

    def start(self) -> EmulatorServer:
        """Bind, serve from a daemon thread, and return once health answers over TLS."""
        if self._httpd is not None:
            return self
        context = self._tls_context()
        try:
            httpd = _TLSServer(("127.0.0.1", self._port), _Handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise _port_in_use(self._port) from None
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True,
                                           do_handshake_on_connect=False)
        self._httpd = httpd
        httpd.app = EmulatorApp(self._seed, self.url, blob_base_url=self._blob_base,
                                storage_connection_string=self._storage)
        self._thread = threading.Thread(target=httpd.serve_forever, name="aml-emulator",
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        context = ssl.create_default_context(cafile=str(self.ca_path))
        deadline = time.monotonic() + _READY_TIMEOUT
        while time.monotonic() < deadline:
            if healthy(self.url, context):
                return
            time.sleep(0.02)  # poll interval between readiness probes
        url = self.url
        self.stop()
        raise StartTimeoutError(f"the emulator did not answer on {url} within "
                                f"{_READY_TIMEOUT:g} s: the machine may be overloaded; try again")

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
