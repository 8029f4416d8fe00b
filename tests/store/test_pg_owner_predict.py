"""``pg_owners.Owners.predict`` resumes from its last prediction when the queue only grew
(each queued decision's changes applied once): it must show exactly what applying every
queued and in-flight change to the base from scratch shows, whatever happens to the
queue between two snapshots (decisions queued, taken off into a batch, dropped, a batch
landing or failing)."""

from __future__ import annotations

import random

from goalrail.jsontypes import JsonObject
from goalrail.policies.schema import StateUpdate
from goalrail.store.sql.pg_owners import Effect, Owners, OwnerState

DAY = "2026-03-01"


def _from_scratch(owners: Owners, owner: str, user: JsonObject, cost: float | None) -> tuple[JsonObject, float | None]:
    """What ``predict`` shows, computed without its last prediction."""
    view = owners.views.get(owner)
    if view is None or (not view.history and not view.flying and not view.queued):
        return user, cost
    base, effects = view.base(user, DAY, cost)
    out, costs = dict(base.user), {DAY: base.costs.get(DAY)}
    out_cost = costs[DAY]
    for effect in effects:
        out_cost = effect.apply(out, costs, DAY)
    return out, out_cost


def _effect(rng: random.Random) -> Effect:
    updates = [StateUpdate(key=rng.choice("abc"), action="increment", value=rng.randint(1, 3))]
    if rng.random() < 0.3:
        updates.append(StateUpdate(key="log", action="append", value=rng.randint(0, 9), max_len=4))
    if rng.random() < 0.1:
        updates.append(StateUpdate(key=rng.choice("abc"), action="delete"))
    return Effect(updates, DAY if rng.random() < 0.8 else None, rng.choice([0.0, 0.25, 1.5]))


def test_a_prediction_resumed_from_the_last_one_is_the_one_made_from_scratch() -> None:
    rng = random.Random(7)
    owners = Owners()
    read: JsonObject = {"a": 1}
    read_cost: float | None = 2.0
    resumed = 0
    for _ in range(3000):
        step = rng.random()
        view = owners.views.get("o")
        if step < 0.45:
            owners.queue("o", _effect(rng))
        elif step < 0.55 and view is not None and view.queued and not view.flying:
            batch = view.queued[: rng.randint(1, len(view.queued))]
            owners.take_off(("o", e) for e in batch)
            before = OwnerState(dict(read), {DAY: read_cost})
            after_user, costs = dict(read), {DAY: read_cost}
            after_cost = read_cost
            for e in batch:
                after_cost = e.apply(after_user, costs, DAY)
            owners.landing({"o": (before, OwnerState(after_user, {DAY: after_cost}))})
        elif step < 0.65 and view is not None and view.flying:
            committed = rng.random() < 0.8
            if committed and view.landing is not None:
                read, read_cost = dict(view.landing[1].user), view.landing[1].costs[DAY]
            owners.landed(["o"], committed)
        elif step < 0.7 and view is not None and view.queued:
            owners.drop([("o", view.queued[rng.randrange(len(view.queued))])])
        elif step < 0.72:  # another replica wrote: the read shows a state this one never held
            read, read_cost = {"a": rng.randint(100, 200)}, rng.choice([None, 7.0])
        if rng.random() < 0.5:  # no snapshot now: the queue changes twice before the next one
            continue
        view = owners.views.get("o")
        last = view.last if view is not None else None
        expected = _from_scratch(owners, "o", read, read_cost)
        shown = owners.predict("o", DAY, read, read_cost)
        assert shown == expected
        if view is not None and last is not None and view.last is not None and view.last[2][: len(last[2])] == last[2]:
            resumed += bool(last[2])
    assert resumed > 300  # the resumed path was taken, not only the one from scratch
