"""``owners.same_decision`` (store/sql/owners.py): what both SQL group commits ask of a
decision whose snapshot of its owner's state no longer holds.  Only a commit with a
recheck can stand; a recheck that fails leaves the decision refused as stale."""

from __future__ import annotations

import logging

import pytest

from goalrail.jsontypes import JsonObject
from goalrail.runtime.ports import Commit
from goalrail.store.sql.owners import same_decision


def test_a_commit_without_a_recheck_never_stands() -> None:
    assert same_decision(Commit(), {"n": 1}, 2.0) is False


def test_the_recheck_is_asked_on_the_state_and_cost_given() -> None:
    asked: list[tuple[JsonObject, float | None]] = []

    def recheck(user: JsonObject, cost: float | None) -> bool:
        asked.append((user, cost))
        return user.get("n") == 1

    commit = Commit(recheck=recheck)
    assert same_decision(commit, {"n": 1}, None) is True
    assert same_decision(commit, {"n": 2}, 0.5) is False
    assert asked == [({"n": 1}, None), ({"n": 2}, 0.5)]


def test_a_recheck_that_raises_is_refused_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    def recheck(user: JsonObject, cost: float | None) -> bool:
        raise ValueError("boom")

    with caplog.at_level(logging.ERROR, logger="goalrail.store"):
        assert same_decision(Commit(recheck=recheck), {}, None) is False
    assert "rechecking a decision failed" in caplog.text
