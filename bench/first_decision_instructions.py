"""A shipped template's first shell decision in a fresh process, under callgrind (load-independent).

    python bench/first_decision_instructions.py [--policies strict soc2_compliant permissive]
                                               [--command 'git status'] [--tree PATH]

Per template: the instructions of building ``pattern_policy(policy=NAME)`` and its first call on
one Claude Code ``Bash`` event (the YAML read, the rules compiled into their automata, the option
spellings' factors, the line's readings), then of the second call on the same event (warm), each
counted inside ``itertools.starmap``'s ``next`` (imports and start-up excluded).  A server pays
the first once per process and template; the conformance suite's 5 s deadline meets it.
``--tree`` measures another checkout's ``src`` (an exported base).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import sys
from pathlib import Path

from callgrind import collected_in_starmap, driver, measure_tree

HERE = Path(__file__).resolve().parent
APP = "/home/dev/app"


def drive(name: str, command: str, warm: bool, tree: str | None) -> None:
    if tree:
        measure_tree(tree)
    from goalrail.engine.actions import ActionMapper
    from goalrail.engine.context import build_event, normalize_event
    from goalrail.engine.snapshot import Snapshot
    from goalrail.policies.builtins.patterns import pattern_policy

    raw = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": command}}, "context": {"cwd": APP}}
    event = dict(build_event(normalize_event(raw), Snapshot("s1"), now=1_000.0, mapper=ActionMapper()))
    event["policy_state"] = {}

    def first() -> object:
        return pattern_policy(policy=name)(event)

    gc.disable()
    if warm:
        policy = pattern_policy(policy=name)
        policy(event)
        for _ in itertools.starmap(policy, [(event,)]):
            pass
    else:
        for _ in itertools.starmap(first, [()]):
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policies", nargs="+", default=["strict", "soc2_compliant", "permissive"])
    parser.add_argument("--command", default="git status")
    parser.add_argument("--tree", default="")
    parser.add_argument("--drive", nargs=3, metavar=("NAME", "COMMAND", "WARM"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        name, command, warm = args.drive
        drive(name, command, warm == "1", args.tree or None)
        return
    script = str(HERE / "first_decision_instructions.py")
    tree = ["--tree", args.tree] if args.tree else []
    print(f"| template | first decision (build + call), M instr | warm call, k instr |  ({args.command!r})")
    print("|---|---:|---:|")
    for name in args.policies:
        cold = collected_in_starmap([*driver(script, name, args.command, 0), *tree])
        warm = collected_in_starmap([*driver(script, name, args.command, 1), *tree])
        print(f"| {name} | {cold / 1e6:.1f} | {warm / 1e3:.1f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
