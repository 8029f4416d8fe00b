"""Instructions a command executes, counted by callgrind (load-independent).

The ``*_instructions.py`` scripts run their own drivers through :func:`collected`,
always with ``PYTHONHASHSEED=0`` so that dict and set layouts repeat from run to run.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any


def collected(argv: list[str], env: dict[str, str] | None = None) -> int:
    """Instructions ``argv`` executes under ``valgrind --tool=callgrind`` (the whole process)."""
    return _run(argv, env, "/dev/null")


def collected_in_starmap(argv: list[str], env: dict[str, str] | None = None) -> int:
    """Instructions ``argv`` executes inside ``itertools.starmap``'s ``next`` only (no start-up,
    compiling or teardown): its drivers run the measured calls through one ``starmap``."""
    return _run(argv, env, "/dev/null", ("--collect-atstart=no", "--toggle-collect=starmap_next"))


def collected_calls(
    argv: list[str], functions: tuple[str, ...], env: dict[str, str] | None = None
) -> tuple[int, dict[str, int]]:
    """:func:`collected`, and how many times the process called each of ``functions`` (C functions
    by their symbol, such as ``_PyObject_Malloc``: the ``calls=`` lines of its callers, summed)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        total = _run(argv, env, str(out))
        return total, _calls(out, functions)


def _calls(path: Path, functions: tuple[str, ...]) -> dict[str, int]:
    names: dict[str, str] = {}  # callgrind's name compression: "(id) name" once, "(id)" after
    counts = dict.fromkeys(functions, 0)
    callee: str | None = None
    with path.open() as lines:
        for line in lines:
            if line.startswith(("fn=", "cfn=")):
                found = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line.strip())
                if found is None:
                    continue
                if found.group(2):
                    names[found.group(1)] = found.group(2)
                if line.startswith("cfn="):
                    callee = names.get(found.group(1))
            elif line.startswith("calls=") and callee in counts:
                counts[callee] += int(line[6:].split()[0])
    return counts


def _run(argv: list[str], env: dict[str, str] | None, out: str, options: tuple[str, ...] = ()) -> int:
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *options, *argv],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {}), "PYTHONHASHSEED": "0"},
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def answering(rt: Any, unsealed: Any) -> Any:
    """``answer(session_id, event)``: one decision of ``rt`` on a memory store whose sealing is
    held back (its queued entries ``unsealed`` dropped before each), run without an event loop;
    a decision that would wait is an error (the drivers measure none)."""

    def answer(session_id: str, event: dict[str, Any]) -> None:
        unsealed.clear()
        coro = rt.evaluate(session_id, event, owner="x")
        try:
            coro.send(None)
        except StopIteration:
            return
        raise RuntimeError("a decision waited: this driver runs none that should")

    return answer
