"""CLI start-up and round-trip benchmark, run as a user runs it; prints figures and ratios, asserts nothing.

Every figure runs the installed ``aml-retrain`` console script with bytecode compiled first and
``PYTHONDONTWRITEBYTECODE`` unset (our machines set it: an editable install would then recompile
every module on every run, which no user's install does). Pairs are interleaved (A B, B A, ...)
and each side's best of N is compared, so a noisy neighbour slows both sides alike.

1. ``aml-retrain -o json webservice show RG NAME`` against the emulator vs ``az rest --method get``
   on the same ARM URL (target <= 0.80), for the editable install of this checkout and for the
   wheel users install (``make dist``'s, in a bench-only venv under .bench/; ``--no-wheel`` skips
   it). The target is judged on the wheel. az comes from PATH, else from a bench-only venv under
   .bench/ that this script creates (``--no-az`` skips it). az trusts the emulator's CA through
   REQUESTS_CA_BUNDLE (``az rest`` sends with requests and merges the environment's settings) and
   needs no login: an ``Authorization`` header given with ``--headers`` makes it skip token
   acquisition (azure.cli.core.util.send_raw_request). Two stack floors are printed: the GET
   through python + azure-mgmt-resource alone, and the same with ``aml-retrain``'s start-up
   trims (the collector paused while the client is built, asyncio deferred: aml_retrain_cli._gc
   and ._deferred).
2. ``--help`` of the top level (target <= 1.20) and of every group and command (target <= 1.30
   each) against a minimal Typer app's ``--help``.
3. ``classic endpoints list`` against the emulator (target <= 0.40 s wall), with ``--version`` as
   the same-process baseline for interpreter start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / ".bench"
# The version the issue measured against; a pin keeps figures comparable between sessions.
AZ_VERSION = "2.91.0"
RUNS = 9
HELP_RUNS = 5
# The GET through the required stack and nothing else (argv: URL, token, CA bundle, ARM URL).
# {pause} / {resume} are empty, or the CLI's collector pause around the imports and the build.
STACK_FLOOR = '''
import gc, json, sys, time
{pause}
from azure.core.credentials import AccessToken
from azure.core.rest import HttpRequest
from azure.mgmt.resource.resources import ResourceManagementClient
class Token:
    def get_token(self, *scopes, **kwargs):
        return AccessToken(sys.argv[2], int(time.time()) + 3600)
client = ResourceManagementClient(Token(), "00000000-0000-0000-0000-000000000000",
                                  base_url=sys.argv[4], connection_verify=sys.argv[3])
{resume}
response = client.send_request(HttpRequest("GET", sys.argv[1]))
response.raise_for_status()
print(json.dumps(response.json(), indent=2))
'''
FLOOR = STACK_FLOOR.format(pause="", resume="")
# aml-retrain's own start-up trims, and nothing else of it (aml_retrain_cli._gc, ._deferred).
FLOOR_TRIMMED = STACK_FLOOR.format(
    pause="gc.disable(); from aml_retrain_cli import _deferred; _deferred.defer()",
    resume="gc.freeze(); gc.enable()")
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


def user_env(**extra: str) -> dict[str, str]:
    """The environment a user's shell has: bytecode is written and read."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def compile_first(python: str | Path, *dirs: str | Path) -> None:
    """Byte-compile ``dirs`` with ``python`` (as pip does at install), so no run pays for it."""
    subprocess.run([str(python), "-m", "compileall", "-q", "-j", "0", *map(str, dirs)],
                   env=user_env(), capture_output=True, check=False)


def once(cmd: Sequence[str], env: dict[str, str]) -> float:
    """Wall seconds of one run (it must succeed)."""
    start = time.perf_counter()
    subprocess.run(cmd, env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def pair(ours: Sequence[str], theirs: Sequence[str], env_ours: dict[str, str],
         env_theirs: dict[str, str], runs: int) -> tuple[float, float]:
    """Best-of-``runs`` wall seconds of two commands run as interleaved pairs (one warm-up each)."""
    a, b = interleaved([(ours, env_ours), (theirs, env_theirs)], runs)
    return a, b


def interleaved(commands: Sequence[tuple[Sequence[str], dict[str, str]]], runs: int) -> list[float]:
    """Best-of-``runs`` wall seconds of each command, run in rounds (one warm-up each)."""
    for cmd, env in commands:
        once(cmd, env)
    times: list[list[float]] = [[] for _ in commands]
    order = list(range(len(commands)))
    for i in range(runs):
        # Alternate which goes first: the second of a round may find caches warmer.
        for k in (order[::-1] if i % 2 else order):
            times[k].append(once(*commands[k]))
    return [min(t) for t in times]


def console_script() -> str:
    """The installed ``aml-retrain`` entry point next to this interpreter (as a user runs it)."""
    found = Path(sys.executable).parent / "aml-retrain"
    return str(found) if found.exists() else shutil.which("aml-retrain") or "aml-retrain"


def command_paths() -> list[list[str]]:
    """Every group and command of the app, as argv prefixes (``["classic", "endpoints"]``, ...)."""
    import typer

    from aml_retrain_cli.main import app

    def walk(cmd: Any, path: list[str]) -> list[list[str]]:
        found = [path] if path else []
        commands = getattr(cmd, "commands", None) or {}
        for name in sorted(commands):
            found += walk(commands[name], [*path, name])
        return found

    return walk(typer.main.get_command(app), [])


def find_az(no_install: bool) -> str | None:
    """``az`` from PATH, else from .bench/az-venv (installed there when absent); None if unavailable."""
    on_path = shutil.which("az")
    if on_path:
        return on_path
    venv = BENCH_DIR / "az-venv"
    az = venv / "bin" / "az"
    if az.exists() or no_install:
        return str(az) if az.exists() else None
    print(f"az not found: installing azure-cli=={AZ_VERSION} into {venv} (a few minutes) ...",
          flush=True)
    started = time.perf_counter()
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", f"azure-cli=={AZ_VERSION}"],
                       check=True, capture_output=True, text=True, env=user_env())
    except subprocess.CalledProcessError as exc:
        tail = (exc.stderr or exc.stdout or "").strip().splitlines()[-3:]
        print(f"azure-cli install failed ({' | '.join(tail)}): skipping the az comparison")
        return None
    print(f"installed in {time.perf_counter() - started:.0f}s")
    return str(az)


