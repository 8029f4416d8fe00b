"""Engine details: dispatch, async policies, deadlines, kinds, explanations."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from goalrail.engine.actions import ActionMapper
from goalrail.engine.chain import compile_chain
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.evaluate import aevaluate, evaluate
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import PolicySpec
from goalrail.engine.state import apply_update, read_only
from goalrail.policies.registry import guess_kind

EV = build_event(
    normalize_event({"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}), Snapshot("e")
)


async def async_ask(event: Any) -> Any:
    await asyncio.sleep(0)
    return {"result": "ASK", "reason": "async says ask"}


async def async_hang(event: Any) -> Any:
    await asyncio.sleep(10)
    return {"result": "ALLOW"}


def factory_with_defaults(level: int = 1) -> Any:
    return lambda event: {"result": "ALLOW", "reason": f"level {level}"}


def returns_coroutine(event: Any) -> Any:
    return async_ask(event)


def lowercase(event: Any) -> Any:
    return {"result": "deny", "reason": "lower"}


def test_async_policy_in_async_and_sync_evaluation() -> None:
    chain = compile_chain([PolicySpec("a", f"{__name__}.async_ask")])
    assert asyncio.run(aevaluate(chain, EV)).result == "ASK"
    assert evaluate(chain, EV).result == "ASK"


def test_async_deadline_fails_closed_quickly() -> None:
    chain = compile_chain([PolicySpec("hang", f"{__name__}.async_hang", timeout_ms=50)])
    decision = asyncio.run(aevaluate(chain, EV))
    assert decision.result == "DENY" and "deadline of 50 ms" in (decision.reason or "")
    assert decision.duration_us < 2_000_000


def test_sync_policy_returning_awaitable_fails_closed() -> None:
    chain = compile_chain([PolicySpec("c", f"{__name__}.returns_coroutine", kind="callable")])
    assert evaluate(chain, EV).result == "DENY"


def test_kind_detection() -> None:
    assert guess_kind(factory_with_defaults, None) == "factory"
    assert guess_kind(lowercase, None) == "callable"
    assert guess_kind(lowercase, {}) == "factory"
    chain = compile_chain([PolicySpec("f", f"{__name__}.factory_with_defaults")])
    assert evaluate(chain, EV).reason == "level 1"
    chain = compile_chain([PolicySpec("f", f"{__name__}.factory_with_defaults", params={"level": 3})])
    assert evaluate(chain, EV).reason == "level 3"


def test_results_are_case_insensitive() -> None:
    assert evaluate(compile_chain([PolicySpec("l", f"{__name__}.lowercase")]), EV).result == "DENY"


def test_explanation_lists_every_policy_with_timing() -> None:
    chain = compile_chain(
        [
            PolicySpec("one", f"{__name__}.factory_with_defaults", level="server"),
            PolicySpec("two", f"{__name__}.async_ask", level="session"),
        ]
    )
    d = evaluate(chain, EV).to_dict()
    assert [p["policy"] for p in d["decisions"]] == ["two", "one"]
    assert all(p["duration_us"] >= 0 for p in d["decisions"])
    assert d["result"] == "ASK" and d["policy"] == "two"


def test_disabled_policies_are_not_compiled() -> None:
    assert len(compile_chain([PolicySpec("x", "nope.nothing", enabled=False)])) == 0


@pytest.mark.parametrize(
    ("start", "upd", "after"),
    [
        ({}, {"key": "n", "action": "increment"}, {"n": 1}),
        ({"n": 2}, {"key": "n", "action": "increment", "value": 2.5}, {"n": 4.5}),
        ({"n": "x"}, {"key": "n", "action": "increment", "value": 1}, {"n": 1}),
        ({"n": 1}, {"key": "n", "action": "delete"}, {}),
        ({}, {"key": "n", "action": "delete"}, {}),
        ({}, {"key": "l", "action": "append", "value": 1}, {"l": [1]}),
        ({"l": [1, 2, 3]}, {"key": "l", "action": "append", "value": 4, "max_len": 3}, {"l": [2, 3, 4]}),
        ({"k": 1}, {"key": "k", "action": "set", "value": {"a": 1}}, {"k": {"a": 1}}),
    ],
)
def test_state_updates(start: dict, upd: Any, after: dict) -> None:
    apply_update(start, upd)
    assert start == after


@pytest.mark.parametrize("action", ["set", "append"])
def test_an_updated_value_is_stored_as_a_copy(action: str) -> None:
    value: dict[str, Any] = {"items": [1]}
    state: dict[str, Any] = {}
    apply_update(state, {"key": "k", "action": action, "value": value})
    value["items"].append(2)  # the policy kept what it returned
    assert state == {"k": {"items": [1]} if action == "set" else [{"items": [1]}]}


def test_a_read_only_history_entry_refuses_changes_and_copies_as_a_plain_dict() -> None:
    import copy
    import json
    import pickle

    given = {"type": "tool_call", "verdict": "ALLOW"}
    entry = read_only(given)
    given["verdict"] = "DENY"  # a copy: the writer's dict stays the writer's
    for change in (
        lambda: entry.__setitem__("verdict", "DENY"),
        lambda: entry.__delitem__("verdict"),
        lambda: entry.update(verdict="DENY"),
        lambda: entry.pop("verdict"),
        lambda: entry.setdefault("x", 1),
        lambda: entry.popitem(),
        lambda: entry.clear(),
    ):
        with pytest.raises(TypeError):
            change()
    assert entry == {"type": "tool_call", "verdict": "ALLOW"}
    assert json.loads(json.dumps(entry)) == entry
    for plain in (dict(entry), copy.copy(entry), copy.deepcopy(entry), pickle.loads(pickle.dumps(entry))):
        assert type(plain) is dict and plain == entry
        plain["verdict"] = "DENY"


def test_action_mapping_builtin_and_config() -> None:
    mapper = ActionMapper(
        {
            "mcp__fs__write_file": "sys_os_write",
            "mcp__*__run_command": "sys_os_shell",
            "mcp__pg__query": "database_read",
        }
    )
    assert mapper.map_tool("Bash", {"command": "ls"})["tool"] == "sys_os_shell"
    w = mapper.map_tool("mcp__fs__write_file", {"path": "/etc/passwd"})
    assert (w["tool"], w["type"], w["target"], w["mapped_by"]) == (
        "sys_os_write",
        "file_write",
        "/etc/passwd",
        "config:mcp__fs__write_file",
    )
    assert mapper.map_tool("mcp__box__run_command", {"command": "rm -rf /"})["type"] == "shell_execute"
    q = mapper.map_tool("mcp__pg__query", {"sql": "select 1"})
    assert (q["tool"], q["type"]) == ("mcp__pg__query", "database_read")
    assert mapper.map_tool("mcp__other__thing", {})["type"] is None


def test_event_carries_canonical_tool_and_original_name() -> None:
    ev = build_event(
        normalize_event({"type": "tool_call", "target": "Write", "data": {"arguments": {"file_path": "/a"}}}),
        Snapshot("s"),
    )
    assert ev["target"] == "sys_os_write" and ev["data"]["name"] == "sys_os_write"
    assert ev["data"]["original_name"] == "Write"
    assert ev["context"]["action"]["type"] == "file_write"
    with pytest.raises(TypeError):
        ev["session_state"]["x"] = 1  # type: ignore[index]


def test_actor_comes_from_authentication_not_the_body() -> None:
    raw = normalize_event({"type": "request", "data": "hi", "context": {"actor": {"run_as": "mallory"}}})
    ev = build_event(raw, Snapshot("s", owner="alice"))
    assert ev["context"]["actor"]["run_as"] == "alice"


def test_one_spelling_of_each_verdict() -> None:
    from goalrail.engine.dispatch import SPELLINGS, verdict_of

    assert [verdict_of(s) for s in ("allow", "Deny", "aSK", "ALLOW")] == ["ALLOW", "DENY", "ASK", "ALLOW"]
    assert verdict_of("yes") is None and verdict_of(None) is None and verdict_of(1) is None
    assert set(SPELLINGS.values()) == {"ALLOW", "DENY", "ASK"}
