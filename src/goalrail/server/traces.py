"""Traces and replays on a running server: a stored session as a trace, the chain it
runs under, replay over chosen sessions, and importing a trace as a new session."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from goalrail.engine.levels import imported_labels
from goalrail.engine.spec import PolicySpec
from goalrail.errors import Conflict, InvalidRequest, NotFound
from goalrail.jsontypes import JsonObject
from goalrail.runtime.candidate import Candidate, ChainsFor
from goalrail.runtime.chains import heavy_params, off_loop
from goalrail.runtime.ports import SessionInfo
from goalrail.runtime.replay import Replayer, Report
from goalrail.runtime.trace import Trace, from_store
from goalrail.server.auth import Principal
from goalrail.server.bound import session_agent
from goalrail.server.models import PolicyCreate, SessionCreate
from goalrail.server.policy_specs import build_spec, check_room
from goalrail.server.quotas import session_cap
from goalrail.server.state import ServerState

MAX_SESSIONS = 200
#: A session's audit entries read per store call for a trace: SQLite reads on the event loop, and
#: a session may hold any number of entries, so a whole session is read a page at a time.
ENTRY_PAGE = 500


async def chain_specs(st: ServerState, info: SessionInfo) -> dict[str, list[PolicySpec]]:
    """The session's chain as configured now: its own policies, its agent's, the server's."""
    _, session = await st.store.session_policies(info.id)
    agent = (await st.runtime.current_agents()).get(info.agent) if info.agent else None
    _, stored = await st.store.server_policies()
    return {
        "session": list(session),
        "agent": list(agent.policies) if agent else [],
        "server": [*st.config.policies, *stored],
    }


async def session_trace(st: ServerState, info: SessionInfo) -> Trace:
    """``info``'s recorded trace; built from its entries on a thread (a long session's thousands of
    entries would hold the event loop while they are converted)."""
    agent = (await st.runtime.current_agents()).get(info.agent) if info.agent else None
    entries = await _entries(st, info.id)
    usage = await st.store.usage_records(info.id)
    chain = await chain_specs(st, info)
    return await asyncio.to_thread(
        from_store,
        info,
        entries,
        usage,
        chain=chain,
        policy_modules=st.config.policy_modules,
        tool_mapping=st.config.tool_mapping,
        tools=st.config.tools,
        agent_tools=agent.tools if agent else None,
        agent_tool_mapping=agent.tool_mapping if agent else None,
    )


async def _entries(st: ServerState, session_id: str) -> list[JsonObject]:
    """Every audit entry of ``session_id``, oldest first, read newest first a page at a time,
    the event loop serving other requests between pages."""
    pages: list[list[JsonObject]] = []
    before: int | None = None
    while True:
        page = await st.store.audit_entries(session_id=session_id, before=before, limit=ENTRY_PAGE)
        pages.append(page)
        if len(page) < ENTRY_PAGE:
            break
        before = int(str(page[0]["seq"]))
        await asyncio.sleep(0)
    return [entry for page in reversed(pages) for entry in page]


async def pick_sessions(
    st: ServerState,
    caller: Principal,
    *,
    session_id: str | None,
    agent: str | None,
    last: int,
    everyone: bool,
) -> list[SessionInfo]:
    """The sessions a replay covers: one session, or the caller's (an admin: anyone's) last N."""
    if session_id is not None:
        return [await st.session_for(caller, session_id)]
    if everyone:
        caller.require_admin("replaying every user's sessions")
    owner = None if everyone else caller.user
    infos: list[SessionInfo] = await st.store.list_sessions(owner=owner, limit=MAX_SESSIONS * 5)
    if caller.agent is not None:  # (replay needs a user credential; a bound one would see its own only)
        agent = session_agent(caller, agent)
    if agent is not None:
        infos = [i for i in infos if i.agent == agent]
    return infos[: max(1, min(last, MAX_SESSIONS))]


async def replay_sessions(st: ServerState, infos: Sequence[SessionInfo], candidate: Candidate) -> Report:
    traces = [await session_trace(st, info) for info in infos]
    chains = ChainsFor(candidate, st.runtime.registry, trusted=("agent", "server"))
    for trace in traces:  # compiled before the replay starts (cached), heavy session levels off the loop
        if heavy_params(candidate.specs(trace.chain)["session"]):
            await off_loop(chains, trace)
    replayer = Replayer(
        chains, mapper_for=lambda t: st.runtime.mapper_for(t.session.get("agent")), prices=st.runtime.prices
    )
    return await replayer.run(traces)


