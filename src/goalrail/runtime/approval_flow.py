"""An approval after its ASK: read, resolve, consume, wait for, settle.

Each step is one transaction on the approval's session with its own audit
entry.  An approval is given only while the policies that asked are still what
they were when they asked (:func:`asker_changed`): approving one whose policy an
admin has since changed or removed refuses it instead (409), so a call waiting
on it is denied and its retry asks the current policy.  ``Runtime`` keeps the
public methods and the waiters; these functions do the work, given the runtime
(store, clock, waiters, listeners).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from goalrail.engine import approvals
from goalrail.engine.spec import FAILED
from goalrail.errors import Conflict, InvalidRequest, NotFound
from goalrail.runtime import asks
from goalrail.runtime.entries import approval_entry
from goalrail.runtime.held import held_now
from goalrail.runtime.outcome import Outcome, utc_day
from goalrail.runtime.ports import ApprovalRecord, Commit

if TYPE_CHECKING:
    from goalrail.runtime.runtime import Runtime

TERMINAL = ("approved", "denied", "expired", "applied", asks.ANSWERED_IN_CLIENT)


async def get(rt: Runtime, approval_id: str) -> ApprovalRecord:
    """The approval as it stands; a pending one past its deadline is expired now."""
    record = await rt.store.get_approval(approval_id)
    if record is None:
        raise NotFound(f"approval `{approval_id}` not found")
    if record.status == "pending" and rt.clock() >= record.expires_at:
        record = await finish(rt, record, "expired", by="timeout", scope=None)
    return record


async def resolve(
    rt: Runtime, approval_id: str, decision: str, *, scope: str, by: str | None, digest: str | None
) -> ApprovalRecord:
    if decision not in ("approve", "deny"):
        raise InvalidRequest(
            "decision must be `approve` or `deny`", [{"loc": "decision", "message": "expected approve or deny"}]
        )
    canonical = approvals.normalize_scope(scope)
    if canonical is None:
        names = ", ".join(f"`{s}`" for s in approvals.SCOPES)
        raise InvalidRequest(f"scope must be one of {names}", [{"loc": "scope", "message": f"expected {names}"}])
    record = await get(rt, approval_id)
    if digest is not None and digest != record.digest:
        raise Conflict("the approval does not match this action (digest differs)")
    if record.status != "pending":
        raise Conflict(f"approval `{approval_id}` is already {record.status}")
    status = "approved" if decision == "approve" else "denied"
    if status == "approved" and await asker_changed(rt, record):
        await finish(rt, record, "denied", by=CHANGED_BY, scope=None)
        raise Conflict(
            f"approval `{approval_id}` no longer answers its question: the policy that asked has changed since "
            "(another handler, parameters, mode, on_error or deadline, or it was removed), so the call is "
            "refused and asks again when retried"
        )
    return await finish(rt, record, status, by=by, scope=canonical if status == "approved" else None)


#: Who refused an approval whose asking policy changed before it was approved.
CHANGED_BY = "goalrail (the asking policy changed)"


async def asker_changed(rt: Runtime, record: ApprovalRecord) -> bool:
    """Whether a policy that asked ``record``'s question is no longer in its session's chain as it
    was (``PolicySpec.answer_key``: its handler, parameters, mode, on_error and deadline): an
    approval given now would answer a question the current policy never asked."""
    keys = record.grant_keys or []
    if not keys:
        return False  # an approval recorded before grant keys: bound to its digest alone
    info = await rt.store.get_session(record.session_id)
    if info is None:
        return False
    chain = await rt.chain_for(info)
    current = [p.spec.answer_key for p in chain.policies]
    prefixes = tuple(f"{key}|" for key in current) + tuple(f"{key}{FAILED}|" for key in current)
    return not all(key.startswith(prefixes) for key in keys)


async def finish(
    rt: Runtime, record: ApprovalRecord, status: str, *, by: str | None, scope: str | None
) -> ApprovalRecord:
    """Close a pending approval; approved (or answered in the client) applies what it held."""
    now = rt.clock()
    async with rt.store.transaction(record.session_id) as tx:
        current = await tx.get_approval(record.id)
        if current is None:
            raise NotFound(f"approval `{record.id}` not found")
        if current.status != "pending":
            return current
        done = replace(current, status=status, resolved_at=now, resolved_by=by, scope=scope)
        commit = Commit(resolve_approval=done)
        rederived = False
        if status in ("approved", asks.ANSWERED_IN_CLIENT):
            held, rederived = await held_now(rt, tx, current)  # a stale held `set`: evaluated again
            commit.session_updates = list(held.get("session_updates") or [])
            commit.policy_updates = dict(held.get("policy_updates") or {})
            commit.user_updates = list(held.get("user_updates") or [])
            commit.labels = dict(held.get("labels") or {})
            commit.end_session = held.get("end_session")
            commit.grants = approvals.keys_for_scope(current.grant_keys, scope)
        payload: dict[str, Any] = {
            "approval_id": record.id,
            "status": status,
            "by": by,
            "scope": scope,
            "digest": current.digest,
            "policies": current.policies,
        }
        if rederived:
            payload["rederived"] = True
        commit.audit = approval_entry(now, record.session_id, payload)
        await tx.commit(commit)
    waiter = rt.waiters.get(record.id)
    if waiter is not None:
        waiter.set()
    rt.emit("approval", {"approval_id": record.id, "status": status, "session_id": record.session_id})
    return done


async def consume(rt: Runtime, approval_id: str, *, session_id: str, digest: str) -> ApprovalRecord:
    async with rt.store.transaction(session_id) as tx:
        record = await tx.get_approval(approval_id)
        if record is None or record.session_id != session_id:
            raise NotFound(f"approval `{approval_id}` not found in session `{session_id}`")
        if record.status != "approved":
            raise Conflict(f"approval `{approval_id}` is {record.status}, not approved")
        if record.digest != digest:
            raise Conflict("the approval does not match this action (digest differs)")
        used = replace(record, status="applied")
        payload = {"approval_id": approval_id, "status": "applied", "digest": digest}
        await tx.commit(Commit(resolve_approval=used, audit=approval_entry(rt.clock(), session_id, payload)))
    return used


async def wait(rt: Runtime, approval_id: str, timeout_s: float) -> ApprovalRecord:
    deadline = time.monotonic() + max(0.0, timeout_s)
    event = rt.waiters.setdefault(approval_id, asyncio.Event())
    try:
        while True:
            record = await get(rt, approval_id)
            if record.status in TERMINAL:
                return record
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return record
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=min(remaining, rt.poll_interval_s))
    finally:
        if (approval_id in rt.waiters and not event.is_set()) or event.is_set():
            rt.waiters.pop(approval_id, None)


async def settle(rt: Runtime, outcome: Outcome, wait_s: float) -> Outcome:
    if outcome.decision.result != "ASK" or not outcome.approval_id:
        return outcome
    record = await wait(rt, outcome.approval_id, wait_s)
    if record.status == "approved":
        outcome.final = "ALLOW"
        outcome.resolution = f"approved by {record.resolved_by or 'the user'}"
        if (record.scope or approvals.ONCE) == approvals.ONCE:
            await _use(rt, record, by="the waiting call")  # this call is the one it approved
        if outcome.hook_mcp_call:  # the call now goes on to the MCP proxy: one evaluation per call
            await _hold_for_proxy(rt, record, outcome.hook_mcp_call)
    elif record.status in ("denied", "expired", asks.ANSWERED_IN_CLIENT):
        outcome.final = "DENY"
        outcome.resolution = {
            "denied": f"refused by {record.resolved_by or 'the user'}",
            "expired": "approval timed out",
        }.get(record.status, "answered in the client, not in Goalrail")
    return outcome


async def _use(rt: Runtime, record: ApprovalRecord, *, by: str) -> None:
    """Mark an approved ``once`` approval used, so no retry can use it again."""
    async with rt.store.transaction(record.session_id) as tx:
        current = await tx.get_approval(record.id)
        if current is None or current.status != "approved":
            return
        payload = {"approval_id": record.id, "status": "applied", "by": by, "digest": current.digest}
        entry = approval_entry(rt.clock(), record.session_id, payload)
        await tx.commit(Commit(resolve_approval=replace(current, status="applied"), audit=entry))


async def _hold_for_proxy(rt: Runtime, record: ApprovalRecord, harness: str) -> None:
    """A hook's approved ASK of an MCP call, kept for the proxy as the hook's ALLOW would be."""
    if not record.digest:
        return
    async with rt.store.transaction(record.session_id) as tx:
        now = rt.clock()
        snap = await tx.snapshot(user_day=utc_day(now))
        updates = asks.hold_hook_allow(snap, record.digest, now, harness)
        await tx.commit(Commit(policy_updates={asks.CALLS_NS: updates}))
