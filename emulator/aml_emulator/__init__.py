"""Local HTTPS emulator of the Azure ML Studio (classic) management API and of the ARM resource
``Microsoft.MachineLearning/webServices`` (package ``arm``), plus an Azurite launcher.

An independent opinion of the service built from its reference, never from the client
(``aml_retrain`` is not imported here).

>>> with EmulatorServer("/tmp/aml-emulator") as server:   # doctest: +SKIP
...     requests.get(server.url + "/_emulator/health", verify=server.ca_path)
"""

from __future__ import annotations

from .azurite import (
    AZURITE_VERSION,
    AzuriteProcess,
    find_azurite,
    install_azurite,
    start_azurite,
)
from .errors import (
    AlreadyRunningError,
    AzuriteError,
    AzuriteNotFoundError,
    EmulatorError,
    InstallError,
    NodeNotFoundError,
    PortInUseError,
    ProfileError,
    SampleDataExistsError,
    StartTimeoutError,
)
from .sample import write_sample_data
from .server import EmulatorServer
from .services import Services, read_profile, start_services, stop_services

__all__ = [
    "AZURITE_VERSION",
    "AlreadyRunningError",
    "AzuriteError",
    "AzuriteNotFoundError",
    "AzuriteProcess",
    "EmulatorError",
    "EmulatorServer",
    "InstallError",
    "NodeNotFoundError",
    "PortInUseError",
    "ProfileError",
    "SampleDataExistsError",
    "Services",
    "StartTimeoutError",
    "__version__",
    "find_azurite",
    "install_azurite",
    "read_profile",
    "start_azurite",
    "start_services",
    "stop_services",
    "write_sample_data",
]

__version__ = "0.1.0"
