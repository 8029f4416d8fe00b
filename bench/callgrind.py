"""Instructions a command executes, counted by callgrind (load-independent).

The ``*_instructions.py`` scripts run their own drivers through :func:`collected`,
always with ``PYTHONHASHSEED=0`` so that dict and set layouts repeat from run to run.
What the drivers share is here too: the ``--drive`` command (:func:`driver`), the checkout
measured put first on ``sys.path`` (:func:`measure_tree`), ``decision.py``'s runtime
(:func:`decision_runtime`, :func:`warmed`, :func:`held`, :func:`answering`) and a count per
thread (:func:`collected_threads`).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

# (Every driver imports this module: what the shared set-up needs is imported where it is used, so
# a driver that builds no runtime loads no ``asyncio``.)

#: what a driver of ``decision.py``'s runtime puts on ``sys.path`` (``decision`` puts its own src first)
DECISION_DIRS = ("src", "bench", "bench/chain")


def collected(argv: list[str], env: dict[str, str] | None = None) -> int:
    """Instructions ``argv`` executes under ``valgrind --tool=callgrind`` (the whole process)."""
    return _run(argv, env, "/dev/null")


def collected_in_starmap(argv: list[str], env: dict[str, str] | None = None) -> int:
    """Instructions ``argv`` executes inside ``itertools.starmap``'s ``next`` only (no start-up,
    compiling or teardown): its drivers run the measured calls through one ``starmap``."""
    return _run(argv, env, "/dev/null", ("--collect-atstart=no", "--toggle-collect=starmap_next"))


def collected_threads(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, int, int]:
    """Instructions ``argv`` executes under ``valgrind --tool=callgrind --separate-threads=yes``:
    (its main thread, its other threads, the whole process)."""
    import glob

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        whole = _run(argv, env, str(out), ("--separate-threads=yes",))
        main = others = 0
        for path in sorted(glob.glob(f"{out}*")):
            found = re.search(r"^(?:totals|summary): (\d+)", Path(path).read_text(), re.MULTILINE)
            total = int(found.group(1)) if found else 0
            if path.endswith("-01"):
                main += total
            else:
                others += total
        return main, others, whole


def driver(script: str, *args: object) -> list[str]:
    """The command that runs ``script``'s driver (``script --drive ARGS``) in a process of its own."""
    import sys

    return [sys.executable, script, "--drive", *map(str, args)]


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


def measure_tree(tree: str, dirs: Iterable[str] = ("src",)) -> None:
    """Put the checkout measured (``--tree``) first on ``sys.path``: its ``dirs``."""
    import sys

    sys.path[:0] = [f"{tree}/{d}" for d in dirs]


def own_files_config() -> Any:
    """A server's own files at their usual places under ``/srv/goalrail`` and ``~/.goalrail`` (``--own-files``)."""
    import os

    from goalrail.config.own_files import OwnFiles, spellings

    home = os.path.expanduser("~/.goalrail")
    secrets = [f"{home}/goalrail.db{s}" for s in ("", "-wal", "-shm", "-journal")]
    secrets += [f"{home}/console-token", f"{home}/cookie-key", f"{home}/token"]
    protected = [home, "/srv/goalrail/config.yaml", "/srv/goalrail/policies", "/srv/goalrail/agents", *secrets]
    return OwnFiles(spellings(protected), spellings(secrets))


def decision_runtime(clock: Callable[[], float] | None = None, own_files: Any = None) -> tuple[Any, Any]:
    """(runtime, its memory store): ``decision.py``'s 10 rules on the memory store, the clock
    advancing 0.5 ms a call unless ``clock`` is given (as ``decision_instructions.py --fixed-clock``),
    the chains led by the own-files guard on ``own_files`` when given (``config.own_files.OwnFiles``);
    ``sys.path`` holds the checkout's :data:`DECISION_DIRS`."""
    import itertools

    import decision

    from goalrail.engine.spec import PolicySpec
    from goalrail.runtime.runtime import Runtime
    from goalrail.store.memory import MemoryStore

    specs = [PolicySpec(x, f"http_policies.{x}", level="server", kind="callable") for x in decision.NAMES]
    ticks = itertools.count(3_600_000_000_000)  # half-milliseconds, 0.5 ms a call (as --fixed-clock)

    def fixed() -> float:
        return next(ticks) / 2000

    extra = {"own_files": own_files} if own_files is not None else {}
    rt = Runtime(MemoryStore(), registry=decision.registry(), server_specs=specs, clock=clock or fixed, **extra)
    store = rt.store
    assert isinstance(store, MemoryStore)
    return rt, store


def warmed(rt: Any, raw: list[dict[str, Any]]) -> None:
    """300 warm decisions of ``rt`` over 100 sessions and 10 owners."""
    import asyncio

    async def warm() -> None:
        for i in range(300):
            await rt.evaluate(f"s{i % 100}", raw[i % 1000], owner=f"u{i % 10}")

    asyncio.run(warm())


def held(rt: Any, store: Any) -> Any:
    """:func:`answering` for ``rt`` once what it queued is sealed and its store's sealing is held
    back (the answer alone: entries queued, dropped before each decision)."""
    store.seal_pending()
    store._seal_scheduled = True
    return answering(rt, store._unsealed)
