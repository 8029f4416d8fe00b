"""The memory store's sessions and their transactions (:class:`MemoryTx`), which never wait."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import PolicySpec
from goalrail.engine.state import (
    RUNTIME_NS,
    RUNTIME_NS_END,
    SCALAR_TYPES,
    ReadOnlyEntry,
    SharedEntry,
    apply_update,
    detached,
    detached_value,
    read_only,
    updatable,
)
from goalrail.jsontypes import JsonObject
from goalrail.runtime import ports
from goalrail.runtime.ports import HISTORY_LIMIT, ApprovalRecord, Commit, SessionInfo, UsageRecord
from goalrail.runtime.usage import RunningTotals
from goalrail.store.waiting import Waiting

if TYPE_CHECKING:
    from goalrail.store.memory import MemoryStore

_NO_COST = (0.0, 0.0)  # a day without spend: (running cost, as snapshots show it)
_new = object.__new__


class SessionLock:
    """A session's lock: taken at once when free (no coroutine: ``take_now``), else awaited in
    arrival order; ``release`` hands it to the first waiter still waiting."""

    __slots__ = ("held", "waiters")

    def __init__(self) -> None:
        self.held = False
        self.waiters: deque[asyncio.Future[None]] = deque()

    def take_now(self) -> bool:
        if self.held:
            return False
        self.held = True  # not held: every waiter left is cancelled (a release hands over to the others)
        return True

    async def take(self) -> None:
        if self.take_now():
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append(fut)
        try:
            await fut  # set by release: the lock is handed over, still held
        except BaseException:  # cancelled (or closed) while waiting
            if fut.done() and not fut.cancelled():  # handed over, then cancelled before running: pass it on
                self.release()
            elif fut in self.waiters:
                self.waiters.remove(fut)
            raise

    def release(self) -> None:
        waiters = self.waiters
        while waiters:
            fut = waiters.popleft()
            if not fut.done():
                fut.set_result(None)
                return
        self.held = False


@dataclass
class Session:
    info: SessionInfo
    state: JsonObject = field(default_factory=dict)
    policy_states: dict[str, JsonObject] = field(default_factory=dict)
    history: list[JsonObject] = field(default_factory=list)
    usage: list[UsageRecord] = field(default_factory=list)
    totals: RunningTotals = field(default_factory=RunningTotals)
    grants: set[str] = field(default_factory=set)
    approval_ids: list[str] = field(default_factory=list)  # this session's approvals, oldest first
    approved: dict[str, None] = field(default_factory=dict)  # those approved and not yet used
    pending: Waiting = field(default_factory=Waiting)  # those pending, unless seen expired
    # The policies' namespaces among ``policy_states`` (not the runtime's own, ``RUNTIME_NS``): what
    # a snapshot copies (the others it shares).  Only ``commit_now`` adds a namespace, and it adds it here.
    policy_ns: tuple[str, ...] = ()
    policies: list[PolicySpec] = field(default_factory=list)
    policies_version: int = 0
    lock: SessionLock = field(default_factory=SessionLock)
    # The session's transaction object, made once: it holds nothing but the store and the session
    # (``MemoryStore.take_now`` hands it out each time the lock is taken).
    tx: MemoryTx | None = field(default=None, repr=False, compare=False)


class MemoryTx:
    """One session's transaction, and its own ``async with``: the session's lock held
    around it (one object per transaction; cheaper than ``@asynccontextmanager``).
    Nothing in it waits: the runtime may take it with ``MemoryStore.take_now`` and call
    its ``*_now`` steps (``ports.ImmediateTx``) without coroutines."""

    __slots__ = ("sess", "store")

    def __init__(self, store: MemoryStore, sess: Session) -> None:
        self.store, self.sess = store, sess

    async def __aenter__(self) -> MemoryTx:
        await self.sess.lock.take()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.sess.lock.release()

    def release(self) -> None:
        lock = self.sess.lock
        if lock.waiters:
            lock.release()
        else:  # nobody waits (``SessionLock.release``, without the call)
            lock.held = False

    async def snapshot(self, *, user_day: str) -> Snapshot:
        return self.snapshot_now(user_day)

    def snapshot_now(self, user_day: str) -> Snapshot:
        s, info = self.sess, self.sess.info
        owner_key = info.owner or ""
        shown = self.store.days_shown.get(info.owner)
        if shown is None or shown[0] != user_day:
            shown = _day_shown(self.store, info.owner, user_day)
        # Made and filled here, not by ``Snapshot(...)``: a class call costs ≈ 1 k instructions more in
        # CPython 3.11 (every field is set; tests/unit/test_made_in_place.py checks them against the class's).
        snap: Snapshot = _new(Snapshot)
        snap.session_id = info.id
        snap.owner = info.owner
        snap.agent = info.agent
        snap.labels = info.labels  # shared: a commit replaces the stored labels, never changes them
        # Nothing mutable shared with the stored state: only commits change it.
        snap.state = detached(s.state) if s.state else {}
        # ``snapshot_states``, without its call and its test of each namespace's name: the runtime's
        # namespaces shared (copied with the dict, in C), each policy's namespace copied.
        if states := s.policy_states:
            out = snap.policy_states = dict(states)
            for ns in s.policy_ns:
                values = states[ns]
                # Scalars only (the usual namespace, a few counters): a plain copy (a loop over the
                # values costs less than a set of their types up to a dozen of them).
                for value in values.values():
                    if type(value) not in SCALAR_TYPES:
                        out[ns] = detached(values)
                        break
                else:
                    out[ns] = dict(values)
        else:
            snap.policy_states = {}
        user_state = self.store.user_state.get(owner_key)
        snap.user_state = detached(user_state) if user_state else {}
        snap.usage = s.totals.totals  # replaced, never changed, by each usage record
        snap.user_daily_cost = shown[1]  # the owner's read-only view, shared until the day or its cost changes
        snap.history = list(s.history)
        snap.model = info.model
        snap.harness = info.harness
        snap.ended = info.ended
        snap.grants = s.grants  # shared as the labels: replaced by a commit that adds any
        snap.client_id = None
        return snap

    async def get_approval(self, approval_id: str) -> ApprovalRecord | None:
        return await self.store.get_approval(approval_id)

    async def list_approvals(self, *, status: str | None = None, session_id: str | None = None) -> list[ApprovalRecord]:
        return self.store.approvals_now(status=status, session_id=session_id)

    async def approved_approvals(self, session_id: str, digest: str) -> list[ApprovalRecord]:
        return self.store.approved_now(session_id, digest)

    def approved_now(self, session_id: str, digest: str) -> list[ApprovalRecord]:
        return self.store.approved_now(session_id, digest)

    async def waiting_approvals(self, session_id: str, now: float, limit: int) -> int:
        return self.store.waiting_now(session_id, now, limit)

    def waiting_now(self, session_id: str, now: float, limit: int) -> int:
        return self.store.waiting_now(session_id, now, limit)

    async def answerable_approvals(self, session_id: str, digest: str, now: float) -> list[ApprovalRecord]:
        return self.store.answerable_now(session_id, digest, now)

    def answerable_now(self, session_id: str, digest: str, now: float) -> list[ApprovalRecord]:
        return self.store.answerable_now(session_id, digest, now)

    async def commit(self, c: Commit) -> None:
        self.commit_now(c)

    def commit_now(self, c: Commit) -> None:
        s, info = self.sess, self.sess.info
        if c.session_updates:  # (each loop only when there is something: no iterator made for nothing)
            for upd in c.session_updates:
                apply_update(s.state, upd)
        if c.policy_updates:
            states = s.policy_states
            for ns, upds in c.policy_updates.items():
                # The runtime's own namespaces are written only by the runtime, with values it makes for
                # the update and never changes (a provenance chunk, the calls held for the proxy): kept
                # as they are, as snapshots share them (``engine.state.snapshot_states``).  A policy's are copied.
                owned = RUNTIME_NS <= ns < RUNTIME_NS_END  # ``ns.startswith(RUNTIME_NS)``, without the call
                target = states.get(ns)  # a policy's own dict is changed in place (``updatable``, without the call)
                if owned or type(target) is not dict:
                    if not owned:  # a policy's namespace made now (``snapshot_now`` copies it)
                        s.policy_ns += (ns,)
                    target = updatable(states, ns)
                for upd in upds:
                    apply_update(target, upd, owned)
        if c.user_updates:
            target = self.store.user_state.setdefault(info.owner or "", {})
            for upd in c.user_updates:
                apply_update(target, upd)
        if c.labels:  # a new dict: the snapshots taken before keep theirs
            info.labels = {**info.labels, **c.labels}
        if c.history is not None:
            entry = c.history  # shared by the snapshots: read-only (``read_only``, without a call when it is)
            history = s.history
            history.append(entry if type(entry) is ReadOnlyEntry else read_only(entry))
            if len(history) > HISTORY_LIMIT:
                del history[:-HISTORY_LIMIT]
        if c.end_session:
            info.ended = c.end_session
        if c.model:
            info.model = c.model
        if c.harness:
            info.harness = c.harness
        if c.grants:
            s.grants = s.grants.union(c.grants)  # a new set, as the labels
        if c.usage is not None:
            s.usage.append(c.usage)
            s.totals.add(c.usage)
            key = (info.owner or "", c.usage.day)
            cost = self.store.day_cost.get(key, _NO_COST)[0] + (c.usage.cost_usd or 0.0)
            self.store.day_cost[key] = (cost, round(cost, 10))  # rounded once, not per snapshot
            _forget_day_shown(self.store, info.owner)
        if c.approval is not None:
            if c.approval.id not in self.store.approvals:
                s.approval_ids.append(c.approval.id)
            self.store.keep_approval(_with_held(c.approval, _held_copy(c.approval.held)))
        if c.resolve_approval is not None:
            self.store.keep_approval(c.resolve_approval)
        if c.audit is not None:
            store = self.store
            if store._seal_scheduled:  # queued behind the others (``MemoryStore.append_audit``, without the call)
                store._unsealed.append(c.audit)
            else:
                store.append_audit(c.audit)
        info.last_activity = time.time()


def _day_shown(store: MemoryStore, owner: str | None, day: str) -> tuple[str, SharedEntry]:
    """``owner``'s spend on ``day`` as snapshots show it (``context.user_daily_cost``): one read-only
    entry per owner, kept until the day changes or a usage record changes its cost, so that neither
    its dict nor its view is made per event (``engine.context.build_event`` reads the entry's view)."""
    cost = store.day_cost.get((owner or "", day), _NO_COST)[1]
    shown = store.days_shown[owner] = (day, SharedEntry({"user_id": owner, "day": day, "cost_usd": cost}))
    return shown


def _forget_day_shown(store: MemoryStore, owner: str | None) -> None:
    """Drop ``owner``'s view after its cost changed (both spellings of no owner, which share a cost)."""
    shown = store.days_shown
    if owner:
        shown.pop(owner, None)
    else:
        shown.pop(None, None)
        shown.pop("", None)


def _held_copy(held: ports.HeldChanges) -> ports.HeldChanges:
    """What the store keeps of an approval's held changes: the updates are the policies' own
    objects, so no dict or list of theirs is kept (as the SQL stores keep their JSON), and a
    value a policy kept cannot change what the approval applies.  The runtime's own
    namespaces' updates (a provenance chunk) are kept as they are, as ``commit_now`` applies them."""
    out: JsonObject = {}
    for key, value in cast(JsonObject, held).items():
        if key == "policy_updates" and type(value) is dict:
            out[key] = {ns: u if RUNTIME_NS <= ns < RUNTIME_NS_END else detached_value(u) for ns, u in value.items()}
        else:
            out[key] = detached_value(value)
    return cast(ports.HeldChanges, out)


def _with_held(a: ApprovalRecord, held: ports.HeldChanges) -> ApprovalRecord:
    """A copy of ``a`` holding ``held``: its fields copied as they are (a dataclass without
    ``__post_init__``, whose ``__init__`` only assigns them; by keywords it costs ten times
    as much, by ``replace()`` twenty)."""
    copy = object.__new__(type(a))  # (an ``AskedApproval``'s decision is made when read)
    copy.__dict__.update(a.__dict__)
    copy.held = held
    return copy
