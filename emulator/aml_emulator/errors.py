"""Exceptions of the emulator's launcher (not of the emulated services, see ``classic/errors.py``).

::

    EmulatorError                  base (a RuntimeError); anything the launcher refuses or fails at
    ├── AzuriteError               Azurite exited before listening
    │   └── AzuriteNotFoundError   no ``azurite-blob`` along the lookup (names it and the install)
    ├── NodeNotFoundError          ``npm``/``node`` missing for ``install_azurite`` (Node.js 20)
    ├── InstallError               ``npm install`` failed
    ├── AlreadyRunningError        a live emulator already owns the profile
    ├── PortInUseError             the requested emulator port is taken
    ├── StartTimeoutError          Azurite or the emulator did not answer in time
    ├── ProfileError               the profile path cannot be used (a directory, not ours, unwritable)
    └── SampleDataExistsError      ``write_sample_data`` would overwrite a file (``force=False``)

Messages are one line and say what to do next; the CLI prints them as they are, with an exit code
per class (``aml_retrain_cli.commands.emulator``). Nothing here imports ``aml_retrain``.
"""

from __future__ import annotations

__all__ = [
    "AlreadyRunningError",
    "AzuriteError",
    "AzuriteNotFoundError",
    "EmulatorError",
    "InstallError",
    "NodeNotFoundError",
    "PortInUseError",
    "ProfileError",
    "SampleDataExistsError",
    "StartTimeoutError",
]


class EmulatorError(RuntimeError):
    """Base class of the launcher's errors."""


class AzuriteError(EmulatorError):
    """Azurite is missing or did not start."""


class AzuriteNotFoundError(AzuriteError):
    """No ``azurite-blob`` was found along the documented lookup."""


class NodeNotFoundError(EmulatorError):
    """``npm`` or ``node`` is not on PATH."""


class InstallError(EmulatorError):
    """``npm install`` of the pinned Azurite failed."""


class AlreadyRunningError(EmulatorError):
    """A live emulator already owns this profile."""


class PortInUseError(EmulatorError):
    """The emulator port asked for is taken."""


class StartTimeoutError(EmulatorError):
    """A process did not answer within its start timeout."""


class ProfileError(EmulatorError):
    """The profile path cannot be used."""


class SampleDataExistsError(EmulatorError):
    """A sample file exists already and ``force`` was not given."""


def by_name(name: str) -> type[EmulatorError] | None:
    """The class called *name* here (a detached child reports its error by class name)."""
    found = globals().get(name)
    return found if isinstance(found, type) and issubclass(found, EmulatorError) else None
