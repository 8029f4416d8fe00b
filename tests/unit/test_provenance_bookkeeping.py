"""Provenance bookkeeping (issue 13): a view advanced per event and ``record`` with its tally
give exactly what a full rebuild and today's scan of the record give, at a cost independent
of how many chunks the record holds."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.state import apply_update
from goalrail.policies import provenance as p
from goalrail.runtime.flow import ProvenanceTracker


class _NoScan(dict[str, Any]):
    """A record that fails if anything walks it (what ``record`` does without a tally)."""

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("the record was scanned")

    def keys(self) -> Any:
        raise AssertionError("the record was scanned")


def _same_as_rebuilt(view: p.Provenance, state: dict[str, Any]) -> None:
    rebuilt = p.Provenance.from_state(state)

    def flat(prov: p.Provenance) -> dict[str, list[tuple[Any, ...]]]:
        return {k: [(s.name, s.trust, s.seq, s.path, s.at) for s in v] for k, v in prov.index.items()}

    assert flat(view) == flat(rebuilt)
    assert view.tainted_by == rebuilt.tainted_by
    assert (view.sensitive_seen, view.count, view.keys) == (rebuilt.sensitive_seen, rebuilt.count, rebuilt.keys)


def _payload(rng: random.Random, step: int) -> list[str]:
    shared = [f"shared{k}@corp.example" for k in range(3)]  # values seen again and again, in many chunks
    return [f"u{step}-{k}@corp.example" for k in range(rng.randrange(0, 8))] + rng.sample(shared, rng.randrange(0, 3))


def test_eviction_keeps_exactly_the_newest_values_as_the_scan_did() -> None:
    rng = random.Random(13)
    max_values = 25
    state: dict[str, Any] = {}
    view = p.Provenance.from_state(state)
    index = None
    evicted_last: int | None = None
    for step in range(400):
        trust = (p.UNTRUSTED, p.TRUSTED, p.SENSITIVE, p.TRUSTED)[step % 4 if step < 200 else 1]
        payload = _payload(rng, step)
        view = view.advanced(state)
        _same_as_rebuilt(view, state)
        if len(state) > 2:
            index = index or view.index
            assert view.index is index  # advanced in place, evictions included: never rebuilt
        kw: dict[str, Any] = {"source": f"t{step}", "trust": trust, "at": float(step), "max_values": max_values}
        scanned = p.record(state, payload, **kw)
        tally = view.tally(state) if state else None
        assert (tally is not None) == bool(state)
        assert p.record(_NoScan(state) if state else state, payload, tally=tally, **kw) == scanned
        deleted = [u["key"] for u in scanned if u["action"] == "delete"]
        moved = [u["key"] for u in scanned if u["action"] == "set" and u["key"] != p.SEQ_KEY][1:]
        if deleted:
            evicted_last = len(state[deleted[-1]]["v"])
        for upd in scanned:
            apply_update(state, upd)
        held = sum(len(c["v"]) for k, c in state.items() if k != p.SEQ_KEY)
        assert held <= max_values
        if deleted and not moved:  # exactly the newest: the last chunk evicted would not have fitted
            assert held + (evicted_last or 0) > max_values
        for key in moved:  # sensitive output is moved to the newest end, not forgotten, within half the cap
            assert state[key]["trust"] == p.SENSITIVE
        assert sum(len(state[k]["v"]) for k in moved) <= max_values // 2
    view = view.advanced(state)
    _same_as_rebuilt(view, state)
    assert not view.tainted  # the untrusted chunks were all evicted
    assert view.advanced(state) is view  # nothing new: the same view


def _old_record() -> dict[str, Any]:
    """A record as stored before issue 13 (the format is unchanged: chunk keys and ``seq``)."""
    return {
        "seq": 3,
        "e000000001": {
            "src": "user",
            "trust": "trusted",
            "seq": 1,
            "at": 1.0,
            "v": {"email:a@x.example": ["email", "$"]},
        },
        "e000000002": {
            "src": "inbox",
            "trust": "untrusted",
            "seq": 2,
            "at": 2.0,
            "v": {"email:b@y.example": ["email", "$"]},
        },
        "e000000003": {
            "src": "crm",
            "trust": "trusted",
            "seq": 3,
            "at": 3.0,
            "v": {"email:c@z.example": ["email", "$.to"], "email:a@x.example": ["email", "$.cc"]},
        },
    }


def test_an_old_record_is_read_and_extended_as_before() -> None:
    state = _old_record()
    view = p.Provenance.from_state(state)
    assert view.grounded("A@x.example") == ["user", "crm"] and view.tainted_by is not None
    kw: dict[str, Any] = {"source": "t", "trust": p.TRUSTED, "at": 4.0, "max_values": 8}
    scanned = p.record(state, ["d@w.example", "e@w.example"], **kw)
    assert [u["key"] for u in scanned if u["action"] == "delete"] == ["e000000001", "e000000002"]
    assert p.record(_NoScan(state), ["d@w.example", "e@w.example"], tally=view.tally(state), **kw) == scanned
    for upd in scanned:
        apply_update(state, upd)
    view = view.advanced(state)
    _same_as_rebuilt(view, state)
    assert view.grounded("a@x.example") == ["crm"] and not view.tainted


def test_a_view_not_current_for_the_record_gives_no_tally_and_is_rebuilt() -> None:
    state = _old_record()
    view = p.Provenance.from_state(state)
    older = view
    for upd in p.record(state, ["f@w.example"], source="t", trust=p.TRUSTED, at=5.0):
        apply_update(state, upd)
    view = view.advanced(state)
    assert older.tally(state) is None  # an older view of the line
    del state["e000000002"]  # not how record evicts: the chunk count no longer matches the view
    assert view.tally(state) is None
    rebuilt = view.advanced(state)
    assert rebuilt.index is not view.index
    _same_as_rebuilt(rebuilt, state)
    assert p.Provenance().advanced(state).keys == rebuilt.keys  # EMPTY-like views rebuild, never change


def test_tracker_remembers_a_request_with_attachments_as_the_scan_did() -> None:
    state = _old_record()
    tracker = ProvenanceTracker(max_values=5)
    snap = Snapshot("s1", policy_states={p.NS: state})
    raw = {
        "type": "request",
        "data": {"user_content": "send to q@r.example", "attachments": ["from h@i.example, j@k.example"]},
    }
    event = build_event(normalize_event(raw), snap, now=9.0, provenance=tracker.view("s1", snap))
    updates, labels = tracker.remember(event, snap, 9.0)
    assert labels == {"untrusted_content": "attachment"}
    expected = p.record(state, "send to q@r.example", source="user", trust=p.TRUSTED, at=9.0, max_values=5)
    after = dict(state)
    for upd in expected:
        apply_update(after, upd)
    more = p.record(
        after, ["from h@i.example, j@k.example"], source="attachment", trust=p.UNTRUSTED, at=9.0, max_values=5
    )
    assert more and updates == expected + more
    for upd in updates:
        apply_update(state, upd)
    view = tracker.view("s1", Snapshot("s1", policy_states={p.NS: state}))
    _same_as_rebuilt(view, state)
    assert view.count <= 5


def test_tracker_keeps_the_least_recently_viewed_lines_within_its_chunks() -> None:
    """An unchanged record's view is handed back as it is and moves up the LRU order (as when it
    was taken out and put back): the session viewed longest ago is the one dropped."""
    chunks = p.Provenance.from_state(_old_record()).chunks
    tracker = ProvenanceTracker(max_cached_chunks=2 * chunks)
    snaps = {sid: Snapshot(sid, policy_states={p.NS: _old_record()}) for sid in ("a", "b", "c")}
    first = tracker.view("a", snaps["a"])
    tracker.view("b", snaps["b"])
    assert tracker.view("a", snaps["a"]) is first  # unchanged: the same view, now the newest
    assert tracker._chunks == 2 * chunks and tracker._cached == 0  # no question asked: no index built
    tracker.view("c", snaps["c"])  # over the bound: "b", viewed longest ago, is dropped
    assert list(tracker._views) == ["a", "c"] and tracker._chunks == 2 * chunks
    assert tracker.view("a", Snapshot("a")) is p.EMPTY  # no record any more: its view is dropped
    assert list(tracker._views) == ["c"] and tracker._chunks == chunks


def test_tracker_drops_the_least_recently_used_index_and_keeps_its_line() -> None:
    size = p.Provenance.from_state(_old_record()).count
    tracker = ProvenanceTracker(max_cached_values=2 * size)
    snaps = {sid: Snapshot(sid, policy_states={p.NS: _old_record()}) for sid in ("a", "b", "c")}
    views = {sid: tracker.view(sid, snap) for sid, snap in snaps.items()}

    def asked(sid: str) -> None:  # a question built ``sid``'s index; the next view charges it
        assert views[sid].index and list(tracker._built)[-1] == sid
        assert tracker.view(sid, snaps[sid]) is views[sid] and not tracker._built

    assert tracker._cached == 0 and all(v.indexed == 0 for v in views.values())
    assert views["a"].grounded_keys(["email:a@x.example"])  # 3 chunks looked at, fewer than its 4 values
    assert views["a"].indexed == 0 and views["a"]._live.scanned == 3 and not tracker._built
    assert views["a"].grounded("a@x.example") == ["user", "crm"]  # 6 would be more: the index is built
    assert views["a"].indexed == size and list(tracker._built) == ["a"]
    assert tracker.view("b", snaps["b"]) is views["b"] and tracker._cached == size
    asked("b")
    assert tracker._cached == 2 * size and list(tracker._indexed) == ["a", "b"]
    asked("c")  # over the bound: "a"'s index goes, its line stays
    assert list(tracker._indexed) == ["b", "c"] and tracker._cached == 2 * size
    assert views["a"].indexed == 0 and list(tracker._views) == ["a", "b", "c"]
    assert tracker.view("a", snaps["a"]) is views["a"]
    assert views["a"].grounded_keys(["email:a@x.example"]) and views["a"].indexed == 0  # from the chunks again
    assert views["a"].origin("a@x.example") == p.Source("user", p.TRUSTED, 1, "$", 1.0)
    assert tracker.view("a", snaps["a"]) is views["a"]
    assert list(tracker._indexed) == ["c", "a"] and tracker._cached == 2 * size


def test_lookups_in_the_chunks_answer_as_the_index_does() -> None:
    rng = random.Random(5)
    state: dict[str, Any] = {}
    for step in range(60):
        kw: dict[str, Any] = {"source": f"t{step}", "trust": (p.UNTRUSTED, p.TRUSTED, p.SENSITIVE)[step % 3]}
        for upd in p.record(state, _payload(rng, step), at=float(step), max_values=40, **kw):
            apply_update(state, upd)
    indexed = p.Provenance.from_state(state)
    assert indexed.index
    questions = [f"u{s}-{k}@corp.example" for s in range(40, 60) for k in range(3)] + ["shared1@corp.example"]
    for value in questions:
        scanning = p.Provenance.from_state(state)
        assert scanning.sources(value) == indexed.sources(value) and scanning.indexed == 0
        assert scanning.origin(value) == indexed.origin(value)
        assert scanning.grounded(value) == indexed.grounded(value)
        assert scanning.sensitive_sources(value) == indexed.sensitive_sources(value)


def test_an_index_built_late_is_the_rebuilt_one_and_then_advanced_in_place() -> None:
    rng = random.Random(7)
    state: dict[str, Any] = {}
    view = p.Provenance.from_state(state)
    index = None
    for step in range(120):
        trust = (p.UNTRUSTED, p.TRUSTED, p.SENSITIVE)[step % 3]
        kw: dict[str, Any] = {"source": f"t{step}", "trust": trust, "at": float(step), "max_values": 20}
        for upd in p.record(state, _payload(rng, step), **kw):
            apply_update(state, upd)
        view = view.advanced(state)
        if step < 60:
            assert view.indexed == 0  # nothing asked: evictions and additions without an index
            continue
        _same_as_rebuilt(view, state)  # the first question (step 60) builds it from the chunks kept
        index = index or view.index
        assert view.index is index


def test_output_without_values_does_not_pile_up_past_the_bound() -> None:
    """Untrusted and sensitive output is recorded even when it holds no value (it taints):
    such chunks count against the bound as well, so a session that reads empty untrusted
    output event after event keeps at most ``max_values`` chunks, with or without a tally."""
    max_values = 20
    state: dict[str, Any] = {}
    view = p.Provenance.from_state(state)
    for step in range(70):
        trust = p.SENSITIVE if step % 7 == 3 else p.UNTRUSTED
        view = view.advanced(state)
        kw: dict[str, Any] = {"source": f"t{step}", "trust": trust, "at": float(step), "max_values": max_values}
        scanned = p.record(state, "", **kw)
        tally = view.tally(state) if state else None
        assert p.record(_NoScan(state) if state else state, "", tally=tally, **kw) == scanned
        for upd in scanned:
            apply_update(state, upd)
        chunks = [k for k in state if k != p.SEQ_KEY]
        assert len(chunks) == min(step + 1, max_values)
        assert all(not state[k]["v"] for k in chunks)
    view = view.advanced(state)
    _same_as_rebuilt(view, state)
    assert view.tainted  # the newest chunks are untrusted: still tainted
    assert view.keys == tuple(p.chunk_key(s) for s in range(51, 71))  # exactly the newest 20
