"""What one session may accumulate is capped, on every store (lower levels only tighten).

A session's user (REST, web UI, a trace's import) or its agent (events) must not be
able to grow the server without bound: policies per session answer 409 past the cap,
and an ASK past the cap on waiting approvals is a DENY.  What the agent writes into an
event (MCP tool annotations) must not change how a higher-level policy sees the tool.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from server_support import STORES, StoreApps, add_tokens, auth, client_for, make_app

from goalrail.runtime.asks import MAX_PENDING
from goalrail.server.policy_specs import MAX_SESSION_POLICIES
from goalrail.store.memory import MemoryStore

AGENT, ALICE = auth("alice_agent"), auth("alice")
GATE = "goalrail.policies.builtins.tools.tool_gate"
ASK_BASH = {"name": "ask-bash", "handler": GATE, "factory_params": {"ask": ["Bash"]}}
CONFIG = "auth: {mode: tokens}\n"
MakeApp = Callable[[str], Awaitable[Any]]


@pytest.fixture(params=STORES)
async def make(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MakeApp]:
    """Apps on the parametrized store (each with a token for every role)."""
    apps = StoreApps(request, tmp_path, CONFIG)
    yield apps
    await apps.close()


def _bash(i: int) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"ls {i}"}}}


async def test_policies_per_session_are_capped_with_a_409(make: MakeApp) -> None:
    async with client_for(await make(CONFIG)) as c:
        assert (await c.post("/v1/sessions", json={"id": "s-cap"}, headers=ALICE)).status_code == 201
        for i in range(MAX_SESSION_POLICIES):
            body = {**ASK_BASH, "name": f"p{i}"}
            r = await c.post("/v1/sessions/s-cap/policies", json=body, headers=ALICE)
            assert r.status_code == 201, r.text
        r = await c.post("/v1/sessions/s-cap/policies", json={**ASK_BASH, "name": "one-more"}, headers=ALICE)
        assert r.status_code == 409, r.text
        assert r.json()["code"] == "conflict" and str(MAX_SESSION_POLICIES) in r.json()["message"]
        listed = (await c.get("/v1/sessions/s-cap/policies", headers=ALICE)).json()["data"]
        assert len(listed) == MAX_SESSION_POLICIES
        # Removing one makes room again.
        await c.delete(f"/v1/sessions/s-cap/policies/{listed[0]['id']}", headers=ALICE)
        r = await c.post("/v1/sessions/s-cap/policies", json={**ASK_BASH, "name": "again"}, headers=ALICE)
        assert r.status_code == 201, r.text


async def test_a_trace_import_adds_no_more_session_policies_than_the_api() -> None:
    store = MemoryStore()
    await add_tokens(store)
    session_level = [
        {"name": f"p{i}", "handler": GATE, "factory_params": {"ask": ["Bash"]}} for i in range(MAX_SESSION_POLICIES + 1)
    ]
    header = {"format": "goalrail-trace", "version": 1, "session": {"id": "src"}, "chain": {"session": session_level}}
    body = json.dumps(header) + "\n"
    async with client_for(make_app(CONFIG, store=store)) as c:
        r = await c.post(
            "/v1/sessions/import",
            content=body,
            headers={**ALICE, "content-type": "application/x-ndjson"},
        )
        assert r.status_code == 409, r.text
        assert r.json()["code"] == "conflict"
    assert await store.list_sessions() == []  # nothing was created


async def test_waiting_approvals_per_session_are_capped_with_a_deny(make: MakeApp) -> None:
    async with client_for(await make(CONFIG)) as c:
        assert (await c.post("/v1/sessions", json={"id": "s-ask"}, headers=ALICE)).status_code == 201
        r = await c.post("/v1/sessions/s-ask/policies", json=ASK_BASH, headers=ALICE)
        assert r.status_code == 201, r.text
        for i in range(MAX_PENDING):
            r = await c.post("/v1/sessions/s-ask/events", json=_bash(i), headers=AGENT)
            assert r.json()["result"] == "ASK", r.text
        r = await c.post("/v1/sessions/s-ask/events", json=_bash(-1), headers=AGENT)
        body = r.json()
        assert body["result"] == "DENY", body
        assert "already waiting" in body["reason"] and body.get("approval_id") is None
        pending = (await c.get("/v1/approvals", params={"status": "pending"}, headers=ALICE)).json()["data"]
        assert len([a for a in pending if a["session_id"] == "s-ask"]) == MAX_PENDING
        # Answering one makes room for the next question.
        r = await c.post(f"/v1/approvals/{pending[0]['id']}", json={"decision": "deny"}, headers=ALICE)
        assert r.status_code == 200, r.text
        r = await c.post("/v1/sessions/s-ask/events", json=_bash(-2), headers=AGENT)
        assert r.json()["result"] == "ASK", r.text
        # Another session of the same user still asks.
        assert (await c.post("/v1/sessions", json={"id": "s-other"}, headers=ALICE)).status_code == 201
        assert (await c.post("/v1/sessions/s-other/policies", json=ASK_BASH, headers=ALICE)).status_code == 201
        assert (await c.post("/v1/sessions/s-other/events", json=_bash(0), headers=AGENT)).json()["result"] == "ASK"


# -- what the agent writes into an event does not re-classify a tool ----------------------
GATE_BY_KIND = f"""
auth: {{mode: tokens}}
policies:
  reads-only:
    handler: {GATE}
    factory_params: {{kinds: {{read: allow, write: ask}}, default: ask}}