def wheel_script(no_install: bool) -> str | None:
    """``aml-retrain`` from this checkout's wheel in .bench/wheel-venv (created when absent)."""
    venv = BENCH_DIR / "wheel-venv"
    python = venv / "bin" / "python"
    if not python.exists() and no_install:
        return None
    with tempfile.TemporaryDirectory() as dist:
        try:
            # make dist's command; then the wheel alone over the venv's dependencies (the first
            # time, its dependencies come in with it, as for a user).
            subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet",
                            "--disable-pip-version-check", "--no-deps", "--wheel-dir", dist,
                            str(REPO)], check=True, capture_output=True, text=True)
            (wheel,) = Path(dist).glob("aml_retrain-*.whl")
            fresh = not python.exists()
            if fresh:
                print(f"creating {venv} for the wheel install ...", flush=True)
                subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                               capture_output=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                            "--disable-pip-version-check", "--force-reinstall",
                            *([] if fresh else ["--no-deps"]), str(wheel)],
                           check=True, capture_output=True, text=True, env=user_env())
        except subprocess.CalledProcessError as exc:
            tail = (exc.stderr or exc.stdout or "").strip().splitlines()[-3:]
            print(f"wheel install failed ({' | '.join(tail)}): skipping the wheel figures")
            return None
    compile_first(python, venv / "lib")
    return str(venv / "bin" / "aml-retrain")


def ratio_line(label: str, ours: float, theirs: float, base: str, target: float) -> str:
    """One printed figure: both times, the ratio, the target and whether it is met."""
    ratio = ours / theirs
    verdict = "ok" if ratio <= target else "OVER"
    return (f"{label}: aml-retrain {ours:.3f}s, {base} {theirs:.3f}s, ratio {ratio:.2f} "
            f"(target <= {target:.2f}, {verdict})")


def bench_help(cli: str, minimal: Path, runs: int, only_top: bool) -> None:
    """Top-level and per-command ``--help`` against the minimal Typer app's ``--help``."""
    env = user_env()
    base_cmd = [sys.executable, str(minimal), "--help"]
    ours, base = pair([cli, "--help"], base_cmd, env, env, RUNS)
    print(ratio_line("--help (top level)", ours, base, "minimal Typer app", 1.20), flush=True)
    if only_top:
        return
    worst: tuple[float, str] = (0.0, "")
    over = 0
    for path in command_paths():
        ours, base = pair([cli, *path, "--help"], base_cmd, env, env, runs)
        ratio = ours / base
        over += ratio > 1.30
        worst = max(worst, (ratio, " ".join(path)))
        print("  " + ratio_line(" ".join(path) + " --help", ours, base, "minimal", 1.30), flush=True)
    print(f"subcommand --help: worst ratio {worst[0]:.2f} ({worst[1]}), {over} over 1.30")


def bench_emulator(cli: str, runs: int, no_az: bool, no_install: bool, wheel: str | None) -> None:
    """``webservice show`` vs ``az rest`` and ``classic endpoints list``, against one emulator."""
    from aml_emulator import start_services

    with tempfile.TemporaryDirectory() as tmp:
        profile_path = Path(tmp) / "profile.json"
        handle = start_services(profile_path)
        try:
            profile = json.loads(profile_path.read_text(encoding="utf-8"))
            env = user_env(AML_RETRAIN_PROFILE=str(profile_path))
            _webservice_vs_az(cli, wheel, profile, env, runs,
                              None if no_az else find_az(no_install))
            _endpoints_list(cli, env, runs)
        finally:
            handle.stop()


