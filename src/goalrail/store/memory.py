"""An in-memory Store: the SDK's in-process Guard, the CLI and tests use it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, cast

from goalrail.engine.spec import PolicySpec
from goalrail.engine.state import SharedEntry
from goalrail.errors import Conflict, NotFound
from goalrail.jsontypes import JsonObject
from goalrail.runtime import audit
from goalrail.runtime.caps import check_room
from goalrail.runtime.entries import resolved_digests
from goalrail.runtime.ports import ApprovalRecord, SessionInfo, UsageRecord
from goalrail.runtime.quota import SessionCap
from goalrail.store.memory_rows import KeptRow, kept_row
from goalrail.store.memory_session import MemoryTx, Session
from goalrail.store.memory_tokens import MemoryTokens
from goalrail.store.records import changed_spec, new_policy_id

AUDIT_LIMIT = 10_000  # audit entries kept in memory (the newest); older ones are dropped in chunks


class MemoryStore(MemoryTokens):
    """``audit_limit``: how many audit entries are kept (the newest).  Older ones are
    dropped a chunk at a time; ``audit_base`` is then the ``(seq, hash)`` of the last
    dropped entry, from which the kept chain still verifies (``audit.verify(base=…)``)."""

    def __init__(self, *, audit_limit: int = AUDIT_LIMIT) -> None:
        self.sessions: dict[str, Session] = {}
        self.owned: dict[str, list[Session]] = {}  # owner → their sessions (a cap counts these only)
        self.user_state: dict[str, JsonObject] = {}
        # (owner, UTC day) → (running cost, rounded to 10 places as snapshots show it)
        self.day_cost: dict[tuple[str, str], tuple[float, float]] = {}
        # owner → (day, the read-only ``user_daily_cost`` its snapshots show; ``memory_session._day_shown``)
        self.days_shown: dict[str | None, tuple[str, SharedEntry]] = {}
        self.approvals: dict[str, ApprovalRecord] = {}
        self._rows: list[KeptRow] = []
        self._unsealed: list[audit.Entry] = []
        self._seal_scheduled = False
        self.audit_limit = max(1, audit_limit)
        self._audit_base: tuple[int, str] | None = None
        self._audit_head: tuple[int, str] = (0, audit.GENESIS)
        self.server_policy_list: list[PolicySpec] = []
        self.server_version = 0
        self.agents: dict[str, str] = {}
        MemoryTokens.__init__(self)

    async def close(self) -> None:
        """Nothing to release; present so every store closes the same way."""

    # sessions -----------------------------------------------------------
    async def ensure_session(
        self,
        session_id: str,
        *,
        owner: str | None = None,
        agent: str | None = None,
        labels: dict[str, str] | None = None,
        cap: SessionCap | None = None,
    ) -> SessionInfo:
        return _copy_info(self.session_now(session_id, owner, agent, labels, cap))

    def session_now(
        self,
        session_id: str,
        owner: str | None,
        agent: str | None,
        labels: dict[str, str] | None,
        cap: SessionCap | None = None,
    ) -> SessionInfo:
        """The session, created unless it exists (past ``cap``: its ``Conflict``, counted with no await)."""
        sess = self.sessions.get(session_id)
        if sess is None:
            if cap is not None:
                cap.check(self._live(cap.owner, cap.active_since))
            now = time.time()
            info = SessionInfo(session_id, owner, agent, dict(labels or {}), now, now)
            sess = self.sessions[session_id] = Session(info)
            if owner is not None:
                self.owned.setdefault(owner, []).append(sess)
        return sess.info

    async def get_session(self, session_id: str) -> SessionInfo | None:
        sess = self.sessions.get(session_id)
        return _copy_info(sess.info) if sess else None

    async def list_sessions(self, *, owner: str | None = None, limit: int = 100) -> list[SessionInfo]:
        infos = [s.info for s in self.sessions.values() if owner is None or s.info.owner == owner]
        return sorted(infos, key=lambda i: -i.last_activity)[:limit]

    async def count_sessions(self, owner: str, active_since: float) -> int:
        return self._live(owner, active_since)

    def _live(self, owner: str, active_since: float) -> int:  # (the owner's sessions only)
        return sum(
            1 for s in self.owned.get(owner, ()) if s.info.ended is None and s.info.last_activity >= active_since
        )

    def transaction(self, session_id: str, *, optimistic: bool = False) -> MemoryTx:
        sess = self.sessions.get(session_id)
        if sess is None:
            raise NotFound(f"session `{session_id}` not found")
        return MemoryTx(self, sess)

    def take_now(self, session_id: str) -> MemoryTx | None:
        sess = self.sessions.get(session_id)
        if sess is None:
            raise NotFound(f"session `{session_id}` not found")
        lock = sess.lock
        if lock.held:  # ``SessionLock.take_now``, without the call
            return None
        lock.held = True
        tx = sess.tx
        if tx is None:
            tx = sess.tx = MemoryTx(self, sess)
        return tx

    def open_now(
        self,
        session_id: str,
        owner: str | None,
        agent: str | None,
        labels: dict[str, str] | None,
        cap: SessionCap | None = None,
    ) -> tuple[SessionInfo, int, int]:
        """``session_now``'s session and the versions its chain is keyed by (session, server), in one call."""
        sess = self.sessions.get(session_id)
        if sess is None:
            self.session_now(session_id, owner, agent, labels, cap)
            sess = self.sessions[session_id]
        return sess.info, sess.policies_version, self.server_version

    # policies -----------------------------------------------------------
    async def session_policies(self, session_id: str) -> tuple[int, list[PolicySpec]]:
        sess = self.sessions.get(session_id)
        if sess is None:
            return 0, []
        return sess.policies_version, list(sess.policies)

    def _session(self, session_id: str) -> Session:
        sess = self.sessions.get(session_id)
        if sess is None:
            raise NotFound(f"session `{session_id}` not found")
        return sess

    async def add_session_policy(self, session_id: str, spec: PolicySpec) -> PolicySpec:
        sess = self._session(session_id)
        if any(p.name == spec.name for p in sess.policies):
            raise Conflict(f"session `{session_id}` already has a policy named `{spec.name}`")
        check_room(len(sess.policies))
        spec = replace(spec, level="session", id=spec.id or new_policy_id("session"))
        sess.policies.append(spec)
        sess.policies_version += 1
        return spec

    async def update_session_policy(self, session_id: str, policy_id: str, **changes: object) -> PolicySpec:
        sess = self._session(session_id)
        i = _index(sess.policies, policy_id, _no_session_policy(session_id, policy_id))
        new = changed_spec(sess.policies[i], changes)
        if any(p.name == new.name and p.id != policy_id for p in sess.policies):
            raise Conflict(f"session `{session_id}` already has a policy named `{new.name}`")
        sess.policies[i] = new
        sess.policies_version += 1
        return new

    async def delete_session_policy(self, session_id: str, policy_id: str) -> None:
        sess = self._session(session_id)
        missing = _no_session_policy(session_id, policy_id)
        del sess.policies[_index(sess.policies, policy_id, missing)]
        sess.policies_version += 1

    async def server_policies(self) -> tuple[int, list[PolicySpec]]:
        return self.server_version, list(self.server_policy_list)

    async def add_server_policy(self, spec: PolicySpec) -> PolicySpec:
        if any(p.name == spec.name for p in self.server_policy_list):
            raise Conflict(f"a server-wide policy named `{spec.name}` already exists")
        spec = replace(spec, level="server", id=spec.id or new_policy_id("server"))
        self.server_policy_list.append(spec)
        self.server_version += 1
        return spec

    async def get_server_policy(self, policy_id: str) -> PolicySpec | None:
        return next((p for p in self.server_policy_list if p.id == policy_id), None)

    async def update_server_policy(self, policy_id: str, **changes: object) -> PolicySpec:
        i = _index(self.server_policy_list, policy_id, _no_server_policy(policy_id))
        new = changed_spec(self.server_policy_list[i], changes)
        if any(p.name == new.name and p.id != policy_id for p in self.server_policy_list):
            raise Conflict(f"a server-wide policy named `{new.name}` already exists")
        self.server_policy_list[i] = new
        self.server_version += 1
        return new

    async def delete_server_policy(self, policy_id: str) -> None:
        missing = _no_server_policy(policy_id)
        del self.server_policy_list[_index(self.server_policy_list, policy_id, missing)]
        self.server_version += 1

    # agents, usage, tokens ----------------------------------------------
    async def put_agent(self, name: str, yaml_text: str) -> None:
        self.agents[name] = yaml_text
        self.server_version += 1  # as the SQL stores: runtimes read the stored specs again

    async def list_agents(self) -> list[tuple[str, str]]:
        return sorted(self.agents.items())

    async def usage_records(self, session_id: str) -> list[UsageRecord]:
        sess = self.sessions.get(session_id)
        return list(sess.usage) if sess else []

    async def usage_totals(self, session_ids: list[str]) -> dict[str, JsonObject]:
        found = (self.sessions.get(sid) for sid in session_ids)
        return {s.info.id: s.totals.totals for s in found if s is not None}

    async def pending_counts(self, session_ids: list[str]) -> dict[str, int]:
        approvals, found = self.approvals, (self.sessions.get(sid) for sid in session_ids)
        counted = {s.info.id: sum(approvals[i].status == "pending" for i in s.approval_ids) for s in found if s}
        return {sid: n for sid, n in counted.items() if n}

    async def pending_total(self) -> int:
        return sum(a.status == "pending" for a in self.approvals.values())

    # approvals ----------------------------------------------------------
    async def get_approval(self, approval_id: str) -> ApprovalRecord | None:
        return self.approvals.get(approval_id)

    def keep_approval(self, record: ApprovalRecord) -> None:
        """Store ``record`` (every approval is written here) and keep its session's approved ones indexed."""
        self.approvals[record.id] = record
        sess = self.sessions.get(record.session_id)
        if sess is None:
            return
        if record.status == "approved":
            sess.approved[record.id] = None
        else:
            sess.approved.pop(record.id, None)
        if record.status == "pending":
            sess.pending.add(record.id, record.expires_at, record.digest)
        else:
            sess.pending.remove(record.id)

    async def approved_approvals(self, session_id: str, digest: str) -> list[ApprovalRecord]:
        return self.approved_now(session_id, digest)

    def approved_now(self, session_id: str, digest: str) -> list[ApprovalRecord]:
        """From the session's index of approved approvals: flat in its pending (and used) ones."""
        sess = self.sessions.get(session_id)
        if sess is None or not sess.approved:  # none approved and unused (the usual case): nothing to sort
            return []
        found = [a for a in map(self.approvals.__getitem__, sess.approved) if a.digest == digest]
        return sorted(found, key=lambda a: a.created_at)

    def answerable_now(self, session_id: str, digest: str, now: float) -> list[ApprovalRecord]:
        """The session's pending, unexpired approvals of the tool call ``digest``, oldest first
        (``SessionTx.answerable_approvals``): from its index of pending ones, no list of the others,
        and none gone through unless one of ``digest`` is pending."""
        sess = self.sessions.get(session_id)
        if sess is None or not sess.pending.may_answer(digest, now):
            return []
        found = [
            a
            for a in map(self.approvals.__getitem__, sess.pending)
            if a.digest == digest and a.status == "pending" and a.event_type == "tool_call" and now < a.expires_at
        ]
        return sorted(found, key=lambda a: a.created_at) if len(found) > 1 else found

    async def list_approvals(
        self,
        *,
        status: str | None = None,
        owner: str | None = None,
        session_id: str | None = None,
        limit: int | None = None,
    ) -> list[ApprovalRecord]:
        found = self.approvals_now(status=status, owner=owner, session_id=session_id)
        return found if limit is None else found[max(0, len(found) - limit) :]

    def approvals_now(
        self, *, status: str | None = None, owner: str | None = None, session_id: str | None = None
    ) -> list[ApprovalRecord]:
        if session_id is not None:  # a session's own, not every approval (asked on each ASK)
            sess = self.sessions.get(session_id)
            ids = sess.approval_ids if sess is not None else []
            candidates: Iterable[ApprovalRecord] = [self.approvals[i] for i in ids]
        else:
            candidates = self.approvals.values()
        out = [
            a
            for a in candidates
            if (status is None or a.status == status)
            and (owner is None or a.owner == owner)
            and (session_id is None or a.session_id == session_id)
        ]
        return sorted(out, key=lambda a: a.created_at)

    def waiting_now(self, session_id: str, now: float, limit: int) -> int:
        """The session's pending, unexpired approvals, counted up to ``limit``: flat in its other
        approvals, and without a pass over the pending ones until one may have expired
        (``store.waiting``; those found expired leave the session's index of pending ones)."""
        sess = self.sessions.get(session_id)
        return 0 if sess is None else sess.pending.count(now, limit)

    # audit --------------------------------------------------------------
    def append_audit(self, entry: audit.Entry) -> None:
        """Queue ``entry``; it is sealed with the others queued since the last seal.

        Sealing (the payload's canonical JSON and the chained SHA-256) is off the
        decision path: it runs as soon as the event loop gets control back (after the
        decision is returned) and, whatever comes first, before the log is read.
        The bytes hashed are the same as sealing at once.
        """
        self._unsealed.append(entry)
        if self._seal_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop: seal now
            self.seal_pending()
            return
        self._seal_scheduled = True
        loop.call_soon(self.seal_pending)

    def seal_pending(self) -> None:
        """Seal the queued entries onto the chain, in order, and drop the oldest past the limit."""
        self._seal_scheduled = False
        pending, self._unsealed = self._unsealed, []
        seq, prev = self._audit_head
        log = self._rows
        for entry in pending:
            resolved_digests(entry.payload)
            seq += 1
            row = kept_row(entry, prev, seq)
            prev = row.hash
            log.append(row)
        self._audit_head = (seq, prev)
        if len(log) > self.audit_limit + self.audit_limit // 4:
            drop = len(log) - self.audit_limit
            last = log[drop - 1]
            self._audit_base = (last.seq, last.hash)
            del log[:drop]

    @property
    def audit(self) -> list[KeptRow]:
        """The sealed log (the newest ``audit_limit`` entries or a few more)."""
        if self._unsealed:
            self.seal_pending()
        return self._rows

    @property
    def audit_base(self) -> tuple[int, str] | None:
        if self._unsealed:
            self.seal_pending()
        return self._audit_base

    async def audit_entries(self, **filters: object) -> list[dict[str, Any]]:
        """Filters as the SQL store's: ``session_id``, ``owner`` (their sessions), ``before`` (a seq), ``limit``."""
        session_id, owner, before, limit = (filters.get(k) for k in ("session_id", "owner", "before", "limit"))
        rows = [e for e in self.audit if session_id is None or e.session_id == session_id]
        if owner is not None:
            mine = {sid for sid, s in self.sessions.items() if s.info.owner == owner}
            rows = [e for e in rows if e.session_id in mine]
        if before is not None:
            rows = [e for e in rows if e.seq < cast("int", before)]
        if limit is not None:
            rows = rows[max(0, len(rows) - cast("int", limit)) :]
        return [e.to_dict() for e in rows]


def _index(specs: list[PolicySpec], policy_id: str, missing: str) -> int:
    for i, p in enumerate(specs):
        if p.id == policy_id:
            return i
    raise NotFound(missing)


def _no_session_policy(session_id: str, policy_id: str) -> str:
    return f"session `{session_id}` has no policy `{policy_id}`"


def _no_server_policy(policy_id: str) -> str:
    return f"server-wide policy `{policy_id}` not found"


def _copy_info(i: SessionInfo) -> SessionInfo:
    """A copy the caller may change (``dataclasses.replace`` costs several times more)."""
    return SessionInfo(
        i.id, i.owner, i.agent, dict(i.labels), i.created_at, i.last_activity, i.ended, i.model, i.harness
    )