def _as_request(model: type[BaseModel], body: Mapping[str, object], loc: str) -> BaseModel:
    """``body`` as the REST request ``model`` would take it (422 naming the field otherwise)."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        errors = [{"loc": ".".join([loc, *map(str, e["loc"])]), "message": e["msg"]} for e in exc.errors()]
        raise InvalidRequest(f"invalid trace: {errors[0]['loc']}: {errors[0]['message']}", errors) from None


async def _session_specs(st: ServerState, caller: Principal, session_level: Sequence[PolicySpec]) -> list[PolicySpec]:
    """A trace's session-level policies as the API would add them, every one checked before
    anything is created: the cap, the request's field limits (names of at most 120 characters,
    no NUL), registry handlers with valid parameters, and names unique in the session."""
    check_room(0, len(session_level))  # a trace adds no more session policies than the API would
    own: list[PolicySpec] = []
    for i, p in enumerate(session_level):
        fields = {
            "name": p.name,
            "handler": p.handler,
            "factory_params": p.params,
            "mode": p.mode,
            "enabled": p.enabled,
        }
        body = _as_request(PolicyCreate, fields, f"chain.session.{i}").model_dump()
        if any(spec.name == body["name"] for spec in own):
            raise Conflict(
                f"the trace names two session policies `{body['name'][:120]}`",
                [{"loc": f"chain.session.{i}.name", "message": "names are unique within a session"}],
            )
        own.append(await build_spec(body, "session", st.runtime.registry, user=caller.user))
    return own


async def import_trace(st: ServerState, caller: Principal, recorded: Trace, session_id: str | None) -> dict[str, Any]:
    """Run a trace's events, usage and approval answers through this server as a new session.

    The trace's session-level policies are added to the new session (registry
    handlers only, parameters validated, as any add); the agent and server levels
    are this server's own, and its clock stamps the new records.  The answer
    counts the events whose verdict came out differently.
    """
    sid = session_id or "ses_" + secrets.token_hex(10)
    if await st.store.get_session(sid) is not None:
        raise Conflict(f"session `{sid}` already exists")
    named = recorded.session.get("agent")
    given = None if named is None else str(named)
    agent = session_agent(caller, given, required=st.require_agent, loc="session.agent")
    if agent is not None and not await st.runtime.knows_agent(agent):
        raise NotFound(f"agent `{agent}` is not known to this server")
    labels = {str(k): str(v) for k, v in (recorded.session.get("labels") or {}).items()}
    kept = imported_labels(labels, caller.is_admin, loc="session.labels")  # as when a session is created
    _as_request(SessionCreate, {"id": sid, "labels": labels}, "session")
    own = await _session_specs(st, caller, (recorded.chain or {}).get("session", []))
    cap = session_cap(st, caller, caller.user)
    await st.store.ensure_session(sid, owner=caller.user, agent=agent, labels=kept, cap=cap)
    for spec in own:
        await st.store.add_session_policy(sid, spec)
    approvals: dict[str, str] = {}
    events = changed = 0
    for record in recorded.records:
        if record["kind"] == "event":
            events += 1
            outcome = await st.runtime.evaluate(  # the trace's usage records are its spend
                sid, record["event"], owner=caller.user, actor=caller.actor(), count_usage=False
            )
            if outcome.approval_id and record.get("approval_id"):
                approvals[str(record["approval_id"])] = outcome.approval_id
            before = (record.get("decision") or {}).get("result")
            changed += int(before is not None and before != outcome.decision.result)
        elif record["kind"] == "usage":
            await st.runtime.record_usage(
                sid,
                record["model"],
                owner=caller.user,
                input_tokens=int(record.get("input_tokens") or 0),
                output_tokens=int(record.get("output_tokens") or 0),
                cache_read_tokens=int(record.get("cache_read_tokens") or 0),
                cache_write_tokens=int(record.get("cache_write_tokens") or 0),
            )
        else:
            new_id = approvals.pop(str(record.get("approval_id")), None)
            if new_id is not None:
                decision = "approve" if record.get("status") == "approved" else "deny"
                scope = "session" if record.get("scope") == "session" and decision == "approve" else "once"
                await st.runtime.resolve(new_id, decision, scope=scope, by=caller.user)
    return {"object": "session_import", "session_id": sid, "events": events, "changed": changed}


_RANK = {"ALLOW": 0, "ASK": 1, "DENY": 2}


def shadow_counts(entries: Sequence[Mapping[str, object]]) -> dict[tuple[str, str], int]:
    """Per shadow policy (level, name): the recorded decisions its verdict would have made stricter."""
    counts: dict[tuple[str, str], int] = {}
    for entry in entries:
        if entry.get("kind") != "decision":
            continue
        payload = entry.get("payload")
        if not isinstance(payload, Mapping):
            continue
        final = _RANK.get(str(payload.get("result")), 0)
        for d in payload.get("decisions") or []:
            if d.get("mode") == "shadow" and _RANK.get(str(d.get("verdict")), -1) > final:
                key = (str(d.get("level")), str(d.get("policy")))
                counts[key] = counts.get(key, 0) + 1
    return counts


def with_shadow_counts(policies: list[JsonObject], entries: Sequence[Mapping[str, object]]) -> list[JsonObject]:
    """Each shadow policy's view gains ``would_change``: how many decisions enforcing it would have changed."""
    counts = shadow_counts(entries)
    for view in policies:
        if view.get("mode") == "shadow":
            view["would_change"] = counts.get((str(view.get("level")), str(view.get("name"))), 0)
    return policies
