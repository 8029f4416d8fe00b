"""The store's non-evaluation queries as plain functions over a ``Connection``
(sessions, policies, approvals, audit, agents, usage, tokens).  ``SqlStore``
runs them through its runner; writers run inside one transaction each."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Connection, delete, func, insert, select, true, update

from goalrail.engine.spec import PolicySpec
from goalrail.errors import Conflict, NotFound
from goalrail.jsontypes import JsonObject
from goalrail.runtime.caps import check_room
from goalrail.runtime.ports import ApprovalRecord, SessionInfo, TokenRecord, UsageRecord
from goalrail.runtime.quota import SessionCap, TokenCap
from goalrail.store.records import changed_spec
from goalrail.store.sql import activity, capped, rows
from goalrail.store.sql import tables as t
from goalrail.store.sql.changes import row_usage_totals, session_row
from goalrail.store.sql.rows import SessionRow
from goalrail.store.sql.statements import USAGE_FIELDS, dumps, query
from goalrail.store.sql.upsert import insert_ignore, upsert


def _exists(conn: Connection, *where: ColumnElement[bool]) -> bool:
    return conn.execute(select(true()).where(*where).limit(1)).first() is not None


# sessions ---------------------------------------------------------------------
def get_session(conn: Connection, session_id: str) -> SessionInfo | None:
    found = query(conn, "get_session", {"id": session_id})
    row = session_row(found[0] if found else None)
    return rows.session_info(row) if row else None


#: A session to create: id, owner, agent, labels.
NewSession = tuple[str, str | None, str | None, dict[str, str]]


def create_session(
    conn: Connection, session_id: str, owner: str | None, agent: str | None, labels: dict[str, str]
) -> SessionInfo:
    return create_sessions(conn, [(session_id, owner, agent, labels)])[0]


def create_sessions(conn: Connection, requests: Sequence[NewSession]) -> list[SessionInfo]:
    return [rows.session_info(row) for row in create_session_rows(conn, requests)[0]]


def create_session_rows(
    conn: Connection, requests: Sequence[NewSession], cap: SessionCap | None = None
) -> tuple[list[SessionRow], bool]:
    """Each session of ``requests`` created unless its row exists (the first request of an
    id gives its owner, agent and labels), by one statement run for each row (compiled
    once, unlike a statement of many rows) in id order (two writers of overlapping sets
    lock them in the same order), then each read back: the stored row, whoever wrote it.
    Also whether this call created every one of those rows (False: some existed).
    With ``cap`` (one request), a new row past it is its ``Conflict``: ``capped``."""
    if cap is not None:
        capped.check_session(conn, requests[0][0], cap)
    values: dict[str, dict[str, object]] = {}
    for session_id, owner, agent, labels in requests:
        if session_id not in values:
            now = time.time()  # (each its own: listings order by it)
            values[session_id] = {
                "id": session_id,
                "owner": owner,
                "agent": agent,
                "labels": labels,
                "model": None,
                "harness": None,
                "ended": None,
                "created_at": now,
                "last_activity": now,
                "policies_version": 0,
                "history_count": 0,
            }
    ids = sorted(values)
    inserted = conn.execute(insert_ignore(conn, t.sessions, ["id"]), [values[k] for k in ids]).rowcount
    found: dict[str, SessionRow] = {}
    for got in query(conn, "get_sessions", {"ids": dumps(ids)}):  # (one read for them all)
        row = session_row(got)
        assert row is not None
        found[row["id"]] = row
    return [found[request[0]] for request in requests], inserted == len(ids)


def list_sessions(conn: Connection, owner: str | None, limit: int) -> list[SessionInfo]:
    return [rows.session_info(r._mapping) for r in conn.execute(activity.listed_sessions(owner, limit))]


def count_sessions(conn: Connection, owner: str, active_since: float) -> int:
    live = activity.live_sessions(owner, active_since)
    return int(conn.execute(select(func.count()).select_from(t.sessions).where(*live)).scalar() or 0)


# server-wide policies ---------------------------------------------------------
Versioned = tuple[int, list[PolicySpec]]


def server_policies_since(conn: Connection, cached: Versioned | None) -> Versioned:
    """``cached`` when the version has not moved, else the stored list (one version read)."""
    version = query(conn, "server_version")[0][0]
    if cached is not None and cached[0] == version:
        return cached
    return server_policies(conn)


def session_policies_since(conn: Connection, session_id: str, cached: Versioned | None) -> Versioned:
    found = query(conn, "session_version", {"id": session_id})
    version = found[0][0] if found else None
    if not version:  # no such session, or it never had a policy
        return 0, []
    if cached is not None and cached[0] == version:
        return cached
    return session_policies(conn, session_id)


def server_policies(conn: Connection) -> Versioned:
    m, sp = t.meta, t.server_policies
    query = (
        select(m.c.value.label("version"), sp)
        .select_from(m.outerjoin(sp, true()))
        .where(m.c.key == t.SERVER_POLICIES_VERSION)
        .order_by(sp.c.position)
    )
    result = [r._mapping for r in conn.execute(query)]
    version = int(result[0]["version"]) if result else 0
    return version, [rows.policy_spec(r, "server") for r in result if r["id"] is not None]


def _bump_server_version(conn: Connection) -> None:
    # The UPDATE also locks the meta row: policy writers queue behind each other.
    conn.execute(update(t.meta).where(t.meta.c.key == t.SERVER_POLICIES_VERSION).values(value=t.meta.c.value + 1))


def add_server_policy(conn: Connection, spec: PolicySpec) -> PolicySpec:
    sp = t.server_policies
    _bump_server_version(conn)
    if _exists(conn, sp.c.name == spec.name):
        raise Conflict(f"a server-wide policy named `{spec.name}` already exists")
    pos = conn.execute(select(func.coalesce(func.max(sp.c.position), 0))).scalar()
    conn.execute(
        insert(sp).values(
            id=spec.id,
            created_at=time.time(),
            position=int(pos or 0) + 1,
            **rows.policy_values(spec),
        )
    )
    return spec


def get_server_policy(conn: Connection, policy_id: str) -> PolicySpec | None:
    row = conn.execute(select(t.server_policies).where(t.server_policies.c.id == policy_id)).first()
    return rows.policy_spec(row._mapping, "server") if row else None


def update_server_policy(conn: Connection, policy_id: str, changes: dict[str, object]) -> PolicySpec:
    sp = t.server_policies
    _bump_server_version(conn)
    old = get_server_policy(conn, policy_id)
    if old is None:
        raise NotFound(f"server-wide policy `{policy_id}` not found")
    new = changed_spec(old, changes)
    if _exists(conn, sp.c.name == new.name, sp.c.id != policy_id):
        raise Conflict(f"a server-wide policy named `{new.name}` already exists")
    conn.execute(update(sp).where(sp.c.id == policy_id).values(rows.policy_values(new)))
    return new


def delete_server_policy(conn: Connection, policy_id: str) -> None:
    _bump_server_version(conn)
    if conn.execute(delete(t.server_policies).where(t.server_policies.c.id == policy_id)).rowcount == 0:
        raise NotFound(f"server-wide policy `{policy_id}` not found")


# session policies -------------------------------------------------------------
def session_policies(conn: Connection, session_id: str) -> tuple[int, list[PolicySpec]]:
    s, p = t.sessions, t.session_policies
    query = (
        select(s.c.policies_version.label("version"), p)
        .select_from(s.outerjoin(p, p.c.session_id == s.c.id))
        .where(s.c.id == session_id)
        .order_by(p.c.position)
    )
    result = [r._mapping for r in conn.execute(query)]
    if not result:
        return 0, []
    return int(result[0]["version"]), [rows.policy_spec(r, "session") for r in result if r["id"] is not None]


def _bump_session_version(conn: Connection, session_id: str) -> None:
    bumped = conn.execute(
        update(t.sessions)
        .where(t.sessions.c.id == session_id)
        .values(policies_version=t.sessions.c.policies_version + 1)
    )
    if bumped.rowcount == 0:
        raise NotFound(f"session `{session_id}` not found")


def _session_policy(conn: Connection, session_id: str, policy_id: str) -> PolicySpec:
    p = t.session_policies
    row = conn.execute(select(p).where(p.c.session_id == session_id, p.c.id == policy_id)).first()
    if row is None:
        raise NotFound(f"session `{session_id}` has no policy `{policy_id}`")
    return rows.policy_spec(row._mapping, "session")


def add_session_policy(conn: Connection, session_id: str, spec: PolicySpec) -> PolicySpec:
    p = t.session_policies
    _bump_session_version(conn, session_id)
    if _exists(conn, p.c.session_id == session_id, p.c.name == spec.name):
        raise Conflict(f"session `{session_id}` already has a policy named `{spec.name}`")
    # The session row is locked (the version bump) or the database is (SQLite): the count is exact.
    held = conn.execute(select(func.count()).select_from(p).where(p.c.session_id == session_id)).scalar()
    check_room(int(held or 0))
    pos = conn.execute(select(func.coalesce(func.max(p.c.position), 0)).where(p.c.session_id == session_id)).scalar()
    conn.execute(
        insert(p).values(
            id=spec.id,
            session_id=session_id,
            created_at=time.time(),
            position=int(pos or 0) + 1,
            **rows.policy_values(spec),
        )
    )
    return spec


def update_session_policy(conn: Connection, session_id: str, policy_id: str, changes: dict[str, object]) -> PolicySpec:
    p = t.session_policies
    _bump_session_version(conn, session_id)
    new = changed_spec(_session_policy(conn, session_id, policy_id), changes)
    if _exists(conn, p.c.session_id == session_id, p.c.name == new.name, p.c.id != policy_id):
        raise Conflict(f"session `{session_id}` already has a policy named `{new.name}`")
    conn.execute(update(p).where(p.c.id == policy_id).values(rows.policy_values(new)))
    return new


def delete_session_policy(conn: Connection, session_id: str, policy_id: str) -> None:
    p = t.session_policies
    _bump_session_version(conn, session_id)
    if conn.execute(delete(p).where(p.c.session_id == session_id, p.c.id == policy_id)).rowcount == 0:
        raise NotFound(f"session `{session_id}` has no policy `{policy_id}`")


# approvals and audit ----------------------------------------------------------
def get_approval(conn: Connection, approval_id: str) -> ApprovalRecord | None:
    row = conn.execute(select(t.approvals).where(t.approvals.c.id == approval_id)).first()
    return rows.approval_record(row._mapping) if row else None


def list_approvals(conn: Connection, filters: dict[str, str | None], limit: int | None = None) -> list[ApprovalRecord]:
    """Oldest first; with ``limit``, the newest that many only (read newest first)."""
    a = t.approvals
    query = select(a)
    for name, value in filters.items():
        if value is not None:
            query = query.where(a.c[name] == value)
    if limit is None:
        return [rows.approval_record(r._mapping) for r in conn.execute(query.order_by(a.c.created_at, a.c.id))]
    newest = conn.execute(query.order_by(a.c.created_at.desc(), a.c.id.desc()).limit(limit))
    return [rows.approval_record(r._mapping) for r in newest][::-1]


def approved_approvals(conn: Connection, session_id: str, digest: str) -> list[ApprovalRecord]:
    """The session's approved (not yet used) approvals of the action ``digest``, oldest first:
    the index ``ix_approvals_approved`` finds them however many others the session has, and
    a row is decoded only when there is one (a retry of an approved action)."""
    return _approvals_by_id(
        conn, [r[0] for r in query(conn, "approvals.approved", {"sid": session_id, "digest": digest})]
    )


def answerable_approvals(conn: Connection, session_id: str, digest: str, now: float) -> list[ApprovalRecord]:
    """The session's pending approvals of the tool call ``digest`` unexpired at ``now``, oldest first
    (what a ``tool_result`` may answer): found through ``ix_approvals_session``, decoded only those."""
    found = query(conn, "approvals.answerable", {"sid": session_id, "digest": digest, "now": now})
    return _approvals_by_id(conn, [r[0] for r in found])


def _approvals_by_id(conn: Connection, ids: list[str]) -> list[ApprovalRecord]:
    """The approvals ``ids``, oldest first; no statement when there are none."""
    if not ids:
        return []
    a = t.approvals
    found = conn.execute(select(a).where(a.c.id.in_(ids)).order_by(a.c.created_at, a.c.id))
    return [rows.approval_record(r._mapping) for r in found]


def waiting_approvals(conn: Connection, session_id: str, now: float, limit: int) -> int:
    """The session's pending approvals unexpired at ``now``, counted up to ``limit``."""
    return int(query(conn, "approvals.waiting", {"sid": session_id, "now": now, "limit": limit})[0][0])


