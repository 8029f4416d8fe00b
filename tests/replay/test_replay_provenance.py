"""Replay reproduces decisions that depend on provenance and tool metadata (the injection suite)."""

from __future__ import annotations

from goalrail.config.agent import parse_agent_spec
from goalrail.config.server import server_config_from_text
from goalrail.runtime import trace
from goalrail.runtime.candidate import Candidate, ChainsFor
from goalrail.runtime.replay import Replayer
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore
from tests.injection.suite import DOMAINS, SHIPPED, load_domain, trace_events
from tests.replay.recording import export


async def test_injection_suite_replays_to_the_same_verdicts() -> None:
    cfg = server_config_from_text(SHIPPED)
    recorded: list[trace.Trace] = []
    asked = 0
    for name in DOMAINS:
        domain = load_domain(name)
        agent = parse_agent_spec(domain["agent"], registry=cfg.registry)
        store = MemoryStore()
        rt = Runtime(
            store,
            registry=cfg.registry,
            server_specs=cfg.policies,
            agents={agent.name: agent},
            mapper=cfg.action_mapper(),
        )
        for i, spec in enumerate([*domain["tasks"], *domain["attacks"]]):
            sid = f"{name}-{i}"
            for event in trace_events(spec):
                out = await rt.evaluate(sid, event, agent=agent.name)
                asked += event["type"] == "tool_call" and out.result == "ASK"
            t = await export(store, sid, tools=cfg.tools, agent_tools=agent.tools)
            recorded.append(trace.loads(t.to_jsonl()))
    assert asked >= 20  # the attacks and the documented asks are in the recording
    chain_cfg = Candidate(server=list(cfg.policies))
    report = await Replayer(ChainsFor(chain_cfg, cfg.registry)).run(recorded)
    assert report.events == sum(t.events for t in recorded)
    assert report.changed == 0, [c.to_dict() for c in report.changes[:3]]
    without_tools = [trace.loads(t.to_jsonl()) for t in recorded]
    for t in without_tools:
        t.tools, t.agent_tools = {}, {}
    blind = await Replayer(ChainsFor(chain_cfg, cfg.registry)).run(without_tools)
    assert blind.changed >= 20  # without the recorded metadata the flow policy sees nothing: the header matters
