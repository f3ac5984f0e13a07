"""Fan-out at scale on the emulator, run as a user runs it; prints figures, asserts nothing.

The emulator runs in a process of its own (its GIL does not compete with the client's), seeded with
a second predictive web service beside the packaged one: a web service holds at most 10,000
endpoints, the default one included, and the default endpoint's model cannot be replaced
(CLASSIC-API), so 10,000 targets are 5,000 new endpoints on each.

A. One process, 10,000 classic endpoints: ``aml-retrain fanout run MANIFEST --concurrency 32``
   (default waves: a canary, then the rest; no gate, no probe, bake 0; local ledger) as a
   subprocess (``python -m aml_retrain_cli``, bytecode compiled first, ``PYTHONDONTWRITEBYTECODE``
   unset). Its peak RSS (``RUSAGE_CHILDREN``, the largest child so far: nothing bigger runs before
   it) against the 150 MB target, and its targets/s against the emulator's same-request capacity:
   the requests the fan-out sends per target (2 GET endpoint + 1 PATCH, see bench_fanout.py) sent
   raw on 32 threads to the same endpoints, right before and right after; the higher is used.
   The CLI's own start-up (about half a second) is inside its figure.
B. Shards on one az:// ledger (Azurite): the first 2,000 endpoints, two waves, one process
   (``--shard 1/1 --run-id ID``) against four processes at once (``--shard I/4`` with one id), each
   ``--concurrency 8``; the four-shard total targets/s over the one shard's (target >= 2.5). Each
   run deploys a model of its own, so every target really changes. Client, emulator (one process)
   and Azurite share this machine's cores: the raw capacity at 32 threads is printed beside it, the
   ceiling any number of shards meets here.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from bench_cli import compile_first, user_env  # run as a user runs it (bench/ is on sys.path)
from bench_fanout import Raw, parallel  # the same raw client and thread pool

ROOT = Path(__file__).resolve().parent.parent
COUNT = 10_000
SHARDED = 2_000
SHARD_CONCURRENCY = 8


EMULATOR = """
import json, sys
from aml_emulator import start_services
services = start_services(sys.argv[1], seed=json.loads(open(sys.argv[2]).read()))
print("ready", flush=True)
sys.stdin.read()  # until the bench closes our stdin
services.stop()
"""


def two_service_seed(path: Path) -> Path:
    """Write the packaged seed with a copy of its predictive web service (new ids)."""
    from importlib import resources

    seed = json.loads(resources.files("aml_emulator").joinpath("data/seed.json").read_text("utf-8"))
    services = seed["workspaces"][0]["WebServices"]
    original = next(s for s in services if "[Predictive" in s["Name"])
    twin = json.loads(json.dumps(original))
    twin["Id"], twin["Name"] = "b" * 32, "Census Model 2 [Predictive Exp.]"
    for number, endpoint in enumerate(twin["Endpoints"]):
        endpoint["Guid"] = f"{number:x}".rjust(32, "c")
    services.append(twin)
    path.write_text(json.dumps(seed), encoding="utf-8")
    return path


def manifest(path: Path, targets: list[tuple[str, str]], model_url: str) -> Path:
    """Write a fan-out manifest deploying ``model_url`` to (service, endpoint) ``targets``."""
    path.write_text(yaml.safe_dump({"version": 1, "waves": True, "targets": [
        {"name": f"{svc[:4]}-{n}", "target": f"classic:{svc}/{n}", "model_url": model_url}
        for svc, n in targets]}), encoding="utf-8")
    return path


def fanout(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start ``aml-retrain -o json fanout run ARGS`` as a user's shell would."""
    return subprocess.Popen([sys.executable, "-m", "aml_retrain_cli", "-o", "json", "fanout", "run", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen[bytes]) -> dict[str, Any]:
    """Wait for a fan-out and return its JSON result (it must succeed)."""
    out, err = process.communicate(timeout=3600)
    if process.returncode != 0:
        try:
            failed = [t for t in json.loads(out).get("targets", []) if t.get("status") == "failed"]
        except ValueError:
            failed = []
        raise SystemExit(f"fanout failed ({process.returncode}): {err.decode()[-1500:]} "
                         f"{len(failed)} failed, first: {failed[:1]}")
    result: dict[str, Any] = json.loads(out)
    return result


def main() -> None:
    """Set up 10,000 endpoints, run parts A and B, print the figures."""
    from aml_retrain._blobs import parse_model_url
    from aml_retrain.storage import make_read_sas_url, upload_file

    compile_first(sys.executable, ROOT / "core", ROOT / "cli")
    with tempfile.TemporaryDirectory() as tmp_text:
        tmp = Path(tmp_text)
        profile_path = tmp / "profile.json"
        emulator = subprocess.Popen([sys.executable, "-c", EMULATOR, str(profile_path),
                                     str(two_service_seed(tmp / "seed.json"))],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert emulator.stdout is not None and emulator.stdout.readline().strip() == "ready"
            profile = json.loads(profile_path.read_text(encoding="utf-8"))
            raw = Raw(profile)
            svcs = [s["Id"] for s in raw.call("GET", "webservices") if "[Predictive" in s["Name"]]
            targets = [(svcs[i % 2], f"scale{i // 2:05d}") for i in range(COUNT)]
            paths = [f"webservices/{svc}/endpoints/{n}" for svc, n in targets]
            made = parallel(lambda p: raw.call("PUT", p, {}), paths)
            print(f"setup: {COUNT} endpoints created in {made:.1f}s ({COUNT / made:.0f}/s, raw PUTs)",
                  flush=True)
            conn = profile["storage_connection_string"]
            model = tmp / "model.ilearner"
            model.write_bytes(b"m" * 200_000)
            urls = {key: upload_file(conn, "models", f"bench/scale-{key}.ilearner", model)
                    for key in ("warm", "a", "one", "four")}
            resource_name = raw.call("GET", paths[0])["Resources"][0]["Name"]
            body = {"Resources": [{"Name": resource_name, "Location": parse_model_url(
                make_read_sas_url(conn, urls["warm"])).to_api()}]}

            def mix(path: str) -> None:
                raw.call("GET", path)
                raw.call("GET", path)
                raw.call("PATCH", path, body)

            # --- A: 10,000 targets, one process -------------------------------------------------
            capacity = [COUNT / parallel(mix, paths, 32)]
            env = user_env(AML_RETRAIN_PROFILE=str(profile_path),
                           AML_RETRAIN_LEDGER=str(tmp / "ledger-a.jsonl"),
                           AML_RETRAIN_BACKUP_DIR=str(tmp / "backups"))
            start = time.perf_counter()
            result = finish(fanout([str(manifest(tmp / "a.yaml", targets, urls["a"])),
                                    "--concurrency", "32"], env))
            seconds = time.perf_counter() - start
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            capacity.append(COUNT / parallel(mix, paths, 32))
            rate, cap = COUNT / seconds, max(capacity)
            print(f"A: {COUNT} targets, one process, concurrency 32: {seconds:.1f}s = {rate:.0f} "
                  f"targets/s ({result.get('counts')}); peak RSS {rss:.0f} MB (target <= 150)")
            print(f"A: raw 2 GET + 1 PATCH x32 threads before and after: "
                  f"{', '.join(f'{c:.0f}' for c in capacity)} targets/s; ratio {rate / cap:.2f} "
                  "(target >= 0.80)", flush=True)

            # --- B: shards on one az:// ledger -------------------------------------------------
            part = targets[:SHARDED]
            figures = {}
            for shards, key in ((1, "one"), (4, "four")):
                made_id = subprocess.run([sys.executable, "-m", "aml_retrain_cli", "-o", "json", "fanout",
                                          "new-run-id"], env=user_env(), capture_output=True, check=True)
                run_id = json.loads(made_id.stdout)["run_id"]
                shard_env = user_env(AML_RETRAIN_PROFILE=str(profile_path),
                                     AML_RETRAIN_LEDGER=f"az://ledgers/bench/{run_id}.jsonl",
                                     AML_RETRAIN_STORAGE_CONNECTION_STRING=conn,
                                     AML_RETRAIN_BACKUP_DIR=str(tmp / f"backups-{key}"))
                path = str(manifest(tmp / f"{key}.yaml", part, urls[key]))
                start = time.perf_counter()
                runs = [fanout([path, "--shard", f"{i}/{shards}", "--run-id", run_id,
                                "--concurrency", str(SHARD_CONCURRENCY)], shard_env)
                        for i in range(1, shards + 1)]
                results = [finish(run) for run in runs]
                seconds = time.perf_counter() - start
                figures[shards] = SHARDED / seconds
                done = sum(r.get("counts", {}).get("promoted", 0) for r in results)
                print(f"B: {SHARDED} targets, {shards} shard(s) x concurrency {SHARD_CONCURRENCY}: "
                      f"{seconds:.1f}s = {figures[shards]:.0f} targets/s (promoted {done})", flush=True)
            ceiling = SHARDED / parallel(mix, paths[:SHARDED], 32)
            from azure.storage.blob import BlobLeaseClient, BlobServiceClient

            container = BlobServiceClient.from_connection_string(conn).get_container_client("ledgers")
            ledger = container.get_blob_client("bench/raw.jsonl")
            ledger.create_append_blob()
            ledger.append_block(b"x" * 700 + b"\n")  # a ranged read of an empty blob is a 416
            line = b"x" * 700 + b"\n"  # about one entry

            def blob_mix(path: str) -> None:
                # The blob requests of one sharded target: the lock blob (create, lease, read the
                # intent, write it, clear it, release), a ranged read of the ledger and the append.
                lock = container.get_blob_client(f"bench/raw.locks/{path.rsplit('/', 1)[-1]}-{path[12:16]}")
                lock.upload_blob(b"", overwrite=False)
                lease = BlobLeaseClient(lock)
                lease.acquire(lease_duration=60)
                lock.download_blob(lease=lease).readall()
                lock.upload_blob(b"intent", overwrite=True, lease=lease)
                ledger.download_blob(offset=0, length=len(line)).readall()
                ledger.append_block(line)
                lock.upload_blob(b"", overwrite=True, lease=lease)
                lease.release()
                mix(path)

            same = SHARDED / parallel(blob_mix, paths[:SHARDED], 32)
            print(f"B: four shards / one shard: {figures[4] / figures[1]:.2f} (target >= 2.5)")
            print(f"B: raw 2 GET + 1 PATCH x32 threads on these targets: {ceiling:.0f} targets/s; with "
                  f"the ledger's blob requests per target (9 to Azurite) x32 threads: {same:.0f} "
                  f"targets/s; one shard reaches {figures[1] / same:.2f} of that, four "
                  f"{figures[4] / same:.2f}")
        finally:
            emulator.communicate(timeout=60)  # closes its stdin: it stops Azurite and itself


if __name__ == "__main__":
    main()
