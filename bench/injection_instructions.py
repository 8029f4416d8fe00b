"""Instructions per event for provenance + ``information_flow`` (load-independent; see bench/callgrind.py).

Replays every event of tests/injection through the tracker's view, the shipped
``information_flow`` and the tracker's ``remember`` (the ``alone`` line of
bench/injection.py), ``--rounds`` times, and subtracts a run that builds the
same events but skips that work: what is left is the per-event cost.

``--proxy``: the same traces as an agent talking only through the LLM proxy sends
them: per step an ``llm_request`` carrying the whole conversation so far (the
user's request, the assistant's tool calls, each tool result as a ``role: tool``
message) and the model's ``llm_response`` making the call; the work counted is
``normalize_event`` + ``build_event`` (which maps an answer's calls), the view,
``information_flow`` and ``remember`` (which records the forwarded tool output).
``--turns N`` instead: one conversation of N tool results, resent whole each turn.
Runs on a tree without forwarded provenance too (``remember`` without a mapper).

    .venv/bin/python bench/injection_instructions.py [--rounds 20] [--proxy [--turns 200]]
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


def _conversations(turns: int) -> list[tuple[object, list[list[dict[str, object]]]]]:
    """(mapper, traces) per domain, each trace as the proxy posts it: llm_request, llm_response per step;
    with ``turns``, one conversation of a page fetched per turn (the first domain's tools)."""
    from suite import DOMAINS, SHIPPED, load_domain

    from goalrail.config.agent import parse_agent_spec
    from goalrail.config.server import server_config_from_text

    cfg = server_config_from_text(SHIPPED)
    out: list[tuple[object, list[list[dict[str, object]]]]] = []
    for name in DOMAINS[:1] if turns else DOMAINS:
        domain = load_domain(name)
        agent = parse_agent_spec(domain["agent"], registry=cfg.registry)
        mapper = cfg.action_mapper().extended(agent.tool_mapping, agent.tool_catalog)
        specs = [*domain["tasks"], *domain["attacks"]]
        if turns:
            page = {"call": "fetch_page", "args": {"url": "https://news.example/a"}}
            specs = [
                {
                    "request": "summarise the news",
                    "steps": [{**page, "result": f"p{i} x{i}@evil.example"} for i in range(turns)],
                }
            ]
        out.append((mapper, [_as_proxied(spec) for spec in specs]))
    return out


def _as_proxied(spec: dict[str, object]) -> list[dict[str, object]]:
    import json

    from suite import _result

    messages: list[dict[str, object]] = [{"role": "user", "content": spec["request"]}]
    events: list[dict[str, object]] = []
    for i, step in enumerate([*spec.get("steps", []), *spec.get("harmful", [])]):
        if "request" in step:  # a later turn of the user's
            messages.append({"role": "user", "content": step["request"]})
            continue
        events.append({"type": "llm_request", "data": {"model": "m", "messages": list(messages)}})
        if "answer" in step or "model_answer" in step:
            data = step.get("model_answer") or {"text": step["answer"]}
            events.append({"type": "llm_response", "data": {"model": "m", **data}})
            continue
        call: dict[str, object] = {"id": f"c{i}", "type": "function"}
        call["function"] = {"name": step["call"], "arguments": json.dumps(step.get("args") or {})}
        events.append({"type": "llm_response", "data": {"model": "m", "tool_calls": [call]}})
        messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        if "result" in step:
            result = _result(step)
            text = result if isinstance(result, str) else json.dumps(result)
            messages.append({"role": "tool", "tool_call_id": f"c{i}", "content": text})
    return events


def drive_proxy(rounds: int, work: bool, turns: int) -> int:
    import inspect

    from suite import SHIPPED

    from goalrail.config.server import server_config_from_text
    from goalrail.engine.context import build_event, normalize_event
    from goalrail.engine.snapshot import Snapshot
    from goalrail.engine.state import apply_update
    from goalrail.policies.builtins.flow import information_flow
    from goalrail.policies.provenance import NS
    from goalrail.runtime.flow import ProvenanceTracker

    cfg = server_config_from_text(SHIPPED)
    flow = information_flow(**cfg.policies[0].params)
    prepared = _conversations(turns)
    with_mapper = "mapper" in inspect.signature(ProvenanceTracker.remember).parameters
    events = 0
    for r in range(-1, rounds):  # round -1 warms up (imports, compiled patterns) in both runs alike
        for d, (mapper, traces) in enumerate(prepared):
            tracker = ProvenanceTracker()
            for i, raws in enumerate(traces):
                snap = Snapshot(session_id=f"{r}-{d}-{i}")
                for raw in raws:
                    events += r >= 0
                    if not work and r >= 0:
                        continue
                    ev = build_event(normalize_event(raw), snap, mapper=mapper)
                    ev["context"]["provenance"] = tracker.view(snap.session_id, snap)
                    flow(ev)
                    extra = (mapper,) if with_mapper else ()
                    updates, labels = tracker.remember(ev, snap, 0.0, *extra)
                    state = snap.policy_states.setdefault(NS, {})
                    for upd in updates:
                        apply_update(state, upd)
                    snap.labels.update(labels)
    return events


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--drive", choices=["work", "idle"])
    ap.add_argument("--proxy", action="store_true", help="the traces as the LLM proxy posts them")
    ap.add_argument("--turns", type=int, default=0, help="with --proxy: one conversation of N tool results")
    args = ap.parse_args()
    if args.drive:
        if args.proxy:
            drive_proxy(args.rounds, args.drive == "work", args.turns)
        else:
            drive(args.rounds, args.drive == "work")
        return
    from callgrind import collected

    me = [sys.executable, __file__, "--rounds", str(args.rounds), "--turns", str(args.turns)]
    me += ["--proxy"] if args.proxy else []
    work, idle = collected([*me, "--drive", "work"]), collected([*me, "--drive", "idle"])
    events = (drive_proxy(1, False, args.turns) if args.proxy else drive(1, False)) * args.rounds
    what = "through the LLM proxy: normalize + build + " if args.proxy else ""
    print(
        f"{what}provenance + information_flow: {(work - idle) / events:,.0f} instructions per event ({events} events)"
    )


if __name__ == "__main__":
    main()
