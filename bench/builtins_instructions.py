"""Instructions per event of each builtin of ``http_api.py --chain builtins`` (load-independent), and
the state each one writes.

    python bench/builtins_instructions.py [--events 1000] [--warm 1000] [--rate 70] [--only NAME] [--patterns]

The ten builtins of ``http_api.py``'s ``BUILTIN_CHAIN`` (with its factory params) are
compiled into one chain as the server does; ``http_api.py``'s eight ``EVENTS`` are sent
round-robin to one session, each built with ``build_event`` as production does, at
``--rate`` events per second of simulated clock (``context.now``).  The engine evaluates
each event and the decision's state updates are applied as a store applies them
(session, policy and user scope), so every builtin sees its state as it is after
``--warm`` events (1,000: about 625 tool calls) of a long session; that session is
pickled, and each callgrind run starts from it.

Then ``--events`` more events; for the builtin measured, each is also handed to the
policy once more (the same event, its own ``policy_state``) and the values it writes are
applied, encoded and read back as a SQL store does (``apply_update``, ``orjson`` of each
written value, parsed again as the next snapshot does).  ``valgrind --tool=callgrind``
counts the run with that extra call and the run without it (``--jobs`` at once); the
difference / N is the builtin's instructions per event, its state round trip included.
Python's garbage collector stays on; ``PYTHONHASHSEED=0``.

``--patterns`` adds an eleventh policy, ``patterns``: ``pattern_policy`` with one ``allow``
pattern per action type of the events, each with ``max_operations_per_minute: 100000``
(``PATTERNS``), so every tool call is recorded in a pattern rate list.

``bytes/event``: the JSON bytes of the values a builtin writes per event (mean over the
measured events: what a SQL store upserts); ``state bytes``: its whole state (its
``policy_state``, or for the daily budget its keys of ``user_state``) as JSON at the end.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from callgrind import collected

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

T0 = 1_796_000_000.0  # 2026-11-30, a fixed clock

LIMIT = "max_operations_per_minute: 100000"
#: ``--patterns``: a declarative policy whose rate limit every tool call counts against
PATTERNS = (
    "goalrail.policies.builtins.patterns.pattern_policy",
    "{inline: {name: bench, default_action: allow, patterns: ["
    + ", ".join(
        f"{{id: {t}, action_type: {t}, pattern: '.*', action: allow, conditions: {{{LIMIT}}}}}"
        for t in ("shell_execute", "file_read", "file_write", "network_request")
    )
    + "]}}",
)


def _chain(patterns: bool = False) -> tuple[Any, list[str]]:
    import yaml
    from http_api import BUILTIN_CHAIN

    from goalrail.engine.spec import PolicySpec
    from goalrail.policies.registry import Registry
    from goalrail.runtime.candidate import build_chain

    entries = {**BUILTIN_CHAIN, "patterns": PATTERNS} if patterns else BUILTIN_CHAIN
    specs = [
        PolicySpec(name, handler, level="server", params=yaml.safe_load(params))
        for name, (handler, params) in entries.items()
    ]
    return build_chain({"server": specs}, Registry.load()), list(entries)


class Session:
    """One session's state as a store keeps it, and its events as production builds them."""

    def __init__(self, rate: float, patterns: bool = False) -> None:
        from http_api import EVENTS

        from goalrail.engine.context import normalize_event
        from goalrail.policies.pricing import default_price_table

        self.raw = [normalize_event(e) for e in EVENTS]
        self.rate = rate
        self.patterns = patterns
        self.prices = default_price_table()
        self.state: dict[str, Any] = {}
        self.policy_states: dict[str, dict[str, Any]] = {}
        self.user_state: dict[str, Any] = {}
        self.i = 0

    def __getstate__(self) -> dict[str, Any]:  # the state only: events and prices are rebuilt
        return {k: getattr(self, k) for k in ("rate", "patterns", "state", "policy_states", "user_state", "i")}

    def __setstate__(self, saved: dict[str, Any]) -> None:
        self.__init__(saved["rate"], saved["patterns"])  # type: ignore[misc]
        self.__dict__.update(saved)

    def next_event(self) -> dict[str, Any]:
        from goalrail.engine.context import build_event
        from goalrail.engine.snapshot import Snapshot
        from goalrail.engine.state import snapshot_states

        snap = Snapshot(
            "bench",
            owner="alice",
            model="claude-opus-4",
            state=dict(self.state),
            policy_states=snapshot_states(self.policy_states),
            user_state=dict(self.user_state),
            usage={"total_cost_usd": 0.0, "total_tokens": 0, "llm_calls": 0, "unpriced_tokens": 0},
            user_daily_cost={"user_id": "alice", "day": "2026-11-30", "cost_usd": 0.0},
        )
        now = T0 + self.i / self.rate
        ev = build_event(self.raw[self.i % len(self.raw)], snap, now=now, prices=self.prices)
        self.i += 1
        return dict(ev, policy_states=snap.policy_states)

    def apply(self, updates: Any) -> None:
        from goalrail.engine.state import apply_update, split_updates

        session, policy, user = split_updates(updates)
        for upd in session:
            apply_update(self.state, upd)
        for ns, upds in policy.items():
            target = self.policy_states.setdefault(ns, {})
            for upd in upds:
                apply_update(target, upd)
        for upd in user:
            apply_update(self.user_state, upd)


