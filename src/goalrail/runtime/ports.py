"""The storage interface the runtime needs.  Implementations live in goalrail.store.

A ``Store.transaction(session_id)`` serializes every evaluation of one session
(an asyncio lock in-process; ``SELECT … FOR UPDATE`` on PostgreSQL, so several
replicas stay exact): snapshot → evaluate → commit happen inside it.

``optimistic=True`` (asked by evaluations, which evaluate again on
:class:`StaleSnapshot`) lets a store whose lock is global — SQLite's single
writer — not hold it while policies run: its commit may then find the snapshot
out of date and raise :class:`StaleSnapshot`; the runtime evaluates again,
non-optimistically.  Reads made inside a transaction are the transaction's
own methods (``get_approval``, ``list_approvals``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypedDict

from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import PolicySpec
from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies.schema import StateUpdate
from goalrail.runtime.audit import Entry
from goalrail.runtime.quota import SessionCap, TokenCap

#: History entries a session keeps (the newest): every store, and replay, trim to this.
HISTORY_LIMIT = 50


@dataclass(slots=True)
class SessionInfo:
    id: str
    owner: str | None = None
    agent: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    created_at: float = 0.0
    last_activity: float = 0.0
    ended: str | None = None
    model: str | None = None
    harness: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "owner": self.owner,
            "agent": self.agent,
            "labels": self.labels,
            "created_at": self.created_at,
            "last_activity": self.last_activity,
            "ended": self.ended,
            "model": self.model,
            "harness": self.harness,
        }


@dataclass
class UsageRecord:
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float | None = None
    price_source: str | None = None
    at: float = 0.0
    day: str = ""


#: A held ``set``'s key and the value it had when held (runtime.held):
#: ``[tier, policy namespace or None, key, [value] or [] when absent]``, JSON-safe.
Base = list[JsonValue]


class Again(TypedDict):
    """What re-evaluating a held action needs: its normalised event, its actor, its time."""

    event: JsonObject
    actor: JsonObject | None
    at: float


class HeldChanges(TypedDict, total=False):
    """What an approval holds (``ApprovalRecord.held``): the changes its ASK asked for, applied once
    it is approved, and for a held ``set`` its bases and the event to evaluate again (runtime.held)."""

    session_updates: list[StateUpdate]
    policy_updates: dict[str, list[StateUpdate]]
    user_updates: list[StateUpdate]
    labels: dict[str, str]
    end_session: str | None
    tool_use_id: str | None
    bases: list[Base]
    again: Again


@dataclass
class ApprovalRecord:
    id: str
    session_id: str
    status: str  # pending | approved | denied | expired
    digest: str
    event_type: str
    target: str | None
    preview: str
    reason: str | None
    policies: list[str]
    held: HeldChanges
    created_at: float
    expires_at: float
    owner: str | None = None
    resolved_at: float | None = None
    resolved_by: str | None = None
    scope: str | None = None
    grant_keys: list[str] = field(default_factory=list)
    decision: JsonObject | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "session_id": self.session_id,
            "status": self.status,
            "digest": self.digest,
            "type": self.event_type,
            "target": self.target,
            "preview": self.preview,
            "reason": self.reason,
            "policies": self.policies,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "owner": self.owner,
            "resolved_at": self.resolved_at,
            "resolved_by": self.resolved_by,
            "scope": self.scope,
            "decision": self.decision,
        }


class AskedApproval(ApprovalRecord):
    """A new ASK's approval (``runtime.asks.new_approval``) whose ``decision`` is made when first
    read, from the explained decision it was asked with (``explain``: ``Decision.to_dict`` with
    ``keep=True``, the same JSON at any time: a decision is never changed).  A store that keeps
    the record in memory reads it only when the approval is shown; a SQL store when it writes
    the approval.  A copy (``dataclasses.replace``) holds the JSON itself."""

    explain: Callable[..., JsonObject] | None = None

    @property
    def decision(self) -> JsonObject | None:
        made: JsonObject | None = self.__dict__.get("_decision")
        if made is None and self.explain is not None:
            made = self.__dict__["_decision"] = self.explain(keep=True)
            self.explain = None  # made: the decision itself is not kept any longer
        return made

    @decision.setter
    def decision(self, value: JsonObject | None) -> None:
        self.__dict__["_decision"] = value


@dataclass(slots=True)
class Commit:
    """Everything one evaluation changes, applied atomically by the store.

    A store only reads it: its containers may be shared, read-only empties (a decision that
    changes nothing makes none of its own; ``runtime.draft.Draft``)."""

    session_updates: Sequence[StateUpdate] = field(default_factory=list)
    policy_updates: Mapping[str, list[StateUpdate]] = field(default_factory=dict)
    user_updates: Sequence[StateUpdate] = field(default_factory=list)
    labels: Mapping[str, str] = field(default_factory=dict)
    history: JsonObject | None = None  # appended; the store keeps the last HISTORY_LIMIT
    end_session: str | None = None
    model: str | None = None
    harness: str | None = None
    audit: Entry | None = None
    approval: ApprovalRecord | None = None
    grants: Sequence[str] = field(default_factory=list)
    resolve_approval: ApprovalRecord | None = None
    usage: UsageRecord | None = None
    # Whether the decision would be the same on this owner state and cost of the day
    # (``runtime.recheck``): a store whose snapshot of them no longer holds may ask.
    recheck: Callable[[JsonObject, float | None], bool] | None = None


class StaleSnapshot(Exception):
    """An optimistic transaction's snapshot changed before its commit: evaluate again."""


