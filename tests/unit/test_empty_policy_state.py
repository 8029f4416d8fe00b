"""The state a policy without a namespace yet is shown is an empty dict of its own (issue 13).

It used to be one module-level dict in each loop (``evaluate._EMPTY``, ``offload._EMPTY``), shared
by every policy of every session: a policy that wrote into the state it was shown (which changes
nothing stored: only ``state_updates`` do) changed what every later policy without a namespace
read, in any session of the process.  Checked in the three loops: inline, the async loop's inline
policies, and the worker pool's.
"""

from __future__ import annotations

from typing import Any

from goalrail.engine.chain import Chain, CompiledPolicy
from goalrail.engine.evaluate import aevaluate, evaluate
from goalrail.engine.spec import PolicySpec


def _policy(name: str, fn: Any, *, inline: bool) -> CompiledPolicy:
    spec = PolicySpec(name, f"tests.{name}", level="session")
    return CompiledPolicy(spec, fn, False, 5.0, False, spec.key, inline=inline)


def _scribble(event: Any) -> Any:
    event["policy_state"]["budget_left"] = 0  # written over what it was shown: its own, not stored
    return None


def _reader(event: Any) -> Any:
    left = event["policy_state"].get("budget_left", 10)
    return {"result": "DENY" if left == 0 else "ALLOW", "reason": f"left={left}"}


def _event() -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {}}, "context": {"session_id": "s"}}


def _chains(inline: bool) -> tuple[Chain, Chain]:
    both = Chain([_policy("scribble", _scribble, inline=inline), _policy("reader", _reader, inline=inline)])
    alone = Chain([_policy("reader", _reader, inline=inline)])
    return both, alone


def test_the_sync_loop_shows_each_policy_an_empty_state_of_its_own() -> None:
    both, alone = _chains(inline=True)
    assert evaluate(both, _event(), {}).reason == "left=10"  # in the same evaluation
    assert evaluate(alone, _event(), {}).reason == "left=10"  # in a later one (another session)


async def test_the_async_loop_shows_each_policy_an_empty_state_of_its_own() -> None:
    for inline in (True, False):  # inline in the loop, and on the worker pool
        both, alone = _chains(inline=inline)
        assert not both.has_offload if inline else both.has_offload
        assert (await aevaluate(both, _event(), {})).reason == "left=10"
        assert (await aevaluate(alone, _event(), {})).reason == "left=10"
        assert evaluate(alone, _event(), {}).reason == "left=10"
