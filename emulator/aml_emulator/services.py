"""Start/stop Azurite + the emulator together and publish them in a profile file.

The profile (docs/architecture.md) is written with mode 0600. **Stopping deletes the profile**:
its URL, token and CA are useless once the emulator is gone, and a missing profile makes the
client fall back to its other settings instead of calling a dead port. The profile keeps the
client's own records (``ledger``, ``journal``, ``backup_dir``) in the state folder, so runs
against the emulator never land in ``~/.aml-retrain/ledger.jsonl``, the file used against Azure.
A file that is not an emulator profile (no ``"emulator"`` key) is never overwritten.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .azurite import AzuriteProcess, start_azurite
from .errors import AlreadyRunningError, EmulatorError, ProfileError, StartTimeoutError, by_name
from .server import EmulatorServer, SeedSource, check_port, load_seed
from .storage import upload_seed_model

__all__ = [
    "CONNECTION_STRING_ENV",
    "Services",
    "is_running",
    "read_profile",
    "start_services",
    "stop_services",
]

CONNECTION_STRING_ENV = "AML_EMULATOR_STORAGE_CONNECTION_STRING"
_DETACH_TIMEOUT = 90.0  # longer than the child's own Azurite start timeout (60 s): it reports first
_STOP_TIMEOUT = 10.0
_running: dict[Path, Services] = {}  # in-process handles, so stop_services() can find them
_running_lock = threading.Lock()


@dataclass
class Services:
    """Handle on running services. In-process: ``server``/``azurite`` set; detached: ``None``."""

    profile_path: Path
    profile: dict[str, Any]
    server: EmulatorServer | None = None
    azurite: AzuriteProcess | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return str(self.profile["management_url"])

    @property
    def pid(self) -> int:
        return int(self.profile["emulator"]["pid"])

    def stop(self) -> None:
        """Stop everything and delete the profile (idempotent)."""
        if self.server is None and self.azurite is None:
            stop_services(self.profile_path)
            if self.process is not None:
                self.process.poll()  # collect the exit status (it may already be reaped)
            return
        with _running_lock:
            _running.pop(self.profile_path, None)
        if self.server is not None:
            self.server.stop()
        if self.azurite is not None:
            self.azurite.stop()
        self.server = self.azurite = None
        _remove_profile_of(self.profile_path, self.pid)


def read_profile(profile_path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The profile as a dict, or ``None`` when missing or unreadable."""
    try:
        data = json.loads(Path(profile_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_profile(path: Path, profile: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(profile, out, indent=2)
    os.chmod(tmp, 0o600)  # in case the file pre-existed with wider permissions
    os.replace(tmp, path)


def _remove_profile_of(path: Path, pid: object) -> None:
    """Delete the profile only if it still describes emulator *pid*."""
    profile = read_profile(path)
    if profile is not None and profile.get("emulator", {}).get("pid") == pid:
        path.unlink(missing_ok=True)


def _build_profile(server: EmulatorServer, seed: dict[str, Any], connection_string: str | None,
                   azurite: AzuriteProcess | None) -> dict[str, Any]:
    workspace = seed["workspaces"][0]
    profile: dict[str, Any] = {
        "name": "emulator", "management_url": server.url, "workspace_id": workspace["Id"],
        "workspace_token": workspace["AuthorizationToken"], "region": workspace["Region"],
        "ca_bundle": str(server.ca_path),
        # ARM web services (Microsoft.MachineLearning/webServices): same server, own token
        "arm_url": server.url, "arm_token": server.app.arm.token,
    }
    subscriptions = seed.get("arm", {}).get("subscriptions", [])
    if subscriptions:
        profile["subscription_id"] = subscriptions[0]["subscriptionId"]
    ml_workspaces = seed.get("mlv2", {}).get("workspaces", [])
    if ml_workspaces:
        # Azure ML v2 (Microsoft.MachineLearningServices): same server and ARM token as above.
        profile["ml_resource_group"] = ml_workspaces[0]["resourceGroup"]
        profile["ml_workspace"] = ml_workspaces[0]["name"]
    if connection_string:
        profile["storage_connection_string"] = connection_string
    # The client's records stay with this emulator (config.py keys ledger, journal, backup_dir).
    state_dir = server.state_dir
    profile.update({"ledger": str(state_dir / "ledger.jsonl"),
                    "journal": str(state_dir / "jobs.jsonl"),
                    "backup_dir": str(state_dir / "backups")})
    profile["emulator"] = {"pid": os.getpid(), "url": server.url,
                           "azurite_pid": azurite.pid if azurite else None,
                           "state_dir": str(server.state_dir)}
    return profile


def _start_here(profile_path: Path, state_dir: Path, connection_string: str | None,
                use_azurite: bool, seed: SeedSource, port: int) -> Services:
    state_dir.mkdir(parents=True, exist_ok=True)
    check_port(port)
    azurite = None
    if connection_string is None and use_azurite:
        azurite = start_azurite(log_path=state_dir / "azurite.log")
        connection_string = azurite.connection_string
    try:
        if connection_string:
            upload_seed_model(connection_string)
        fixture = load_seed(seed)
        server = EmulatorServer(state_dir, seed=fixture, port=port,
                                storage_connection_string=connection_string).start()
    except BaseException:
        if azurite is not None:
            azurite.stop()
        raise
    profile = _build_profile(server, fixture, connection_string, azurite)
    _write_profile(profile_path, profile)
    handle = Services(profile_path, profile, server=server, azurite=azurite)
    with _running_lock:
        _running[profile_path] = handle
    return handle


def start_services(profile_path: str | os.PathLike[str], *,
                   storage_connection_string: str | None = None, detach: bool = False,
                   state_dir: str | os.PathLike[str] | None = None, port: int = 0,
                   start_azurite: bool = True, seed: SeedSource = None) -> Services:
    """Start Azurite (unless a connection string is given) and the emulator; write the profile.

    :param profile_path: where to write the profile JSON (mode 0600).
    :param storage_connection_string: use this storage instead of starting Azurite.
    :param detach: run in a separate background process (``python -m aml_emulator``) that
        outlives the caller; returns once the profile exists and health answers over TLS.
    :param state_dir: CA, logs; default ``<profile dir>/emulator-state``.
    :param port: emulator port (0 = free port).
    :param start_azurite: ``False`` runs without storage when no connection string is given.
    :param seed: fixture override (in-process only); default: packaged ``data/seed.json``.
    :raises AlreadyRunningError: an emulator is running for this profile.
    :raises ProfileError: the path is a directory, or a file that is not an emulator profile.
    :raises EmulatorError: any other start failure (subclasses in :mod:`.errors`).
    """
    path = Path(profile_path).expanduser().resolve()
    state = Path(state_dir).resolve() if state_dir else path.parent / "emulator-state"
    if is_running(path):
        raise AlreadyRunningError(f"an emulator is already running for profile {path}: stop it "
                                  f"with: aml-retrain emulator stop --profile {path}")
    _check_profile_path(path)
    if not detach:
        return _start_here(path, state, storage_connection_string, start_azurite, seed, port)
    if seed is not None:
        raise ValueError("seed overrides are only supported in-process (detach=False)")
    return _start_detached(path, state, storage_connection_string, start_azurite, port)


def _check_profile_path(path: Path) -> None:
    """Refuse a path we must not write: a directory, or someone's real (non-emulator) profile."""
    if path.is_dir():
        raise ProfileError(f"profile {path} is a directory: pass --profile with a file path")
    if path.exists():
        profile = read_profile(path)
        if profile is None or not isinstance(profile.get("emulator"), dict):
            raise ProfileError(f"{path} exists and is not an emulator profile; it is left as it "
                               "is: pass --profile with another path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProfileError(f"cannot create the folder of profile {path}: {exc.strerror}") from None
    if not os.access(path.parent, os.W_OK):
        raise ProfileError(f"cannot write profile {path}: its folder is not writable; "
                           "pass --profile with another path")


def _child_env(connection_string: str | None) -> dict[str, str]:
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parent.parent)  # works without pip install
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    env.pop(CONNECTION_STRING_ENV, None)
    if connection_string:
        env[CONNECTION_STRING_ENV] = connection_string  # never on the command line
    return env


def _start_detached(path: Path, state_dir: Path, connection_string: str | None,
                    use_azurite: bool, port: int) -> Services:
    state_dir.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "aml_emulator", "--profile", str(path),
            "--state-dir", str(state_dir), "--port", str(port)]
    if connection_string:
        args += ["--storage-connection-string-env", CONNECTION_STRING_ENV]
    if not use_azurite:
        args.append("--no-azurite")
    log_path = state_dir / "emulator.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   env=_child_env(connection_string), start_new_session=True)
    profile = _wait_detached(path, process, log_path)
    return Services(path, profile, process=process)


def _wait_detached(path: Path, process: subprocess.Popen[bytes], log_path: Path) -> dict[str, Any]:
    from .server import healthy  # local: only the detached path needs it

    deadline = time.monotonic() + _DETACH_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise _child_error(process.returncode, log_path)
        profile = read_profile(path)
        if profile and profile.get("emulator", {}).get("pid") == process.pid \
                and healthy(profile["management_url"], profile["ca_bundle"]):
            return profile
        time.sleep(0.05)  # poll interval
    _terminate(process.pid, "aml_emulator")
    raise StartTimeoutError(f"the emulator did not become healthy within {_DETACH_TIMEOUT:g} s: "
                            f"see {log_path}")


def _child_error(code: int | None, log_path: Path) -> EmulatorError:
    """The detached child's own error (its last ``error: Class: message`` line), same class."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    for line in reversed(lines):
        if line.startswith("error: "):
            name, _, message = line[len("error: "):].partition(": ")
            kind = by_name(name)
            if kind is not None and message:
                return kind(message)
            return EmulatorError(f"the emulator exited with code {code}: {line[7:]} "
                                 f"(see {log_path})")
    return EmulatorError(f"the emulator exited with code {code}: see {log_path}")


def _alive(pid: int) -> bool:
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own exited child: reap the zombie
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_ours(pid: int, marker: str) -> bool:
    """Guard against PID reuse: on Linux the command line must mention *marker*."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc (macOS): trust the profile
    return marker.encode() in cmdline


def _send(pid: int, sig: signal.Signals) -> None:
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)  # a session/group leader: take its whole group
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _terminate(pid: int, marker: str) -> bool:
    """SIGTERM, poll until gone (10 s), then SIGKILL. ``False`` if not ours or not running."""
    if pid == os.getpid() or not _alive(pid) or not _is_ours(pid, marker):
        return False
    _send(pid, signal.SIGTERM)
    for sig in (None, signal.SIGKILL):
        if sig is not None:
            _send(pid, sig)
        deadline = time.monotonic() + _STOP_TIMEOUT
        while time.monotonic() < deadline:
            if not _alive(pid):
                return True
            time.sleep(0.05)  # poll interval
    return not _alive(pid)


def is_running(profile_path: str | os.PathLike[str]) -> bool:
    """True when the profile names a live emulator process."""
    profile = read_profile(profile_path) or {}
    pid = profile.get("emulator", {}).get("pid")
    return isinstance(pid, int) and (pid == os.getpid() or (_alive(pid)
                                                            and _is_ours(pid, "aml_emulator")))


def stop_services(profile_path: str | os.PathLike[str]) -> bool:
    """Stop the emulator and Azurite named in the profile, then delete the profile.

    :returns: ``True`` if the profile described an emulator (now stopped), else ``False``.
    """
    path = Path(profile_path).expanduser().resolve()
    with _running_lock:
        handle = _running.get(path)
    if handle is not None:
        handle.stop()
        return True
    profile = read_profile(path)
    info = profile.get("emulator") if profile else None
    if not isinstance(info, dict):
        return False
    if isinstance(info.get("pid"), int):
        _terminate(info["pid"], "aml_emulator")
    if isinstance(info.get("azurite_pid"), int):
        _terminate(info["azurite_pid"], "azurite")
    _remove_profile_of(path, info.get("pid"))
    return True