def audit_entries(
    conn: Connection,
    session_id: str | None,
    owner: str | None = None,
    before: int | None = None,
    limit: int | None = None,
) -> list[JsonObject]:
    """Entries oldest first: of ``session_id`` / ``owner``'s sessions if given, below seq ``before``,
    only the newest ``limit`` (read newest first, so a page never reads the rest of the log)."""
    a = t.audit
    query = select(a)
    if session_id is not None:
        query = query.where(a.c.session_id == session_id)
    if owner is not None:
        query = query.where(a.c.session_id.in_(select(t.sessions.c.id).where(t.sessions.c.owner == owner)))
    if before is not None:
        query = query.where(a.c.seq < before)
    if limit is None:
        return [rows.audit_entry(r._mapping) for r in conn.execute(query.order_by(a.c.seq))]
    newest = conn.execute(query.order_by(a.c.seq.desc()).limit(limit))
    return [rows.audit_entry(r._mapping) for r in newest][::-1]


# agents, usage, tokens --------------------------------------------------------
def put_agent(conn: Connection, name: str, yaml_text: str) -> None:
    """Store an uploaded agent spec; the server-wide version moves with it, so that every
    process reads the specs again before its next chain (``runtime.stored_agents``)."""
    _bump_server_version(conn)
    conn.execute(upsert(conn, t.agents, [{"name": name, "yaml": yaml_text, "updated_at": time.time()}], ["name"]))


