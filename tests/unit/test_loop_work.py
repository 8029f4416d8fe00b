"""The event loop's budget (``goalrail.engine.work``): the characters of text a plan's inline
policies may read on the loop, and the walk that measures an event against it (bounded by the
limit, never by the event).  Over HTTP: tests/server/test_loop_budget.py."""

from __future__ import annotations

from collections.abc import Iterator

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
