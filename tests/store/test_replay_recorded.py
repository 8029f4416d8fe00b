"""A 1,000-event session recorded on a SQL store replays to the same verdicts.

The session is run through the Runtime on SQLite / PostgreSQL with a clock that
moves like a real one (seconds to hours between events, across a UTC midnight),
a chain with state at every scope (policy counters, a user-scope counter, a
sliding-window rate limit, a session budget with thresholds, a daily budget),
ASKs answered as a person would (approve once, approve for the session, deny,
never), and usage recorded between LLM calls.  Its trace is exported from the
store, written as JSON Lines, read back and replayed with fresh state.
"""

from __future__ import annotations

import random
from typing import Any

from tests.replay.recording import export

from goalrail.config.agent import AgentSpec
from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime import trace
from goalrail.runtime.candidate import Candidate, ChainsFor
from goalrail.runtime.replay import Replayer
from goalrail.runtime.runtime import Runtime

B = "goalrail.policies.builtins."
SESSION = [
    PolicySpec(
        "shell_rate",
        B + "safety.rate_limit",
        "session",
        {"max_calls": 3, "window_seconds": 300, "tool_pattern": "sys_os_shell"},
    ),
]
AGENT = [PolicySpec("tool_cap", B + "safety.max_tool_calls_per_session", "agent", {"limit": 330})]
SERVER = [
    PolicySpec("ask_os", B + "safety.ask_on_os_tools", "server", None, kind="callable"),
    PolicySpec("budget", B + "cost.cost_budget", "server", {"max_cost_usd": 25.0, "ask_thresholds_usd": [5.0, 15.0]}),
    PolicySpec(
        "daily", B + "cost.user_daily_cost_budget", "server", {"max_cost_usd": 20.0, "ask_thresholds_usd": [6.0, 12.0]}
    ),
    PolicySpec("pii", B + "safety.deny_pii_in_llm_request", "server", {}),
    PolicySpec("counter", "store_policies.user_counter", "server", {}),
]

