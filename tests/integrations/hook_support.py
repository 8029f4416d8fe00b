"""Helpers for the harness adapter tests: run ``goalrail hook <harness>`` as the harness does,
against a real server whose chain denies, asks and allows."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.integrations.support import AUTH, CHAIN, P, env, fixture

ADAPTER_CHAIN = (
    CHAIN.replace(
        "policies:\n",
        "policies:\n  deny_write: {type: function, handler: "
        + P
        + ".deny_write_paths, factory_params: {prefixes: [/etc/]}}\n",
        1,
    )
    + AUTH
)


def payload(harness: str, name: str, session: str | None = None, key: str = "session_id") -> dict[str, Any]:
    data: dict[str, Any] = fixture(f"{harness}/{name}.json")
    if session:
        data[key] = session
    return data


def run_hook(harness: str, data: Any, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    text = data if isinstance(data, str) else json.dumps(data)
    return subprocess.run(
        [sys.executable, "-m", "goalrail", "hook", harness, *args],
        input=text,
        capture_output=True,
        text=True,
        env=env(**extra_env),
        timeout=60,
    )


def output(proc: subprocess.CompletedProcess[str], code: int = 0) -> Any:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    return json.loads(proc.stdout) if proc.stdout.strip() else None
