"""Whether a decision holds on an owner state its snapshot did not show.

The owner's state and cost of the day are shared by all of the owner's sessions,
and an optimistic store checks, when it commits, that each decision's snapshot
showed them as they are then; one that did not is evaluated again (holding the
writer, on SQLite).  Most such decisions did not depend on what changed: a
daily budget's reservations, which every LLM request of another process
increments, are read by a tool call only to see whether one has expired.  So a
store may first ask :class:`Recheck`: the decision's chain evaluated again on the
same event and session state with the owner's state and cost of the day as they
are now, and whether it says exactly what it said (``Decision.same_as``: verdict,
reasons, every update and label, each policy's answer).  If it does, the decision
and its commit are the ones an evaluation now would make, and they stand; if not,
the decision is refused as before.

Only a chain that the engine evaluates inline has one (shipped builtins called
on the loop, which read nothing but the event and return their answer): an
async or off-loop policy is never called twice.  A decision that uses an approval
up, or whose approval holds updates of the owner's state (applied later, against
the values they were held on: ``runtime.held``), has none.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import cast

from goalrail.engine.chain import Chain
from goalrail.engine.decision import Decision
from goalrail.engine.evaluate import evaluate
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.state import detached
from goalrail.jsontypes import JsonObject
from goalrail.policies.schema import PolicyEvent


class Recheck:
    """``Commit.recheck`` of one decision: ``recheck(user_state, cost)``."""

    __slots__ = ("chain", "decision", "event", "states")

    def __init__(self, chain: Chain, event: PolicyEvent, states: dict[str, JsonObject], decision: Decision) -> None:
        self.chain, self.event, self.states, self.decision = chain, event, states, decision

    def __call__(self, user_state: JsonObject, cost: float | None) -> bool:
        """Whether the chain says the same on ``user_state`` and ``cost`` (the cost of the
        snapshot's day; None: no spend recorded that day)."""
        event = self.event
        context = dict(event["context"])
        daily = dict(event["context"]["user_daily_cost"])
        daily["cost_usd"] = round(cost, 10) if cost is not None else 0.0
        context["user_daily_cost"] = MappingProxyType(daily)
        context["user_state"] = MappingProxyType(detached(user_state) if user_state else {})
        again = evaluate(self.chain, cast(PolicyEvent, {**event, "context": context}), self.states)
        return self.decision.same_as(again)


class Rechecked:
    """``Commit.recheck`` for the runtime's ``Draft``, built only when a store asks for it
    (a group commit, for a decision whose view of the owner no longer holds): from the
    chain and the engine's decision (``evaluated``; None: the decision has no recheck),
    the event and the snapshot's policy states, the very objects a :class:`Recheck` built
    with the decision would hold."""

    __slots__ = ()
    chain: Chain
    evaluated: Decision | None
    event: PolicyEvent
    snap: Snapshot

    @property
    def recheck(self) -> Callable[[JsonObject, float | None], bool] | None:
        evaluated = self.evaluated
        return None if evaluated is None else Recheck(self.chain, self.event, self.snap.policy_states, evaluated)

    @recheck.setter
    def recheck(self, value: Callable[[JsonObject, float | None], bool] | None) -> None:
        raise AttributeError("a draft's recheck is made from its `evaluated` decision")
