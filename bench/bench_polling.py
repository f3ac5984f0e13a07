"""Polling cost of the BES waiter: requests made while waiting for a job of N seconds (default 60,
target <= 15) and the lag between the job finishing and the waiter returning. Asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    """Run one job of --seconds on the emulator and count the status GETs the waiter made."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    import requests

    from aml_emulator import start_services
    from aml_retrain.classic.bes import BatchExecutionClient
    from aml_retrain.classic.management import ClassicManagementClient
    from aml_retrain.classic.retrain import training_endpoint
    from aml_retrain.config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile.json"
        handle = start_services(profile)
        try:
            settings = Settings.resolve(profile=profile, env={})
            ca = settings.ca_bundle
            control = f"{settings.management_url}/_emulator"
            requests.post(f"{control}/config", json={"bes_job_seconds": args.seconds}, verify=ca, timeout=10)
            mgmt = ClassicManagementClient.from_settings(settings)
            training = next(s["Id"] for s in mgmt.list_web_services() if "[Training" in s["Name"])
            api, key = training_endpoint(mgmt, training)
            bes = BatchExecutionClient(api, key, ca_bundle=ca)
            from aml_retrain import storage

            data = Path(tmp) / "d.csv"
            data.write_text("age,education_num,hours_per_week,capital_gain,income\n"
                            + "".join(f"{20 + i % 50},{i % 16 + 1},{30 + i % 30},{i * 7 % 5000},"
                                      f"{'>50K' if i % 3 == 0 else '<=50K'}\n" for i in range(400)))
            url = storage.upload_file(settings.require_storage(), "bench", "d.csv", data)
            relative = url.split("/devstoreaccount1/", 1)[1]
            job = bes.submit({"Inputs": {"input1": {"ConnectionString": settings.require_storage(),
                                                    "RelativeLocation": relative}},
                              "GlobalParameters": {}})
            bes.start(job)
            started = time.monotonic()
            poller = bes.begin_wait(job, budget=args.seconds * 3)
            poller.result()
            returned = time.monotonic()
            jobs = requests.get(f"{control}/state", verify=ca, timeout=10).json()["jobs"]
            finished_after = next((j.get("run_seconds") for j in jobs if j.get("id") == job), None)
        finally:
            handle.stop()
    waited = returned - started
    lag = waited - (finished_after if finished_after is not None else args.seconds)
    print(f"job of {args.seconds:.0f}s: {poller.polls} status requests (target <= 15), "
          f"waiter returned after {waited:.1f}s, lag after completion ~{lag:.1f}s")


if __name__ == "__main__":
    main()
