"""What a SQLite store knows of each owner's state between group commits.

The owner's state (``user_state``) and cost of the day (``usage_days``) are
shared by every session of the owner, and decisions of different sessions run
at once: each must decide on the state every decision committed before it in
the batch's order has left, or a budget shared by the sessions is overshot.

* **Verification** (exactness).  Each decision remembers what its snapshot
  showed of its owner's state.  The group commit, under the write lock (after
  reading the change log there), takes each owner's state as the database holds
  it and goes through the batch in order: a decision whose snapshot showed
  something else is not written (:class:`StaleSnapshot`: evaluated again holding
  the writer throughout), unless its chain, evaluated again on the state at its
  place, says exactly what it said (``Commit.recheck``, ``runtime.recheck``: it
  decided on nothing that changed, as a tool call shown another process's
  reservations); the changes of one that holds are applied before the
  next is compared.  The database's state is what this store's last batch left
  (``exact``), unless another writer (another process, a decision evaluated
  again holding the writer, a failed batch) may have written since: then it is
  read there, under the lock.
* **Prediction** (so decisions rarely go stale).  A snapshot shows the owner's
  state as this store's queued decisions will leave it: the committed state
  with the changes of the batch in flight and of every decision queued since
  applied in order, as the batch applies them (``tail``, kept up to date as
  decisions queue, copied on write).  In one process the committed state only
  changes when a batch lands (its commit and this update run without a pause on
  the event loop), so a read of the database between batches is the state
  before the batch in flight.

A wrong prediction costs an evaluation again, never an overshoot or a lost update.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING

from goalrail.engine.state import apply_update
from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.store.sql.changes import StateStep
from goalrail.store.sql.owners import Effect, OwnerState, same_decision, same_state
from goalrail.store.sql.statements import dumps, loads

if TYPE_CHECKING:
    from goalrail.store.sql.sqlite_commit import Pending

#: Owners remembered with nothing queued (more: the idle ones are forgotten).
LIMIT = 10_000
_USER = "SELECT key, value FROM user_state WHERE owner = ?"
_DAY = "SELECT cost_usd FROM usage_days WHERE owner = ? AND day = ?"
#: JSON numbers SQLite gives back as they were written (numeric affinity turns a
#: float with no fractional part into an integer; beyond 2**53 it is not assumed).
_EXACT_NUMBERS = 2**53


class Owner:
    """One owner: the committed state as last known (its base), whether this store's
    own last batch left it so under the write lock (``exact``), and the changes of the
    batch in flight and of the decisions queued after it, in order."""

    __slots__ = ("costs", "exact", "exact_days", "flying", "queued", "tail", "tail_costs", "user")

    def __init__(self) -> None:
        self.user: JsonObject | None = None  # None: read it (never changed in place)
        self.costs: dict[str, float | None] = {}  # day → cost (None: no row)
        self.exact = False  # `user` is the database's (no other writer since our batch left it)
        self.exact_days: set[str] = set()  # the days of `costs` known so
        self.flying: list[Effect] = []
        self.queued: list[Effect] = []
        self.tail: JsonObject | None = None  # `user` with `flying` and `queued` applied (None: to compute)
        self.tail_costs: dict[str, float | None] = {}  # the same for each day of `costs`

    def idle(self) -> bool:
        return not self.flying and not self.queued

    def forget(self) -> None:
        """The database may hold something else now: read it next time."""
        self.user, self.costs, self.exact, self.exact_days = None, {}, False, set()
        self.tail, self.tail_costs = None, {}

    def learn(self, user: JsonObject | None, day: str | None, cost: float | None) -> None:
        """A read outside the write lock (no batch landed meanwhile): the base where unknown."""
        if user is not None and self.user is None:
            self.user, self.tail = user, None
        if day is not None and day not in self.costs:
            self.costs[day], self.tail = cost, None

    def predicted(self, day: str) -> tuple[JsonObject, float | None]:
        """What a snapshot of ``day`` shows (the base of ``day`` known)."""
        if self.tail is None:
            assert self.user is not None
            user, costs = self.user, dict(self.costs)
            effects = self.flying + self.queued
            if any(e.updates for e in effects):
                user = dict(user)
            for effect in effects:
                _apply(effect, user, costs)
            self.tail, self.tail_costs = user, costs
        return self.tail, self.tail_costs[day]

    def shown(self, user: JsonObject, day: str, cost: float | None) -> tuple[JsonObject, float | None]:
        """What a snapshot shows on a read that is not kept (made while the base changed)."""
        view = Owner()
        view.user, view.costs, view.flying, view.queued = user, {day: cost}, self.flying, self.queued
        return view.predicted(day)

    def queue(self, effect: Effect) -> None:
        self.queued.append(effect)
        if self.tail is not None:
            if effect.updates:
                self.tail = dict(self.tail)  # the old one may be a snapshot's
            _apply(effect, self.tail, self.tail_costs)

    def landed(self, after: OwnerState | None, exact_days: set[str]) -> None:
        """The batch in flight committed (leaving ``after``) or failed (None)."""
        self.flying = []
        self.tail, self.tail_costs = None, {}
        if after is None:
            self.forget()
            return
        self.costs.update(after.costs)
        self.user, self.exact, self.exact_days = after.user, True, exact_days


def _apply(effect: Effect, user: JsonObject, costs: dict[str, float | None]) -> None:
    """``effect`` applied in place, as the batch applies it (a day not in ``costs``: unknown)."""
    for upd in effect.updates:
        apply_update(user, upd)
    if effect.day is not None and effect.day in costs:
        costs[effect.day] = (costs[effect.day] or 0.0) + effect.cost


class Owners:
    """Every owner a SQLite store knows of (``sqlite_cache.Cache.owners``)."""

    def __init__(self) -> None:
        self.known: dict[str, Owner] = {}
        self.landings = 0  # batches landed and owners forgotten: a read begun before one is not kept

    def get(self, key: str) -> Owner:
        owner = self.known.get(key)
        if owner is None:
            if len(self.known) >= LIMIT:
                self.known = {k: o for k, o in self.known.items() if not o.idle()}
            owner = self.known[key] = Owner()
        return owner

    def forget(self, key: str) -> None:
        owner = self.known.get(key)
        if owner is not None:
            owner.forget()
            self.landings += 1

    def forget_all(self) -> None:
        for owner in self.known.values():
            owner.forget()
        self.landings += 1

    def queue(self, key: str, effect: Effect) -> None:
        self.get(key).queue(effect)

    def take_off(self, keys: Iterable[str]) -> None:
        """A batch starts with everything queued (of these owners)."""
        for key in keys:
            owner = self.known.get(key)
            if owner is not None:
                owner.flying, owner.queued = owner.queued, []

    def landed(self, found: Checked | None, keys: Iterable[str]) -> None:
        """The batch ended: committed (what ``check`` found and left) or not (None)."""
        self.landings += 1
        for key in keys:
            owner = self.known.get(key)
            if owner is None:
                continue
            if found is not None and key not in found.after:  # none of its state read or written
                owner.flying, owner.tail, owner.tail_costs = [], None, {}
            elif found is None or found.unsure.get(key, False):
                owner.landed(None, set())
            else:
                owner.landed(found.after[key], set(found.after[key].costs))


class Checked:
    """What the batch found of its owners and what it leaves (``check``)."""

    def __init__(self) -> None:
        self.after: dict[str, OwnerState] = {}
        self.unsure: dict[str, bool] = {}  # owner → whether `after` may differ from what SQLite gives back
        self.writes: list[StateStep] = []


def check(conn: sqlite3.Connection, items: list[Pending], owners: Owners) -> tuple[list[Pending], Checked]:
    """Under the write lock: the decisions of ``items`` whose snapshots showed their
    owner's state as the batch finds it (in order, each one's changes applied before
    the next is compared), and the owners' state writes."""
    found = Checked()
    before: dict[str, JsonObject] = {}
    touched: dict[str, dict[str, None]] = {}
    copied: set[str] = set()
    for item in items:
        key = item.owner_key
        if not item.views and item.effect is None:
            continue  # (decided nothing on its owner's state and changes none of it)
        if key not in found.after:
            state = _state(conn, owners.known.get(key), key)
            before[key], found.after[key] = state.user, state  # (copied before its first change)
        costs = found.after[key].costs
        for day, _, _ in item.views:
            if day not in costs:
                costs[day] = _day_cost(conn, key, day)
        usage = item.commit.usage
        if usage is not None and usage.day not in costs:
            costs[usage.day] = _day_cost(conn, key, usage.day)
    held: list[Pending] = []
    for item in items:
        if not item.views and item.effect is None:
            held.append(item)
            continue
        state = found.after[item.owner_key]
        if not _holds(state, item.views) and not _same_decision(state, item):
            continue
        held.append(item)
        effect = item.effect
        if effect is not None:
            if effect.updates and item.owner_key not in copied:
                state.user = dict(state.user)  # (the base, or a snapshot's view: never changed in place)
                copied.add(item.owner_key)
            _apply(effect, state.user, state.costs)
            keys = touched.setdefault(item.owner_key, {})
            for upd in effect.updates:
                keys[upd["key"]] = None
    for key, keys in touched.items():
        found.unsure[key] = _user_writes(key, before[key], found.after[key].user, keys, found.writes)
    return held, found


