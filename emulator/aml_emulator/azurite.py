"""Find, install, start and stop the project's pinned Azurite blob service.

Lookup order for ``azurite-blob`` (:func:`find_azurite`; README "Local emulator"):

1. ``$AML_EMULATOR_AZURITE``: an explicit path (an error if it does not exist);
2. ``node_modules/.bin/`` in the working directory or any parent, then in any parent of this
   package (a source checkout after ``npm ci``);
3. ``~/.aml-retrain/azurite/node_modules/.bin/`` (where :func:`install_azurite` puts it);
4. ``PATH``.

The pinned version lives here (:data:`AZURITE_VERSION`), so a pip-installed emulator knows it
without the repository's ``package.json``; a test keeps the two equal.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from .errors import (
    AzuriteError,
    AzuriteNotFoundError,
    InstallError,
    NodeNotFoundError,
    StartTimeoutError,
)
from .storage import azurite_connection_string

__all__ = ["AZURITE_VERSION", "AzuriteError", "AzuriteProcess", "find_azurite", "free_port",
           "install_azurite", "install_prefix", "start_azurite"]

AZURITE_VERSION = "3.35.0"  # = package.json devDependencies (tests/emulator/test_azurite_lookup.py)
AZURITE_ENV = "AML_EMULATOR_AZURITE"
INSTALL_COMMAND = "aml-retrain emulator install-azurite"
LOOKUP = (f"${AZURITE_ENV}, node_modules/.bin in the working directory and its parents, "
          "~/.aml-retrain/azurite/node_modules/.bin, PATH")
_BIN = "azurite-blob"
_PACKAGE_DIR = Path(__file__).resolve().parent
_START_TIMEOUT = 60.0  # polled: a loaded machine may take long to start node; a fast one returns at once
_STOP_TIMEOUT = 10.0
INSTALL_HINT = (f"install the pinned Azurite {AZURITE_VERSION} with: {INSTALL_COMMAND} "
                f"(needs Node.js 20), or set {AZURITE_ENV} to the path of azurite-blob")


def install_prefix() -> Path:
    """``~/.aml-retrain/azurite``: the npm prefix :func:`install_azurite` installs into."""
    return Path.home() / ".aml-retrain" / "azurite"


def _candidates() -> list[Path]:
    found: list[Path] = []
    for start in (Path.cwd(), _PACKAGE_DIR):
        found.extend(d / "node_modules" / ".bin" / _BIN for d in (start, *start.parents))
    found.append(install_prefix() / "node_modules" / ".bin" / _BIN)
    return found


def find_azurite() -> Path:
    """Path of ``azurite-blob`` along the lookup order of this module's docstring.

    :raises AzuriteNotFoundError: nothing found; the one-line message names the lookup and
        the install command.
    """
    explicit = os.environ.get(AZURITE_ENV)
    if explicit:
        if Path(explicit).is_file():
            return Path(explicit)
        raise AzuriteNotFoundError(f"{AZURITE_ENV}={explicit} does not exist: point it at "
                                   f"azurite-blob, or unset it and run: {INSTALL_COMMAND}")
    for candidate in _candidates():
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which(_BIN)
    if on_path:
        return Path(on_path)
    raise AzuriteNotFoundError(f"{_BIN} was not found (looked in: {LOOKUP}); {INSTALL_HINT}")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise NodeNotFoundError(f"{name} was not found on PATH: install Node.js 20 (it brings "
                                f"npm; https://nodejs.org), then run: {INSTALL_COMMAND}")
    return found


def install_azurite(prefix: str | os.PathLike[str] | None = None, *, timeout: float = 600.0,
                    on_start: Callable[[Path], None] | None = None) -> Path:
    """``npm install --prefix PREFIX azurite@AZURITE_VERSION``; return the installed azurite-blob.

    :param prefix: npm prefix; default :func:`install_prefix` (searched by :func:`find_azurite`).
    :param on_start: called with the prefix once node and npm are found, before npm runs.
    :raises NodeNotFoundError: ``node`` or ``npm`` is not on PATH.
    :raises InstallError: npm failed, or left no ``azurite-blob`` behind.
    """
    target = Path(prefix).expanduser() if prefix else install_prefix()
    _tool("node")
    npm = _tool("npm")
    if on_start is not None:
        on_start(target)
    target.mkdir(parents=True, exist_ok=True)
    args = [npm, "install", "--prefix", str(target), "--no-audit", "--no-fund",
            f"azurite@{AZURITE_VERSION}"]
    try:
        done = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise InstallError(f"npm install azurite@{AZURITE_VERSION} did not finish within "
                           f"{timeout:g} s: check the network or npm's proxy settings") from None
    if done.returncode != 0:
        last = next((line for line in reversed(done.stderr.splitlines()) if line.strip()), "")
        raise InstallError(f"npm install azurite@{AZURITE_VERSION} failed (exit "
                           f"{done.returncode}): {last.strip()[:300]}")
    binary = target / "node_modules" / ".bin" / _BIN
    if not binary.is_file():
        raise InstallError(f"npm install finished but {binary} does not exist")
    return binary


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
    :raises AzuriteNotFoundError: not installed.
    :raises AzuriteError: exited early.
    :raises StartTimeoutError: not listening within *timeout*.
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
            raise AzuriteError(f"Azurite ({executable}) exited with code {process.returncode} "
                               f"before listening on port {port}: see {log_path or 'its output'}"
                               f"; reinstall it with: {INSTALL_COMMAND}")
        if time.monotonic() > deadline:
            azurite.stop()
            raise StartTimeoutError(f"Azurite did not listen on 127.0.0.1:{port} within "
                                    f"{timeout:g} s: the machine may be overloaded; try again")
        time.sleep(0.05)  # poll interval
    return azurite
