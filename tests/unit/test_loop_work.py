"""The event loop's budget (``goalrail.engine.work``): the characters of text a plan's inline
policies may read on the loop, and the walk that measures an event against it (bounded by the
limit, never by the event).  Over HTTP: tests/server/test_loop_budget.py."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest

from goalrail.engine.chain import Chain, compile_policy
from goalrail.engine.spec import PolicySpec
from goalrail.engine.work import INLINE_WORK, PER_CALL, UNBOUNDED, text_limit, text_over
from goalrail.policies.registry import Registry

B = "goalrail.policies.builtins"
REGISTRY = Registry.load()
LLM = {"type": "llm_request", "target": "m", "data": {"model": "m", "messages": []}}


def _chain(handler: str, n: int, params: dict[str, object] | None = None) -> Chain:
    specs = [PolicySpec(f"p{i}", handler, level="session", params=params) for i in range(n)]
    return Chain([compile_policy(s, REGISTRY) for s in specs])


def test_four_pii_copies_read_about_four_kilobytes_on_the_loop() -> None:
    limit = _chain(f"{B}.safety.deny_pii_in_llm_request", 4).plan(LLM)[3]
    assert limit == (INLINE_WORK - 4 * PER_CALL) // (4 * 2)
    assert not text_over({**LLM, "data": {"messages": [{"content": "x" * (limit - 40)}]}}, limit)
    assert text_over({**LLM, "data": {"messages": [{"content": "x" * limit}]}}, limit)


def test_a_cost_class_and_parameters_weigh_per_character() -> None:
    counters = _chain(f"{B}.safety.rate_limit", 4, {"max_calls": 5, "window_seconds": 1.0})
    event = {"type": "tool_call", "target": "Bash", "data": {"name": "Bash"}}
    assert counters.plan(event)[3] == UNBOUNDED  # they read no text: any size stays on the loop
    patterns = [{"action_type": "shell_execute", "pattern": f"rm -rf /srv/x{j}", "action": "deny"} for j in range(64)]
    heavy = _chain(f"{B}.patterns.pattern_policy", 1, {"inline": {"name": "m", "patterns": patterns}})
    light = _chain(f"{B}.patterns.pattern_policy", 1, {"inline": {"name": "m", "patterns": patterns[:2]}})
    assert heavy.plan(event)[3] < light.plan(event)[3]


def test_past_the_calls_budget_no_text_stays_on_the_loop() -> None:
    assert text_limit(INLINE_WORK // PER_CALL + 1, 0) == -1
    assert text_over({"type": "x", "data": {}}, -1)


def test_the_walk_stops_at_the_limit() -> None:
    """Keys count, and the walk ends once past the limit: a million keys cost it a hundred steps."""

    class Counted(dict[str, object]):
        seen = 0

        def __iter__(self) -> Iterator[str]:
            for key in super().__iter__():
                Counted.seen += 1
                yield key

    wide = Counted({f"k{i}": 0 for i in range(1_000_000)})
    assert text_over({"type": "x", "data": wide}, 100)
    assert Counted.seen < 100


def test_control_a_small_event_is_within_any_chains_budget() -> None:
    read = {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/tmp/x"}}}
    assert not text_over(read, _chain(f"{B}.working_dir.block_working_dir_changes", 24).plan(read)[3])


def _walked_text(event: dict[str, object]) -> int:
    """The event's text by the definition (target, and every string's and key's length in its
    data, one per other value), walked in full: what ``text_over`` must agree with."""
    target = event.get("target")
    total = len(target) if type(target) is str else 0
    stack: list[object] = [event.get("data")]
    while stack:
        value = stack.pop()
        if type(value) is str:
            total += len(value)
        elif isinstance(value, dict):
            total += 1 + sum(len(k) if type(k) is str else 1 for k in value)
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            total += 1
            stack.extend(value)
        elif isinstance(value, (bytes, bytearray)):
            total += len(value)
        else:
            total += 1
    return total


def test_the_bound_answers_as_the_full_walk_at_every_limit() -> None:
    """Whichever short cut answers (a string's length, the JSON's, the ``repr``'s, the walk), the
    answer at each limit around the event's text is the full walk's."""
    events: list[dict[str, object]] = [
        {"type": "request", "target": None, "data": "please refactor the parser"},
        {"type": "request", "data": "é" * 40 + '"quoted"\n'},
        {"type": "tool_call", "target": "Bash", "data": {"name": "Bash", "arguments": {"command": "ls -la src"}}},
        {"type": "tool_call", "target": "T", "data": {"arguments": {"n": 3, "ok": True, "none": None, "f": 1.5}}},
        {"type": "llm_request", "target": "m", "data": {"messages": [{"role": "user", "content": "x" * 300}]}},
        {"type": "x", "target": "t", "data": {1: "int key", "s": b"bytes" * 10, "big": 1 << 70}},  # not JSON
        {"type": "x", "data": {"lone": "\ud800" * 20}},  # not JSON either (a lone surrogate)
        {"type": "x", "target": "Bash", "data": None},
        {"type": "x", "target": "x" * 50, "data": "y" * 50},
    ]
    for event in events:
        size = _walked_text(event)
        for limit in (0, size - 1, size, size + 1, 4 * size + 64):
            assert text_over(event, limit) == (size > limit), (event, limit)


def test_a_request_is_measured_without_serialising_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request's data is a string: its length is its text, with no JSON made of it (nor of a
    call's data that the JSON shows within the limit: one dump, no walk)."""
    import goalrail.engine.work as work

    dumped: list[object] = []
    monkeypatch.setattr(work, "_dumps", lambda value: dumped.append(value) or orjson.dumps(value))
    assert not text_over({"type": "request", "data": "x" * 100}, 100)
    assert text_over({"type": "request", "target": "t", "data": "x" * 100}, 100)
    assert dumped == []
    call = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "git status"}}}
    assert not text_over(call, 1000)
    assert dumped == [call["data"]]


def test_a_chains_text_limit_is_that_of_every_inline_policy() -> None:
    chain = _chain(f"{B}.safety.deny_pii_in_llm_request", 3)
    assert chain.text_limit == chain.plan(LLM)[3] < UNBOUNDED
    assert _chain(f"{B}.safety.rate_limit", 3, {"max_calls": 5, "window_seconds": 1.0}).text_limit == UNBOUNDED
