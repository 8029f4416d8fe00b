"""The provenance record's in-memory layout: a fork shares its pages and never sees another's changes."""

from __future__ import annotations

import copy
import json
import pickle
import random

from goalrail.engine.paged import PagedMap, page_of
from goalrail.engine.state import apply_update, snapshot_states, updatable
from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies.provenance import NS, chunk_key


def _chunk(seq: int) -> JsonObject:
    return {"src": "user", "trust": "trusted", "seq": seq, "at": 1.0, "v": {f"word:w{seq}": ["word", None]}}


def test_chunk_keys_are_paged_by_sequence_number_and_other_keys_apart() -> None:
    assert page_of(chunk_key(0)) == page_of(chunk_key(63)) == 0
    assert page_of(chunk_key(64)) == 1
    assert page_of(chunk_key(999_999_999)) == 999_999_999 >> 6
    assert page_of("seq") == page_of("e12345678") == page_of("x000000001") == page_of("e0000000x1") == -1


def test_a_fork_and_its_origin_never_see_each_others_changes() -> None:
    origin = PagedMap({"seq": 200, **{chunk_key(s): _chunk(s) for s in range(1, 201)}})
    as_was = dict(origin)
    fork = origin.fork()
    fork["seq"] = 201
    fork[chunk_key(201)] = _chunk(201)
    del fork[chunk_key(1)]
    assert fork.pop(chunk_key(2)) == _chunk(2)
    assert dict(origin) == as_was and len(origin) == 201
    assert len(fork) == 200 and fork["seq"] == 201 and chunk_key(1) not in fork and chunk_key(201) in fork
    origin[chunk_key(202)] = _chunk(202)  # the origin's pages are shared too: it copies before changing one
    del origin[chunk_key(100)]
    assert chunk_key(202) not in fork and chunk_key(100) in fork
    assert fork[chunk_key(100)] == _chunk(100)


def test_a_fork_copies_only_the_pages_a_change_touches() -> None:
    origin = PagedMap({chunk_key(s): _chunk(s) for s in range(1, 641)})  # pages 0..10
    fork = origin.fork()
    fork[chunk_key(641)] = _chunk(641)
    del fork[chunk_key(1)]
    ours, theirs = fork._pages, origin._pages
    assert [n for n in theirs if ours.get(n) is not theirs[n]] == [0, 10]  # the oldest and the newest


def test_it_behaves_as_the_dict_it_stands_for() -> None:
    rng = random.Random(13)
    plain: dict[str, JsonValue] = {}
    paged = PagedMap()
    forks = []
    for step in range(3000):
        key = chunk_key(rng.randrange(400)) if rng.random() < 0.9 else rng.choice(["seq", "other", "e1"])
        if rng.random() < 0.6:
            plain[key] = paged[key] = step
        else:
            assert plain.pop(key, None) == paged.pop(key, None)
        if step % 100 == 0:
            forks.append((dict(plain), paged))
            paged = paged.fork()
        assert len(paged) == len(plain)
        assert (key in paged) == (key in plain) and paged.get(key) == plain.get(key)
    assert dict(paged) == plain and sorted(paged) == sorted(plain) and paged == plain
    for as_was, old in forks:
        assert dict(old) == as_was  # every earlier fork is as it was when forked


def test_keys_recorded_in_order_iterate_in_that_order() -> None:
    plain: dict[str, JsonValue] = {}
    paged = PagedMap()
    for seq in range(1, 300):
        for target in (plain, paged):
            target["seq"] = seq
            target[chunk_key(seq)] = seq
            if seq > 150:
                del target[chunk_key(seq - 150)]
    assert list(paged) == list(plain)
    assert list(paged.items()) == list(plain.items())


def test_copied_or_pickled_it_is_the_plain_dict() -> None:
    paged = PagedMap({"seq": 2, chunk_key(1): _chunk(1), chunk_key(2): _chunk(2)})
    for other in (copy.copy(paged), copy.deepcopy(paged), pickle.loads(pickle.dumps(paged))):
        assert type(other) is dict and other == dict(paged)
    deep = copy.deepcopy(paged)
    deep[chunk_key(1)]["v"].clear()  # type: ignore[union-attr]
    assert paged[chunk_key(1)] == _chunk(1)
    assert json.dumps(dict(paged)) == json.dumps({"seq": 2, chunk_key(1): _chunk(1), chunk_key(2): _chunk(2)})


def test_a_snapshot_keeps_the_record_as_read_after_later_commits() -> None:
    states: dict[str, JsonObject] = {NS: {"seq": 0}, "goalrail.usage": {"counted": 1}}
    seen = []
    for seq in range(1, 200):
        snap = snapshot_states(states)
        seen.append((snap, {ns: copy.deepcopy(dict(v)) for ns, v in snap.items()}))
        target = updatable(states, NS)
        apply_update(target, {"key": "seq", "action": "set", "value": seq, "scope": "policy"})
        apply_update(target, {"key": chunk_key(seq), "action": "set", "value": _chunk(seq), "scope": "policy"})
        if seq > 100:
            apply_update(target, {"key": chunk_key(seq - 100), "action": "delete", "scope": "policy"})
    assert isinstance(states[NS], PagedMap)
    assert len(states[NS]) == 101 and states[NS]["seq"] == 199
    for snap, as_read in seen:
        assert {ns: dict(v) for ns, v in snap.items()} == as_read


def test_only_states_kept_across_commits_are_paged() -> None:
    read: dict[str, JsonObject] = {NS: {"seq": 1, chunk_key(1): _chunk(1)}, "goalrail.usage": {"counted": 1}}
    as_read = read[NS]
    once = updatable(read, NS, kept=False)  # one transaction's read: a plain copy
    assert type(once) is dict and once == as_read and once is not as_read
    kept = updatable(read, NS)
    assert isinstance(kept, PagedMap) and kept == as_read
    assert type(updatable(read, "goalrail.usage")) is dict and type(updatable(read, "p:x")) is dict
    assert isinstance(updatable(read, NS, kept=False), PagedMap)  # once paged, forked
