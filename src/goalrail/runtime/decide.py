"""One event inside its session's transaction, read top-down.

:func:`decide` runs the steps in order, each in one screen:

1. the session's snapshot, then :func:`_open` — build the policy event, start the draft
   (a ``ports.Commit`` too: what the store is handed at the end);
2. the verdict — the engine's (``evaluate`` when every policy runs inline on this event, else
   ``aevaluate``), a terminated session's DENY, or a hook's ALLOW taken by the
   MCP proxy (:func:`_reused`);
3. :func:`_granted`, the approved retry's lookup and :func:`_settle` — an ASK that a
   session grant or an earlier approval already answers becomes a new ALLOW decision
   (a decision is never changed); one that cannot be shown whole to an approver a DENY;
4. :func:`_stage` — what the commit changes: an approval holding the updates, or
   the updates applied;
5. :func:`_record` — history, the audit entry and the usage of an LLM response;

then one ``tx.commit`` of the draft.  :func:`decide_now` is the same steps for a transaction that
never waits (``ports.ImmediateTx``) and a chain that runs inline, without coroutines.
The steps read what the ``Runtime`` owns (store, mappers, provenance, prices) from the
instance they are given, and call down only: engine, asks, flow, entries, usage, the
store's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from goalrail.engine import approvals
from goalrail.engine.chain import Chain
from goalrail.engine.context import build_event
from goalrail.engine.decision import Decision
from goalrail.engine.evaluate import aevaluate, evaluate, runs_inline
from goalrail.engine.shapes import RawEvent
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.state import ReadOnlyEntry, split_scoped
from goalrail.policies.provenance import NS as PROVENANCE_NS
from goalrail.policies.schema import StateUpdate
from goalrail.runtime import asks, trace
from goalrail.runtime.answer_gate import ajudge_calls, judge_calls
from goalrail.runtime.draft import Draft, new_draft
from goalrail.runtime.entries import DecisionEntry, decision_entry, decision_payload
from goalrail.runtime.flow import explain as explain_flow
from goalrail.runtime.held import hold as hold_sets
from goalrail.runtime.outcome import ended_decision, utc_day
from goalrail.runtime.ports import Commit, ImmediateTx, SessionInfo, SessionTx
from goalrail.runtime.system_policies import refuse_unshown_previewed
from goalrail.runtime.usage import USAGE_NS, usage_of_response
from goalrail.runtime.written import WRITTEN_NS, written_updates

if TYPE_CHECKING:
    from goalrail.runtime.runtime import Runtime

#: What a decision step answers: the decision and the draft it was committed with (its
#: approval's id and what else the runtime's answer reads: ``asked``, ``hook_mcp_call``,
#: ``answered``, ``usage``).
Decided = tuple[Decision, "Draft"]

_NOT_SEEN: list[Any] = []  # read only: what explain() is given when nothing was recorded
#: A name starts with ``mcp__`` exactly when ``_MCP <= name < _MCP_END`` (`` ` `` follows ``_``).
_MCP, _MCP_END = "mcp__", "mcp_`"
_new = object.__new__  # (the audit entry made without a class call: see ``DecisionEntry.__new__``)
#: The phases that show the agent something provenance remembers (:func:`_settle`).
_SHOWN = frozenset({"request", "tool_result", "llm_request"})


async def decide(
    rt: Runtime,
    tx: SessionTx,
    info: SessionInfo,
    chain: Chain,
    normalized: Mapping[str, Any],
    now: float,
    actor: Mapping[str, Any] | None,
    count_usage: bool = True,
) -> Decided:
    """Snapshot, evaluate and commit one event; returns the decision and the draft committed."""
    snap = await tx.snapshot(user_day=utc_day(now))
    d = _open(rt, snap, info, normalized, now, actor)
    inline = False
    if snap.ended:
        decision = ended_decision(snap.ended)
    else:
        if d.mcp_call and d.harness == asks.PROXY_HARNESS and d.digest:
            taken = asks.take_hook_allow(d.snap, d.digest, now)
            if taken is not None:  # the hook already evaluated this identical call: one evaluation per call
                decision = _reused(d, taken)
                await tx.commit(d)
                return decision, d
        inline = runs_inline(chain, d.event)
        if not inline:  # (an event too heavy for the loop: its inline policies on the pools too)
            decision = await aevaluate(chain, d.event, snap.policy_states)
            if "calls" in d.event["context"]:  # an answer's tool calls, judged as tool calls (a dry run)
                decision = await ajudge_calls(rt, chain, d, decision)
        else:  # every policy inline: the sync loop, without a coroutine around it
            decision = evaluate(chain, d.event, snap.policy_states)
            if "calls" in d.event["context"]:
                decision = judge_calls(rt, chain, d, decision)
    evaluated = decision
    if decision.result == "ASK":
        decision = _granted(d, decision)
        if decision.result == "ASK":
            d.used = asks.approved_among(
                await tx.approved_approvals(info.id, d.digest or ""), decision, d.event, d.digest, now, d.ask_keys
            )
            if d.used is None:
                decision = asks.refuse_flood(decision, await tx.waiting_approvals(info.id, now, asks.MAX_PENDING))
    if d.used is not None or decision.result == "ASK" or normalized["type"] in _SHOWN:  # (else nothing to settle)
        decision = _settle(rt, d, decision)
    if normalized["type"] == "tool_result" and (call := _answerable_call(d)):
        d.answered = asks.pending_among(await tx.answerable_approvals(info.id, call, now), d.event, now)
    _stage(rt, d, decision)
    _record(rt, d, decision, count_usage)
    approval = d.approval
    if not (
        snap.ended
        or not inline
        or d.used
        or (approval and approval.held["user_updates"])
        or "calls" in d.event["context"]  # (the recheck evaluates the answer alone, not its calls)
    ):
        d.chain, d.evaluated = chain, evaluated  # (``Commit.recheck``: runtime/recheck.py)
    await tx.commit(d)
    return decision, d


def decide_now(
    rt: Runtime,
    tx: ImmediateTx,
    info: SessionInfo,
    chain: Chain,
    normalized: Mapping[str, Any],
    now: float,
    actor: Mapping[str, Any] | None,
    count_usage: bool = True,
) -> Decided:
    """:func:`decide` in a transaction that never waits, for a chain whose policies all run
    inline: the same steps in the same order, without a coroutine (keep the two alike)."""
    snap = tx.snapshot_now(utc_day(now))
    d = _open(rt, snap, info, normalized, now, actor)
    if snap.ended:
        decision = ended_decision(snap.ended)
    else:
        if d.mcp_call and d.harness == asks.PROXY_HARNESS and d.digest:
            taken = asks.take_hook_allow(d.snap, d.digest, now)
            if taken is not None:
                decision = _reused(d, taken)
                tx.commit_now(d)
                return decision, d
        decision = evaluate(chain, d.event, snap.policy_states)
        if "calls" in d.event["context"]:
            decision = judge_calls(rt, chain, d, decision)
    if decision.result == "ASK":
        decision = _granted(d, decision)
        if decision.result == "ASK":
            d.used = asks.approved_among(
                tx.approved_now(info.id, d.digest or ""), decision, d.event, d.digest, now, d.ask_keys
            )
            if d.used is None:
                decision = asks.refuse_flood(decision, tx.waiting_now(info.id, now, asks.MAX_PENDING))
    if d.used is not None or decision.result == "ASK" or normalized["type"] in _SHOWN:  # (else nothing to settle)
        decision = _settle(rt, d, decision)
    if normalized["type"] == "tool_result" and (call := _answerable_call(d)):
        d.answered = asks.pending_among(tx.answerable_now(info.id, call, now), d.event, now)
    _stage(rt, d, decision)
    _record(rt, d, decision, count_usage)
    tx.commit_now(d)
    return decision, d


def _open(
    rt: Runtime,
    snap: Snapshot,
    info: SessionInfo,
    normalized: Mapping[str, Any],
    now: float,
    actor: Mapping[str, Any] | None,
) -> Draft:
    # Positional (mapper, now, llm_client, prices, actor, provenance): no keyword matching per decision.
    view = rt.provenance.view(info.id, snap)
    mapper = rt.mappers.get(info.agent)  # filled by ``Runtime.mapper_for``, called only when not there yet
    if mapper is None:
        mapper = rt.mapper_for(info.agent)
    event = build_event(normalized, snap, mapper, now, rt.llm_client, rt.prices, actor, view)
    given = normalized.get("context")
    harness = given.get("harness") if given else None
    etype = normalized["type"]
    model = event["context"].get("model") if etype == "llm_request" or etype == "llm_response" else None
    # Only a tool call is one: ``asks.is_mcp_call`` without the call (its action's original name is the raw target),
    # its prefix found by two comparisons (``startswith`` is a method call, ≈ 0.9 k instructions).
    mcp_call = etype == "tool_call" and _MCP <= normalized["target"] < _MCP_END
    # Read now only by the hook/proxy hand-over of an MCP call (a harness named); an ASK computes it
    # in _granted, and the audit entry when it is sealed (entries.DecisionEntry).
    digest = approvals.action_digest(event) if mcp_call and harness else None
    return new_draft(info, normalized, snap, event, now, actor, model, harness, mcp_call, digest)


def _granted(d: Draft, decision: Decision) -> Decision:
    """An ASK a session grant covers becomes an ALLOW (the action's digest computed once, kept
    in the draft); otherwise the ASK, whose approved retry the caller looks up in its transaction."""
    d.digest = d.digest or approvals.action_digest(d.event)
    if d.ask_keys is not None:  # an answer whose calls asked: each call's own keys (``answer_gate``)
        if approvals.covered_keys(d.ask_keys, d.snap.grants):
            return decision.resolved("ALLOW", f"approved for this session ({decision.reason})")
    elif approvals.covered_by_grants(decision.asking_keys, d.event, d.snap.grants, d.digest):
        return decision.resolved("ALLOW", f"approved for this session ({decision.reason})")
    return decision


def _answerable_call(d: Draft) -> str | None:
    """A ``tool_result`` after a recent ASK on its tool, from a client (not the proxy, which never lets
    a call run on an answer of its own): its call's digest, whose pending approval may have been answered."""
    recent = d.harness != asks.PROXY_HARNESS and asks.asked_recently(d.snap, d.event.get("target"))
    return approvals.call_digest(d.event) if recent else None


