"""``python -m aml_emulator``: run Azurite + the emulator in the foreground until Ctrl-C/SIGTERM."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from .errors import EmulatorError
from .services import Services, start_services

DEFAULT_PROFILE = Path("~/.aml-retrain/emulator.json")  # never the user's real profile


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m aml_emulator", description=__doc__)
    parser.add_argument("--profile", type=Path, default=DEFAULT_PROFILE,
                        help="profile file to write (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="emulator port (0 = a free port)")
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="CA and logs (default: <profile dir>/emulator-state)")
    parser.add_argument("--storage-connection-string-env", metavar="VAR", default=None,
                        help="use the storage whose connection string is in env var VAR "
                             "instead of starting Azurite")
    parser.add_argument("--no-azurite", action="store_true",
                        help="do not start Azurite (no storage unless --storage-...-env)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request")
    return parser


def serve(profile: Path, *, connection_string: str | None = None, state_dir: Path | None = None,
          port: int = 0, start_azurite: bool = True,
          announce: Callable[[Services], None] | None = None) -> None:
    """Start the services, call *announce*, serve until SIGTERM/SIGINT, then stop them.

    :raises EmulatorError: the services did not start (subclasses in :mod:`.errors`).
    """
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    handle = start_services(profile, storage_connection_string=connection_string,
                            state_dir=state_dir, port=port, start_azurite=start_azurite)
    try:
        if announce is not None:
            announce(handle)
        while not stop.wait(0.5):
            pass
    finally:
        handle.stop()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.verbose:  # our own request lines only (method, path, status; never the query)
        logging.getLogger("aml_emulator").setLevel(logging.INFO)
    connection_string = None
    if args.storage_connection_string_env:
        connection_string = os.environ.get(args.storage_connection_string_env)
        if not connection_string:
            print(f"error: environment variable {args.storage_connection_string_env} is empty",
                  file=sys.stderr)
            return 2
    try:
        serve(args.profile, connection_string=connection_string, state_dir=args.state_dir,
              port=args.port, start_azurite=not args.no_azurite,
              announce=lambda handle: print(f"aml-emulator serving {handle.url} (profile "
                                            f"{handle.profile_path}); Ctrl-C to stop", flush=True))
    except (EmulatorError, OSError) as exc:
        # One line, class name first: a detached parent re-raises the same class from it.
        text = " ".join(str(exc).split())
        print(f"error: {type(exc).__name__}: {text}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