def _holds(state: OwnerState, views: list[tuple[str, JsonObject, float | None]]) -> bool:
    """Whether each view (day, state, cost of the day) shows ``state``."""
    return all(state.costs[day] == cost and same_state(state.user, user) for day, user, cost in views)


def _same_decision(state: OwnerState, item: Pending) -> bool:
    """Whether the decision, evaluated again on ``state`` (``owners.same_decision``), says
    what it said: then it stands, on the state it is written on."""
    if len(item.views) != 1:
        return False
    return same_decision(item.commit, state.user, state.costs[item.views[0][0]])


def _state(conn: sqlite3.Connection, owner: Owner | None, key: str) -> OwnerState:
    """The owner's state and the costs of the days this store knows exactly (its base
    when its last batch left it so and nobody wrote since; else read here)."""
    if owner is not None and owner.exact and owner.user is not None:
        return OwnerState(owner.user, {day: owner.costs[day] for day in owner.exact_days})
    return OwnerState({k: loads(v) for k, v in conn.execute(_USER, (key,)).fetchall()}, {})


def _day_cost(conn: sqlite3.Connection, key: str, day: str) -> float | None:
    found = conn.execute(_DAY, (key, day)).fetchall()
    return float(found[0][0]) if found else None


def _user_writes(
    key: str, before: JsonObject, after: JsonObject, keys: dict[str, None], writes: list[StateStep]
) -> bool:
    """The upserts and deletes that take ``before`` to ``after`` on ``keys``; ``after``
    is left as SQLite will give it back.  True when that is not certain."""
    present: list[dict[str, str]] = []
    gone: list[dict[str, str]] = []
    unsure = False
    for k in keys:
        if k in after:
            text = dumps(after[k])
            present.append({"owner": key, "key": k, "value": text})
            value, sure = _as_read(after[k], text)
            after[k] = value
            unsure = unsure or not sure
        elif k in before:
            gone.append({"owner": key, "key": k})
    if present:
        writes.append(("user_state.put", present))
    if gone:
        writes.append(("user_state.del", gone))
    return unsure


def _as_read(value: JsonValue, text: str) -> tuple[JsonValue, bool]:
    """``value`` as a read of its JSON ``text`` gives it back, and whether that is certain."""
    if value is None or isinstance(value, (str, bool)):
        return value, True
    if isinstance(value, int):
        return value, abs(value) < _EXACT_NUMBERS
    if isinstance(value, float):
        if not abs(value) < _EXACT_NUMBERS:  # (also NaN)
            return value, False
        return (int(value) if value.is_integer() else value), True
    return loads(text), True
