"""Shared test fixtures and helpers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
