"""An owner's state as decisions see it, for both SQL stores.

The owner's state (``user_state``) and cost of the day (``usage_days``) are
shared by every session of the owner.  A group commit checks, under the
database's lock on them, that each decision's snapshot showed them as the batch
finds them after its earlier decisions (``same_state``, parsed JSON values
compared by kind and value); ``Effect`` is what one queued decision changes in
them, applied as the batch applies it, so a store can show a snapshot the state
its queued decisions will leave (``pg_owners``, ``sqlite_owners``).  A decision
whose snapshot does not hold may still stand: ``same_decision`` asks its
``Commit.recheck`` (``runtime.recheck``) whether it says the same on the state
the batch has at its place.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from goalrail.engine.state import apply_update, same_json
from goalrail.jsontypes import JsonObject
from goalrail.policies.schema import StateUpdate
from goalrail.runtime.ports import Commit

log = logging.getLogger("goalrail.store")


def same_state(a: JsonObject, b: JsonObject) -> bool:
    """``same_json`` for every key (a value shared by both is not compared further)."""
    if a is b:
        return True
    if a.keys() != b.keys():
        return False
    for key, value in a.items():
        other = b[key]
        if value is not other and not same_json(value, other):
            return False
    return True


@dataclass
class OwnerState:
    """An owner's state (key → parsed JSON value) and cost of each day known (None: no row)."""

    user: JsonObject
    costs: dict[str, float | None]

    def shows(self, user: JsonObject, day: str, cost: float | None) -> bool:
        """Whether a read of ``day`` showing ``user`` and ``cost`` read this state."""
        return day in self.costs and self.costs[day] == cost and same_state(self.user, user)


class Effect:
    """What one queued decision changes in its owner's state: applied as the batch applies it."""

    __slots__ = ("cost", "day", "updates")

    def __init__(self, updates: Sequence[StateUpdate], day: str | None, cost: float) -> None:
        self.updates = updates
        self.day = day
        self.cost = cost

    @classmethod
    def of(cls, commit: Commit) -> Effect | None:
        if commit.usage is None:
            return cls(commit.user_updates, None, 0.0) if commit.user_updates else None
        return cls(commit.user_updates, commit.usage.day, commit.usage.cost_usd or 0.0)

    def apply(self, user: JsonObject, costs: dict[str, float | None], day: str) -> float | None:
        """Apply to ``user`` (in place) and to the cost of ``day`` (returned, as ``costs`` gives it)."""
        for upd in self.updates:
            apply_update(user, upd)
        cost = costs.get(day)
        if self.day == day:
            cost = (cost or 0.0) + self.cost
            costs[day] = cost
        return cost


def same_decision(commit: Commit, user: JsonObject, cost: float | None) -> bool:
    """Whether the decision, evaluated again on the owner's state ``user`` and cost of the
    snapshot's day ``cost`` (None: no row) as the batch has them at its place, says what it
    said (``Commit.recheck``): then it stands, on the state it is written on.  False when
    the commit has no recheck, or when the recheck fails (the decision is then refused as
    stale and evaluated again, as any other)."""
    recheck = commit.recheck
    if recheck is None:
        return False
    try:
        return recheck(user, cost)
    except Exception:  # (the batch goes on)
        log.exception("rechecking a decision failed")
        return False
