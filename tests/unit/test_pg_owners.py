"""What a PostgreSQL replica shows of an owner's state (store/sql/pg_owners.py):
its own committed states and queued changes, or the read when someone else wrote."""

from __future__ import annotations

from goalrail.policies.schema import StateUpdate
from goalrail.runtime.ports import Commit, UsageRecord
from goalrail.store.sql.pg_owners import Effect, Owners, OwnerState, same, same_state

DAY = "2026-03-01"
INC: StateUpdate = {"key": "n", "action": "increment", "value": 1}


def effect(cost: float | None = None) -> Effect:
    usage = UsageRecord("m", 1, 1, 0, 0, cost, "test", 1.0, DAY) if cost is not None else None
    found = Effect.of(Commit(user_updates=[INC], usage=usage))
    assert found is not None
    return found


def test_json_values_compare_by_kind_and_value() -> None:
    assert same({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]})
    assert not same(True, 1) and not same(1, 1.0) and not same([1], [1, 2]) and not same({"a": 1}, {"b": 1})
    assert same_state({"k": 0.5}, {"k": 0.5}) and not same_state({"k": 1}, {"k": True})
    assert Effect.of(Commit()) is None


def test_a_snapshot_shows_the_queued_changes_on_the_replicas_own_state() -> None:
    owners = Owners()
    assert owners.predict("o", DAY, {"n": 1}, None) == ({"n": 1}, None)  # nothing queued: the read
    first, second = effect(0.25), effect(0.5)
    owners.queue("o", first)
    owners.queue("o", second)
    assert owners.predict("o", DAY, {"n": 1}, None) == ({"n": 3}, 0.75)
    owners.take_off([("o", first)])  # a batch reads {"n": 1} under the lock and writes {"n": 2}
    owners.landing({"o": (OwnerState({"n": 1}, {DAY: None}), OwnerState({"n": 2}, {DAY: 0.25}))})
    for read in (({"n": 1}, None), ({"n": 2}, 0.25)):  # read before or after that batch committed
        assert owners.predict("o", DAY, *read) == ({"n": 3}, 0.75)
    owners.landed(["o"], committed=True)
    assert owners.predict("o", DAY, {"n": 1}, None) == ({"n": 3}, 0.75)  # a read from before: the batch's state
    # someone else wrote: the read is the base, the queued change on top of it
    assert owners.predict("o", DAY, {"n": 7}, 1.0) == ({"n": 8}, 1.5)
    owners.landed(["o"], committed=False)  # a failed batch: the replica's states are forgotten
    assert owners.predict("o", DAY, {"n": 1}, None) == ({"n": 2}, 0.5)
    owners.drop([("o", second)])
    assert owners.predict("o", DAY, {"n": 1}, None) == ({"n": 1}, None)
