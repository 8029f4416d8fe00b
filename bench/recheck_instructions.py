"""Instructions per ``Decision.same_as``: what a group commit's recheck compares once the
chain has been evaluated again on the owner's state at its place (``runtime/recheck.py``,
``PgTx.stands``: every decision whose view of the owner no longer holds, ≈ 0.3–0.8 per
decision with two PostgreSQL replicas on one owner).

    python bench/recheck_instructions.py [--calls 1000] [--tree DIR]

The decision is shaped like ``http_api.py --chain builtins``'s answer to an LLM request:
ten policies, eight abstaining, one compact ALLOW with its reason, and the daily budget's
record with its two updates of the owner's state (a reservation's count and bucket).
``valgrind --tool=callgrind`` runs the driver twice (``--calls`` comparisons, and none);
the difference ÷ ``--calls`` is printed.  ``--tree DIR``: another tree's ``src/`` (a base).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from callgrind import collected

HERE = Path(__file__).resolve().parent


def drive(calls: int) -> None:
    from goalrail.engine.decision import Decision, PolicyDecision
    from goalrail.engine.spec import PolicySpec

    specs = [PolicySpec(name=f"p{i}", handler="h") for i in range(10)]

    def answer() -> Decision:
        records: list[object] = [(spec, "ABSTAIN", None, 1.0) for spec in specs[:8]]
        records.append((specs[8], "ALLOW", "ok", 2.0))
        budget = PolicyDecision(specs[9], "ALLOW", "within budget", 3.0)
        budget.state_updates = [
            {"key": "reserved_n", "action": "increment", "value": 1, "scope": "user"},
            {"key": "reserved:abc", "action": "set", "value": {"usd": 0.12, "at": 1.5}, "scope": "user"},
        ]
        records.append(budget)
        updates = [("p9", u) for u in budget.state_updates]
        return Decision("ALLOW", "ok", "p8", records, 5.0, state_updates=updates)  # type: ignore[arg-type]

    a, b = answer(), answer()
    assert a.same_as(b)
    for _ in range(calls):
        a.same_as(b)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=1000)
    p.add_argument("--tree", help="measure the source tree DIR (its src/) instead of this one")
    p.add_argument("--drive", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.drive is not None:
        drive(args.drive)
        return
    src = Path(args.tree).resolve() / "src" if args.tree else HERE.parent / "src"
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--drive"]
    total = collected([*cmd, str(args.calls)], env) - collected([*cmd, "0"], env)
    print(f"{src}: {total / args.calls / 1000:.1f}k instructions per same_as")


if __name__ == "__main__":
    main()
