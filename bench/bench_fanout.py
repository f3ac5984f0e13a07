"""Fan-out set-model over 1,000 classic endpoints on the emulator; prints figures, asserts nothing.

1. Starts the emulator detached (its own process: its GIL does not compete with ours), creates
   1,000 endpoints on the predictive service with raw concurrent PUTs and uploads one model blob.
2. ``run_fanout`` deploy-only (no gate, default waves: one canary, then the rest) with concurrency
   1 (on the first 100 endpoints; throughput is per target, so it compares), 8 and 32 (all 1,000,
   twice each), with a fresh ledger and a model of its own per run so every target is really
   deployed.
3. The emulator's capacity in the same run: 32 threads (a ``requests.Session`` each) sending the
   same PATCH body (pre-built, with a SAS) to the same endpoints; measured before and after the
   fan-out runs, the higher figure is used.
4. The peer each fan-out setting is held against: the same management requests per target as the
   fan-out sends, counted from the emulator's request log during the concurrency-1 run (today:
   GET endpoint to read the state, PATCH, GET endpoint to read back = 2 GETs + 1 PATCH; the web
   service is read once per run and the model blob downloaded once per run), sent raw on as many
   threads as the setting has (one kept-alive session per thread, as the fan-out's workers have),
   right before and right after the setting's two runs, so both see the same machine load. The
   fan-out also writes a backup file and appends to the ledger (fsync) per target. Same-request
   capacity is the best raw-mix run at any of those thread counts, four runs, against the best of
   the fan-out's four; target: >= 0.80. (Until 2026-12 the mix ran on 32 threads only, twice,
   after all fan-out settings had run once.) Machine load moves these figures by a third on a
   shared machine: the ratio of the means per setting is the steadier one.

Client CPU is this process's CPU time (``time.process_time``, all threads) per target: client,
emulator and Azurite share the machine's cores, and the client's threads share one GIL, so it is
what the fan-out core can cut. Peak RSS is this process's (``resource.getrusage``).
``--profile PROFILE.json`` uses an emulator that is already running (with a fresh state) instead
of starting one. ``--cprofile OUT.prof`` profiles the concurrency-1 run in every thread (merged),
writes it to OUT.prof and prints where the client CPU goes.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import pstats
import resource
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

COUNT = 1000
SERIAL_SUBSET = 100
THREADS = 32
REPEATS = 2  # fan-out runs per setting, and raw-mix runs around them


class Raw:
    """Raw HTTPS calls to the emulator: one session per thread, bearer token, CA bundle."""

    def __init__(self, profile: dict[str, Any]) -> None:
        self.base = f"{profile['management_url']}/workspaces/{profile['workspace_id']}"
        self.headers = {"Authorization": f"Bearer {profile['workspace_token']}"}
        self.verify = profile["ca_bundle"]
        self.local = threading.local()

    def session(self) -> requests.Session:
        session: requests.Session | None = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
            session.verify = self.verify
            session.headers.update(self.headers)
        return session

    def call(self, method: str, path: str, body: Any = None) -> Any:
        # verify= per request: REQUESTS_CA_BUNDLE would override session.verify otherwise.
        resp = self.session().request(method, f"{self.base}/{path}", json=body, timeout=60,
                                      verify=self.verify)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def control(self, path: str) -> Any:
        root = self.base.split("/workspaces/", 1)[0]
        resp = self.session().get(f"{root}/_emulator/{path}", timeout=60, verify=self.verify)
        resp.raise_for_status()
        return resp.json()


CPU: list[float] = []  # client CPU seconds of the last parallel() run


def parallel(work: Callable[[str], None], names: list[str], threads: int = THREADS) -> float:
    """Run ``work`` for every name on ``threads`` threads; return the wall seconds."""
    start, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, names))
    CPU[:] = [time.process_time() - cpu]
    return time.perf_counter() - start


class ThreadProfiles:
    """cProfile in every thread started while active (a thread pool's workers), merged at the end."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []

    def _start(self, *_args: Any) -> None:
        import sys

        sys.setprofile(None)  # this hook only starts the thread's own profiler
        profile = cProfile.Profile()
        self.profiles.append(profile)
        profile.enable()

    def __enter__(self) -> ThreadProfiles:
        threading.setprofile(self._start)
        self._start()
        return self

    def __exit__(self, *_args: object) -> None:
        threading.setprofile(None)  # type: ignore[arg-type]
        self.profiles[0].disable()  # this thread's; the workers' stopped with their threads

    def dump(self, path: Path, targets: int) -> None:
        """Write the merged profile and print the top functions, per target."""
        stats = pstats.Stats(self.profiles[0])
        for profile in self.profiles[1:]:
            stats.add(profile)
        stats.dump_stats(str(path))
        print(f"profile of the concurrency-1 run written to {path} ({targets} targets); top by "
              "own time:")
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)


