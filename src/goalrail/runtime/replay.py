"""Replay: re-evaluate recorded traces, in order, with fresh state, against a chain.

The same steps as ``Runtime.evaluate`` on a private in-memory state (no store,
no audit): snapshot → ``build_event`` → the engine → grants → apply or hold.
Time is the recorded one: every event is judged with ``context.now`` set to
the moment it was recorded, so rate-limit windows, reservation timeouts and
daily budgets see the clock they saw.  Usage is replayed at its recorded time
and cost; a recorded approval answer (approved / denied / expired, once or for
the session) is applied to the replayed ASK of the same event.

Several traces replay interleaved by time, sharing each owner's user-scope
state and daily spend, as the server would have.  What a replay cannot know:
spend and user-scope state written by sessions outside the replayed set, and
session policies added or changed while the session ran (the candidate chain
applies from the first event).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from goalrail.config.tools import action_mapper, tool_catalog
from goalrail.engine import approvals
from goalrail.engine.actions import ActionMapper
from goalrail.engine.chain import Chain
from goalrail.engine.context import build_event, history_entry, normalize_event
from goalrail.engine.decision import Decision
from goalrail.engine.evaluate import aevaluate, evaluate
from goalrail.engine.shapes import VerdictRecord
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.state import apply_update, detached, read_only, snapshot_states, split_updates, updatable
from goalrail.errors import GoalrailError
from goalrail.jsontypes import JsonObject
from goalrail.policies.provenance import NS as PROVENANCE_NS
from goalrail.policies.provenance import Provenance
from goalrail.policies.schema import PolicyEvent, StateUpdate
from goalrail.runtime.flow import ProvenanceTracker
from goalrail.runtime.held import bases as held_bases
from goalrail.runtime.held import stale as held_stale
from goalrail.runtime.outcome import ended_decision, utc_day
from goalrail.runtime.ports import HISTORY_LIMIT, Base, UsageRecord
from goalrail.runtime.replay_report import Change, Report, brief, when
from goalrail.runtime.system_policies import refuse_unshown
from goalrail.runtime.trace import Trace, TraceRecord
from goalrail.runtime.usage import Prices, RunningTotals
from goalrail.runtime.written import WRITTEN_NS, written_updates


def trace_mapper(trace: Trace) -> ActionMapper:
    """The tool mapping and metadata the trace was recorded with (server, then the agent's additions)."""
    mapper = action_mapper(trace.tool_mapping, trace.tools)
    if trace.agent_tools or trace.agent_tool_mapping:
        mapper = mapper.extended(trace.agent_tool_mapping, tool_catalog(trace.agent_tools, "agent"))
    return mapper


@dataclass
class _Held:
    """A replayed ASK waiting for its recorded answer, with what applies once it is approved."""

    decision: Decision
    grant_keys: list[str]
    seen: tuple[list[StateUpdate], dict[str, str]]  # what the event showed the agent (runtime.flow)
    bases: list[Base]  # the held `set`s' keys as they were (runtime.held)
    again: TraceRecord  # the event's record, evaluated again if a base changed
    at: float
    wrote: list[StateUpdate]  # the files the call writes (runtime.written)


class _Session:
    """One replayed session's state, as a store would hold it."""

    def __init__(self, trace: Trace, chain: Chain, mapper: ActionMapper) -> None:
        s = trace.session
        self.id = trace.session_id
        self.chain = chain
        self.mapper = mapper
        self.owner: str | None = s.get("owner")
        self.agent: str | None = s.get("agent")
        self.labels: dict[str, str] = {str(k): str(v) for k, v in (s.get("labels") or {}).items()}
        self.state: JsonObject = dict(s.get("state") or {})
        self.policy_states: dict[str, JsonObject] = {}
        self.history: list[JsonObject] = []
        self.usage = RunningTotals()
        self.totals: JsonObject = self.usage.totals
        self.model: str | None = s.get("model")
        self.harness: str | None = s.get("harness")
        self.ended: str | None = None
        self.grants: set[str] = set()
        self.pending: dict[str, _Held] = {}
        self.snapshot: Snapshot | None = None


#: Records a replay judges between two returns to the event loop: a replay judges a user's whole
#: sessions (thousands of events), and other sessions' events must not wait for it.
YIELD_EVERY = 64


class Replayer:
    """Replays traces against chains; one instance per replay (it holds the fresh state)."""

    def __init__(
        self,
        chain_for: Callable[[Trace], Chain],
        *,
        mapper: ActionMapper | None = None,
        mapper_for: Callable[[Trace], ActionMapper] | None = None,
        prices: Prices | None = None,
        keep_results: bool = False,
    ) -> None:
        self.chain_for = chain_for
        self.mapper = mapper or ActionMapper()
        self.mapper_for = mapper_for or (trace_mapper if mapper is None else (lambda trace: self.mapper))
        self.provenance = ProvenanceTracker(max_cached_values=1 << 40)
        self.prices = prices
        self.keep_results = keep_results
        self.user_state: dict[str, JsonObject] = {}
        self.day_cost: dict[tuple[str, str], float] = {}
        self.sessions: dict[str, _Session] = {}
        self.resolved_by: dict[str, str | None] = {}

    async def run(self, traces: Sequence[Trace]) -> Report:
        started = time.perf_counter()
        report = Report(sessions=len(traces), skipped=sum(t.skipped for t in traces))
        sessions = [_Session(t, self.chain_for(t), self.mapper_for(t)) for t in traces]
        self.sessions = {s.id: s for s in sessions}
        timeline = sorted(
            ((float(r.get("at") or 0.0), i, n, r) for i, t in enumerate(traces) for n, r in enumerate(t.records)),
            key=lambda item: (item[0], item[1], item[2]),
        )
        for k, (at, i, _, record) in enumerate(timeline):
            if not k % YIELD_EVERY:
                await asyncio.sleep(0)  # a server's other requests are answered meanwhile
            sess = sessions[i]
            kind = record["kind"]
            if kind == "event":
                await self._event(sess, record, at, report)
            elif kind == "usage":
                self._usage(sess, record, at)
            else:
                await self._answer(sess, record)
        report.seconds = time.perf_counter() - started
        return report

    # -- one record ------------------------------------------------------
    async def _event(self, sess: _Session, record: TraceRecord, now: float, report: Report) -> None:
        report.events += 1
        try:
            decision = await self._decide(sess, record, now)
            got: VerdictRecord = {"result": decision.result, "policy": decision.policy, "reason": decision.reason}
            if self.keep_results:
                got["decisions"] = [d.to_dict() for d in decision.decisions]
        except GoalrailError as exc:
            got = {"result": "ERROR", "policy": None, "reason": exc.message}
        before = brief(record.get("decision") or {})
        if self.keep_results:
            report.results.append((sess.id, record.copy(), got))
        if before.get("result") != got.get("result"):
            event = record.get("event")
            etype, target = (event.get("type"), event.get("target")) if event else (None, None)
            report.changes.append(Change(sess.id, record.get("seq"), now, str(etype), target, before, got))

    async def _decide(self, sess: _Session, record: TraceRecord, now: float) -> Decision:
        """What the chain says of the record's event now, applied (or held, for an ASK) as the runtime would."""
        normalized = normalize_event(record["event"])
        snap = self._snapshot(sess, now)
        event = self._build(sess, normalized, snap, now, record, self.provenance.view(sess.id, snap))
        if record.get("reused") and not sess.ended:
            # The MCP proxy's event for a call the hook had evaluated: not evaluated again (see runtime.asks).
            return Decision("ALLOW", "already evaluated by the hook", None, [], 0.0)
        decision = await self._evaluate(sess, event, snap)
        if decision.result == "ASK" and approvals.covered_by_grants(decision.asking_keys, event, sess.grants):
            decision = decision.resolved("ALLOW", f"approved for this session ({decision.reason})")
        if decision.result == "ASK" and record.get("used_approval"):
            # A retry that used an approval given earlier: its updates were applied with the approval.
            by = self.resolved_by.get(str(record["used_approval"])) or "the user"
            decision = decision.resolved("ALLOW", f"approved by {by} ({decision.reason})")
            self._append_history(sess, event, decision, now)
            return decision
        decision = refuse_unshown(decision, event)
        self._apply_or_hold(sess, record, event, snap, decision, now)
        if normalized["type"] in ("llm_request", "llm_response"):
            sess.model = event["context"].get("model") or sess.model
        harness = (normalized.get("context") or {}).get("harness")
        if harness:
            sess.harness = harness
        self._append_history(sess, event, decision, now)
        return decision

    def _build(
        self,
        sess: _Session,
        normalized: Mapping[str, object],
        snap: Snapshot,
        now: float,
        record: TraceRecord,
        prov: Provenance,
    ) -> PolicyEvent:
        """The PolicyEvent of a recorded event, at its recorded time, with its recorded actor."""
        return build_event(
            normalized,
            snap,
            mapper=sess.mapper,
            now=now,
            prices=self.prices,
            actor=record.get("actor"),
            provenance=prov,
        )

    def _apply_or_hold(
        self, sess: _Session, record: TraceRecord, event: PolicyEvent, snap: Snapshot, decision: Decision, now: float
    ) -> None:
        """An ASK's changes wait for its recorded answer (``_answer``); any other verdict's apply now."""
        seen, seen_labels = (
            ([], {}) if decision.result == "DENY" else self.provenance.remember(event, snap, now, sess.mapper)
        )
        if decision.result == "ASK":
            key = str(record.get("approval_id") or f"replay-{len(sess.pending)}-{now}")
            sess.pending[key] = _Held(
                decision,
                [approvals.grant_key(p, event) for p in decision.asking_keys],
                (seen, seen_labels),
                self._bases(snap, decision, seen),
                record,
                now,
                written_updates(event, snap) if event["type"] == "tool_call" else [],
            )
        else:
            self._apply(sess, decision)
            self._remember(sess, seen, seen_labels)
            if decision.result == "ALLOW" and event["type"] == "tool_call":
                self._wrote(sess, written_updates(event, snap))

    @staticmethod
    def _append_history(sess: _Session, event: PolicyEvent, decision: Decision, now: float) -> None:
        sess.history.append(read_only(history_entry(event, decision.result, decision.policy, now)))
        del sess.history[:-HISTORY_LIMIT]

    def _snapshot(self, sess: _Session, now: float) -> Snapshot:
        """The session's state as a store's snapshot would show it at ``now``: values a
        policy may change in place (nested state, the history list) are copies, as a
        store's are, so that only the replayed updates change the replayed state."""
        owner_key = sess.owner or ""
        day = utc_day(now)
        snap = sess.snapshot
        if snap is None:
            snap = sess.snapshot = Snapshot(
                session_id=sess.id,
                owner=sess.owner,
                agent=sess.agent,
                labels=sess.labels,
                grants=sess.grants,
            )
        snap.state = detached(sess.state)
        snap.policy_states = snapshot_states(sess.policy_states)
        snap.user_state = detached(self.user_state.setdefault(owner_key, {}))
        snap.history = list(sess.history)
        snap.usage = sess.totals
        snap.user_daily_cost = {
            "user_id": sess.owner,
            "day": day,
            "cost_usd": round(self.day_cost.get((owner_key, day), 0.0), 10),
        }
        snap.model, snap.harness, snap.ended = sess.model, sess.harness, sess.ended
        return snap

    async def _evaluate(self, sess: _Session, event: PolicyEvent, snap: Snapshot) -> Decision:
        if sess.ended:
            return ended_decision(sess.ended)
        if sess.chain.has_async:
            return await aevaluate(sess.chain, event, snap.policy_states)
        return evaluate(sess.chain, event, snap.policy_states)

    def _apply(self, sess: _Session, decision: Decision) -> None:
        session, policy, user = split_updates(decision.state_updates)
        for upd in session:
            apply_update(sess.state, upd)
        for ns, upds in policy.items():
            target = updatable(sess.policy_states, ns)
            for upd in upds:
                apply_update(target, upd)
        if user:
            target = self.user_state.setdefault(sess.owner or "", {})
            for upd in user:
                apply_update(target, upd)
        if decision.set_labels:
            sess.labels.update(decision.set_labels)
        if decision.end_session:
            sess.ended = f"ended by `{decision.policy}`: {decision.reason}"

    @staticmethod
    def _bases(snap: Snapshot, decision: Decision, seen: list[StateUpdate]) -> list[Base]:
        session, policy, user = split_updates(decision.state_updates)
        if seen:
            policy[PROVENANCE_NS] = [*policy.get(PROVENANCE_NS, []), *seen]
        return held_bases(snap, session, policy, user)

    @staticmethod
    def _wrote(sess: _Session, updates: list[StateUpdate]) -> None:
        if updates:
            target = updatable(sess.policy_states, WRITTEN_NS)
            for upd in updates:
                apply_update(target, upd)

    def _remember(self, sess: _Session, updates: list[StateUpdate], labels: dict[str, str]) -> None:
        if updates:
            target = updatable(sess.policy_states, PROVENANCE_NS)
            for upd in updates:
                apply_update(target, upd)
        sess.labels.update(labels)

    def _usage(self, sess: _Session, record: TraceRecord, now: float) -> None:
        tokens = {
            "input_tokens": int(record.get("input_tokens") or 0),
            "output_tokens": int(record.get("output_tokens") or 0),
            "cache_read_tokens": int(record.get("cache_read_tokens") or 0),
            "cache_write_tokens": int(record.get("cache_write_tokens") or 0),
        }
        cost: float | None
        if "cost_usd" in record:
            cost = record.get("cost_usd")
        elif self.prices is not None:
            cost = self.prices.cost(record["model"], **tokens)
        else:
            cost = None
        day = utc_day(now)
        record_ = UsageRecord(
            record["model"],
            input_tokens=tokens["input_tokens"],
            output_tokens=tokens["output_tokens"],
            cache_read_tokens=tokens["cache_read_tokens"],
            cache_write_tokens=tokens["cache_write_tokens"],
            cost_usd=cost,
            at=now,
            day=day,
        )
        sess.totals = sess.usage.add(record_)
        sess.model = record["model"]
        key = (sess.owner or "", day)
        self.day_cost[key] = self.day_cost.get(key, 0.0) + (cost or 0.0)

    async def _answer(self, sess: _Session, record: TraceRecord) -> None:
        self.resolved_by[str(record.get("approval_id"))] = record.get("by")
        held = sess.pending.pop(str(record.get("approval_id")), None)
        if held is None or record.get("status") not in ("approved", "answered_in_client"):
            return
        decision, seen, at, wrote = held.decision, held.seen, held.at, held.wrote
        snap = self._snapshot(sess, at)
        if held_stale(snap, held.bases):  # a held `set` would overwrite a newer value: see runtime.held
            prov = self.provenance.view(sess.id, snap)
            event = self._build(sess, normalize_event(held.again["event"]), snap, at, held.again, prov)
            decision = await self._evaluate(sess, event, snap)
            seen = ([], {}) if decision.result == "DENY" else self.provenance.remember(event, snap, at, sess.mapper)
            wrote = written_updates(event, snap) if decision.result != "DENY" and event["type"] == "tool_call" else []
        self._apply(sess, decision)
        self._remember(sess, *seen)
        self._wrote(sess, wrote)
        scope = approvals.normalize_scope(str(record.get("scope") or approvals.ONCE))
        sess.grants.update(approvals.keys_for_scope(held.grant_keys, scope))


__all__ = ["Change", "Replayer", "Report", "brief", "trace_mapper", "when"]
