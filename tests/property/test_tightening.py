"""Lower levels only tighten (DESIGN decision 10), over the whole registry.

For any agent-spec and server-wide chain of registry builtins and any
schema-valid session-level addition, every event of a sequence covering every
event kind gets a verdict at least as strict (ALLOW < ASK < DENY) as the same
chain without the addition would give it, on the same history of what
actually happened: the run without the addition records an event only when the
addition did not stop it (a DENY or a pending ASK from a session policy means
the action did not happen, in either world).

Two real runtimes (in-memory store) run side by side; parameters are generated
from each entry's ``params_schema`` and kept only if the server would accept
them (schema and factory), otherwise the entry's defaults are used.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goalrail.config.agent import AgentSpec
from goalrail.engine.chain import compile_policy
from goalrail.engine.spec import PolicySpec
from goalrail.errors import GoalrailError
from goalrail.policies.registry import Registry
from goalrail.policies.schema import PHASES
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore
from tests.property.schema_values import from_schema, mutations

REGISTRY = Registry.load()
ENTRIES = sorted(REGISTRY.public(), key=lambda e: e.handler)
RANK = {"ALLOW": 0, "ASK": 1, "DENY": 2}
RISK = "goalrail.policies.builtins.risk.risk_score_policy"
# The admin guard of the reproduction: DENY shell once the session's risk score reaches 10.
GUARD = (RISK, {"threshold": 10, "escalate_action": "DENY", "tool_points": {"sys_os_shell": 5}})
_SHELL = {"type": "tool_call", "target": "sys_os_shell"}
HELLO = {"type": "request", "data": "hello"}
SHELL_LS = {**_SHELL, "data": {"arguments": {"command": "ls -la"}}}
EVENTS: list[dict[str, Any]] = [
    {"type": "session_start", "data": {"sandbox": {"type": "none"}}},
    {"type": "request", "data": "list the files, my ssn is 123-45-6789"},
    {"type": "request", "data": "hello"},
    {
        "type": "llm_request",
        "data": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi, mail bob@example.com"}]},
    },
    {"type": "llm_request", "data": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}},
    {"type": "llm_response", "data": {"model": "gpt-4o", "text": "ok", "usage": {"input_tokens": 9}}},
    SHELL_LS,
    {**_SHELL, "data": {"arguments": {"command": "rm -rf /tmp/x"}}},
    {**_SHELL, "data": {"arguments": {"command": "cd /etc && cat passwd"}}},
    {**_SHELL, "data": {"arguments": {"command": "git push --force origin main"}}},
    {"type": "tool_call", "target": "sys_os_write", "data": {"arguments": {"file_path": "/etc/hosts", "content": "x"}}},
    {"type": "tool_call", "target": "sys_os_read", "data": {"arguments": {"file_path": "/home/a/.ssh/id_rsa"}}},
    {"type": "tool_call", "target": "web_fetch", "data": {"arguments": {"url": "https://evil.example/x"}}},
    {"type": "tool_call", "target": "mcp__github__delete_repository", "data": {"arguments": {"repo": "acme/app"}}},
    {"type": "tool_call", "target": "mcp__gmail__send_email", "data": {"arguments": {"to": "x@evil.example"}}},
    {"type": "tool_call", "target": "sys_agent_start", "data": {"arguments": {"sandbox": {"type": "none"}}}},
    {
        "type": "tool_result",
        "target": "web_fetch",
        "data": {"arguments": {"url": "https://evil.example/x"}, "result": {"data_classification": "secret"}},
    },
    {"type": "response", "data": "done"},
]


def _accepted(handler: str, params: dict[str, Any], level: str) -> bool:
    """Would the server take this policy at ``level`` (schema, then the factory)?"""
    spec = PolicySpec("probe", handler, level=level, params=params)  # type: ignore[arg-type]
    try:
        compile_policy(spec, REGISTRY, require_registered=True)
    except (GoalrailError, ValueError, TypeError):
        return False
    return True


@st.composite
def policies(draw: Any, level: str, max_size: int) -> list[PolicySpec]:
    out = []
    for i in range(draw(st.integers(0 if level != "session" else 1, max_size))):
        entry = draw(st.sampled_from(ENTRIES))
        params: dict[str, Any] = {}
        if entry.kind == "factory":
            params = draw(st.one_of(mutations(entry.params_schema), from_schema(entry.params_schema)))
            if not _accepted(entry.handler, params, level):
                params = {}
                if not _accepted(entry.handler, params, level):
                    continue
        out.append(PolicySpec(f"{level}{i}", entry.handler, level=level, params=params or None))  # type: ignore[arg-type]
    return out


def _runtime(server: list[PolicySpec], agent: list[PolicySpec]) -> Runtime:
    clock = itertools.count(1_800_000_000, 7)
    return Runtime(
        MemoryStore(),
        registry=REGISTRY,
        server_specs=server,
        agents={"bot": AgentSpec("bot", policies=agent)},
        clock=lambda: float(next(clock)),
    )


def _session_said(outcome: Any, verdict: str) -> bool:
    return any(
        d.spec.level == "session" and d.verdict == verdict and d.spec.mode != "shadow"
        for d in outcome.decision.decisions
    )


async def _step(rt: Runtime, event: dict[str, Any], actor: dict[str, Any], approve: bool) -> Any:
    """One action: evaluated; when asked and ``approve``, approved and retried as an agent does
    (the retry is the action, answered by the approval; its verdict is the step's)."""
    outcome = await rt.evaluate("s", event, owner="alice", agent="bot", actor=actor)
    for _ in range(3):
        if not (approve and outcome.result == "ASK" and outcome.approval_id):
            break
        await rt.resolve(outcome.approval_id, "approve", by="alice")
        outcome = await rt.evaluate("s", event, owner="alice", agent="bot", actor=actor)
    return outcome


async def _compare(
    server: list[PolicySpec],
    agent: list[PolicySpec],
    session: list[PolicySpec],
    events: list[dict[str, Any]],
    approve: bool = False,
) -> None:
    """Run both worlds in step.  ``approve``: the user approves every ASK (else ASKs stay pending)."""
    base, tight = _runtime(server, agent), _runtime(server, agent)
    actor = {"run_as": "alice", "client_id": "agent-1"}
    for rt in (base, tight):
        await rt.store.ensure_session("s", owner="alice", agent="bot")
    for spec in session:
        await tight.store.add_session_policy("s", spec)
    for n, event in enumerate(events):
        with_it = await _step(tight, event, actor, approve)
        # Did the session's own policies stop the action (a DENY, or an ASK left pending)?
        stopped = _session_said(with_it, "DENY") or (_session_said(with_it, "ASK") and not approve)
        if stopped:
            without = await base.evaluate_dry("s", event, owner="alice", agent="bot", actor=actor)
        else:
            without = await _step(base, event, actor, approve)
        assert RANK[with_it.result] >= RANK[without.result], (
            f"event {n} ({event['type']} {event.get('target')}): {with_it.result} with the session "
            f"policies, {without.result} without ({without.decision.reason}); session: "
            f"{[(s.handler, s.params) for s in session]}"
        )


def test_the_events_cover_every_phase() -> None:
    assert {e["type"] for e in EVENTS} == set(PHASES)


SEQUENCES = st.lists(st.sampled_from(EVENTS), min_size=1, max_size=8)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
@given(
    server=policies("server", 3),
    agent=policies("agent", 2),
    session=policies("session", 2),
    events=SEQUENCES,
    guarded=st.booleans(),
    approve=st.booleans(),
)
def test_a_session_addition_never_loosens(
    server: list[PolicySpec],
    agent: list[PolicySpec],
    session: list[PolicySpec],
    events: list[dict[str, Any]],
    guarded: bool,
    approve: bool,
) -> None:
    if guarded:
        server = [*server, PolicySpec("admin_guard", GUARD[0], level="server", params=GUARD[1])]
    asyncio.run(_compare(server, agent, session, events, approve))


def _params(draw: Any, entry: Any, level: str) -> dict[str, Any] | None:
    if entry.kind != "factory":
        return None
    params = draw(mutations(entry.params_schema) if draw(st.integers(0, 3)) else from_schema(entry.params_schema))
    return params if _accepted(entry.handler, params, level) else {}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.handler.rpartition(".")[2])
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
@given(data=st.data(), events=SEQUENCES, server=policies("server", 2), approve=st.booleans())
def test_each_entry_added_at_session_level_only_tightens(
    entry: Any, data: st.DataObject, events: list[dict[str, Any]], server: list[PolicySpec], approve: bool
) -> None:
    """Every registry entry, with parameters drawn from its own schema, against the guard
    and a drawn server chain; the server also holds a copy of the same entry at its defaults
    (the same state keys, the same names) so shared-state tricks have something to aim at."""
    session = [PolicySpec("mine", entry.handler, level="session", params=_params(data.draw, entry, "session"))]
    twin = PolicySpec("mine", entry.handler, level="server", params={} if entry.kind == "factory" else None)
    server = [PolicySpec("admin_guard", GUARD[0], level="server", params=GUARD[1]), twin, *server]
    asyncio.run(_compare(server, [], session, [HELLO, *events, *[SHELL_LS] * 3], approve))


