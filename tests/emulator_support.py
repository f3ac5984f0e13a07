"""Start the real emulator + Azurite for integration tests, and drive its control plane."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Emulator:
    """A running emulator: its profile, URL, CA and control plane."""

    profile_path: Path
    profile: dict[str, Any]

    @property
    def url(self) -> str:
        return str(self.profile["management_url"])

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        resp = requests.request(method, f"{self.url}/_emulator/{path}", json=body,
                                verify=self.profile["ca_bundle"], timeout=10)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def reset(self) -> None:
        self._call("POST", "reset")

    def state(self) -> Any:
        return self._call("GET", "state")

    def requests(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "requests"))

    def config(self, **settings: Any) -> None:
        """Tune the emulator (job duration, propagation delay, result SAS lifetime…)."""
        self._call("POST", "config", settings)

    def fault(self, method: str, path: str, **kw: Any) -> None:
        self._call("POST", "faults", {"method": method, "path": path, **kw})

    def clear_faults(self) -> None:
        """Drop the faults not used up yet."""
        self._call("DELETE", "faults")

    def settle(self, timeout: float = 60.0) -> None:
        """Return once no service request is being answered (a delayed one may outlive its caller)."""
        deadline = time.monotonic() + timeout
        while self._call("GET", "in-flight")["in_flight"]:
            assert time.monotonic() < deadline, "the emulator is still answering a request"
            time.sleep(0.05)  # poll interval

    def writes(self) -> list[dict[str, Any]]:
        """Mutating management requests served since the last reset."""
        return [r for r in self.requests()
                if r["method"] in ("PUT", "PATCH", "DELETE", "POST")
                and not r["path"].startswith("/_emulator")]


def census_data(folder: Path) -> dict[str, Path]:
    """Write the demo's datasets (scripts/make_census_data.py) into ``folder``; return their paths."""
    import importlib.util

    script = REPO / "scripts" / "make_census_data.py"
    spec = importlib.util.spec_from_file_location("make_census_data", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(folder, rows=600)
    return {p.stem: p for p in folder.glob("*.csv")}


def azurite_available() -> bool:
    """True when the pinned Azurite is installed (make test runs npm ci first)."""
    return (REPO / "node_modules" / ".bin" / "azurite-blob").exists() or bool(
        shutil.which("azurite-blob"))


def running_emulator(tmp_dir: Path, *, detach: bool = False) -> Iterator[Emulator]:
    """Start Azurite + emulator through the same entry point users run; stop them afterwards."""
    if not azurite_available():
        pytest.skip("Azurite is not installed: run `make test` (it runs `npm ci`)")
    from aml_emulator import start_services, stop_services

    profile_path = tmp_dir / "profile.json"
    handle = start_services(profile_path, detach=detach)
    try:
        yield Emulator(profile_path, json.loads(profile_path.read_text(encoding="utf-8")))
    finally:
        if detach:
            stop_services(profile_path)
        else:
            handle.stop()


def sas_url(emulator: Emulator, blob_url: str, expiry: datetime) -> str:
    """``blob_url`` with a read SAS until ``expiry``, signed with the emulator storage key."""
    from azure.storage.blob import BlobClient, BlobSasPermissions, generate_blob_sas

    conn = emulator.profile["storage_connection_string"]
    blob = BlobClient.from_blob_url(blob_url)
    key = dict(p.split("=", 1) for p in conn.split(";") if p)["AccountKey"]
    sas = generate_blob_sas(blob.account_name, blob.container_name, blob.blob_name,
                            account_key=key, permission=BlobSasPermissions(read=True),
                            expiry=expiry)
    return f"{blob_url}?{sas}"
