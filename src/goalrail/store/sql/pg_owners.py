"""What a PostgreSQL replica knows of each owner's state between group commits.

The owner's state (``user_state``) and cost of the day (``usage_days``) are
shared by every session of the owner; on a single-user server, by every
session.  A decision's snapshot must show them as they will be when its batch
writes it (``pg_batch`` checks that it does, under the owner's lock), and the
decisions queued before it in this replica will have changed them by then: a
budget's reservation on every LLM request, a usage record's cost.  Read alone,
the database shows none of that, so nearly every decision of a busy owner
would be refused and evaluated again on the row-lock path.

So each snapshot shows the owner's state **as this replica's queued decisions
will leave it**: the state the replica's last batch committed (read and
written under the owner's lock, so exact at that moment) with the changes of
every decision queued or in flight since applied in queue order, exactly as the
batch will apply them.  Whether that base is still current is told by the
snapshot's own read: if it shows one of the states a recent batch of this
replica found or left (or the batch in flight finds or will leave), nobody
else wrote since; if it shows something else (another replica, or an
evaluation on the row-lock path, wrote since), the read is the base and the
changes queued or in flight go on top of it.

This is a prediction, never trusted: the batch compares what each snapshot
showed with the database under the lock, as before, so a wrong prediction (a
decision queued earlier whose own snapshot no longer held, a write by another
replica) costs an evaluation again, never a lost update or an overshoot.  What
another replica queued is never shown: its writes (a daily budget's reservations
on every LLM request) change the state most snapshots of this replica showed,
and such a decision is written only if its chain, evaluated again on the state
at its place, says exactly what it said (``PgTx.stands``, ``runtime.recheck``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from goalrail.engine.state import same_json as same
from goalrail.jsontypes import JsonObject
from goalrail.store.sql.owners import Effect, OwnerState, same_state

__all__ = ["HISTORY", "IDLE_LIMIT", "Effect", "OwnerState", "OwnerView", "Owners", "same", "same_state"]

#: How many of its own committed states a replica recognizes in a read made a
#: little earlier (a read-ahead, then other decisions' batches, then the snapshot).
HISTORY = 16
#: Owners kept with nothing queued (the least recently changed are forgotten first).
IDLE_LIMIT = 1024


@dataclass
class OwnerView:
    """One owner: the states this replica's recent batches found and left (newest last),
    those of its batch in flight once computed (before, after), and the changes
    queued or in flight, in order."""

    history: deque[OwnerState] = field(default_factory=lambda: deque(maxlen=HISTORY))
    landing: tuple[OwnerState, OwnerState] | None = None
    flying: list[Effect] = field(default_factory=list)
    queued: list[Effect] = field(default_factory=list)
    #: The last prediction: its base, day and effects, and what they made (state, cost).
    last: tuple[OwnerState, str, list[Effect], JsonObject, float | None] | None = None

    def applied(self, base: OwnerState, day: str, effects: list[Effect]) -> tuple[JsonObject, float | None]:
        """``base`` with ``effects`` applied in order (a new dict, and the cost of ``day``):
        from the last prediction's result when it started from the same state and its
        effects are the first of these (the queue grew since), so each queued decision's
        changes are applied once, not once per snapshot taken behind it."""
        last, start = self.last, 0
        if last is not None and last[0] is base and last[1] == day and _begins(effects, last[2]):
            start = len(last[2])
        if last is not None and start:
            out, cost = dict(last[3]), last[4]
        else:
            out, cost = dict(base.user), base.costs.get(day)
        costs = {day: cost}
        for effect in effects[start:]:
            cost = effect.apply(out, costs, day)
        self.last = (base, day, list(effects), out, cost)
        return dict(out), cost

    def base(self, user: JsonObject, day: str, cost: float | None) -> tuple[OwnerState, list[Effect]]:
        """The state to start from, given what a read showed, and the changes to apply to it."""
        landing = self.landing[1] if self.landing is not None else None
        if self.landing is not None and any(state.shows(user, day, cost) for state in self.landing):
            return self.landing[1], self.queued
        if any(state.shows(user, day, cost) for state in reversed(self.history)):  # newest first: nobody wrote since
            if landing is not None and day in landing.costs:
                return landing, self.queued
            latest = self.history[-1]
            if day in latest.costs:
                return latest, self.flying + self.queued
        return OwnerState(user, {day: cost}), self.flying + self.queued


def _begins(effects: list[Effect], first: list[Effect]) -> bool:
    """Whether ``effects`` begins with ``first`` (the same objects, in order)."""
    return len(first) <= len(effects) and all(a is b for a, b in zip(first, effects[: len(first)], strict=True))


class Owners:
    """Every owner this replica has decisions for (``PgDecisions`` keeps one)."""

    def __init__(self) -> None:
        self.views: dict[str, OwnerView] = {}
        self.predicted = 0  # snapshots shown a state that differs from their read (for tests and profiling)

    def predict(self, owner: str, day: str, user: JsonObject, cost: float | None) -> tuple[JsonObject, float | None]:
        """What a snapshot of ``owner`` for ``day`` shows, given what its read showed."""
        view = self.views.get(owner)
        if view is None or (not view.history and not view.flying and not view.queued):
            return user, cost
        base, effects = view.base(user, day, cost)
        out, out_cost = view.applied(base, day, effects)
        if base.user is not user or effects:
            self.predicted += 1
        return out, out_cost

    def queue(self, owner: str, effect: Effect) -> None:
        view = self.views.pop(owner, None) or OwnerView()
        self.views[owner] = view  # most recently changed last
        view.queued.append(effect)

    def take_off(self, effects: Iterable[tuple[str, Effect]]) -> None:
        """A batch starts with these decisions' changes."""
        for owner, effect in effects:
            view = self.views.get(owner)
            if view is not None and effect in view.queued:
                view.queued.remove(effect)
                view.flying.append(effect)

    def drop(self, effects: Iterable[tuple[str, Effect]]) -> None:
        """These queued decisions will not be written (the group commit was cancelled)."""
        for owner, effect in effects:
            view = self.views.get(owner)
            if view is not None and effect in view.queued:
                view.queued.remove(effect)

    def landing(self, states: dict[str, tuple[OwnerState, OwnerState]]) -> None:
        """The batch in flight read these owners' states under their lock and computed
        what it commits (before, after)."""
        for owner, state in states.items():
            view = self.views.get(owner)
            if view is not None:
                view.landing = state

    def landed(self, owners: Iterable[str], committed: bool) -> None:
        """The batch in flight ended (``committed`` or not) for these owners."""
        for owner in owners:
            view = self.views.get(owner)
            if view is None:
                continue
            if committed and view.landing is not None:
                view.history.extend(view.landing)
            elif not committed:
                view.history.clear()  # what the database holds is unknown until read again
            view.landing = None
            view.flying = []
        self._forget_idle()

    def _forget_idle(self) -> None:
        excess = len(self.views) - IDLE_LIMIT
        if excess <= 0:
            return
        idle = [owner for owner, view in self.views.items() if not view.flying and not view.queued]
        for owner in idle[:excess]:
            del self.views[owner]