tools:
  notes_write: {{kind: write}}
  notes_read: {{kind: read}}
"""


def _mcp(tool: str, annotations: dict[str, Any]) -> dict[str, Any]:
    data = {"arguments": {"path": "/etc/passwd"}, "annotations": annotations}
    return {"type": "tool_call", "target": tool, "data": data}


@pytest.mark.parametrize(
    ("tool", "annotations", "expected"),
    [
        # an undescribed tool is asked about (default); the agent calling it read-only changes nothing
        ("mcp__fs__delete_all", {"readOnlyHint": True}, "ASK"),
        ("mcp__fs__delete_all", {"readOnlyHint": True, "destructiveHint": False}, "ASK"),
        # a tool the operator described as a write stays one
        ("notes_write", {"readOnlyHint": True}, "ASK"),
        # hints may still tighten: a described read tool that says it is destructive is asked about
        ("notes_read", {"destructiveHint": True}, "ASK"),
        ("notes_read", {}, "ALLOW"),
    ],
)
async def test_agent_annotations_never_loosen_a_server_policy(
    make: MakeApp, tool: str, annotations: dict[str, Any], expected: str
) -> None:
    async with client_for(await make(GATE_BY_KIND)) as c:
        r = await c.post("/v1/sessions/s-hint/events", json=_mcp(tool, annotations), headers=AGENT)
        assert r.status_code == 200, r.text
        assert r.json()["result"] == expected, r.json()


@pytest.mark.parametrize(
    ("tool", "expected"),
    [("mcp__fs__delete_all", "ASK"), ("notes_write", "ASK"), ("notes_read", "ALLOW"), ("extra_read", "ASK")],
)
async def test_an_agent_spec_describing_a_tool_never_loosens_a_server_policy(
    make: MakeApp, tool: str, expected: str
) -> None:
    """An agent spec is below the server: its `tools:` may describe more, never re-classify a tool so
    a server-wide `kinds` verdict gets looser (an undescribed tool called `read` stays asked about)."""
    spec = (
        "name: describer\n"
        "tools:\n  mcp__fs__delete_all: {kind: read}\n  notes_write: {kind: read}\n  extra_read: {kind: read}\n"
    )
    async with client_for(await make(GATE_BY_KIND)) as c:
        r = await c.post("/v1/agents", content=spec, headers={**auth("admin"), "content-type": "application/yaml"})
        assert r.status_code == 201, r.text
        r = await c.post("/v1/sessions", json={"id": "s-spec", "agent": "describer"}, headers=ALICE)
        assert r.status_code == 201, r.text
        r = await c.post("/v1/sessions/s-spec/events", json=_mcp(tool, {}), headers=AGENT)
        assert r.json()["result"] == expected, r.json()


# -- names matched against a session's globs are bounded ---------------------------------
SLOW_GLOB = ("*" + "a*" * 99)[:199] + "b"  # many stars, never matching a run of `a`
CPU_BUDGET_S = 0.5  # CPU seconds one event may take with the largest glob lists a session can add


@pytest.mark.parametrize(
    ("event", "loc"),
    [
        ({"type": "tool_call", "target": "a" * 100_000, "data": {"arguments": {}}}, "target"),
        ({"type": "tool_result", "data": {"name": "a" * 2_000, "result": "x"}}, "data.name"),
        ({"type": "llm_request", "data": {"model": "a" * 2_000, "messages": []}}, "data.model"),
        ({"type": "request", "data": "hi", "context": {"model": "a" * 2_000}}, "context.model"),
        ({"type": "request", "data": "hi", "context": {"harness": "a" * 2_000}}, "context.harness"),
        ({"type": "request", "data": "hi", "context": {"cwd": "/" + "a" * 5_000}}, "context.cwd"),
    ],
)
async def test_overlong_names_are_refused_before_any_glob_sees_them(
    make: MakeApp, event: dict[str, Any], loc: str
) -> None:
    async with client_for(await make(CONFIG)) as c:
        r = await c.post("/v1/sessions/s-long/events", json=event, headers=AGENT)
        assert r.status_code == 422, r.text
        assert r.json()["code"] == "invalid_event" and r.json()["errors"][0]["loc"] == loc


async def test_the_largest_glob_lists_on_the_longest_names_stay_within_a_cpu_budget() -> None:
    import time

    from goalrail.engine.context import MAX_NAME

    store = MemoryStore()
    await add_tokens(store)
    globs = [SLOW_GLOB[:-4] + f"{i:04d}" for i in range(500)]
    models = {"expensive_models": globs[:256]}
    async with client_for(make_app(CONFIG, store=store)) as c:
        assert (await c.post("/v1/sessions", json={"id": "s-cpu"}, headers=ALICE)).status_code == 201
        for name, handler, params in (
            ("gate", GATE, {"ask": globs, "deny": globs, "allow": globs}),
            ("models", "goalrail.policies.builtins.routing.deny_trivial_to_expensive_model", models),
        ):
            body = {"name": name, "handler": handler, "factory_params": params}
            assert (await c.post("/v1/sessions/s-cpu/policies", json=body, headers=ALICE)).status_code == 201
        longest, longer = "a" * MAX_NAME, "a" * 100_000
        events = [
            {"type": "tool_call", "target": longest, "data": {"arguments": {}}, "context": {"model": longest}},
            {"type": "llm_request", "data": {"model": longest, "messages": [{"role": "user", "content": "hi"}]}},
            {"type": "tool_call", "target": longer, "data": {"arguments": {}}},  # refused, or within budget
            {"type": "llm_request", "data": {"model": longer, "messages": [{"role": "user", "content": "hi"}]}},
        ]
        for event in events:
            start = time.process_time()
            r = await c.post("/v1/sessions/s-cpu/events", json=event, headers=AGENT)
            spent = time.process_time() - start
            assert r.status_code in (200, 422), r.text
            assert spent < CPU_BUDGET_S, f"{event['type']}: {spent:.2f} CPU seconds"


# -- a budget's reservations in flight keep few keys -------------------------------------
async def test_reservations_in_flight_keep_a_bounded_number_of_keys(make: MakeApp) -> None:
    """Every LLM request reserves its worst case under a key named by the amount; an agent
    varying `max_tokens` on requests it never answers made one key per request (state that
    every later evaluation of the session read).  Past `MAX_BUCKETS` amounts, reservations
    round up to powers of two micro-dollars: stricter, and the keys stay few."""
    from goalrail.policies.builtins._budget import MAX_BUCKETS, bucket_amount

    assert bucket_amount(0.0123451, set()) == 0.012346
    crowded = {float(i) for i in range(MAX_BUCKETS)}
    assert bucket_amount(3.0, crowded) == 3.0  # an amount already held keeps its key
    assert bucket_amount(0.0123451, crowded) == 16384 / 1e6  # the next power of two micro-dollars
    handler = "goalrail.policies.builtins.cost.cost_budget"
    budget: dict[str, Any] = {"name": "budget", "handler": handler, "factory_params": {"max_cost_usd": 1e6}}
    async with client_for(await make(CONFIG)) as c:
        assert (await c.post("/v1/sessions", json={"id": "s-res"}, headers=ALICE)).status_code == 201
        assert (await c.post("/v1/sessions/s-res/policies", json=budget, headers=ALICE)).status_code == 201
        for i in range(MAX_BUCKETS + 136):
            data = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1000 + 37 * i}
            r = await c.post("/v1/sessions/s-res/events", json={"type": "llm_request", "data": data}, headers=AGENT)
            assert r.json()["result"] == "ALLOW", r.text
        state = (await c.get("/v1/sessions/s-res", headers=ALICE)).json()["policy_state"]["session:budget"]
        buckets = [k for k in state if k.startswith("reserved:")]
        assert MAX_BUCKETS <= len(buckets) <= MAX_BUCKETS + 8, len(buckets)


# -- what builtins remember of a tool result is bounded, and cheap to find ---------------
async def test_created_ids_from_one_result_are_few_short_and_found_in_linear_time() -> None:
    """A tool result naming 40,000 ids took 15 CPU seconds (a quadratic de-duplication) and a
    900 KB `id` was kept in policy state; now the first 100 ids of at most 256 characters are."""
    import time

    from goalrail.policies.builtins._google import MAX_ID_CHARS, MAX_IDS_PER_RESULT

    store = MemoryStore()
    await add_tokens(store)
    drive = {"name": "drive", "handler": "goalrail.policies.builtins.google.gdrive_policy", "factory_params": {}}
    many = " ".join(f"ID: {i:012d}" for i in range(40_000))
    async with client_for(make_app(CONFIG, store=store)) as c:
        assert (await c.post("/v1/sessions", json={"id": "s-ids"}, headers=ALICE)).status_code == 201
        assert (await c.post("/v1/sessions/s-ids/policies", json=drive, headers=ALICE)).status_code == 201
        for result in (many, {"id": "a" * 900_000}):
            event = {"type": "tool_result", "target": "mcp__gdrive__create_file", "data": {"result": result}}
            start = time.process_time()
            r = await c.post("/v1/sessions/s-ids/events", json=event, headers=AGENT)
            assert r.json()["result"] == "ALLOW", r.text
            assert time.process_time() - start < CPU_BUDGET_S
        state = (await c.get("/v1/sessions/s-ids", headers=ALICE)).json()["policy_state"]["session:drive"]
        ids = state["created_file_ids"]
        assert len(ids) == MAX_IDS_PER_RESULT and all(len(i) <= MAX_ID_CHARS for i in ids)


async def test_long_label_values_score_at_the_labels_highest_within_a_cpu_budget() -> None:
    """`risk_score_policy` matched every sensitive-value glob against label values of any length;
    a value too long to match (or past the event's budget) now scores the label's highest points
    (stricter) and is remembered by digest, never whole."""
    import time

    from goalrail.policies.builtins.risk import MAX_LABEL_VALUE

    store = MemoryStore()
    await add_tokens(store)
    values = {SLOW_GLOB[:-4] + f"{i:04d}": 1 for i in range(255)}
    values["prod*"] = 7
    params = {"sensitive_labels": {"env": values}, "threshold": 5, "escalate_action": "DENY"}
    risk = {"name": "risk", "handler": "goalrail.policies.builtins.risk.risk_score_policy", "factory_params": params}
    async with client_for(make_app(CONFIG, store=store)) as c:
        assert (await c.post("/v1/sessions", json={"id": "s-risk"}, headers=ALICE)).status_code == 201
        assert (await c.post("/v1/sessions/s-risk/policies", json=risk, headers=ALICE)).status_code == 201
        padded = "dev" + " " * 400_000 + "x"  # no glob matches it: before, 0 points after a long match
        event = {"type": "tool_result", "target": "db_query", "data": {"result": {"env": padded}}}
        start = time.process_time()
        r = await c.post("/v1/sessions/s-risk/events", json=event, headers=AGENT)
        assert r.status_code == 200 and time.process_time() - start < CPU_BUDGET_S
        r = await c.post("/v1/sessions/s-risk/events", json=_bash(1), headers=AGENT)
        assert r.json()["result"] == "DENY", r.json()  # scored 7 (the label's highest), past the threshold
        state = (await c.get("/v1/sessions/s-risk", headers=ALICE)).json()["policy_state"]["session:risk"]
        assert all(len(tag) <= MAX_LABEL_VALUE + 64 for tag in state["labels_seen"])


# -- the chat flow's approval binding ----------------------------------------------------
@pytest.mark.parametrize("tool", ["xsys_add_policy", "mcp__evil__notsys_add_policy", "Bash"])
async def test_an_agent_adds_a_policy_only_with_an_approval_of_the_add_policy_guard(tool: str) -> None:
    """The add route took any approved tool call whose name *ended* in `sys_add_policy`; the guard
    (and its whole-parameters preview) only knows `sys_add_policy` and `mcp__<server>__sys_add_policy`.
    An approval the user gave to another tool call, shown as an ordinary call, added a policy."""
    store = MemoryStore()
    await add_tokens(store)
    add = {"name": "loose", "handler": GATE, "factory_params": {"allow": ["*"]}}
    async with client_for(make_app(CONFIG, store=store)) as c:
        assert (await c.post("/v1/sessions", json={"id": "s-chat"}, headers=ALICE)).status_code == 201
        ask_all = {"name": "ask-all", "handler": GATE, "factory_params": {"ask": ["*"]}}
        assert (await c.post("/v1/sessions/s-chat/policies", json=ask_all, headers=ALICE)).status_code == 201
        event = {"type": "tool_call", "target": tool, "data": {"arguments": add}}
        asked = (await c.post("/v1/sessions/s-chat/events", json=event, headers=AGENT)).json()
        assert asked["result"] == "ASK", asked
        r = await c.post(f"/v1/approvals/{asked['approval_id']}", json={"decision": "approve"}, headers=ALICE)
        assert r.status_code == 200, r.text
        r = await c.post(
            "/v1/sessions/s-chat/policies", json={**add, "approval_id": asked["approval_id"]}, headers=AGENT
        )
        assert r.status_code == 403, r.text
        names = [p["name"] for p in (await c.get("/v1/sessions/s-chat/policies", headers=ALICE)).json()["data"]]
        assert names == ["ask-all"]
