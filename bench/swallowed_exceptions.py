"""Exceptions raised inside C and cleared again (never seen by Python code) per request of
``bench/http_instructions.py``'s ``http`` mode on SQLite, by what raised them: a breakpoint on
``_PyErr_SetObject`` under gdb, armed once the warm-up is done; a run of N requests and one of
none (the same warm-up and shutdown), subtracted.

    python bench/swallowed_exceptions.py [--requests 32] [--connections 16] [--tree DIR]

Each one costs a few thousand instructions (the message formatted, the error set, matched,
cleared) and shows in a callgrind profile only as ``PyErr_Format`` under unrelated callers:
``hasattr`` and ``getattr(x, name, default)`` that miss, ``bytes in bytes`` (which first reads
its operand as an integer), a subscripted builtin called (``list[int]()`` sets
``__orig_class__``), ``None`` bound by SQLite's driver without a registered adapter.  Needs gdb
and the interpreter's ``python3.11-gdb.py`` (for the Python frames).  The driver's own
``asyncio.gather`` (one ``isfuture`` lookup per request) is counted too.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

_GDB = """
import gdb
armed = [False]
class Arm(gdb.Breakpoint):
    def stop(self):
        armed[0] = True
        return False
class Raised(gdb.Breakpoint):
    def stop(self):
        older = gdb.selected_frame().older()
        # (the function's inlined copy inside itself stops here too: one stop per exception)
        if armed[0] and not (older is not None and older.name() == "_PyErr_SetObject"):
            gdb.write("=== raised\\n")
            gdb.execute("bt 6")
            gdb.execute("py-bt")
        return False
Arm("os_getppid")
Raised("_PyErr_SetObject")
"""

_DRIVER = """
import os, sys, tempfile
from pathlib import Path
sys.path.insert(0, {bench!r})
tmp = tempfile.mkdtemp()
os.environ["GOALRAIL_HOME"] = tmp
import http_instructions as hi
plan = hi.schedule
def schedule(n, c, start):
    if start > 0:
        os.getppid()  # the breakpoint's arming: the measured requests start
    return plan(n, c, start)
hi.schedule = schedule
hi.drive("http", {n}, {c}, Path(tmp) / "out", "sqlite")
"""


def _gdb_helper() -> str:
    name = f"python{sys.version_info.major}.{sys.version_info.minor}-gdb.py"
    for where in (Path(sys.base_prefix) / "bin", Path(sysconfig.get_config_var("BINDIR") or "")):
        if (where / name).exists():
            return str(where / name)
    raise SystemExit(f"{name} not found (gdb's Python frames)")


def raised(tree: Path, n: int, connections: int) -> list[str]:
    """One line per exception raised after the warm-up: the message, then the innermost Python frame."""
    with tempfile.TemporaryDirectory() as tmp:
        script, driver = Path(tmp) / "bp.py", Path(tmp) / "drive.py"
        script.write_text(_GDB)
        driver.write_text(_DRIVER.format(bench=str(tree / "bench"), n=n, c=connections))
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(tree / "src")}
        argv = ["gdb", "-q", "-batch", "-ex", "set breakpoint pending on", "-ex", f"source {_gdb_helper()}"]
        argv += ["-ex", f"source {script}", "-ex", "run", "--args", sys.executable, str(driver)]
        out = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=tree, check=False).stdout
    found = []
    for block in out.split("=== raised\n")[1:]:
        message = re.search(r'value=("[^"]*"|\'[^\']*\')', block)
        frame = re.search(r'File "([^"]+)", line (\d+), in (\S+)', block)
        where = f"{Path(frame[1]).name}:{frame[2]} {frame[3]}" if frame else "?"
        found.append(f"{message[1] if message else '?'}  at {where}")
    return found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=32)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--tree", type=Path, default=HERE.parent)
    args = ap.parse_args()
    n, tree = args.requests, args.tree.resolve()
    with_n = collections.Counter(raised(tree, n, args.connections))
    without = collections.Counter(raised(tree, 0, args.connections))
    total = sum(with_n.values()) - sum(without.values())
    print(f"{total / n:.2f} exceptions raised and cleared in C per request ({sum(with_n.values())} with {n}, ", end="")
    print(f"{sum(without.values())} without)")
    for line in sorted(set(with_n) | set(without), key=lambda k: without[k] - with_n[k]):
        if with_n[line] != without[line]:
            print(f"{(with_n[line] - without[line]) / n:6.2f}  {line}")


if __name__ == "__main__":
    main()
