"""Load helpers: many endpoints, concurrent PATCH set-model, requests/second.

Run the baseline measurement (starts its own Azurite and emulator)::

    .venv/bin/python -m tests.emulator.load [--detached] [--endpoints 1000] [--threads 32]

``--detached`` runs the emulator in its own process (as ``aml-emulator start`` does), so the
client's threads do not share its interpreter lock; the default runs it in-process.

Each worker thread owns one ``requests.Session`` (keep-alive, one TLS handshake per thread).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests

MODEL_RESOURCE = "Census Model [trained model]"


@dataclass(frozen=True)
class Target:
    """Where to send: emulator URL, CA bundle, workspace token and the predictive service path."""

    url: str
    ca: str
    token: str
    service_path: str  # /workspaces/{ws}/webservices/{svc}

    def endpoint(self, name: str) -> str:
        return f"{self.url}{self.service_path}/endpoints/{name}"


def patch_body(base: str, relative: str, sas: str = "") -> dict[str, Any]:
    return {"Resources": [{"Name": MODEL_RESOURCE, "Location": {
        "BaseLocation": base, "RelativeLocation": relative, "SasBlobToken": sas}}]}


def _sessions(target: Target) -> Callable[[], requests.Session]:
    local = threading.local()

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.verify = target.ca
            local.session.trust_env = False
            local.session.headers["Authorization"] = f"Bearer {target.token}"
        current: requests.Session = local.session
        return current

    return session


def fan_out(target: Target, calls: Sequence[tuple[str, str, dict[str, Any] | None]],
            threads: int = 32) -> tuple[list[int], float]:
    """Send ``(method, endpoint name, json)`` calls from *threads* workers with one keep-alive
    session each; returns the statuses (in call order) and the elapsed seconds."""
    session = _sessions(target)

    def one(call: tuple[str, str, dict[str, Any] | None]) -> int:
        method, name, body = call
        return session().request(method, target.endpoint(name), json=body, timeout=60).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        statuses = list(pool.map(one, calls))
    return statuses, time.perf_counter() - started


def create_endpoints(target: Target, names: Sequence[str], threads: int = 32) -> list[int]:
    statuses, _ = fan_out(target, [("PUT", n, {"Description": "load"}) for n in names], threads)
    return statuses


def patch_rps(target: Target, names: Sequence[str], bodies: Sequence[dict[str, Any]],
              total: int, threads: int = 32) -> tuple[float, Counter[int]]:
    """PATCH set-model *total* times round-robin over *names* and *bodies*: (req/s, statuses)."""
    calls = [("PATCH", names[i % len(names)], bodies[i % len(bodies)]) for i in range(total)]
    statuses, elapsed = fan_out(target, calls, threads)
    return total / elapsed, Counter(statuses)


def _upload_models(connection_string: str, count: int = 4) -> list[str]:
    from azure.storage.blob import BlobServiceClient

    from aml_emulator.classic.training import seed_model
    from aml_emulator.storage import upload_seed_model

    upload_seed_model(connection_string)
    container = BlobServiceClient.from_connection_string(
        connection_string).get_container_client("models")
    data = seed_model().to_bytes()
    for i in range(count):
        container.upload_blob(f"load/model-{i}.ilearner", data, overwrite=True)
    return [f"models/load/model-{i}.ilearner" for i in range(count)]


def measure(target: Target, blob_base: str, relatives: list[str], args: argparse.Namespace) -> None:
    names = [f"load-{i:05d}" for i in range(args.endpoints)]
    started = time.perf_counter()
    created = Counter(create_endpoints(target, names, args.threads))
    print(f"created {args.endpoints} endpoints in {time.perf_counter() - started:.2f} s: "
          f"{dict(created)}")
    bodies = [patch_body(blob_base, rel) for rel in relatives]
    patch_rps(target, names, bodies, min(500, args.patches), args.threads)  # warm-up
    rps, statuses = patch_rps(target, names, bodies, args.patches, args.threads)
    print(f"PATCH set-model: {rps:.0f} req/s over {args.patches} requests, "
          f"{args.threads} threads: {dict(statuses)}")


def main() -> None:  # pragma: no cover - a measurement, not a test
    from aml_emulator import EmulatorServer
    from aml_emulator.azurite import start_azurite
    from aml_emulator.server import load_seed
    from aml_emulator.services import start_services

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoints", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--patches", type=int, default=4000)
    parser.add_argument("--detached", action="store_true",
                        help="emulator in its own process (as `aml-emulator start` runs it)")
    args = parser.parse_args()
    ws = load_seed()["workspaces"][0]
    service_path = f"/workspaces/{ws['Id']}/webservices/{ws['WebServices'][1]['Id']}"
    with tempfile.TemporaryDirectory() as state:
        if args.detached:
            services = start_services(f"{state}/profile.json", detach=True)
            try:
                connection = services.profile["storage_connection_string"]
                relatives = _upload_models(connection)
                target = Target(services.url, services.profile["ca_bundle"],
                                ws["AuthorizationToken"], service_path)
                from aml_emulator.storage import blob_base_url

                measure(target, blob_base_url(connection), relatives, args)
            finally:
                services.stop()
            return
        azurite = start_azurite()
        try:
            relatives = _upload_models(azurite.connection_string)
            with EmulatorServer(state, storage_connection_string=azurite.connection_string) \
                    as server:
                target = Target(server.url, str(server.ca_path), ws["AuthorizationToken"],
                                service_path)
                measure(target, azurite.blob_endpoint + "/", relatives, args)
        finally:
            azurite.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
