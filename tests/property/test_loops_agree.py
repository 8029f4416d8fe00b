"""The engine's two evaluation loops agree: on random chains of plain policies the
sync loop (``evaluate``) and the async one (``aevaluate`` with policies run on the
worker pool or inline) make the same decision — verdict, reason, deciding
policy, every policy's answer, held updates, labels, data, warnings."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from goalrail.engine.chain import Chain, CompiledPolicy, order
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.decision import Decision
from goalrail.engine.evaluate import aevaluate, evaluate
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import LEVELS, PolicySpec

EVENT = build_event(
    normalize_event({"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}), Snapshot("p")
)

#: What a policy does: answer plainly, answer with extras, fail, or echo what it saw
#: (drawn more often: what one policy passes the next is where the loops differ most).
KINDS = st.one_of(
    st.sampled_from(["data", "echo"]),
    st.sampled_from(
        [
            "ALLOW",
            "DENY",
            "ASK",
            "ABSTAIN",
            "none",
            "allow-lower",
            "write",
            "write-policy",
            "deny-write",
            "labels",
            "data",
            "warn",
            "end",
            "ask-timeout",
            "raise",
            "exit",
            "garbage",
            "bad-updates",
            "echo",
        ]
    ),
)


def _answer(kind: str, i: int, event: Any) -> Any:
    reason = f"p{i} says {kind}"
    plain = {"ALLOW": "ALLOW", "DENY": "DENY", "ASK": "ASK", "ABSTAIN": "ABSTAIN", "allow-lower": "allow"}
    if kind in plain:
        return {"result": plain[kind], "reason": reason}
    write = [{"key": f"k{i}", "action": "increment", "value": i}]
    answers: dict[str, Any] = {
        "none": None,
        "write": {"result": "ALLOW", "state_updates": write},
        "write-policy": {"result": "ASK", "reason": reason, "state_updates": [{**write[0], "scope": "policy"}]},
        "deny-write": {"result": "DENY", "reason": reason, "state_updates": write},
        "labels": {"result": "ALLOW", "set_labels": {f"l{i}": "yes"}},
        "data": {"result": "ALLOW", "data": {"rewritten_by": i}},
        "warn": {"result": "ALLOW", "warning": f"careful {i}"},
        "end": {"result": "ALLOW", "reason": reason, "end_session": True},
        "ask-timeout": {"result": "ASK", "reason": reason, "ask_timeout_s": 10 + i},
        "garbage": {"result": "PERHAPS"},
        "bad-updates": {"result": "ALLOW", "state_updates": [{"key": "", "action": "set"}]},
    }
    if kind == "raise":
        raise ValueError(f"p{i} broke")
    if kind == "exit":
        raise SystemExit(3)
    if kind == "echo":  # what this policy saw: earlier policies' data, its own state
        return {"result": "ALLOW", "reason": f"data={event.get('data')!r} state={event.get('policy_state')!r}"}
    return answers[kind]


def _policy(i: int, kind: str, level: str, shadow: bool, inline: bool) -> CompiledPolicy:
    def fn(event: Any) -> Any:
        return _answer(kind, i, event)

    spec = PolicySpec(f"p{i}", "tests.p", level=level, mode="shadow" if shadow else "enforce")  # type: ignore[arg-type]
    return CompiledPolicy(spec, fn, False, 5.0, shadow, spec.key, inline=inline)


def _explained(d: Decision) -> dict[str, Any]:
    """Everything a decision says, without the timings."""
    out = d.to_dict()
    out.pop("duration_us")
    for item in out["decisions"]:
        item.pop("duration_us")
    answers, quiet = d.answers()
    return {
        **out,
        "answers": [{k: v for k, v in a.items() if k != "duration_us"} for a in answers],
        "quiet": quiet,
        "state_updates": d.state_updates,
        "set_labels": d.set_labels,
        "asking": d.asking,
        "ask_timeout_s": d.ask_timeout_s,
        "warnings": d.warnings,
    }


ITEMS = st.lists(st.tuples(KINDS, st.sampled_from(LEVELS), st.booleans(), st.booleans()), max_size=10)
#: Policy states by namespace (a policy's is ``level:name``), for the first few policies.
STATES = st.dictionaries(
    st.builds(lambda level, i: f"{level}:p{i}", st.sampled_from(LEVELS), st.integers(0, 3)),
    st.fixed_dictionaries({"n": st.integers(0, 9)}),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(ITEMS, STATES)
def test_the_sync_and_async_loops_make_the_same_decision(
    items: list[tuple[str, str, bool, bool]], states: dict[str, Any]
) -> None:
    policies = [_policy(i, kind, level, shadow, inline) for i, (kind, level, shadow, inline) in enumerate(items)]
    # One policy on the worker pool at least, so aevaluate takes the async loop.
    policies.append(_policy(len(items), "none", "server", False, False))
    chain = Chain(order(policies))
    assert chain.has_offload and not chain.has_async
    sync = evaluate(chain, EVENT, states)
    in_loop = asyncio.run(aevaluate(chain, EVENT, states))
    assert _explained(in_loop) == _explained(sync)
