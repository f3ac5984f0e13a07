"""asyncio is a stand-in in the CLI's process until something uses it; then it is the real one."""

from __future__ import annotations

import os
import subprocess
import sys


def _run(*lines: str, env: dict[str, str] | None = None) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", "\n".join(lines)], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_the_first_use_imports_the_real_module_for_every_holder() -> None:
    out = _run(
        "import sys",
        "from aml_retrain_cli import _deferred",
        "_deferred.defer()",
        "import asyncio",  # binds the stand-in: nothing executed yet
        "print(type(asyncio).__name__, 'asyncio.base_events' in sys.modules)",
        "async def answer(): return 42",
        "print(asyncio.run(answer()), 'asyncio.base_events' in sys.modules)",
        "from asyncio import sleep",
        "import asyncio as again",
        "print(sleep is again.sleep is asyncio.sleep, type(again).__name__)",
    )
    assert out == ["_Deferred", "False", "42", "True", "True", "module"]


def test_a_submodule_can_be_imported_before_the_package_is_used() -> None:
    out = _run(
        "from aml_retrain_cli import _deferred",
        "_deferred.defer()",
        "import asyncio.events",
        "import asyncio",
        "print(asyncio.events.AbstractEventLoop.__name__, asyncio.get_event_loop_policy() is not None)",
    )
    assert out == ["AbstractEventLoop", "True"]


def test_an_imported_module_or_an_unknown_name_is_left_alone() -> None:
    out = _run(
        "import sys, asyncio",
        "from aml_retrain_cli import _deferred",
        "_deferred.defer(('asyncio', 'no_such_module_here'))",
        "print(type(sys.modules['asyncio']).__name__, 'no_such_module_here' in sys.modules)",
    )
    assert out == ["module", "False"]


def test_building_the_arm_client_in_the_cli_process_leaves_asyncio_unexecuted() -> None:
    # azure-mgmt-core imports asyncio for its async policies; the sync client never runs them.
    env = {**os.environ, "AML_RETRAIN_AUTH": "token", "AML_RETRAIN_ARM_TOKEN": "t",
           "AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000",
           "AML_RETRAIN_ARM_URL": "https://127.0.0.1:9"}
    env.pop("AML_RETRAIN_PROFILE", None)
    out = _run(
        "import sys",
        "from aml_retrain_cli import context, main",
        "built = context.State.arm_client",
        "def check(self):",
        "    built(self)",
        "    print('azure.mgmt.core.policies' in sys.modules, 'asyncio.base_events' in sys.modules)",
        "    raise SystemExit(0)",
        "context.State.arm_client = check",
        "sys.argv = ['aml-retrain', 'webservice', 'show', 'rg', 'ws']",
        "main()",
        env=env,
    )
    assert out == ["True", "False"]