def warmed(warm: int, rate: float, patterns: bool = False) -> Session:
    """A session after ``warm`` events of the chain."""
    from goalrail.engine.evaluate import evaluate

    chain, _ = _chain(patterns)
    sess = Session(rate, patterns)
    for _ in range(warm):
        ev = sess.next_event()
        states = ev.pop("policy_states")
        sess.apply(evaluate(chain, ev, states).state_updates)
    return sess


def run(measured: str | None, sess: Session, n: int) -> Iterator[tuple[str, int]]:
    """Evaluate ``n`` more events of ``sess``, calling ``measured`` once more on each.  Yields
    (policy namespace, JSON bytes written) for every state update of the decisions."""
    import orjson

    from goalrail.engine.evaluate import evaluate
    from goalrail.engine.state import apply_update

    chain, _ = _chain(sess.patterns)
    extra: Callable[..., Any] | None = None
    ns = ""
    if measured is not None:
        (policy,) = [p for p in chain.policies if p.name == measured]
        extra, ns = policy.fn, policy.ns
    for _ in range(n):
        ev = sess.next_event()
        states = ev.pop("policy_states")
        if extra is not None:
            mine = dict(ev)
            mine["policy_state"] = states.get(ns, {})
            answer = extra(mine)
            if answer and answer.get("state_updates"):
                # what a SQL store does with them: apply to the known values, encode each
                # written value, and parse it again on the next snapshot
                known = dict(sess.user_state if measured == "daily_budget" else sess.policy_states.get(ns, {}))
                for upd in answer["state_updates"]:
                    apply_update(known, upd)
                for upd in answer["state_updates"]:
                    if upd["key"] in known:
                        orjson.loads(orjson.dumps(known[upd["key"]]))
        d = evaluate(chain, ev, states)
        for pol_ns, upd in d.state_updates:
            yield pol_ns, _written(sess, pol_ns, upd)
        sess.apply(d.state_updates)


def _written(sess: Session, ns: str, upd: Any) -> int:
    """The JSON bytes a SQL store upserts for ``upd`` (the key's new value; 0 for a delete)."""
    import orjson

    from goalrail.engine.state import apply_update

    scope = upd.get("scope", "session")
    known = dict(sess.user_state if scope == "user" else sess.policy_states.get(ns, {}) if scope == "policy" else {})
    apply_update(known, upd)
    return len(orjson.dumps(known[upd["key"]])) if upd["key"] in known else 0


def state_sizes(sess: Session, n: int) -> tuple[dict[str, float], dict[str, int], dict[str, float]]:
    """Per builtin: JSON bytes written per event, bytes of its whole state after the ``n``
    events, and state updates per event (deterministic: no callgrind needed)."""
    import orjson

    _, names = _chain(sess.patterns)
    written = dict.fromkeys(names, 0)
    updates = dict.fromkeys(names, 0)
    for ns, size in run(None, sess, n):
        name = ns.split(":", 1)[1]
        written[name] += size
        updates[name] += 1
    total = {}
    for name in names:
        if name == "daily_budget":
            total[name] = len(orjson.dumps(sess.user_state))
        else:
            total[name] = len(orjson.dumps(sess.policy_states.get(f"server:{name}", {})))
    return {k: v / n for k, v in written.items()}, total, {k: v / n for k, v in updates.items()}


def drive(measured: str, saved: str, n: int) -> None:
    with open(saved, "rb") as f:
        sess = pickle.load(f)
    for _ in run(None if measured == "-" else measured, sess, n):
        pass


def count(measured: str, saved: str, n: int) -> int:
    return collected([sys.executable, __file__, "--drive", measured, saved, str(n)])


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--drive":
        drive(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=300)
    ap.add_argument("--warm", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=70.0, help="events per second of simulated clock")
    ap.add_argument("--only", action="append", help="measure only these builtins (chain names)")
    ap.add_argument("--bytes-only", action="store_true", help="state bytes only (no callgrind)")
    ap.add_argument("--jobs", type=int, default=2, help="callgrind runs at once")
    ap.add_argument("--patterns", action="store_true", help="add a pattern_policy with rate limits (PATTERNS)")
    args = ap.parse_args()
    _, names = _chain(args.patterns)
    sess = warmed(args.warm, args.rate, args.patterns)
    with tempfile.TemporaryDirectory() as tmp:
        saved = os.path.join(tmp, "session.pickle")
        with open(saved, "wb") as f:
            pickle.dump(sess, f)
        per_event, total, upds = state_sizes(sess, args.events)
        measured = [] if args.bytes_only else [n for n in names if not args.only or n in args.only]
        runs = ["-", *measured] if measured else []
        with ThreadPoolExecutor(args.jobs) as pool:
            counts = dict(zip(runs, pool.map(lambda m: count(m, saved, args.events), runs), strict=True))
    print(f"after {args.warm} events at {args.rate:g}/s, {args.events} measured (http_api.py's EVENTS, round-robin)")
    print(f"{'builtin':16} {'k instr/event':>14} {'updates/event':>14} {'bytes/event':>12} {'state bytes':>12}")
    for name in names:
        instr = f"{(counts[name] - counts['-']) / args.events / 1000:.1f}" if name in counts else "-"
        print(f"{name:16} {instr:>14} {upds[name]:14.2f} {per_event[name]:12.1f} {total[name]:12d}")


if __name__ == "__main__":
    main()