def _settle(rt: Runtime, d: Draft, decision: Decision) -> Decision:
    """An ASK already answered (an approved retry, found by :func:`_answered`) becomes an ALLOW."""
    if d.used is not None:  # a retry of the approved action: the approval is used up, its updates applied already
        d.asked = decision.reason
        by = d.used.resolved_by or "the user"
        decision = decision.resolved("ALLOW", f"approved by {by} ({decision.reason})")
        d.approval_id = d.used.id
        d.resolve_approval = replace(d.used, status="applied")
        return decision
    if decision.result == "ASK":  # an ASK nobody can be shown whole is a DENY
        decision, d.preview = refuse_unshown_previewed(decision, d.event)
    etype = d.event["type"]
    # Only a request, a tool result or a forwarded conversation shows the agent something to remember
    # (``remember`` records nothing for the other phases): for those, ``seen`` and ``seen_labels`` stay None.
    if decision.result != "DENY" and (etype == "request" or etype == "tool_result"):
        d.seen, d.seen_labels = rt.provenance.remember(d.event, d.snap, d.now)
    elif decision.result != "DENY" and etype == "llm_request":
        mapper = rt.mappers.get(d.info.agent) or rt.mapper_for(d.info.agent)
        d.seen, d.seen_labels = rt.provenance.remember(d.event, d.snap, d.now, mapper)
    return decision


