"""Runtime: the facade a server, an integration or a test holds.

It owns the configuration (store, registry, chains, mappers, prices, clock)
and keeps the public methods; the work is done by concern, top-down:

* ``evaluate`` → :mod:`goalrail.runtime.decide` (one event in its transaction:
  snapshot, verdict, approval or updates, history, audit, usage);
* approvals → :mod:`goalrail.runtime.approval_flow` (resolve, consume, wait, settle);
* usage → :mod:`goalrail.runtime.usage` (pricing; ``record_usage`` here).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, cast

from goalrail.config.agent import AgentSpec
from goalrail.config.own_files import OwnFiles
from goalrail.defaults import APPROVAL_TIMEOUT_S
from goalrail.engine import approvals
from goalrail.engine.actions import ActionMapper
from goalrail.engine.chain import DEFAULT_TIMEOUT_MS, Chain
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.evaluate import aevaluate
from goalrail.engine.levels import check_given_labels
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import PolicySpec
from goalrail.engine.tokens import MAX_TOKENS
from goalrail.engine.work import text_over
from goalrail.errors import InvalidRequest, NotFound
from goalrail.policies.files import FileAccess
from goalrail.policies.pricing import default_price_table
from goalrail.policies.registry import Registry
from goalrail.runtime import answer_gate, approval_flow, asks
from goalrail.runtime.chains import ChainCache, chain_key
from goalrail.runtime.decide import decide, decide_now
from goalrail.runtime.flow import ProvenanceTracker
from goalrail.runtime.outcome import Outcome, ended_decision, new_outcome, utc_day
from goalrail.runtime.own_files_guard import own_files_guard
from goalrail.runtime.ports import (
    ApprovalRecord,
    Commit,
    ImmediateStore,
    SessionInfo,
    StaleSnapshot,
    Store,
    UsageRecord,
)
from goalrail.runtime.quota import SessionCap
from goalrail.runtime.stored_agents import StoredAgents
from goalrail.runtime.system_policies import refuse_unshown
from goalrail.runtime.usage import priced_usage

__all__ = ["DEFAULT_APPROVAL_TIMEOUT_S", "Outcome", "Runtime", "ended_decision", "utc_day"]

log = logging.getLogger("goalrail.runtime")

DEFAULT_APPROVAL_TIMEOUT_S = APPROVAL_TIMEOUT_S  # written once, in goalrail.defaults


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
        own_files: OwnFiles | None = None,
        policy_timeout_ms: float = DEFAULT_TIMEOUT_MS,
    ) -> None:
        self.store = store
        self.registry = registry if registry is not None else Registry.load()
        first = own_files_guard(own_files, self.registry)  # the server's own files: first in every chain
        self.chains = ChainCache(
            self.registry, server_specs or [], dict(agents or {}), files, first, default_timeout_ms=policy_timeout_ms
        )
        self.stored_agents = StoredAgents(self.chains)
        self.mapper = mapper or ActionMapper()
        self.mappers: dict[str | None, ActionMapper] = {}  # by agent: what ``mapper_for`` answered
        self.provenance = ProvenanceTracker()
        # Prices usage and goes to the cost builtins with every event (``event["prices"]``).
        self.prices = prices if prices is not None else default_price_table()
        self.llm_client = llm_client
        self.approval_timeout_s = approval_timeout_s
        self.clock = clock
        self.poll_interval_s = poll_interval_s
        self.waiters: dict[str, asyncio.Event] = {}
        self._combined: dict[tuple[Any, ...], Chain] = {}
        self.listeners: list[Callable[[str, dict[str, Any]], None]] = []
        # A store whose transactions never wait (the memory store) is also used without coroutines.
        self._immediate = cast(ImmediateStore, store) if callable(getattr(store, "take_now", None)) else None

    # -- configuration ----------------------------------------------------
    @property
    def agents(self) -> dict[str, AgentSpec]:
        return self.chains.agents

    def set_agent(self, spec: AgentSpec) -> None:
        """Register (or replace) an agent spec; sessions pick up its policies on their next event."""
        self.chains.set_agent(spec)
        self._forget_chains()

    def _forget_chains(self) -> None:
        self._combined.clear()
        self.mappers.clear()

    async def load_agents(self, version: int | None = None) -> None:
        """Read the stored (uploaded) agent specs again: another process may have stored one."""
        if await self.stored_agents.load(self.store, version):
            self._forget_chains()

    async def current_agents(self) -> dict[str, AgentSpec]:
        """The agent specs as of now: read again if an upload has moved the server-wide version."""
        gv, _ = await self.store.server_policies()
        await self._agents_at(gv)
        return self.agents

    async def _agents_at(self, server_version: int) -> None:
        if server_version != self.stored_agents.version:  # an upload moves it, on any process
            await self.load_agents(server_version)

    async def knows_agent(self, name: str) -> bool:
        """Whether ``name`` is an agent spec of this server, read again from the store if not
        known here yet (uploaded through another worker or replica)."""
        if name not in self.agents:
            await self.load_agents()
        return name in self.agents

    def mapper_for(self, agent: str | None) -> ActionMapper:
        """The server's mapping, extended (never loosened) by the agent spec's ``tool_mapping`` and ``tools``."""
        mapper = self.mappers.get(agent)
        if mapper is None:
            spec = self.agents.get(agent) if agent else None
            if spec is None or not (spec.tool_mapping or spec.tools):
                mapper = self.mapper
            else:
                mapper = self.mapper.extended(spec.tool_mapping, spec.tool_catalog)
            self.mappers[agent] = mapper
        return mapper

    def check(self) -> None:
        """Compile every file-configured policy now; raises on the first error."""
        self.chains.check_config()

    async def chain_for(self, info: SessionInfo) -> Chain:
        sv, sspecs = await self.store.session_policies(info.id)
        gv, gspecs = await self.store.server_policies()
        await self._agents_at(gv)
        key = chain_key(info.id, sv, info.agent, gv)
        chain = self._combined.get(key)
        if chain is None:
            session = await self.chains.session(info.id, sv, sspecs)
            agent = self.chains.agent(info.agent)
            server = self.chains.server(gv, gspecs)
            chain = self.chains.chain(session, agent, server)
            if len(self._combined) > 10_000:
                self._combined.clear()
            self._combined[key] = chain
        return chain

    def emit(self, kind: str, payload: dict[str, Any]) -> None:
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
        cap: SessionCap | None = None,
    ) -> Outcome:
        """Evaluate one event and commit what it changes.

        An ``llm_response`` carrying ``data.usage`` is also spend: its tokens are
        recorded (priced) in the same transaction, whatever the verdict, once per
        event ``id`` within the session (a retried event is not counted twice).
        ``count_usage=False`` skips that (a trace import brings its usage records).
        A new session is created under ``cap`` (``runtime.quota``: past it, its ``Conflict``).
        """
        normalized = normalize_event(raw_event)
        if agent is not None and agent not in self.agents and not await self.knows_agent(agent):
            raise NotFound(f"agent `{agent}` is not known to this server")
        if labels:
            check_given_labels(labels)
        immediate = self._immediate
        if immediate is not None:  # a store that never waits: no coroutine unless something must wait
            info, sv, gv = immediate.open_now(session_id, owner, agent, labels, cap)
            # ``chains.chain_key``, without the call
            found = self._combined.get((session_id if sv else None, sv, info.agent, gv))
            chain = found if found is not None else await self.chain_for(info)
        else:
            info = await self.store.ensure_session(session_id, owner=owner, agent=agent, labels=labels, cap=cap)
            chain = await self.chain_for(info)
        now = self.clock()
        # (the event's tool not mapped yet: within every inline policy's budget, else ``decide`` chooses;
        # ``evaluate.may_run_inline``, without the call)
        tx_now = (
            None
            if immediate is None or chain.has_async or chain.has_offload or text_over(normalized, chain.text_limit)
            else immediate.take_now(session_id)
        )
        if tx_now is not None:
            try:
                decided = decide_now(self, tx_now, info, chain, normalized, now, actor, count_usage)
            finally:
                tx_now.release()
        else:  # no store-wide lock while policies run; a stale snapshot is evaluated again (ports.StaleSnapshot)
            optimistic = True
            while True:
                try:
                    async with self.store.transaction(session_id, optimistic=optimistic) as tx:
                        decided = await decide(self, tx, info, chain, normalized, now, actor, count_usage)
                    break
                except StaleSnapshot:
                    optimistic = False  # evaluate again, holding the lock throughout
        decision, d = decided
        approval_id = d.approval_id
        outcome = new_outcome(decision, session_id, approval_id, d.asked, d.hook_mcp_call)
        answered = d.answered
        if answered is not None:  # the client's own prompt let the call run: record it as such
            harness = (normalized.get("context") or {}).get("harness") or "the client"
            await self._finish(answered, asks.ANSWERED_IN_CLIENT, by=f"{harness} prompt", scope=None)
        if self.listeners:  # no payloads built for nobody
            self.emit("decision", {"session_id": session_id, "result": decision.result, "approval_id": approval_id})
            usage = d.usage
            if usage is not None:
                self.emit("usage", {"session_id": session_id, "model": usage.model, "cost_usd": usage.cost_usd})
        return outcome

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
            if agent is not None and not await self.knows_agent(agent):
                raise NotFound(f"agent `{agent}` is not known to this server")
            info = SessionInfo(session_id, owner=owner, agent=agent)
            chain = await self.chain_for(info)
            snap = Snapshot(session_id, owner=owner, agent=agent)
        else:
            chain = await self.chain_for(info)
            snap = await self._read_snapshot(session_id)
        now = self.clock()
        # The session's provenance and its agent's tool descriptions, as ``decide`` reads them.
        mapper = self.mappers.get(info.agent) or self.mapper_for(info.agent)
        view = self.provenance.view(session_id, snap)
        event = build_event(normalized, snap, mapper, now, self.llm_client, self.prices, actor, view)
        decision = ended_decision(snap.ended) if snap.ended else await aevaluate(chain, event, snap.policy_states)
        if "calls" in event["context"] and not snap.ended:  # an answer's tool calls, as ``decide`` judges them
            decision = await answer_gate.ajudge_calls(
                self, chain, answer_gate.Dry(snap, event, info, now, actor), decision
            )
        if decision.result == "ASK" and approvals.covered_by_grants(decision.asking_keys, event, snap.grants):
            decision = decision.resolved("ALLOW", f"approved for this session ({decision.reason})")
        return Outcome(refuse_unshown(decision, event), session_id)

    async def _read_snapshot(self, session_id: str) -> Snapshot:
        async with self.store.transaction(session_id) as tx:
            return await tx.snapshot(user_day=utc_day(self.clock()))

    # -- approvals (runtime/approval_flow.py) ------------------------------
    async def get_approval(self, approval_id: str) -> ApprovalRecord:
        return await approval_flow.get(self, approval_id)

    async def resolve(
        self, approval_id: str, decision: str, *, scope: str = "once", by: str | None = None, digest: str | None = None
    ) -> ApprovalRecord:
        return await approval_flow.resolve(self, approval_id, decision, scope=scope, by=by, digest=digest)

    async def _finish(
        self, record: ApprovalRecord, status: str, *, by: str | None, scope: str | None
    ) -> ApprovalRecord:
        return await approval_flow.finish(self, record, status, by=by, scope=scope)

    async def consume(self, approval_id: str, *, session_id: str, digest: str) -> ApprovalRecord:
        """Use an approved approval once, for exactly the action it was given for.

        How an agent adds a session policy it asked for in chat: the user approved
        the ``sys_add_policy`` call; the add that follows must carry that approval,
        match its digest, and can happen only once (the approval becomes ``applied``).
        """
        return await approval_flow.consume(self, approval_id, session_id=session_id, digest=digest)

    async def wait_for_approval(self, approval_id: str, timeout_s: float) -> ApprovalRecord:
        """Block until the approval is resolved or ``timeout_s`` passes (then return it as it is)."""
        return await approval_flow.wait(self, approval_id, timeout_s)

    async def settle(self, outcome: Outcome, wait_s: float) -> Outcome:
        """For an ASK, wait up to ``wait_s`` for the human and fold the answer into the outcome."""
        return await approval_flow.settle(self, outcome, wait_s)

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
        cap: SessionCap | None = None,
        agent: str | None = None,
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
        # (agent: a new session's only)
        await self.store.ensure_session(session_id, owner=owner, agent=agent, cap=cap)
        async with self.store.transaction(session_id) as tx:
            await tx.commit(Commit(usage=record, model=model))
        self.emit("usage", {"session_id": session_id, "model": model, "cost_usd": record.cost_usd})
        return record