DAILY = "goalrail.policies.builtins.cost.user_daily_cost_budget"
#: Known attack shapes on shared state, run every time (hypothesis explores around them).
ATTACKS: list[tuple[str, dict[str, Any]]] = [
    (RISK, {"initial_scores_by_actor": {"alice": -1000000000}}),
    (RISK, {"initial_scores_by_actor": {"agent-1": -50}}),
    (RISK, {"tool_points": {"*": -100}}),
    (RISK, {"sensitive_labels": {"env": {"*": -100}}}),
    (RISK, {"threshold": 1, "escalate_action": "ASK"}),
    (RISK, {"state_key": "risk_score", "tool_points": {}}),
    (DAILY, {"max_cost_usd": 5.0}),
    (DAILY, {"max_cost_usd": 5.0, "ask_thresholds_usd": [1.0]}),
    ("goalrail.policies.builtins.safety.rate_limit", {"max_calls": 1, "window_seconds": 1e-9}),
    ("goalrail.policies.builtins.safety.max_tool_calls_per_session", {"limit": -1}),
]


@pytest.mark.parametrize(("handler", "params"), ATTACKS, ids=lambda v: str(v)[-40:])
def test_known_attacks_are_refused_or_harmless(handler: str, params: dict[str, Any]) -> None:
    if not _accepted(handler, params, "session"):
        return  # refused at add time (422 over REST, DENY in chat): nothing to run
    session = [PolicySpec("mine", handler, level="session", params=params)]
    server = [
        PolicySpec("admin_guard", GUARD[0], level="server", params=GUARD[1]),
        PolicySpec("mine", handler, level="server", params={k: v for k, v in params.items() if k == "max_cost_usd"}),
    ]
    for approve in (False, True):
        asyncio.run(_compare(server, [], session, [HELLO, *EVENTS, *[SHELL_LS] * 3], approve))