ACTIONS: list[dict[str, Any]] = [
    {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls -la"}}},
    {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "make test"}}},
    {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/repo/README.md"}}},
    {"type": "tool_call", "target": "WebFetch", "data": {"arguments": {"url": "https://docs.python.org/3/"}}},
    {"type": "tool_call", "target": "mcp__github__list_issues", "data": {"arguments": {"repo": "r"}}},
    {"type": "request", "data": "please carry on with the refactor"},
    {
        "type": "llm_request",
        "data": {"model": "claude-opus-4-1", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 500},
    },
    {
        "type": "llm_request",
        "data": {"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "my ssn is 536-22-8765"}]},
    },
    {"type": "llm_response", "data": {"model": "claude-opus-4-1", "text": "ok"}},
]


class Clock:
    def __init__(self) -> None:
        self.now = 1_767_225_600.0 - 5 * 3600  # 19:00 UTC: the session crosses a midnight

    def __call__(self) -> float:
        return self.now


async def record_session(store: Any, n_events: int = 1000) -> tuple[Runtime, str]:
    clock, rnd = Clock(), random.Random(15)
    registry = Registry.load()
    runtime = Runtime(
        store, registry=registry, server_specs=SERVER, agents={"coder": AgentSpec("coder", policies=AGENT)}, clock=clock
    )
    sid = "recorded-1000"
    await store.ensure_session(sid, owner="alice", agent="coder")
    for spec in SESSION:
        await store.add_session_policy(sid, spec)
    for i in range(n_events):
        clock.now += rnd.choice([0.4, 1.5, 3.0, 7.0, 20.0, 45.0, 130.0])
        outcome = await runtime.evaluate(sid, rnd.choice(ACTIONS), owner="alice")
        if outcome.approval_id and outcome.result == "ASK":  # (an ALLOW may carry the approval it used)
            how = rnd.choice(["once"] * 3 + ["deny", "never"] + (["session"] if i > 850 else []))
            clock.now += rnd.choice([2.0, 30.0])
            if how in ("once", "session"):
                await runtime.resolve(outcome.approval_id, "approve", scope=how, by="alice")
                await runtime.settle(outcome, 0.0)  # the agent was waiting: its call uses the approval
            elif how == "deny":
                await runtime.resolve(outcome.approval_id, "deny", by="alice")
        if outcome.decision.result != "DENY" and rnd.random() < 0.2:
            clock.now += 1.0
            await runtime.record_usage(
                sid, "claude-opus-4-1", input_tokens=rnd.choice([2_000, 6_000]), output_tokens=800, owner="alice"
            )
    return runtime, sid


async def test_a_recorded_thousand_event_session_replays_to_the_same_verdicts(store: Any) -> None:
    _, sid = await record_session(store)
    chain = {"session": SESSION, "agent": AGENT, "server": SERVER}
    recorded = await export(store, sid)
    recorded.chain = chain
    recorded = trace.loads(recorded.to_jsonl())

    results = [r["decision"]["result"] for r in recorded.records if r["kind"] == "event"]
    kinds = [r["kind"] for r in recorded.records]
    assert len(results) == 1000 and recorded.skipped == 0
    assert {"ALLOW", "ASK", "DENY"} <= set(results)
    assert kinds.count("usage") > 100 and kinds.count("approval") > 50
    policies = {r["decision"]["policy"] for r in recorded.records if r["kind"] == "event"}
    assert {"shell_rate", "tool_cap", "budget", "daily", "ask_os", "pii"} <= policies

    replayer = Replayer(ChainsFor(Candidate(), Registry.load()), keep_results=True)
    report = await replayer.run([recorded])
    assert report.events == 1000
    assert not report.changes, [c.to_dict() for c in report.changes[:3]]
    mismatched = [
        (r["seq"], r["decision"]["reason"], got["reason"])
        for _, r, got in report.results
        if (r["decision"]["policy"], r["decision"]["reason"]) != (got["policy"], got["reason"])
    ]
    assert not mismatched, mismatched[:3]

    # The state the replay ends with is the state the store holds.
    async with store.transaction(sid) as tx:
        snap = await tx.snapshot(user_day="2026-01-01")
    replayed = replayer.sessions[sid]
    assert replayed.policy_states == snap.policy_states
    assert replayed.state == snap.state
    assert replayed.totals == snap.usage
    assert replayer.user_state["alice"] == snap.user_state
    assert replayed.grants == snap.grants

    # A stricter candidate changes decisions, and says how.
    tighter = Candidate(
        session=[
            PolicySpec(
                "shell_rate",
                B + "safety.rate_limit",
                "session",
                {"max_calls": 1, "window_seconds": 600, "tool_pattern": "sys_os_shell"},
            )
        ]
    )
    stricter = await Replayer(ChainsFor(tighter, Registry.load())).run([recorded])
    assert stricter.changed > 0
    assert all(c.after["result"] == "DENY" or c.before["result"] == "DENY" for c in stricter.changes)
    assert any(c.after["policy"] == "shell_rate" for c in stricter.changes)


async def test_sessions_sharing_an_owner_replay_together_to_the_same_verdicts(store: Any) -> None:
    """Two interleaved sessions of one owner share the daily budget and user-scope state; replayed
    together (in time order) every verdict is reproduced, as the docs promise."""
    clock, rnd = Clock(), random.Random(7)
    server = [
        PolicySpec(
            "daily", B + "cost.user_daily_cost_budget", "server", {"max_cost_usd": 3.0, "ask_thresholds_usd": [1.0]}
        ),
        PolicySpec("counter", "store_policies.user_counter", "server", {}),
    ]
    runtime = Runtime(store, registry=Registry.load(), server_specs=server, clock=clock)
    sids = ("shared-a", "shared-b")
    for sid in sids:
        await store.ensure_session(sid, owner="alice")
    for _ in range(300):
        clock.now += rnd.choice([5.0, 60.0, 400.0])
        sid = rnd.choice(sids)
        outcome = await runtime.evaluate(sid, rnd.choice(ACTIONS[:6]), owner="alice")
        if outcome.approval_id:
            await runtime.resolve(outcome.approval_id, rnd.choice(["approve", "deny"]), by="alice")
        if rnd.random() < 0.3:
            await runtime.record_usage(sid, "claude-opus-4-1", input_tokens=4_000, output_tokens=500, owner="alice")
    traces = []
    for sid in sids:
        recorded = await export(store, sid)
        recorded.chain = {"session": [], "agent": [], "server": server}
        traces.append(trace.loads(recorded.to_jsonl()))
    results = {r["decision"]["result"] for t in traces for r in t.records if r["kind"] == "event"}
    assert {"ALLOW", "ASK", "DENY"} <= results
    together = await Replayer(ChainsFor(Candidate(), Registry.load())).run(traces)
    assert together.events == 300 and not together.changes, [c.to_dict() for c in together.changes[:3]]
    # Alone, a session cannot know the other's spend: the daily budget bites later (documented).
    alone = await Replayer(ChainsFor(Candidate(), Registry.load())).run(traces[:1])
    assert alone.changed > 0 and all("daily" in (c.before["policy"], c.after["policy"]) for c in alone.changes)
