"""Held ``set`` updates of an ASK, applied as compare-and-set when it is approved.

An ASK's state updates wait in its approval until the user answers.  ``increment``,
``append`` and ``delete`` commute with what other events write meanwhile; a
``set`` does not: a policy computed its value from the state it saw, and
writing it later would overwrite what allowed events of the same session wrote
in between (exact state, DESIGN.md §4).  So each held ``set`` remembers the
value its key had when it was held (its *base*).  On approval, if every base
still holds, the held updates apply as they are.  If any key changed meanwhile,
the held updates are stale: the approved action is evaluated again against the
current state, at its recorded time, and *those* updates apply (the ASK counts
as answered, whatever the new evaluation's verdict) — the same updates the
event would have made had it come after the events that overtook it.  Replay
(``runtime.replay``) does the same, so a replayed session ends in the same state.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable, Mapping

from goalrail.engine.context import build_event
from goalrail.engine.evaluate import aevaluate
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.state import split_updates
from goalrail.jsontypes import JsonValue
from goalrail.policies.provenance import NS as PROVENANCE_NS
from goalrail.policies.schema import StateUpdate
from goalrail.runtime.ports import ApprovalRecord, Base, HeldChanges, SessionTx
from goalrail.runtime.written import WRITTEN_NS, written_updates

TYPE_CHECKING = False
if TYPE_CHECKING:
    from goalrail.runtime.runtime import Runtime


def _read(mapping: Mapping[str, JsonValue] | None, key: str) -> list[JsonValue]:
    return [copy.deepcopy(mapping[key])] if mapping is not None and key in mapping else []


def _tier(snap: Snapshot, tier: JsonValue, ns: JsonValue) -> Mapping[str, JsonValue] | None:
    if tier == "policy":
        return snap.policy_states.get(ns if isinstance(ns, str) else "")  # a policy tier names its namespace
    return snap.user_state if tier == "user" else snap.state


def bases(
    snap: Snapshot,
    session: Iterable[StateUpdate],
    policy: Mapping[str, Iterable[StateUpdate]],
    user: Iterable[StateUpdate],
) -> list[Base]:
    """The current value of every key a held ``set`` writes (once per key)."""
    seen: set[tuple[str, str | None, str]] = set()
    out: list[Base] = []
    groups: list[tuple[str, str | None, Iterable[StateUpdate]]] = [("session", None, session), ("user", None, user)]
    groups += [("policy", ns, upds) for ns, upds in policy.items()]
    for tier, ns, upds in groups:
        for upd in upds:
            where = (tier, ns, upd["key"])
            if upd["action"] == "set" and where not in seen:
                seen.add(where)
                out.append([tier, ns, upd["key"], _read(_tier(snap, tier, ns), upd["key"])])
    return out


def stale(snap: Snapshot, recorded: Iterable[Base]) -> bool:
    """Whether any key a held ``set`` writes no longer has the value it had when held."""
    return any(_read(_tier(snap, tier, ns), str(key)) != base for tier, ns, key, base in recorded)


def hold(
    snap: Snapshot,
    held: HeldChanges,
    event: Mapping[str, JsonValue],
    actor: Mapping[str, JsonValue] | None,
    at: float,
) -> HeldChanges:
    """What an approval keeps beside its held updates to apply them later: bases, and the event to re-evaluate."""
    recorded = bases(snap, held["session_updates"], held["policy_updates"], held["user_updates"])
    if not recorded:
        return {}
    return {"bases": recorded, "again": {"event": dict(event), "actor": dict(actor) if actor else None, "at": at}}


async def held_now(rt: Runtime, tx: SessionTx, record: ApprovalRecord) -> tuple[HeldChanges, bool]:
    """The approval's held updates, or (``True``) the action's updates against the current state if one
    went stale.  Inside the session's transaction, so nothing changes between the check and the commit."""
    held = record.held
    again = held.get("again")
    if not again:
        return held, False
    at = float(again["at"])
    snap = await tx.snapshot(user_day=time.strftime("%Y-%m-%d", time.gmtime(at)))  # as runtime.utc_day
    info = await rt.store.get_session(record.session_id)
    if info is None or not stale(snap, held.get("bases") or []):
        return held, False
    if snap.ended:  # every event of an ended session is denied: it changes nothing
        return {"session_updates": [], "policy_updates": {}, "user_updates": [], "labels": {}}, True
    mapper = rt.mapper_for(info.agent)
    event = build_event(
        again["event"],
        snap,
        mapper=mapper,
        now=at,
        llm_client=rt.llm_client,
        prices=rt.prices,
        actor=again.get("actor"),
        provenance=rt.provenance.view(record.session_id, snap),
    )
    decision = await aevaluate(await rt.chain_for(info), event, snap.policy_states)
    session, policy, user = split_updates(decision.state_updates)
    seen, labels = ([], {}) if decision.result == "DENY" else rt.provenance.remember(event, snap, at, mapper)
    if seen:
        policy.setdefault(PROVENANCE_NS, []).extend(seen)
    if decision.result != "DENY" and event["type"] == "tool_call" and (wrote := written_updates(event, snap)):
        policy.setdefault(WRITTEN_NS, []).extend(wrote)
    ended = f"ended by `{decision.policy}`: {decision.reason}" if decision.end_session else None
    labels = {**decision.set_labels, **labels}
    out: HeldChanges = {"session_updates": session, "policy_updates": policy, "user_updates": user, "labels": labels}
    return {**out, "end_session": ended}, True
