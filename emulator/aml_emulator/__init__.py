"""Local HTTPS emulator of the Azure ML Studio (classic) management API and of the ARM resource
``Microsoft.MachineLearning/webServices`` (package ``arm``), plus an Azurite launcher.

An independent opinion of the service built from its reference, never from the client
(``aml_retrain`` is not imported here).

>>> with EmulatorServer("/tmp/aml-emulator") as server:   # doctest: +SKIP
...     requests.get(server.url + "/_emulator/health", verify=server.ca_path)
"""

from __future__ import annotations

from .azurite import AzuriteError, AzuriteProcess, find_azurite, start_azurite
from .server import EmulatorServer
from .services import Services, read_profile, start_services, stop_services

__all__ = [
    "AzuriteError",
    "AzuriteProcess",
    "EmulatorServer",
    "Services",
    "__version__",
    "find_azurite",
    "read_profile",
    "start_azurite",
    "start_services",
    "stop_services",
]

__version__ = "0.1.0"
