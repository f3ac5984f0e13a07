"""The package version, as a literal (tests/unit/test_package.py holds it equal to pyproject.toml's).

Not ``importlib.metadata.version()``: that lookup costs every command ~8 ms of start-up
(importlib.metadata, zipfile, email and a scan of sys.path for distributions).
"""

from __future__ import annotations

__version__ = "0.1.0"