class SessionTx(Protocol):
    async def snapshot(self, *, user_day: str) -> Snapshot: ...
    async def commit(self, commit: Commit) -> None: ...
    async def get_approval(self, approval_id: str) -> ApprovalRecord | None: ...
    async def list_approvals(
        self, *, status: str | None = None, session_id: str | None = None
    ) -> list[ApprovalRecord]: ...
    async def approved_approvals(self, session_id: str, digest: str) -> list[ApprovalRecord]:
        """The session's approvals of the action ``digest`` that are approved and not yet used
        (status ``approved``), oldest first; its cost grows with those, not with the session's
        other approvals (pending ones accumulate: every unanswered ASK leaves one)."""
        ...

    async def waiting_approvals(self, session_id: str, now: float, limit: int) -> int:
        """How many of the session's approvals wait for an answer (pending, unexpired at ``now``),
        counted up to ``limit``: no record is read or decoded."""
        ...

    async def answerable_approvals(self, session_id: str, digest: str, now: float) -> list[ApprovalRecord]:
        """The session's approvals a ``tool_result`` of the call ``digest`` may answer: pending, of
        that ``tool_call``, unexpired at ``now``, oldest first.  Found by the session's pending
        approvals' index; only those are decoded, however many others wait."""
        ...


class ImmediateTx(Protocol):
    """A session transaction whose steps never wait (an in-process store's): taken, read and
    committed without a coroutine.  The same steps as :class:`SessionTx`; ``release`` ends it."""

    def snapshot_now(self, user_day: str) -> Snapshot: ...
    def commit_now(self, commit: Commit) -> None: ...
    def approved_now(self, session_id: str, digest: str) -> list[ApprovalRecord]: ...
    def waiting_now(self, session_id: str, now: float, limit: int) -> int: ...
    def answerable_now(self, session_id: str, digest: str, now: float) -> list[ApprovalRecord]: ...
    def release(self) -> None: ...


class ImmediateStore(Protocol):
    """What a store whose work never waits offers besides :class:`Store`, for the runtime to
    decide an event without coroutines when nothing has to wait (``Runtime.evaluate``)."""

    def open_now(
        self,
        session_id: str,
        owner: str | None,
        agent: str | None,
        labels: dict[str, str] | None,
        cap: SessionCap | None = None,
    ) -> tuple[SessionInfo, int, int]:
        """``ensure_session``'s session, the stored one (read only, for this event's decision), and
        the versions ``session_policies`` and ``server_policies`` would report (what its chain is
        keyed by), in one call."""
        ...

    def take_now(self, session_id: str) -> ImmediateTx | None:
        """The session's transaction if its lock is free now (held until ``release``), else None."""
        ...


