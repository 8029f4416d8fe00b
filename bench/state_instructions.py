"""Instructions per event of the state arithmetic a store does for a policy that keeps a
list (load-independent, callgrind):

    python bench/state_instructions.py [--items 1000] [--events 2000]

A policy's namespace holds a list of ``--items`` numbers (a ``rate_limit`` list as it was
kept before, or any builtin's bounded list: risk's 100 labels, google's 1,000 ids) and a
counter.  Per event, as the memory store does (and the SQL stores on their cached values):

* ``snapshot``: the policy states a snapshot shows (``snapshot_states``: each list copied);
* ``append``: one ``append`` with ``max_len = --items`` applied to the stored namespace
  (``apply_update``): the list is full, so the oldest item goes;
* ``both``: the two.

Each mode runs ``--events`` times and zero times under callgrind; the difference / events
is printed.  ``PYTHONHASHSEED=0``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from callgrind import collected

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

MODES = ("snapshot", "append", "both")


def drive(mode: str, items: int, events: int) -> None:
    from goalrail.engine.state import apply_update, snapshot_states

    states = {"server:p": {"calls": [1_796_000_000.0 + i / 10 for i in range(items)], "n": 5}}
    now = 1_796_000_000.0 + items / 10
    for i in range(events):
        if mode != "append":
            snapshot_states(states)
        if mode != "snapshot":
            upd = {"key": "calls", "action": "append", "value": now + i / 10, "scope": "policy", "max_len": items}
            apply_update(states["server:p"], upd)  # type: ignore[arg-type]


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--drive":
        drive(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=1000)
    ap.add_argument("--events", type=int, default=2000)
    args = ap.parse_args()
    print(f"a list of {args.items} numbers, {args.events} events")
    for mode in MODES:
        argv = [sys.executable, __file__, "--drive", mode, str(args.items)]
        runs = [collected([*argv, str(n)]) for n in (args.events, 0)]
        print(f"{mode:10} {(runs[0] - runs[1]) / args.events / 1000:8.1f} k instructions/event")


if __name__ == "__main__":
    main()