def _webservice_vs_az(cli: str, wheel: str | None, profile: dict[str, Any], env: dict[str, str],
                      runs: int, az: str | None) -> None:
    rg, name = "aml-retrain-demo", "census-model-ws"  # in the emulator's seed
    args = ["-o", "json", "webservice", "show", rg, name]
    ours = [cli, *args]
    if az is None:
        best = min(once(ours, env) for _ in range(runs))
        print(f"webservice show: aml-retrain {best:.3f}s (no az to compare with)")
        return
    url = (f"{profile['arm_url']}/subscriptions/{profile['subscription_id']}/resourceGroups/{rg}"
           f"/providers/Microsoft.MachineLearning/webServices/{name}?api-version=2017-01-01")
    # A config dir of the bench's own: no login, nothing of the user's ~/.azure read or written.
    # Telemetry off: its upload would reach for the internet; it can only make az faster.
    az_env = user_env(AZURE_CONFIG_DIR=str(BENCH_DIR / "azure-config"),
                      AZURE_CORE_COLLECT_TELEMETRY="false",
                      REQUESTS_CA_BUNDLE=profile["ca_bundle"])
    theirs = [az, "rest", "--method", "get", "--url", url,
              "--headers", f"Authorization=Bearer {profile['arm_token']}"]
    if subprocess.run(theirs, env=az_env, capture_output=True).returncode != 0:
        print("az rest failed against the emulator: skipping the az comparison")
        return
    version = subprocess.run([az, "version", "-o", "json"], env=az_env, capture_output=True,
                             text=True).stdout
    label = f"az {json.loads(version or '{}').get('azure-cli', '?')}"
    floor_args = [url, profile["arm_token"], profile["ca_bundle"], profile["arm_url"]]
    commands = [(theirs, az_env), (ours, env),
                ([sys.executable, "-c", FLOOR, *floor_args], user_env()),
                ([sys.executable, "-c", FLOOR_TRIMMED, *floor_args], user_env())]
    if wheel is not None:
        commands.append(([wheel, *args], env))
    load = os.getloadavg()[0]
    their, mine, bare, trimmed, *wheeled = interleaved(commands, runs)
    print(f"  (load average {load:.2f} before, {os.getloadavg()[0]:.2f} after)", flush=True)
    base = f"{label} rest --method get"
    print(ratio_line("-o json webservice show (editable install)", mine, their, base, 0.80))
    for figure in wheeled:
        print(ratio_line("-o json webservice show (wheel install: the target)", figure, their,
                         base, 0.80))
    print(f"  stack floor (python + azure-mgmt-resource GET, no CLI): {bare:.3f}s, ratio to az "
          f"{bare / their:.2f}; the command adds {mine - bare:+.3f}s to it")
    print(f"  the same floor trimmed as aml-retrain starts (collector paused while it imports and "
          f"builds the client, asyncio deferred): {trimmed:.3f}s, ratio to az "
          f"{trimmed / their:.2f}; the command adds {mine - trimmed:+.3f}s to it", flush=True)


def _endpoints_list(cli: str, env: dict[str, str], runs: int) -> None:
    listed = subprocess.run([cli, "-o", "json", "classic", "services", "list"], env=env,
                            capture_output=True, check=True, text=True).stdout
    service = next(s["Id"] for s in json.loads(listed) if "[Predictive" in s["Name"])
    best, version = pair([cli, "classic", "endpoints", "list", service], [cli, "--version"],
                         env, env, runs)
    print(f"endpoints list vs emulator: {best:.3f}s wall, target <= 0.40s, ratio to target "
          f"{best / 0.4:.2f}; --version baseline {version:.3f}s, ratio {best / version:.2f}")


def main(argv: Sequence[str] | None = None) -> None:
    """Compile, then run the benchmarks and print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="interleaved pairs per figure")
    parser.add_argument("--help-runs", type=int, default=HELP_RUNS,
                        help="interleaved pairs per subcommand --help")
    parser.add_argument("--no-az", action="store_true", help="skip the az rest comparison")
    parser.add_argument("--no-install", action="store_true",
                        help="never install azure-cli or create the wheel venv")
    parser.add_argument("--no-wheel", action="store_true", help="skip the wheel install's figures")
    parser.add_argument("--only", choices=["help", "top-help", "emulator"], help="one part only")
    args = parser.parse_args(argv)

    cli = console_script()
    compile_first(sys.executable, REPO / "core", REPO / "cli", REPO / "emulator",
                  sysconfig.get_paths()["purelib"])
    print(f"runs: {args.runs} interleaved pairs per figure ({args.help_runs} per subcommand "
          "--help), best of each side; bytecode compiled, PYTHONDONTWRITEBYTECODE unset", flush=True)
    steps: dict[str, Callable[[], None]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL_APP)
        steps["help"] = lambda: bench_help(cli, minimal, args.help_runs, False)
        steps["top-help"] = lambda: bench_help(cli, minimal, args.help_runs, True)
        steps["emulator"] = lambda: bench_emulator(
            cli, args.runs, args.no_az, args.no_install,
            None if args.no_wheel else wheel_script(args.no_install))
        for name in ([args.only] if args.only else ["emulator", "help"]):
            steps[name]()


if __name__ == "__main__":
    main()
