"""Upload throughput: our ``storage.upload_file`` vs ``BlobClient.upload_blob(max_concurrency=4)``.

Both push the same generated CSV (256 MB by default; ``--mb N``) to a local Azurite in the same run and
the script prints MB/s and the ratio (target: ours >= 0.90 of the raw SDK call). Asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def make_csv(path: Path, mb: int) -> int:
    """Write about ``mb`` megabytes of census-like CSV rows; return the size in bytes."""
    row = b"39,13,40,2174,<=50K\n"
    block = b"age,education_num,hours_per_week,capital_gain,income\n" + row * (1024 * 1024 // len(row))
    with path.open("wb") as handle:
        for _ in range(mb):
            handle.write(block)
    return path.stat().st_size


def main() -> None:
    """Start Azurite, time both uploads twice (alternating), print the best of each."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=256)
    args = parser.parse_args()
    from azure.storage.blob import BlobServiceClient

    from aml_emulator.azurite import start_azurite
    from aml_retrain.storage import upload_file

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "big.csv"
        size = make_csv(data, args.mb)
        azurite = start_azurite()
        try:
            conn = azurite.connection_string
            service = BlobServiceClient.from_connection_string(conn)
            service.create_container("bench")
            ours, raw = [], []
            for attempt in range(2):
                start = time.perf_counter()
                upload_file(conn, "bench", f"ours-{attempt}.csv", data, max_concurrency=4)
                ours.append(time.perf_counter() - start)
                start = time.perf_counter()
                with data.open("rb") as handle:
                    service.get_blob_client("bench", f"raw-{attempt}.csv").upload_blob(
                        handle, overwrite=True, max_concurrency=4)
                raw.append(time.perf_counter() - start)
        finally:
            azurite.stop()
    mb = size / 1e6
    best_ours, best_raw = min(ours), min(raw)
    print(f"upload {mb:.0f} MB to Azurite: ours {mb / best_ours:.1f} MB/s ({best_ours:.2f}s), "
          f"raw upload_blob {mb / best_raw:.1f} MB/s ({best_raw:.2f}s), "
          f"ratio {best_raw / best_ours:.2f} (target >= 0.90)")


if __name__ == "__main__":
    main()
