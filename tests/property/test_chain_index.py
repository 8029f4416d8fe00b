"""The chain index changes nothing but speed: on random chains of policies that
declare (honestly) what they listen to, and random events, the indexed chain
gives exactly the decision and explanation of the same chain unindexed, and
calls only the policies that can answer."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from goalrail.engine.chain import Chain, CompiledPolicy, order
from goalrail.engine.decision import Decision
from goalrail.engine.evaluate import aevaluate, evaluate
from goalrail.engine.spec import PolicySpec
from goalrail.policies.listens import Listens, listens_to

TYPES = ("tool_call", "tool_result", "request", "llm_request", "response")
TOOLS = ("sys_os_shell", "sys_os_read", "web_fetch", "mcp__x__y")
VERDICTS = (None, "ALLOW", "ASK", "DENY")

DECLARATION = st.one_of(
    st.none(),
    st.builds(Listens, st.frozensets(st.sampled_from(TYPES), min_size=1).map(frozenset), st.none()),
    st.builds(
        Listens,
        st.one_of(st.none(), st.frozensets(st.sampled_from(TYPES), min_size=1)),
        st.frozensets(st.sampled_from(TOOLS), min_size=1),
    ),
)
POLICY = st.fixed_dictionaries(
    {
        "listens": DECLARATION,
        "answers": st.dictionaries(
            st.tuples(st.sampled_from(TYPES), st.sampled_from((None, *TOOLS))), st.sampled_from(VERDICTS), max_size=8
        ),
        "default": st.sampled_from(VERDICTS),
        "counts": st.booleans(),
        "level": st.sampled_from(("session", "agent", "server")),
        "shadow": st.booleans(),
        "is_async": st.booleans(),
    }
)
EVENT = st.tuples(st.sampled_from(TYPES), st.sampled_from(TOOLS))


def _event(etype: str, tool: str) -> dict[str, Any]:
    if etype in ("tool_call", "tool_result"):
        return {"type": etype, "target": tool, "data": {"name": tool, "arguments": {}}, "context": {}}
    return {"type": etype, "target": None, "data": {}, "context": {}}


def _compile(i: int, p: dict[str, Any], calls: list[int]) -> CompiledPolicy:
    listens: Listens | None = p["listens"]

    def answer(event: Any) -> Any:
        calls.append(i)
        etype = event["type"]
        tool = event["target"] if etype in ("tool_call", "tool_result") else None
        if listens is not None and not listens.matches(etype, tool):
            return None  # an honest declaration: nothing outside it
        verdict = p["answers"].get((etype, tool), p["default"])
        if verdict is None:
            return None
        out: dict[str, Any] = {"result": verdict, "reason": f"p{i} says {verdict}"}
        if p["counts"]:
            out["state_updates"] = [{"key": "n", "action": "increment", "scope": "policy"}]
        return out

    async def answer_async(event: Any) -> Any:
        return answer(event)

    fn = answer_async if p["is_async"] else answer
    if listens is not None:
        fn = listens_to(types=listens.types, tools=listens.tools)(fn)
    spec = PolicySpec(f"p{i}", f"tests.p{i}", level=p["level"], mode="shadow" if p["shadow"] else "enforce")
    return CompiledPolicy(spec, fn, p["is_async"], 5.0, p["shadow"], spec.key, inline=True, listens=listens)


def _explained(d: Decision) -> dict[str, Any]:
    out = d.to_dict()
    for item in out["decisions"]:
        item.pop("duration_us")
    out.pop("duration_us")
    answers, quiet = d.answers()
    for item in answers:
        item.pop("duration_us")
    return {
        **out,
        "state_updates": d.state_updates,
        "asking": d.asking,
        "labels": d.set_labels,
        "answers": answers,
        "quiet": quiet,
    }


@settings(max_examples=300, deadline=None)
@given(st.lists(POLICY, max_size=12), st.lists(EVENT, min_size=1, max_size=6))
def test_indexed_chain_decides_exactly_as_the_unindexed_chain(policies: list[dict[str, Any]], events: Any) -> None:
    calls_indexed: list[int] = []
    calls_plain: list[int] = []
    indexed = Chain(order([_compile(i, p, calls_indexed) for i, p in enumerate(policies)]))
    plain = Chain(order([_compile(i, p, calls_plain) for i, p in enumerate(policies)]), indexed=False)
    for etype, tool in events:
        ev = _event(etype, tool)
        calls_indexed.clear()
        calls_plain.clear()
        got, want = evaluate(indexed, ev), evaluate(plain, ev)
        assert _explained(got) == _explained(want)
        assert [d.policy for d in got.decisions] == [p.spec.name for p in plain.policies]
        # Called: the same policies in the same order, minus those that cannot answer.
        key_tool = tool if etype in ("tool_call", "tool_result") else None
        listening = {i for i, p in enumerate(policies) if p["listens"] is None or p["listens"].matches(etype, key_tool)}
        assert calls_indexed == [i for i in calls_plain if i in listening]
        assert _explained(asyncio.run(aevaluate(indexed, ev))) == _explained(want)


def test_a_thousand_keyed_policies_call_only_the_listening_ones() -> None:
    calls: list[str] = []

    def make(tool: str) -> Any:
        @listens_to(types=("tool_call",), tools=(tool,))
        def policy(event: Any) -> Any:
            calls.append(tool)
            return {"result": "DENY", "reason": f"no {tool}"} if event["target"] == tool else None

        return policy

    compiled = []
    for i in range(1000):
        spec = PolicySpec(f"t{i}", f"tests.t{i}", level="server")
        fn = make(f"mcp__s__t{i}")
        compiled.append(CompiledPolicy(spec, fn, False, 5.0, False, spec.key, inline=True, listens=fn.listens_to))
    chain = Chain(compiled)
    d = evaluate(chain, _event("tool_call", "mcp__s__t500"))
    assert (d.result, d.policy, calls) == ("DENY", "t500", ["mcp__s__t500"])
    verdicts = [x.verdict for x in d.decisions]
    assert verdicts[:500] == ["ABSTAIN"] * 500 and verdicts[500] == "DENY" and set(verdicts[501:]) == {"SKIPPED"}
    assert d.answers()[1] == 999
    calls.clear()
    assert evaluate(chain, _event("request", "")).result == "ALLOW" and calls == []
