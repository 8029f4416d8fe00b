"""Runtime: evaluate events for sessions, hold and resolve approvals, record usage."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from goalrail.config.agent import AgentSpec
from goalrail.engine import approvals
from goalrail.engine.actions import ActionMapper
from goalrail.engine.chain import Chain
from goalrail.engine.context import build_event, history_entry, normalize_event
from goalrail.engine.decision import Decision, PolicyDecision
from goalrail.engine.evaluate import aevaluate
from goalrail.engine.levels import check_given_labels
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import PolicySpec
from goalrail.engine.state import split_updates
from goalrail.engine.tokens import MAX_TOKENS
from goalrail.errors import Conflict, InvalidRequest, NotFound
from goalrail.policies.files import FileAccess
from goalrail.policies.provenance import NS as PROVENANCE_NS
from goalrail.policies.registry import Registry
from goalrail.runtime import asks, trace
from goalrail.runtime.chains import ChainCache
from goalrail.runtime.flow import ProvenanceTracker
from goalrail.runtime.flow import explain as explain_flow
from goalrail.runtime.ports import ApprovalRecord, Commit, SessionInfo, StaleSnapshot, Store, UsageRecord
from goalrail.runtime.system_policies import add_policy_preview
from goalrail.runtime.usage import USAGE_NS, priced_usage, usage_of_response

log = logging.getLogger("goalrail.runtime")

DEFAULT_APPROVAL_TIMEOUT_S = 3600.0
_TERMINAL = ("approved", "denied", "expired", "applied", asks.ANSWERED_IN_CLIENT)


@dataclass
class Outcome:
    """The answer to one event: the explained decision plus its approval, if any."""

    decision: Decision
    session_id: str
    approval_id: str | None = None
    final: str | None = None  # set once an ASK is resolved (ALLOW / DENY)
    resolution: str | None = None
    asked: str | None = None  # the ASK's reason when an earlier approval answered it at once
    hook_mcp_call: str | None = None  # harness whose hook asked about an MCP call (the proxy reuses its approval)

    @property
    def result(self) -> str:
        return self.final or self.decision.result

    def to_dict(self) -> dict[str, Any]:
        out = self.decision.to_dict()
        out["result"] = self.result
        out["session_id"] = self.session_id
        if self.approval_id:
            out["approval_id"] = self.approval_id
        if self.final and self.final != self.decision.result:
            out["asked"] = {"result": self.decision.result, "reason": self.decision.reason}
            out["reason"] = self.resolution or out["reason"]
        elif self.asked is not None:
            out["asked"] = {"result": "ASK", "reason": self.asked}
        return out


@functools.lru_cache(maxsize=64)
def _day_of(day_number: int) -> str:
    return datetime.fromtimestamp(day_number * 86400, UTC).strftime("%Y-%m-%d")


def utc_day(ts: float) -> str:
    """The UTC calendar day of a timestamp, as YYYY-MM-DD (cached per day)."""
    return _day_of(int(ts // 86400))


class Runtime:
    def __init__(
        self,
        store: Store,
        *,
        registry: Registry | None = None,
        server_specs: list[PolicySpec] | None = None,
        agents: dict[str, AgentSpec] | None = None,
        mapper: ActionMapper | None = None,
        prices: Any = None,
        llm_client: Any = None,
        approval_timeout_s: float = DEFAULT_APPROVAL_TIMEOUT_S,
        clock: Callable[[], float] = time.time,
        poll_interval_s: float = 0.5,
        files: FileAccess | None = None,
    ) -> None:
        self.store = store
        self.registry = registry if registry is not None else Registry.load()
        self.chains = ChainCache(self.registry, server_specs or [], dict(agents or {}), files)
        self.mapper = mapper or ActionMapper()
        self._mappers: dict[str | None, ActionMapper] = {}
        self.provenance = ProvenanceTracker()
        self._prices = prices
        self.llm_client = llm_client
        self.approval_timeout_s = approval_timeout_s
        self.clock = clock
        self.poll_interval_s = poll_interval_s
        self._waiters: dict[str, asyncio.Event] = {}
        self._combined: dict[tuple[Any, ...], Chain] = {}
        self.listeners: list[Callable[[str, dict[str, Any]], None]] = []

    # -- configuration ----------------------------------------------------
    @property
    def agents(self) -> dict[str, AgentSpec]:
        return self.chains.agents

    @property
    def prices(self) -> Any:
        if self._prices is None:
            try:
                from goalrail.policies.builtins._pricing import get_price_table
            except ImportError:  # pragma: no cover - pricing module is part of the package
                return None
            # The process-wide table: the cost builtins' reservations use the same prices.
            self._prices = get_price_table()
        return self._prices

    def set_agent(self, spec: AgentSpec) -> None:
        """Register (or replace) an agent spec; sessions pick up its policies on their next event."""
        self.chains.set_agent(spec)
        self._combined.clear()
        self._mappers.clear()

    def mapper_for(self, agent: str | None) -> ActionMapper:
        """The server's mapping, extended (never loosened) by the agent spec's ``tool_mapping`` and ``tools``."""
        mapper = self._mappers.get(agent)
        if mapper is None:
            spec = self.agents.get(agent) if agent else None
            if spec is None or not (spec.tool_mapping or spec.tools):
                mapper = self.mapper
            else:
                mapper = self.mapper.extended(spec.tool_mapping, spec.tool_catalog)
            self._mappers[agent] = mapper
        return mapper

    def check(self) -> None:
        """Compile every file-configured policy now; raises on the first error."""
        self.chains.check_config()

    async def chain_for(self, info: SessionInfo) -> Chain:
        sv, sspecs = await self.store.session_policies(info.id)
        gv, gspecs = await self.store.server_policies()
        key = (info.id, sv, info.agent, gv)
        chain = self._combined.get(key)
        if chain is None:
            session = self.chains.session(info.id, sv, sspecs)
            agent = self.chains.agent(info.agent)
            server = self.chains.server(gv, gspecs)
            chain = self.chains.chain(session, agent, server)
            if len(self._combined) > 10_000:
                self._combined.clear()
            self._combined[key] = chain
        return chain

    def _emit(self, kind: str, payload: dict[str, Any]) -> None:
        for listener in self.listeners:
            try:
                listener(kind, payload)
            except Exception:  # pragma: no cover - listeners must not break decisions
                log.exception("listener failed")

    # -- evaluation -------------------------------------------------------
    async def evaluate(
        self,
        session_id: str,
        raw_event: Mapping[str, Any],
        *,
        owner: str | None = None,
        agent: str | None = None,
        actor: Mapping[str, Any] | None = None,
        labels: dict[str, str] | None = None,
        count_usage: bool = True,
    ) -> Outcome:
        """Evaluate one event and commit what it changes.

        An ``llm_response`` carrying ``data.usage`` is also spend: its tokens are
        recorded (priced) in the same transaction, whatever the verdict, once per
        event ``id`` within the session (a retried event is not counted twice).
        ``count_usage=False`` skips that (a trace import brings its usage records).
        """
        normalized = normalize_event(raw_event)
        if agent is not None and agent not in self.agents:
            raise NotFound(f"agent `{agent}` is not known to this server")
        check_given_labels(labels)
        info = await self.store.ensure_session(session_id, owner=owner, agent=agent, labels=labels)
        chain = await self.chain_for(info)
        now = self.clock()
        # No store-wide lock while policies run; a stale snapshot is evaluated again (see ports.StaleSnapshot).
        optimistic = True
        while True:
            try:
                async with self.store.transaction(session_id, optimistic=optimistic) as tx:
                    decision, approval_id, extra = await self._decide(
                        tx, info, chain, normalized, now, actor, count_usage
                    )
                break
            except StaleSnapshot:
                optimistic = False  # evaluate again, holding the lock throughout
        outcome = Outcome(
            decision, session_id, approval_id, asked=extra.get("asked"), hook_mcp_call=extra.get("hook_mcp_call")
        )
        answered = extra.get("answered")
        if answered is not None:  # the client's own prompt let the call run: record it as such
            harness = (normalized.get("context") or {}).get("harness") or "the client"
            await self._finish(answered, asks.ANSWERED_IN_CLIENT, by=f"{harness} prompt", scope=None)
        self._emit("decision", {"session_id": session_id, "result": decision.result, "approval_id": approval_id})
        usage = extra.get("usage")
        if usage is not None:
            self._emit("usage", {"session_id": session_id, "model": usage.model, "cost_usd": usage.cost_usd})
        return outcome

    async def _decide(
        self,
        tx: Any,
        info: SessionInfo,
        chain: Chain,
        normalized: Mapping[str, Any],
        now: float,
        actor: Mapping[str, Any] | None,
        count_usage: bool = True,
    ) -> tuple[Decision, str | None, dict[str, Any]]:
        """Snapshot, evaluate and commit one event inside the session's transaction."""
        session_id = info.id
        snap = await tx.snapshot(user_day=utc_day(now))
        event = build_event(
            normalized,
            snap,
            mapper=self.mapper_for(info.agent),
            now=now,
            llm_client=self.llm_client,
            actor=actor,
            provenance=self.provenance.view(session_id, snap),
        )
        harness = (normalized.get("context") or {}).get("harness")
        commit = Commit(
            model=event["context"].get("model") if normalized["type"] in ("llm_request", "llm_response") else None,
            harness=harness,
        )
        extra: dict[str, Any] = {}
        mcp_call = asks.is_mcp_call(event)
        digest = approvals.action_digest(event) if mcp_call else None
        if snap.ended:
            decision = ended_decision(snap.ended)
        else:
            if mcp_call and harness == asks.PROXY_HARNESS and digest:
                taken = asks.take_hook_allow(snap, digest, now)
                if taken is not None:  # the hook already evaluated this identical call: one evaluation per call
                    decision = await self._commit_reused(tx, commit, event, normalized, taken, actor, now, digest)
                    return decision, None, extra
            decision = await aevaluate(chain, event, snap.policy_states)
        approval_id = None
        used: ApprovalRecord | None = None
        if decision.result == "ASK":
            digest = digest or approvals.action_digest(event)
            if approvals.covered_by_grants(decision.asking, event, snap.grants, digest):
                decision.result = "ALLOW"
                decision.reason = f"approved for this session ({decision.reason})"
            else:
                used = await asks.approved_for(tx, session_id, digest, list(decision.asking), now)
        if used is not None:  # a retry of the approved action: the approval is used up, its updates applied already
            extra["asked"] = decision.reason
            decision.result = "ALLOW"
            decision.reason = f"approved by {used.resolved_by or 'the user'} ({decision.reason})"
            approval_id = used.id
            commit.resolve_approval = replace(used, status="applied")
            seen: list[Any] = []
            seen_labels: dict[str, str] = {}
        elif decision.result == "DENY":
            seen, seen_labels = [], {}
        else:
            seen, seen_labels = self.provenance.remember(event, snap, now)
        if (
            normalized["type"] == "tool_result"
            and harness != asks.PROXY_HARNESS  # the proxy never lets a call run on an answer of its own
            and asks.asked_recently(snap, event.get("target"))
        ):
            extra["answered"] = await asks.pending_for_result(tx, session_id, event, now)
        if used is None and decision.result == "ASK":
            if mcp_call and harness and harness != asks.PROXY_HARNESS:
                extra["hook_mcp_call"] = harness
            approval = self._new_approval(info, event, decision, now)
            if seen:
                approval.held["policy_updates"].setdefault(PROVENANCE_NS, []).extend(seen)
            approval.held["labels"].update(seen_labels)
            approval_id = approval.id
            commit.approval = approval
        elif used is None:
            self._apply(commit, decision)
            if seen:
                commit.policy_updates.setdefault(PROVENANCE_NS, []).extend(seen)
            commit.labels.update(seen_labels)
            if decision.end_session:
                commit.end_session = f"ended by `{decision.policy}`: {decision.reason}"
        if mcp_call and decision.result == "ALLOW" and harness and harness != asks.PROXY_HARNESS and digest:
            updates = asks.hold_hook_allow(snap, digest, now, harness)
            commit.policy_updates.setdefault(asks.CALLS_NS, []).extend(updates)
        commit.history = history_entry(event, decision.result, decision.policy, now)
        commit.audit = _audit_entry(session_id, event, decision, approval_id, actor, now, digest)
        if used is not None:
            commit.audit["payload"]["used_approval"] = used.id
        labels = {**snap.labels, **commit.labels}
        if labels:
            commit.audit["payload"]["labels"] = labels
        flow_view = explain_flow(event, event["context"]["provenance"], seen)
        if flow_view:
            commit.audit["payload"]["provenance"] = flow_view
        commit.audit["payload"]["event"] = normalized  # the recorded trace (runtime/trace.py)
        if not snap.history:
            commit.audit["payload"]["session_start"] = trace.session_start(snap)
        if count_usage and normalized["type"] == "llm_response":
            commit.usage, counted = usage_of_response(self.prices, normalized, event["context"].get("model"), snap, now)
            if counted is not None:
                commit.policy_updates.setdefault(USAGE_NS, []).append(counted)
            extra["usage"] = commit.usage
        await tx.commit(commit)
        return decision, approval_id, extra

    async def _commit_reused(
        self,
        tx: Any,
        commit: Commit,
        event: Mapping[str, Any],
        normalized: Mapping[str, Any],
        taken: tuple[dict[str, Any], list[Any]],
        actor: Mapping[str, Any] | None,
        now: float,
        digest: str,
    ) -> Decision:
        """The proxy's event for a call a hook already allowed: that ALLOW, used up; audited, no history."""
        item, updates = taken
        commit.policy_updates[asks.CALLS_NS] = updates
        reason = f"already evaluated by the {item.get('harness') or 'harness'} hook ({now - item['at']:.1f}s ago)"
        decision = Decision("ALLOW", reason, None, [], 0.0)
        commit.audit = _audit_entry(event["context"]["session_id"], event, decision, None, actor, now, digest)
        commit.audit["payload"].update(event=normalized, reused=True)
        await tx.commit(commit)
        return decision

    async def evaluate_dry(
        self,
        session_id: str,
        raw_event: Mapping[str, Any],
        *,
        owner: str | None = None,
        agent: str | None = None,
        actor: Mapping[str, Any] | None = None,
    ) -> Outcome:
        """Evaluate as ``evaluate`` would, changing nothing: no state, usage, approval or audit.

        A session that does not exist yet is not created: the event is judged as the
        first one of a new session (owned by ``owner``, under ``agent``'s spec).
        """
        normalized = normalize_event(raw_event)
        info = await self.store.get_session(session_id)
        if info is None:
            if agent is not None and agent not in self.agents:
                raise NotFound(f"agent `{agent}` is not known to this server")
            info = SessionInfo(session_id, owner=owner, agent=agent)
            chain = await self.chain_for(info)
            snap = Snapshot(session_id, owner=owner, agent=agent)
        else:
            chain = await self.chain_for(info)
            snap = await self._read_snapshot(session_id)
        now = self.clock()
        event = build_event(normalized, snap, mapper=self.mapper, now=now, llm_client=self.llm_client, actor=actor)
        decision = ended_decision(snap.ended) if snap.ended else await aevaluate(chain, event, snap.policy_states)
        if decision.result == "ASK" and approvals.covered_by_grants(decision.asking, event, snap.grants):
            decision.result = "ALLOW"
            decision.reason = f"approved for this session ({decision.reason})"
        return Outcome(decision, session_id)

    async def _read_snapshot(self, session_id: str) -> Snapshot:
        async with self.store.transaction(session_id) as tx:
            return await tx.snapshot(user_day=utc_day(self.clock()))

    def _apply(self, commit: Commit, decision: Decision) -> None:
        session, policy, user = split_updates(decision.state_updates)
        commit.session_updates, commit.policy_updates, commit.user_updates = session, policy, user
        commit.labels = dict(decision.set_labels)

    def _new_approval(
        self, info: SessionInfo, event: Mapping[str, Any], decision: Decision, now: float
    ) -> ApprovalRecord:
        timeout = decision.ask_timeout_s or self.approval_timeout_s
        held = Commit()
        self._apply(held, decision)
        digest = approvals.action_digest(event)
        data = event.get("data")
        use_id = data.get("tool_use_id") if isinstance(data, Mapping) else None
        return ApprovalRecord(
            id="apr_" + secrets.token_hex(12),
            session_id=info.id,
            status="pending",
            digest=digest,
            event_type=event["type"],
            target=event.get("target"),
            preview=add_policy_preview(event, self.registry) or approvals.preview(event),
            reason=decision.reason,
            policies=list(decision.asking),
            held={
                "session_updates": held.session_updates,
                "policy_updates": held.policy_updates,
                "user_updates": held.user_updates,
                "labels": held.labels,
                "end_session": (f"ended by `{decision.policy}`: {decision.reason}" if decision.end_session else None),
                "tool_use_id": use_id if isinstance(use_id, str) else None,
            },
            created_at=now,
            expires_at=now + timeout,
            owner=info.owner,
            grant_keys=[approvals.grant_key(p, event, digest) for p in decision.asking],
            decision=decision.to_dict(),
        )

    # -- approvals --------------------------------------------------------
    async def get_approval(self, approval_id: str) -> ApprovalRecord:
        record = await self.store.get_approval(approval_id)
        if record is None:
            raise NotFound(f"approval `{approval_id}` not found")
        if record.status == "pending" and self.clock() >= record.expires_at:
            record = await self._finish(record, "expired", by="timeout", scope=None)
        return record

    async def resolve(
        self, approval_id: str, decision: str, *, scope: str = "once", by: str | None = None, digest: str | None = None
    ) -> ApprovalRecord:
        if decision not in ("approve", "deny"):
            raise InvalidRequest(
                "decision must be `approve` or `deny`", [{"loc": "decision", "message": "expected approve or deny"}]
            )
        canonical = approvals.normalize_scope(scope)
        if canonical is None:
            names = ", ".join(f"`{s}`" for s in approvals.SCOPES)
            raise InvalidRequest(f"scope must be one of {names}", [{"loc": "scope", "message": f"expected {names}"}])
        scope = canonical
        record = await self.get_approval(approval_id)
        if digest is not None and digest != record.digest:
            raise Conflict("the approval does not match this action (digest differs)")
        if record.status != "pending":
            raise Conflict(f"approval `{approval_id}` is already {record.status}")
        status = "approved" if decision == "approve" else "denied"
        return await self._finish(record, status, by=by, scope=scope if status == "approved" else None)

    async def _finish(
        self, record: ApprovalRecord, status: str, *, by: str | None, scope: str | None
    ) -> ApprovalRecord:
        now = self.clock()
        async with self.store.transaction(record.session_id) as tx:
            current = await tx.get_approval(record.id)
            if current is None:
                raise NotFound(f"approval `{record.id}` not found")
            if current.status != "pending":
                return current
            done = replace(current, status=status, resolved_at=now, resolved_by=by, scope=scope)
            commit = Commit(resolve_approval=done)
            if status in ("approved", asks.ANSWERED_IN_CLIENT):
                held = current.held
                commit.session_updates = list(held.get("session_updates") or [])
                commit.policy_updates = dict(held.get("policy_updates") or {})
                commit.user_updates = list(held.get("user_updates") or [])
                commit.labels = dict(held.get("labels") or {})
                commit.end_session = held.get("end_session")
                commit.grants = approvals.keys_for_scope(current.grant_keys, scope)
            commit.audit = {
                "at": now,
                "kind": "approval",
                "session_id": record.session_id,
                "payload": {
                    "approval_id": record.id,
                    "status": status,
                    "by": by,
                    "scope": scope,
                    "digest": current.digest,
                    "policies": current.policies,
                },
            }
            await tx.commit(commit)
        waiter = self._waiters.get(record.id)
        if waiter is not None:
            waiter.set()
        self._emit("approval", {"approval_id": record.id, "status": status, "session_id": record.session_id})
        return done

    async def consume(self, approval_id: str, *, session_id: str, digest: str) -> ApprovalRecord:
        """Use an approved approval once, for exactly the action it was given for.

        How an agent adds a session policy it asked for in chat: the user approved
        the ``sys_add_policy`` call; the add that follows must carry that approval,
        match its digest, and can happen only once (the approval becomes ``applied``).
        """
        async with self.store.transaction(session_id) as tx:
            record = await tx.get_approval(approval_id)
            if record is None or record.session_id != session_id:
                raise NotFound(f"approval `{approval_id}` not found in session `{session_id}`")
            if record.status != "approved":
                raise Conflict(f"approval `{approval_id}` is {record.status}, not approved")
            if record.digest != digest:
                raise Conflict("the approval does not match this action (digest differs)")
            used = replace(record, status="applied")
            await tx.commit(
                Commit(
                    resolve_approval=used,
                    audit={
                        "at": self.clock(),
                        "kind": "approval",
                        "session_id": session_id,
                        "payload": {"approval_id": approval_id, "status": "applied", "digest": digest},
                    },
                )
            )
        return used

    async def wait_for_approval(self, approval_id: str, timeout_s: float) -> ApprovalRecord:
        """Block until the approval is resolved or ``timeout_s`` passes (then return it as it is)."""
        deadline = time.monotonic() + max(0.0, timeout_s)
        event = self._waiters.setdefault(approval_id, asyncio.Event())
        try:
            while True:
                record = await self.get_approval(approval_id)
                if record.status in _TERMINAL:
                    return record
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return record
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), timeout=min(remaining, self.poll_interval_s))
        finally:
            if (approval_id in self._waiters and not event.is_set()) or event.is_set():
                self._waiters.pop(approval_id, None)

    async def settle(self, outcome: Outcome, wait_s: float) -> Outcome:
        """For an ASK, wait up to ``wait_s`` for the human and fold the answer into the outcome."""
        if outcome.decision.result != "ASK" or not outcome.approval_id:
            return outcome
        record = await self.wait_for_approval(outcome.approval_id, wait_s)
        if record.status == "approved":
            outcome.final = "ALLOW"
            outcome.resolution = f"approved by {record.resolved_by or 'the user'}"
            if (record.scope or approvals.ONCE) == approvals.ONCE:
                await self._use(record, by="the waiting call")  # this call is the one it approved
            if outcome.hook_mcp_call:  # the call now goes on to the MCP proxy: one evaluation per call
                await self._hold_for_proxy(record, outcome.hook_mcp_call)
        elif record.status in ("denied", "expired", asks.ANSWERED_IN_CLIENT):
            outcome.final = "DENY"
            outcome.resolution = {
                "denied": f"refused by {record.resolved_by or 'the user'}",
                "expired": "approval timed out",
            }.get(record.status, "answered in the client, not in Goalrail")
        return outcome

    async def _use(self, record: ApprovalRecord, *, by: str) -> None:
        """Mark an approved ``once`` approval used, so no retry can use it again."""
        async with self.store.transaction(record.session_id) as tx:
            current = await tx.get_approval(record.id)
            if current is None or current.status != "approved":
                return
            audit = {"approval_id": record.id, "status": "applied", "by": by, "digest": current.digest}
            await tx.commit(
                Commit(
                    resolve_approval=replace(current, status="applied"),
                    audit={"at": self.clock(), "kind": "approval", "session_id": record.session_id, "payload": audit},
                )
            )

    async def _hold_for_proxy(self, record: ApprovalRecord, harness: str) -> None:
        """A hook's approved ASK of an MCP call, kept for the proxy as the hook's ALLOW would be."""
        if not record.digest:
            return
        async with self.store.transaction(record.session_id) as tx:
            now = self.clock()
            snap = await tx.snapshot(user_day=utc_day(now))
            updates = asks.hold_hook_allow(snap, record.digest, now, harness)
            await tx.commit(Commit(policy_updates={asks.CALLS_NS: updates}))

    # -- usage ------------------------------------------------------------
    async def record_usage(
        self,
        session_id: str,
        model: str,
        *,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
        owner: str | None = None,
    ) -> UsageRecord:
        for name, value in (
            ("input_tokens", input_tokens),
            ("output_tokens", output_tokens),
            ("cache_read_tokens", cache_read_tokens),
            ("cache_write_tokens", cache_write_tokens),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKENS:
                raise InvalidRequest(
                    f"`{name}` must be an integer from 0 to {MAX_TOKENS}",
                    [{"loc": name, "message": f"expected an integer from 0 to {MAX_TOKENS}"}],
                )
        if not isinstance(model, str) or not model:
            raise InvalidRequest("`model` is required", [{"loc": "model", "message": "required"}])
        record = priced_usage(
            self.prices,
            model,
            self.clock(),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cache_read_tokens=cache_read_tokens,
            cache_write_tokens=cache_write_tokens,
        )
        await self.store.ensure_session(session_id, owner=owner)
        async with self.store.transaction(session_id) as tx:
            await tx.commit(Commit(usage=record, model=model))
        self._emit("usage", {"session_id": session_id, "model": model, "cost_usd": record.cost_usd})
        return record


_SESSION_SPEC = PolicySpec("session", "goalrail.session", level="session")


def ended_decision(why: str) -> Decision:
    """The verdict on any event of a session that a policy terminated."""
    d = PolicyDecision(_SESSION_SPEC, "DENY", f"session was terminated: {why}")
    return Decision("DENY", d.reason, "session", [d], 0.0)


def _audit_entry(
    session_id: str,
    event: Mapping[str, Any],
    decision: Decision,
    approval_id: str | None,
    actor: Mapping[str, Any] | None,
    now: float,
    digest: str | None = None,
) -> dict[str, Any]:
    action = event["context"].get("action") or {}
    target = action.get("target")
    answers, quiet = decision.answers()  # the policies that said something; the others counted
    return {
        "at": now,
        "kind": "decision",
        "session_id": session_id,
        "payload": {
            "type": event["type"],
            "target": event.get("target"),
            "action": {
                "type": action.get("type"),
                "original": action.get("original"),
                "mapped_by": action.get("mapped_by"),
                "target": target[:300] if isinstance(target, str) else None,
            },
            "digest": digest or approvals.action_digest(event),
            "result": decision.result,
            "reason": decision.reason,
            "policy": decision.policy,
            "decisions": answers,
            "quiet": quiet,
            "duration_us": round(decision.duration_us, 1),
            "approval_id": approval_id,
            "actor": dict(actor) if actor else None,
            "model": event["context"].get("model"),
        },
    }