def main() -> None:
    """Set up, run the fan-out settings and the capacity baselines, print the figures."""
    from aml_emulator import start_services, stop_services
    from aml_retrain._blobs import parse_model_url
    from aml_retrain.config import Settings
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.fanout import parse_manifest, run_fanout
    from aml_retrain.promotion.ledger import LocalLedger
    from aml_retrain.promotion.targets import Clients
    from aml_retrain.storage import make_read_sas_url, upload_file

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=Path, help="use this running emulator's profile")
    parser.add_argument("--cprofile", type=Path, help="profile the concurrency-1 run into this file")
    args = parser.parse_args()
    given = args.profile
    with tempfile.TemporaryDirectory() as tmp_text:
        tmp = Path(tmp_text)
        profile_path = given or tmp / "profile.json"
        if given is None:
            start_services(profile_path, detach=True)
        try:
            profile = json.loads(profile_path.read_text(encoding="utf-8"))
            raw = Raw(profile)
            svc = next(s["Id"] for s in raw.call("GET", "webservices") if "[Predictive" in s["Name"])
            names = [f"fan{i:04d}" for i in range(COUNT)]
            made = parallel(lambda n: raw.call("PUT", f"webservices/{svc}/endpoints/{n}", {}), names)
            print(f"setup: {COUNT} endpoints created in {made:.1f}s ({COUNT / made:.0f}/s, raw PUTs)")

            conn = profile["storage_connection_string"]
            model = tmp / "model.ilearner"
            model.write_bytes(b"m" * 200_000)
            # The raw-PATCH baseline sets a warm-up model; each fan-out setting deploys a model of
            # its own, so every target really changes (one already serving it is only recorded).
            warm = upload_file(conn, "models", "bench/warm.ilearner", model)
            runs = [(1, 0), *((c, r) for c in (8, 32) for r in range(REPEATS))]
            urls = {run: upload_file(conn, "models", f"bench/model-{run[0]}-{run[1]}.ilearner", model)
                    for run in runs}
            resource_name = raw.call("GET", f"webservices/{svc}/endpoints/{names[0]}")["Resources"][0]["Name"]
            body = {"Resources": [{"Name": resource_name, "Location": parse_model_url(
                make_read_sas_url(conn, warm)).to_api()}]}

            def patch(n: str) -> None:
                raw.call("PATCH", f"webservices/{svc}/endpoints/{n}", body)

            capacity = [COUNT / parallel(patch, names)]

            settings = Settings.resolve(profile=profile_path, backup_dir=tmp / "backups",
                                        journal_path=tmp / "jobs.jsonl", actor="bench")
            gets = 2  # until the concurrency-1 run has counted them

            def mix(n: str) -> None:
                for _ in range(gets):
                    raw.call("GET", f"webservices/{svc}/endpoints/{n}")
                patch(n)

            def fan(concurrency: int, count: int, rep: int) -> tuple[float, float, dict[str, int]]:
                """One fan-out run on a fresh ledger: targets/s, client CPU ms/target, counts."""
                nonlocal gets
                manifest = parse_manifest({"version": 1, "targets": [
                    {"name": n, "target": f"classic:{svc}/{n}",
                     "model_url": urls[(concurrency, rep)]} for n in names[:count]]}, tmp, "bench")
                ledger = LocalLedger(tmp / f"ledger-{concurrency}-{rep}.jsonl")
                logged = len(raw.control("requests"))
                start, cpu = time.perf_counter(), time.process_time()
                profiling = ThreadProfiles() if args.cprofile and concurrency == 1 else None
                with profiling or contextlib.nullcontext():
                    context = PromotionContext(Clients.from_settings(settings), ledger, actor="bench")
                    result = run_fanout(manifest, context, concurrency=concurrency)
                if profiling:
                    profiling.dump(args.cprofile, count)
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
                if concurrency == 1:
                    sent = [r["method"] for r in raw.control("requests")[logged:]]
                    gets = round(sent.count("GET") / count)
                    print(f"requests per target: {len(sent) / count:.1f} "
                          f"({', '.join(f'{m} {sent.count(m) / count:.1f}' for m in sorted(set(sent)))})")
                return count / seconds, cpu * 1000 / count, result.counts

            def peer(concurrency: int) -> float:
                rate = COUNT / parallel(mix, names, concurrency)
                mixed.setdefault(concurrency, []).append(rate)
                mixed_cpu.append(CPU[0] * 1000 / COUNT)
                return rate

            figures: dict[int, list[float]] = {}
            mixed: dict[int, list[float]] = {}
            mixed_cpu: list[float] = []
            rate, cpu, counts = fan(1, SERIAL_SUBSET, 0)
            figures[1] = [rate]
            print(f"fanout concurrency  1: {SERIAL_SUBSET} targets: {rate:.0f} targets/s (subset, "
                  f"per-target rate), client CPU {cpu:.2f} ms/target; {counts}")
            for concurrency in (8, 32):
                # Peer, fan-out, fan-out, peer: both see the machine's load drift alike.
                peer(concurrency)
                done = [fan(concurrency, COUNT, rep) for rep in range(REPEATS)]
                peer(concurrency)
                figures[concurrency] = [d[0] for d in done]
                ratio = (sum(figures[concurrency]) / REPEATS) / (sum(mixed[concurrency]) / 2)
                print(f"fanout concurrency {concurrency:>2}: {COUNT} targets: "
                      f"{', '.join(f'{d[0]:.0f}' for d in done)} targets/s, client CPU "
                      f"{', '.join(f'{d[1]:.2f}' for d in done)} ms/target; {done[-1][2]}; raw "
                      f"{gets} GET + 1 PATCH x{concurrency} threads before and after "
                      f"{', '.join(f'{m:.0f}' for m in mixed[concurrency])}/s: ratio of the means "
                      f"{ratio:.2f}")

            capacity.append(COUNT / parallel(patch, names))
            best_setting = max(figures, key=lambda c: max(figures[c]))
            best = max(figures[best_setting])
            cap = max(capacity)
            cap_threads = max(mixed, key=lambda c: max(mixed[c]))
            cap_mix = max(mixed[cap_threads])
            print(f"emulator capacity, raw PATCH x{THREADS} threads: {cap:.0f} req/s "
                  f"(runs {', '.join(f'{c:.0f}' for c in capacity)})")
            print(f"emulator capacity, raw {gets} GET + 1 PATCH per target: {cap_mix:.0f} targets/s "
                  f"(x{cap_threads} threads), client CPU {min(mixed_cpu):.2f} ms/target")
            print(f"best fanout (concurrency {best_setting}): {best:.0f} targets/s; ratio to raw "
                  f"PATCH capacity {best / cap:.2f}; ratio to same-request capacity "
                  f"{best / cap_mix:.2f} (target >= 0.80; best of {2 * REPEATS} runs each)")
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"peak RSS of this process: {rss:.0f} MB")
        finally:
            if given is None:
                stop_services(profile_path)


if __name__ == "__main__":
    main()
