"""Start and stop the project's pinned Azurite blob service (``npm ci`` installs it).

Lookup order for ``azurite-blob``: ``$AML_EMULATOR_AZURITE`` (explicit path), then
``node_modules/.bin/`` in the working directory or any parent, then in any parent of this
package (a source checkout), then ``PATH``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from .storage import azurite_connection_string

__all__ = ["AzuriteError", "AzuriteProcess", "find_azurite", "free_port", "start_azurite"]

AZURITE_ENV = "AML_EMULATOR_AZURITE"
_BIN = "azurite-blob"
_START_TIMEOUT = 60.0  # polled: a loaded machine may take long to start node; a fast one returns at once
_STOP_TIMEOUT = 10.0
INSTALL_HINT = ("Install the pinned Azurite with `npm ci` in the aml-retrain repository (needs "
                f"Node.js 20), or set {AZURITE_ENV} to the path of azurite-blob.")


class AzuriteError(RuntimeError):
    """Azurite is missing or did not start."""


def _candidates() -> list[Path]:
    found: list[Path] = []
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        found.extend(d / "node_modules" / ".bin" / _BIN for d in (start, *start.parents))
    return found


def find_azurite() -> Path:
    """Path of ``azurite-blob``; :class:`AzuriteError` with the install hint when missing."""
    explicit = os.environ.get(AZURITE_ENV)
    if explicit:
        if Path(explicit).is_file():
            return Path(explicit)
        raise AzuriteError(f"{AZURITE_ENV}={explicit} does not exist. {INSTALL_HINT}")
    for candidate in _candidates():
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which(_BIN)
    if on_path:
        return Path(on_path)
    raise AzuriteError(f"{_BIN} was not found. {INSTALL_HINT}")


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now (the OS picks it); a tiny race with other processes remains."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class AzuriteProcess:
    """A running ``azurite-blob`` in its own process group."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, host: str = "127.0.0.1"):
        self.process = process
        self.host = host
        self.port = port

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def connection_string(self) -> str:
        return azurite_connection_string(self.port, self.host)

    @property
    def blob_endpoint(self) -> str:
        return f"http://{self.host}:{self.port}/devstoreaccount1"

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM the process group, wait up to 10 s, then SIGKILL it (idempotent)."""
        if not self.running():
            return
        _signal_group(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            _signal_group(self.pid, signal.SIGKILL)
            self.process.wait(timeout=_STOP_TIMEOUT)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def start_azurite(*, port: int = 0, binary: str | os.PathLike[str] | None = None,
                  log_path: str | os.PathLike[str] | None = None,
                  timeout: float = _START_TIMEOUT) -> AzuriteProcess:
    """Start in-memory Azurite blob on 127.0.0.1 and return once its port accepts.

    :param port: blob port; 0 picks a free one.
    :param binary: path of ``azurite-blob``; default :func:`find_azurite`.
    :param log_path: file for Azurite's stdout/stderr; default: discarded.
    :raises AzuriteError: not installed, exited early, or not listening within *timeout*.
    """
    executable = Path(binary) if binary else find_azurite()
    port = port or free_port()
    args = [str(executable), "--blobHost", "127.0.0.1", "--blobPort", str(port),
            "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--silent",
            "--disableTelemetry"]
    with open(log_path or os.devnull, "ab") as log:
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   start_new_session=True)
    azurite = AzuriteProcess(process, port)
    deadline = time.monotonic() + timeout
    while not _accepts("127.0.0.1", port):
        if not azurite.running():
            raise AzuriteError(f"Azurite exited with code {process.returncode} before listening "
                               f"on port {port}. {INSTALL_HINT}")
        if time.monotonic() > deadline:
            azurite.stop()
            raise AzuriteError(f"Azurite did not listen on 127.0.0.1:{port} within {timeout:g} s.")
        time.sleep(0.05)  # poll interval
    return azurite
