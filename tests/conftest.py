"""Shared test fixtures and helpers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx
from hypothesis import settings

#: Hypothesis fails an example that takes over 200 ms (its default ``deadline``), and again as
#: "unreliable timings" if the replay is fast: a stall of a loaded machine is not a bug.  No test
#: here checks speed through Hypothesis (the few that check speed compare CPU time).
settings.register_profile("goalrail", deadline=None)
settings.load_profile("goalrail")

#: httpx's default timeout (5 s a phase) is the limit of each of the ~130 test requests to a real
#: server that name none (`httpx.post(url, …)`): on a loaded machine one answer can take longer,
#: and the test fails on a ReadTimeout that says nothing about the server.  60 s here (the object
#: is httpx's shared default; goalrail's own clients always pass theirs).  A test that means a
#: limit still names it.
_HTTPX_DEFAULT = httpx._config.DEFAULT_TIMEOUT_CONFIG
_HTTPX_DEFAULT.connect = _HTTPX_DEFAULT.read = _HTTPX_DEFAULT.write = _HTTPX_DEFAULT.pool = 60.0

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
for extra in (ROOT / "tests" / "conformance", ROOT / "tests" / "fixtures"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for `python -m goalrail …` subprocesses run from the source tree."""
    env = dict(os.environ)
    paths = [str(SRC), str(ROOT / "tests" / "conformance"), str(ROOT / "tests" / "fixtures")]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(extra)
    return env