def _stage(rt: Runtime, d: Draft, decision: Decision) -> None:
    """What the commit changes: an ASK holds its updates in a new approval; anything else applies them."""
    if d.used is None and decision.result == "ASK":
        if d.mcp_call and d.harness and d.harness != asks.PROXY_HARNESS:
            d.hook_mcp_call = d.harness
        approval = asks.new_approval(rt, d.info, d.event, decision, d.now, d.digest, d.preview, d.ask_keys)
        if d.seen:
            approval.held["policy_updates"].setdefault(PROVENANCE_NS, []).extend(d.seen)
        if d.seen_labels:
            approval.held["labels"].update(d.seen_labels)
        if d.event["type"] == "tool_call" and (wrote := written_updates(d.event, d.snap)):
            approval.held["policy_updates"].setdefault(WRITTEN_NS, []).extend(wrote)
        approval.held.update(hold_sets(d.snap, approval.held, d.normalized, d.actor, d.now))
        d.approval_id = approval.id
        d.approval = approval
    elif d.used is None:
        if decision.state_updates or decision.set_labels:  # (``apply_decision``'s own test, without the call)
            apply_decision(d, decision)
        if d.seen:
            _own_updates(d).setdefault(PROVENANCE_NS, []).extend(d.seen)
        if d.seen_labels:
            d.labels = {**d.labels, **d.seen_labels}
        if (
            decision.result == "ALLOW"
            and d.event["type"] == "tool_call"
            and (wrote := written_updates(d.event, d.snap))
        ):
            _own_updates(d).setdefault(WRITTEN_NS, []).extend(wrote)
        if decision.end_session:
            d.end_session = f"ended by `{decision.policy}`: {decision.reason}"
    harness = d.harness
    if d.mcp_call and decision.result == "ALLOW" and harness and harness != asks.PROXY_HARNESS and d.digest:
        updates = asks.hold_hook_allow(d.snap, d.digest, d.now, harness)
        _own_updates(d).setdefault(asks.CALLS_NS, []).extend(updates)