class Store(Protocol):
    async def ensure_session(
        self,
        session_id: str,
        *,
        owner: str | None = None,
        agent: str | None = None,
        labels: dict[str, str] | None = None,
        cap: SessionCap | None = None,
    ) -> SessionInfo:
        """The session, created unless it exists; a new one past ``cap`` is its ``Conflict``
        (counted and created in one step: ``runtime.quota``)."""
        ...

    async def get_session(self, session_id: str) -> SessionInfo | None: ...
    async def list_sessions(self, *, owner: str | None = None, limit: int = 100) -> list[SessionInfo]: ...
    def transaction(self, session_id: str, *, optimistic: bool = False) -> AbstractAsyncContextManager[SessionTx]: ...
    async def session_policies(self, session_id: str) -> tuple[int, list[PolicySpec]]:
        """The session's version and policies: version 0 only while it has never had one
        (every change bumps it), since sessions at 0 share a chain (``runtime.chains``)."""
        ...

    async def server_policies(self) -> tuple[int, list[PolicySpec]]: ...
    async def get_approval(self, approval_id: str) -> ApprovalRecord | None: ...
    async def list_approvals(
        self,
        *,
        status: str | None = None,
        owner: str | None = None,
        session_id: str | None = None,
        limit: int | None = None,
    ) -> list[ApprovalRecord]:
        """Oldest first; ``limit``: only the newest that many (read newest first, never the rest)."""
        ...

    async def audit_entries(self, **filters: object) -> list[dict[str, Any]]:
        """Oldest first; filters ``session_id``, ``owner`` (their sessions), ``before`` (a seq),
        ``limit`` (only the newest that many)."""
        ...


@dataclass
class TokenRecord:
    id: str
    token_hash: str
    user: str
    role: str  # admin | user | agent
    label: str | None = None
    created_at: float = 0.0
    revoked: bool = False
    agent: str | None = None  # the agent spec an agent token is bound to (None: unbound)


class AdminStore(Store, Protocol):
    """What the server needs beyond evaluation: CRUD for policies, agents, tokens, usage.

    Policy ids are assigned by the store; ``update_*`` accept ``name``,
    ``handler``, ``params``, ``enabled``, ``mode`` and bump the version that
    ``server_policies()`` / ``session_policies()`` report.
    """

    async def add_server_policy(self, spec: PolicySpec) -> PolicySpec: ...
    async def get_server_policy(self, policy_id: str) -> PolicySpec | None: ...
    async def update_server_policy(self, policy_id: str, **changes: object) -> PolicySpec: ...
    async def delete_server_policy(self, policy_id: str) -> None: ...
    async def add_session_policy(self, session_id: str, spec: PolicySpec) -> PolicySpec: ...
    async def update_session_policy(self, session_id: str, policy_id: str, **changes: object) -> PolicySpec: ...
    async def delete_session_policy(self, session_id: str, policy_id: str) -> None: ...
    async def put_agent(self, name: str, yaml_text: str) -> None: ...
    async def list_agents(self) -> list[tuple[str, str]]: ...
    async def usage_records(self, session_id: str) -> list[UsageRecord]: ...
    async def usage_totals(self, session_ids: list[str]) -> dict[str, JsonObject]:
        """The running usage totals (``runtime.usage.totals_of``) of each known session in ``session_ids``."""
        ...

    async def count_sessions(self, owner: str, active_since: float) -> int:
        """How many of ``owner``'s sessions are live: not ended, active at ``active_since`` or later."""
        ...

    async def pending_counts(self, session_ids: list[str]) -> dict[str, int]:
        """How many pending approvals each of ``session_ids`` has (none: absent), counted by the store."""
        ...

    async def pending_total(self) -> int:
        """How many approvals are pending server-wide, counted by the store."""
        ...

    async def create_token(self, record: TokenRecord, cap: TokenCap | None = None) -> None:
        """Store ``record``; past ``cap`` (counted in the same step) its ``Conflict``, nothing stored."""
        ...

    async def find_token(self, token_hash: str) -> TokenRecord | None: ...
    async def get_token(self, token_id: str) -> TokenRecord | None: ...
    async def list_tokens(self, user: str | None = None) -> list[TokenRecord]:
        """Every token (``user`` given: that user's only), oldest first."""
        ...

    async def revoke_token(self, token_id: str) -> None: ...
    async def close(self) -> None: ...
