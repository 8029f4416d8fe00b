"""The provenance view a session's unchanged record is answered with, without looking at the record
(issue 13): ``ProvenanceTracker.view`` hands the cached view back when the snapshot holds the very
``PagedMap`` it was last found current for, unchanged since (its ``writes``), and the view is still the
newest of its line.  Anything else — the map changed in place, the line advanced by whoever held the
view — is looked at again, as before: a stale view would answer a policy's question wrongly."""

from __future__ import annotations

from goalrail.engine.paged import PagedMap
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.state import apply_update
from goalrail.policies import provenance as p
from goalrail.runtime.flow import ProvenanceTracker


def _recorded(state: PagedMap | dict[str, object], value: str, trust: str, at: float) -> None:
    for upd in p.record(state, [value], source="user" if trust == p.TRUSTED else "WebFetch", trust=trust, at=at):
        apply_update(state, upd)


def _record() -> PagedMap:
    state = PagedMap()
    _recorded(state, "alice@corp.example", p.TRUSTED, 1.0)
    return state


def test_an_unchanged_map_is_answered_with_the_cached_view() -> None:
    tracker, state = ProvenanceTracker(), _record()
    first = tracker.view("s", Snapshot("s", policy_states={p.NS: state}))
    assert tracker.view("s", Snapshot("s", policy_states={p.NS: state})) is first
    assert first.grounded("alice@corp.example") == ["user"]


def test_a_map_changed_in_place_is_looked_at_again() -> None:
    """Stores replace the record by a fork on commit; a map changed in place (``writes``) is not trusted."""
    tracker, state = ProvenanceTracker(), _record()
    first = tracker.view("s", Snapshot("s", policy_states={p.NS: state}))
    assert not first.tainted
    _recorded(state, "mallory@evil.example", p.UNTRUSTED, 2.0)  # the same object, one chunk more
    after = tracker.view("s", Snapshot("s", policy_states={p.NS: state}))
    assert after.tainted and after.tainted_by is not None and after.tainted_by.name == "WebFetch"
    assert after.count == p.Provenance.from_state(state).count


def test_a_view_advanced_by_its_holder_is_not_handed_back() -> None:
    """A policy is handed the cached view itself: advancing it to another record changes the line it
    shares, so the tracker must not answer the unchanged stored record with it."""
    tracker, state = ProvenanceTracker(), _record()
    held = tracker.view("s", Snapshot("s", policy_states={p.NS: state}))
    other = dict(state)
    _recorded(other, "mallory@evil.example", p.UNTRUSTED, 2.0)
    assert held.advanced(other).sources("mallory@evil.example")  # the line now holds the other chunk
    again = tracker.view("s", Snapshot("s", policy_states={p.NS: state}))
    assert again.sources("mallory@evil.example") == [] and not again.tainted
    assert again.grounded("alice@corp.example") == ["user"] and again.count == p.Provenance.from_state(state).count


def test_a_plain_dict_record_is_looked_at_every_time() -> None:
    """A record that is not a ``PagedMap`` (a transaction's own read) has no count of changes: it is
    checked against the view each time, as before."""
    tracker = ProvenanceTracker()
    state: dict[str, object] = dict(_record())
    first = tracker.view("s", Snapshot("s", policy_states={p.NS: state}))
    _recorded(state, "mallory@evil.example", p.UNTRUSTED, 2.0)
    after = tracker.view("s", Snapshot("s", policy_states={p.NS: state}))
    assert after is not first and after.tainted
