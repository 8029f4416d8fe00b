"""The runtime's per-decision shortcuts (issue 13, fifteenth sitting) answer what the long forms
answer: the MCP prefix and the guard's suffix by comparisons, and the memory store's shared
``user_daily_cost`` (one read-only entry per owner and day, its view made once)."""

from __future__ import annotations

import copy
import json
import pickle
import random
from types import MappingProxyType

import pytest

from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.state import SharedEntry
from goalrail.runtime.decide import _MCP, _MCP_END
from goalrail.runtime.ports import Commit, UsageRecord
from goalrail.runtime.system_policies import _AS_MCP_TOOL, _MCP_SUFFIX_AT, add_policy_guard
from goalrail.store.memory import MemoryStore

_ALPHABET = "mcp_`^a-:\x00é"


def _names(seed: int) -> list[str]:
    rng = random.Random(seed)
    names = ["", "m", "mcp", "mcp_", "mcp__", "mcp_`", "mcp_^", "mcp___", "mcp__x", "MCP__x", "xmcp__"]
    names += ["mcp__" + "".join(rng.choices(_ALPHABET, k=rng.randrange(0, 5))) for _ in range(300)]
    names += ["".join(rng.choices(_ALPHABET, k=rng.randrange(0, 9))) for _ in range(3000)]
    return names


def test_the_mcp_prefix_test_is_startswith() -> None:
    for name in _names(15):
        assert (_MCP <= name < _MCP_END) == name.startswith("mcp__"), repr(name)


def test_the_guards_suffix_test_is_endswith() -> None:
    names = ["", "__sys_add_policy", "_sys_add_policy", "sys_add_policy", "mcp__s__sys_add_policy", "x__sys_add_polic"]
    names += [name + suffix for name in _names(16)[:500] for suffix in ("", _AS_MCP_TOOL, _AS_MCP_TOOL[1:], "__sys")]
    for name in names:
        assert (name[_MCP_SUFFIX_AT:] == _AS_MCP_TOOL) == name.endswith(_AS_MCP_TOOL), repr(name)


@pytest.mark.parametrize("target", ["mcp__srv__sys_add_policy", "sys_add_policy", "mcp__srv__other", "Bash"])
def test_the_guard_still_asks_about_an_add_under_any_spelling(target: str) -> None:
    guard = add_policy_guard(None)
    event = build_event(
        normalize_event(
            {"type": "tool_call", "target": target, "data": {"arguments": {"name": "p", "handler": "x.y"}}}
        ),
        Snapshot("s"),
    )
    answer = guard.fn(event)
    if target.endswith("sys_add_policy"):
        assert isinstance(answer, dict) and answer["result"] in ("ASK", "DENY"), answer
    else:
        assert answer is None


def _cost(store: MemoryStore, session_id: str, day: str) -> object:
    tx = store.take_now(session_id)
    assert tx is not None
    try:
        return tx.snapshot_now(day).user_daily_cost
    finally:
        tx.release()


def _spend(store: MemoryStore, session_id: str, day: str, cost: float) -> None:
    tx = store.take_now(session_id)
    assert tx is not None
    try:
        tx.commit_now(Commit(usage=UsageRecord("m", 1, 1, 0, 0, cost, None, 0.0, day)))
    finally:
        tx.release()


def test_a_day_cost_is_one_shared_entry_until_its_cost_or_day_changes() -> None:
    store = MemoryStore()
    for sid, owner in (("a1", "ann"), ("a2", "ann"), ("b1", "bob")):
        store.session_now(sid, owner, None, None)
    first = _cost(store, "a1", "2026-03-01")
    assert type(first) is SharedEntry and first == {"user_id": "ann", "day": "2026-03-01", "cost_usd": 0.0}
    assert _cost(store, "a2", "2026-03-01") is first  # the same owner's other session shares it
    assert _cost(store, "b1", "2026-03-01") == {"user_id": "bob", "day": "2026-03-01", "cost_usd": 0.0}
    _spend(store, "a2", "2026-03-01", 0.25)
    after = _cost(store, "a1", "2026-03-01")
    assert after is not first and after["cost_usd"] == 0.25 and first["cost_usd"] == 0.0
    assert _cost(store, "a1", "2026-03-02")["cost_usd"] == 0.0  # type: ignore[index]
    assert _cost(store, "b1", "2026-03-01")["cost_usd"] == 0.0  # type: ignore[index]


def test_both_spellings_of_no_owner_see_their_shared_cost_change() -> None:
    store = MemoryStore()
    store.session_now("none", None, None, None)
    store.session_now("empty", "", None, None)
    assert _cost(store, "none", "d")["user_id"] is None  # type: ignore[index]
    assert _cost(store, "empty", "d")["user_id"] == ""  # type: ignore[index]
    _spend(store, "none", "d", 1.5)
    assert _cost(store, "empty", "d")["cost_usd"] == 1.5  # type: ignore[index]
    _spend(store, "empty", "d", 1.0)
    assert _cost(store, "none", "d")["cost_usd"] == 2.5  # type: ignore[index]


def test_a_shared_entry_is_read_only_and_reads_as_its_dict() -> None:
    entry = SharedEntry({"user_id": "ann", "day": "d", "cost_usd": 0.5})
    with pytest.raises(TypeError):
        entry["cost_usd"] = 0.0  # type: ignore[index]
    with pytest.raises(TypeError):
        entry.update(cost_usd=0.0)
    assert type(entry.view) is MappingProxyType and dict(entry.view) == entry
    assert repr(entry) == repr(dict(entry)) and json.dumps(entry) == json.dumps(dict(entry))
    for made in (copy.copy(entry), copy.deepcopy(entry), pickle.loads(pickle.dumps(entry))):
        assert type(made) is dict and made == entry


def test_build_event_shows_the_entrys_own_view_and_a_plain_dict_as_before() -> None:
    entry = SharedEntry({"user_id": "ann", "day": "d", "cost_usd": 0.5})
    raw = normalize_event({"type": "request", "data": "hi"})
    shown = build_event(raw, Snapshot("s", user_daily_cost=entry))["context"]["user_daily_cost"]
    assert shown is entry.view
    plain = build_event(raw, Snapshot("s", user_daily_cost={"cost_usd": 1.0}))["context"]["user_daily_cost"]
    assert type(plain) is MappingProxyType and plain == {"cost_usd": 1.0}
    with pytest.raises(TypeError):
        shown["cost_usd"] = 0.0  # type: ignore[index]