def _record(rt: Runtime, d: Draft, decision: Decision, count_usage: bool) -> None:
    """History, the audit entry (with the recorded event, runtime/trace.py) and an LLM response's usage.

    The entry's payload is built when the store reads it (``entries.DecisionEntry``); what
    could change before then is taken now: labels, the provenance view, the session's start.
    The event's fields both entries read are read once, here: the history entry is
    ``context.history_entry``'s, the audit entry the one ``DecisionEntry(...)`` makes (each
    slot filled here, without the call: tests/unit/test_recorded_entries.py holds them equal)."""
    event = d.event
    snap = d.snap
    now = d.now
    seen = d.seen
    context = event["context"]
    etype = event["type"]
    target = event.get("target")
    action = context.get("action")
    # Keywords: the read-only dict made in C from them (``history_entry``'s keys, in its order).
    d.history = ReadOnlyEntry(
        type=etype,
        target=target,
        action=action.get("type") if action else None,
        verdict=decision.result,
        policy=decision.policy,
        at=now,
    )
    # ``explain`` finds nothing to say about an event that recorded nothing unless it is a tool call
    # whose action has sinks or content (its own first test, made here without the call).
    if seen:
        flow = explain_flow(event, context["provenance"], seen)
    elif etype == "tool_call" and action and (action.get("sinks") or action.get("content")):
        flow = explain_flow(event, context["provenance"], _NOT_SEEN)
    else:
        flow = None
    entry: DecisionEntry = _new(DecisionEntry)  # ``DecisionEntry.__new__``'s slots, in its order
    entry.at = now
    entry.session_id = d.info.id
    entry._type = etype
    entry._target = target
    entry._data = event.get("data")
    entry._action = action
    entry._model = model = context.get("model")
    entry._decision = decision
    entry._approval_id = d.approval_id
    entry._digest = d.digest
    used = d.used
    entry._used = used.id if used is not None else None
    labels = d.labels
    entry._labels = {**snap.labels, **labels} if labels else snap.labels  # the snapshot's own copy
    entry._provenance = flow
    entry._event = d.normalized
    entry._start = None if snap.history else trace.session_start(snap)
    actor = d.actor
    entry._actor = dict(actor) if actor else None
    entry._payload = None
    d.audit = entry
    if count_usage and d.normalized["type"] == "llm_response":
        d.usage, counted = usage_of_response(rt.prices, d.normalized, model, snap, now)
        if counted is not None:
            _own_updates(d).setdefault(USAGE_NS, []).append(counted)


def _reused(d: Draft, taken: tuple[dict[str, Any], list[Any]]) -> Decision:
    """The proxy's event for a call a hook already allowed: that ALLOW, used up; audited, no history."""
    item, updates = taken
    d.policy_updates = {asks.CALLS_NS: updates}
    reason = f"already evaluated by the {item.get('harness') or 'harness'} hook ({d.now - item['at']:.1f}s ago)"
    decision = Decision("ALLOW", reason, None, [], 0.0)
    payload = decision_payload(d.event, decision, None, d.actor, d.digest)
    payload["event"], payload["reused"] = cast(RawEvent, d.normalized), True
    d.audit = decision_entry(d.now, d.event["context"]["session_id"], payload)
    return decision


def _own_updates(d: Draft) -> dict[str, list[StateUpdate]]:
    """The draft's policy updates, a dict of its own from the first step that adds one."""
    updates = d.policy_updates
    if type(updates) is not dict:
        updates = d.policy_updates = {}
    return updates


def apply_decision(commit: Commit, decision: Decision) -> None:
    """The decision's state updates and labels, split by scope into the commit (a new one: its
    containers are its own and empty, and stay so when the decision changes nothing)."""
    if decision.state_updates:  # a scope without updates keeps the commit's (the draft's shared empties)
        session, policy, user = split_scoped(decision.state_updates)
        if session is not None:
            commit.session_updates = session
        if policy is not None:
            commit.policy_updates = policy
        if user is not None:
            commit.user_updates = user
    if decision.set_labels:
        commit.labels = dict(decision.set_labels)
