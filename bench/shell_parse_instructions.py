"""The shell analysis's uncached parse under callgrind, per command line (load-independent).

    python bench/shell_parse_instructions.py [--corpus benign|bypass] [--tree PATH] [--lines-from PATH]
                                             [--cold-names]

Every line of a corpus file (``tests/corpus/shell_benign.yaml`` or the command lines of
``shell_bypass.yaml``, ``@ROOT@`` written as ``/tmp/root``) is given to ``parse_uncached`` once,
counted inside ``itertools.starmap``'s ``next`` only, the collector off, after one warm-up pass
over the same lines (so tree-sitter and the regexes are compiled and the tables filled). The
figure is instructions per line.

``--tree`` measures another checkout's ``src`` (an exported base: ``git archive main | tar -x -C
/tmp/base``); ``--lines-from`` takes the corpus from another checkout, so two trees parse the same
lines (the base's corpus is the fair choice: the new lines exercise the new code).
``--cold-names`` empties the cache of program-name spellings (``_program_names.canonical``,
where the tree has it) after the warm-up, so every name is looked at afresh.
"""

from __future__ import annotations

import argparse
import collections
import gc
import itertools
import sys
from pathlib import Path

import yaml
from callgrind import collected_in_starmap, driver, measure_tree

HERE = Path(__file__).resolve().parent


def lines(checkout: str, corpus: str) -> list[str]:
    path = Path(checkout) / "tests" / "corpus" / f"shell_{corpus}.yaml"
    data = yaml.safe_load(path.read_text())
    items = data["commands"] if corpus == "benign" else [c.get("command") for c in data["cases"]]
    return [c.replace("@ROOT@", "/tmp/root") for c in items if isinstance(c, str)]


def drive(tree: str, checkout: str, corpus: str, cold: bool) -> None:
    measure_tree(tree)
    from goalrail.policies.builtins._shell import parse_uncached

    commands = lines(checkout, corpus)
    for command in commands:  # compiled, tables filled
        parse_uncached(command)
    if cold and (names := sys.modules.get("goalrail.policies.builtins._program_names")) is not None:
        names.canonical.cache_clear()
    gc.collect()
    gc.disable()
    collections.deque(itertools.starmap(parse_uncached, [(c,) for c in commands]), maxlen=0)


def main() -> None:
    if len(sys.argv) >= 6 and sys.argv[1] == "--drive":
        drive(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == "cold")
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", choices=("benign", "bypass"), default="benign")
    ap.add_argument("--tree", default=str(HERE.parent), help="the checkout whose src is measured")
    ap.add_argument("--lines-from", default=str(HERE.parent), help="the checkout whose corpus is parsed")
    ap.add_argument("--cold-names", action="store_true", help="program names looked at afresh")
    args = ap.parse_args()
    n = len(lines(args.lines_from, args.corpus))
    cold = "cold" if args.cold_names else "warm"
    total = collected_in_starmap(driver(__file__, args.tree, args.lines_from, args.corpus, cold))
    print(f"{args.corpus}: {n} lines, {total / 1e6:.1f} M instructions, {total / n / 1000:.1f} k per line")


if __name__ == "__main__":
    main()
