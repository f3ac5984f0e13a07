"""CLI start-up and round-trip benchmark; prints figures and ratios, asserts nothing.

1. ``aml-retrain --help`` against a minimal Typer app's ``--help`` in the same interpreter
   (target ratio <= 1.3: Azure SDKs and requests must be imported lazily).
2. ``aml-retrain classic endpoints list`` against the local emulator (target <= 0.4 s wall),
   with ``aml-retrain --version`` as the same-process baseline for interpreter start-up.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 9
MINIMAL_APP = '''
import typer
app = typer.Typer(add_completion=False)
@app.command()
def hello(name: str = "x") -> None:
    """Say hello."""
    print(name)
@app.command()
def bye() -> None:
    """Say bye."""
app()
'''


def wall(cmd: list[str], env: dict[str, str] | None = None) -> float:
    """Best-of-RUNS wall time of a command, in seconds (after one warm-up run)."""
    subprocess.run(cmd, env=env, capture_output=True, check=True)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return min(times)


def cli(*args: str) -> list[str]:
    """Command line running the aml-retrain entry point with this interpreter."""
    return [sys.executable, "-c", "from aml_retrain_cli.main import main; main()", *args]


def main() -> None:
    """Run both benchmarks and print a table of figures and ratios."""
    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL_APP)
        base = wall([sys.executable, str(minimal), "--help"])
        ours = wall(cli("--help"))
        print(f"--help: aml-retrain {ours:.3f}s, minimal Typer app {base:.3f}s, "
              f"ratio {ours / base:.2f} (target <= 1.30)")

        from aml_emulator import start_services

        profile = Path(tmp) / "profile.json"
        handle = start_services(profile)
        try:
            env = {**os.environ, "AML_RETRAIN_PROFILE": str(profile)}
            listed = subprocess.run(cli("-o", "json", "classic", "services", "list"), env=env,
                                    capture_output=True, check=True, text=True).stdout
            import json

            service = next(s["Id"] for s in json.loads(listed) if "[Predictive" in s["Name"])
            version = wall(cli("--version"), env)
            samples = [wall(cli("classic", "endpoints", "list", service), env) for _ in range(3)]
            best = min(samples)
            print(f"endpoints list vs emulator: {best:.3f}s wall (median of bests "
                  f"{statistics.median(samples):.3f}s), target <= 0.40s, ratio to target "
                  f"{best / 0.4:.2f}; --version baseline {version:.3f}s, "
                  f"ratio {best / version:.2f}")
        finally:
            handle.stop()


if __name__ == "__main__":
    main()
