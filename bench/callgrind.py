"""Instructions a command executes, counted by callgrind (load-independent).

The ``*_instructions.py`` scripts run their own drivers through :func:`collected`,
always with ``PYTHONHASHSEED=0`` so that dict and set layouts repeat from run to run.
"""

from __future__ import annotations

import os
import re
import subprocess


def collected(argv: list[str], env: dict[str, str] | None = None) -> int:
    """Instructions ``argv`` executes under ``valgrind --tool=callgrind`` (the whole process)."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {}), "PYTHONHASHSEED": "0"},
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))
