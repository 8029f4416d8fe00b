"""Instructions per event for provenance + ``information_flow`` (load-independent; see bench/callgrind.py).

Replays every event of tests/injection through the tracker's view, the shipped
``information_flow`` and the tracker's ``remember`` (the ``alone`` line of
bench/injection.py), ``--rounds`` times, and subtracts a run that builds the
same events but skips that work: what is left is the per-event cost.

    .venv/bin/python bench/injection_instructions.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "injection"))
sys.path.insert(0, str(ROOT / "bench"))


def drive(rounds: int, work: bool) -> int:
    """Run the suite's events; return how many were processed."""
    from suite import DOMAINS, SHIPPED, load_domain, trace_events

    from goalrail.config.agent import parse_agent_spec
    from goalrail.config.server import server_config_from_text
    from goalrail.engine.context import build_event, normalize_event
    from goalrail.engine.snapshot import Snapshot
    from goalrail.engine.state import apply_update
    from goalrail.policies.builtins.flow import information_flow
    from goalrail.policies.provenance import NS
    from goalrail.runtime.flow import ProvenanceTracker

    cfg = server_config_from_text(SHIPPED)
    flow = information_flow(**cfg.policies[0].params)
    prepared = []
    for name in DOMAINS:
        domain = load_domain(name)
        agent = parse_agent_spec(domain["agent"], registry=cfg.registry)
        mapper = cfg.action_mapper().extended(agent.tool_mapping, agent.tool_catalog)
        prepared.append((mapper, [trace_events(t) for t in [*domain["tasks"], *domain["attacks"]]]))
    events = 0
    for r in range(rounds):
        for d, (mapper, traces) in enumerate(prepared):
            tracker = ProvenanceTracker()
            for i, raws in enumerate(traces):
                snap = Snapshot(session_id=f"{r}-{d}-{i}")
                for raw in raws:
                    ev = build_event(normalize_event(raw), snap, mapper=mapper)
                    events += 1
                    if not work:
                        continue
                    ev["context"]["provenance"] = tracker.view(snap.session_id, snap)
                    flow(ev)
                    updates, labels = tracker.remember(ev, snap, 0.0)
                    state = snap.policy_states.setdefault(NS, {})
                    for upd in updates:
                        apply_update(state, upd)
                    snap.labels.update(labels)
    return events


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--drive", choices=["work", "idle"])
    args = ap.parse_args()
    if args.drive:
        drive(args.rounds, args.drive == "work")
        return
    from callgrind import collected

    me = [sys.executable, __file__, "--rounds", str(args.rounds), "--drive"]
    work, idle = collected([*me, "work"]), collected([*me, "idle"])
    events = drive(1, False) * args.rounds
    print(f"provenance + information_flow: {(work - idle) / events:,.0f} instructions per event ({events} events)")


if __name__ == "__main__":
    main()