def list_agents(conn: Connection) -> list[tuple[str, str]]:
    return [(n, y) for n, y in conn.execute(select(t.agents.c.name, t.agents.c.yaml).order_by(t.agents.c.name))]


def usage_records(conn: Connection, session_id: str) -> list[UsageRecord]:
    query = select(t.usage).where(t.usage.c.session_id == session_id).order_by(t.usage.c.id)
    return [rows.usage_record(r._mapping) for r in conn.execute(query)]


def running_totals(conn: Connection, session_ids: list[str]) -> dict[str, JsonObject]:
    """Each session's running totals, read from its row (not summed from its records)."""
    s, out = t.sessions, {}
    columns = [s.c[name] for name in USAGE_FIELDS]
    for i in range(0, len(session_ids), 500):
        for r in conn.execute(select(s.c.id, *columns).where(s.c.id.in_(session_ids[i : i + 500]))):
            out[r[0]] = row_usage_totals(dict(zip(USAGE_FIELDS, r[1:], strict=True)))
    return out


def create_token(conn: Connection, record: TokenRecord, cap: TokenCap | None = None) -> None:
    tk = t.tokens
    if _exists(conn, (tk.c.id == record.id) | (tk.c.token_hash == record.token_hash)):
        raise Conflict("a token with this id or hash already exists")
    if cap is not None:
        capped.check_token(conn, cap)
    conn.execute(
        insert(tk).values(
            id=record.id,
            token_hash=record.token_hash,
            user=record.user,
            role=record.role,
            label=record.label,
            created_at=record.created_at,
            revoked=record.revoked,
            agent=record.agent,
        )
    )


def find_token(conn: Connection, token_hash: str) -> TokenRecord | None:
    row = conn.execute(select(t.tokens).where(t.tokens.c.token_hash == token_hash)).first()
    return rows.token_record(row._mapping) if row else None


def get_token(conn: Connection, token_id: str) -> TokenRecord | None:
    row = conn.execute(select(t.tokens).where(t.tokens.c.id == token_id)).first()
    return rows.token_record(row._mapping) if row else None


def list_tokens(conn: Connection, user: str | None = None) -> list[TokenRecord]:
    tk = t.tokens
    query = select(tk) if user is None else select(tk).where(tk.c.user == user)
    return [rows.token_record(r._mapping) for r in conn.execute(query.order_by(tk.c.created_at, tk.c.id))]


def revoke_token(conn: Connection, token_id: str) -> None:
    if conn.execute(update(t.tokens).where(t.tokens.c.id == token_id).values(revoked=True)).rowcount == 0:
        raise NotFound(f"token `{token_id}` not found")
