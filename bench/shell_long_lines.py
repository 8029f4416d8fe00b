"""One shell command of N words, for growing N: what its analysis costs (issue 13).

    python bench/shell_long_lines.py [--sizes 500,1000,2000,4000] [--shapes echo,rm,...] [--stage parse|effects|judge]
                                     [--tree PATH]

Each shape is one command (or one line) of N words of a kind: ``echo a a …``, ``rm f1 … fN``,
``cp f1 … fN dir/``, ``git add``, ``xargs rm``, ``find … -o …`` and ``-exec … \\;`` chains,
``sudo env A=1 … cmd``, N variables written then used, ``tar``, ``docker run -v …``.  The stage
measured: ``parse`` (``parse_uncached``), ``effects`` (``file_effects``: the parse and the file
effects) or ``judge`` (the ``strict`` pattern policy on a Bash call: parse, effects and every rule).
Each reading is of a text made new (the readers cache), its file names new too; the figure is the
least thread CPU of three readings with the collector off, and the Python calls of one more
(cProfile, deterministic: a quadratic path in C shows in the CPU only).  The last column is the
largest size's cost over the smallest's: linear is the sizes' ratio.  ``--tree`` measures
another checkout's ``src`` (an exported base).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
_RUN = itertools.count()


def _files(tag: str, n: int) -> str:
    return " ".join(f"{tag}d{i}/f{i}.txt" for i in range(n))


SHAPES: dict[str, Callable[[str, int], str]] = {
    "echo": lambda t, n: "echo " + " ".join(f"{t}w{i}" for i in range(n)),
    "rm": lambda t, n: "rm " + _files(t, n),
    "cp": lambda t, n: "cp " + _files(t, n) + " dest/",
    "git_add": lambda t, n: "git add " + _files(t, n),
    "xargs": lambda t, n: "xargs rm " + _files(t, n),
    "find_o": lambda t, n: "find . " + " -o ".join(f"-name {t}{i}.txt" for i in range(n)),
    "find_exec": lambda t, n: "find " + t + " " + " ".join("-exec rm {} \\;" for _ in range(n)),
    "sudo_env": lambda t, n: "sudo env " + " ".join(f"{t}{i}=1" for i in range(n)) + " ls",
    "variables": lambda t, n: (
        "; ".join(f"v{i}=x{i}" for i in range(n))  # (no path: the tag is not needed)
        + "; echo "
        + " ".join(f"$v{i}" for i in range(n))
    ),
    "tar": lambda t, n: "tar czf a.tgz " + _files(t, n),
    "docker_v": lambda t, n: "docker run " + " ".join(f"-v /{t}{i}:/c{i}" for i in range(n)) + " img",
}


def _reader(stage: str) -> Callable[[str], object]:
    if stage == "parse":
        from goalrail.policies.builtins._shell import parse_uncached

        return parse_uncached
    from goalrail.policies.builtins._shell_file_effects import file_effects

    if stage == "effects":
        return file_effects
    from tests.unit.shell_support import STRICT, verdict

    return lambda line: verdict(STRICT, line)


def _line(shape: str, n: int) -> str:
    k = next(_RUN)
    return f"{SHAPES[shape](f'r{k}x', n)} #{k}"


def measure(shape: str, n: int, read: Callable[[str], object]) -> tuple[float, int]:
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            line = _line(shape, n)
            start = time.thread_time()
            read(line)
            best = min(best, time.thread_time() - start)
    finally:
        gc.enable()
    line = _line(shape, n)
    prof = cProfile.Profile()
    prof.enable()
    read(line)
    prof.disable()
    return best, pstats.Stats(prof).total_calls  # type: ignore[attr-defined]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="500,1000,2000,4000")
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--stage", choices=("parse", "effects", "judge"), default="effects")
    ap.add_argument("--tree", default=str(HERE.parent), help="the checkout whose src is measured")
    args = ap.parse_args()
    sys.path[:0] = [str(Path(args.tree) / "src"), str(HERE.parent)]
    read = _reader(args.stage)
    sizes = [int(s) for s in args.sizes.split(",")]
    read(SHAPES["echo"]("warm", 3))
    print(f"{args.stage}, {args.tree}: N → ms CPU / k Python calls; last: cost at N={sizes[-1]} over N={sizes[0]}")
    for shape in args.shapes.split(","):
        row = [(n, *measure(shape, n, read)) for n in sizes]
        cells = "  ".join(f"{n}: {t * 1e3:.1f} / {c / 1e3:.0f}k" for n, t, c in row)
        print(f"{shape:10s} {cells}  ×{row[-1][1] / row[0][1]:.1f} CPU ×{row[-1][2] / row[0][2]:.1f} calls", flush=True)


if __name__ == "__main__":
    main()
