"""An ASK's approval makes its decision's document (``ApprovalRecord.decision``) when it is
first read: the same document ``Decision.to_dict()`` gave when the approval was made, whatever
changed in the decision's records since, and the memory store keeps the approval without it."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

import pytest

from goalrail.engine.chain import Chain, CompiledPolicy
from goalrail.engine.decision import Decision, PolicyDecision
from goalrail.engine.evaluate import evaluate
from goalrail.engine.spec import PolicySpec
from goalrail.runtime.ports import ApprovalRecord
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore
from tests.unit.test_decision_answers import CHAINS, _deny, _on_write, _policy


def _spec(name: str, mode: str = "enforce") -> PolicySpec:
    return PolicySpec(name, f"tests.{name}", level="server", mode=mode)


def _record() -> ApprovalRecord:
    return ApprovalRecord("apr_1", "s", "pending", "d" * 64, "tool_call", "Bash", "{}", "why", ["ask"], {}, 1.0, 2.0)  # type: ignore[typeddict-item]


def _decision() -> Decision:
    asked = PolicyDecision(_spec("ask"), "ASK", "rm -rf", 1.25)
    asked.warning = "careful"
    asked.end_session = True
    failed = PolicyDecision(_spec("broken", "shadow"), "ABSTAIN", None, 0.35, error="boom")
    items: list[Any] = [(_spec("quiet"), "ABSTAIN", None, 0.05), asked, failed, 0.45]
    called = [None, None, None, CompiledPolicy(_spec("last"), lambda e: None, False, 5.0, False, "k")]
    return Decision(
        "ASK",
        "rm -rf",
        "ask",
        items,
        2.05,
        warnings=["ask: careful"],
        end_session=True,
        data={"x": [1]},
        asking=["ask"],
        called=called,  # type: ignore[arg-type]
    )


def test_the_document_is_the_one_to_dict_gave_when_it_was_made() -> None:
    decision = _decision()
    record = _record().explained_later(decision.explained())
    expected = json.dumps(_decision().to_dict())
    # A record changed after the approval was made changes nothing in its document.
    changed = decision.decisions[1]
    changed.reason, changed.verdict, changed.duration_us, changed.warning = "other", "DENY", 9.0, None
    assert "decision" not in vars(record)  # not made yet
    assert json.dumps(record.decision) == expected
    assert record.decision is record.decision  # made once, then kept
    assert json.dumps(record.to_dict()["decision"]) == expected


def test_copies_and_comparisons_read_the_document() -> None:
    made = _record().explained_later(_decision().explained())
    replaced = dataclasses.replace(made, status="approved")
    assert json.dumps(replaced.decision) == json.dumps(_decision().to_dict())
    plain = dataclasses.replace(_record(), decision=_decision().to_dict())
    assert _record().explained_later(_decision().explained()) == plain
    assert _record().decision is None  # a record made without one has none


def test_the_memory_store_keeps_an_asks_approval_without_its_document() -> None:
    def ask(event: Any) -> Any:
        return {"result": "ASK", "reason": "sure?"}

    async def run() -> None:
        store = MemoryStore()
        rt = Runtime(store)
        spec = _spec("ask")
        chain = Chain([CompiledPolicy(spec, ask, False, 5.0, False, spec.key, inline=True)])
        rt.chain_for = lambda info: _ready(chain)  # type: ignore[method-assign]
        out = await rt.evaluate("s", {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "x"}}})
        assert out.approval_id is not None
        kept = store.approvals[out.approval_id]
        assert "decision" not in vars(kept)
        expected = evaluate(chain, {"type": "tool_call", "target": "Bash", "data": {}, "context": {}}).to_dict()
        got = (await store.get_approval(out.approval_id)).decision  # type: ignore[union-attr]
        assert got is not None
        assert [d["verdict"] for d in got["decisions"]] == [d["verdict"] for d in expected["decisions"]]  # type: ignore[index,union-attr]
        assert out.to_dict()["decisions"] == got["decisions"]

    asyncio.run(run())


async def _ready(chain: Chain) -> Chain:
    return chain


def _without_durations(doc: Any) -> Any:
    return {**doc, "duration_us": 0, "decisions": [{**r, "duration_us": 0} for r in doc["decisions"]]}


# Besides the shadow ones: a policy not listening before the one called, no shadow policy.
LAYOUTS = {**CHAINS, "not called first": ([_policy("w", _on_write), _policy("d", _deny)], "Bash")}


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_a_layouts_document_and_the_decisions_own_records_after_it(name: str) -> None:
    policies, tool = LAYOUTS[name]
    chain = Chain(policies)
    event = {"type": "tool_call", "target": tool, "data": {"name": tool, "arguments": {}}, "context": {}}
    explained, plain = evaluate(chain, event), evaluate(chain, event)
    doc = explained.explained().to_dict()
    assert _without_durations(doc) == _without_durations(plain.to_dict())
    # The records made for the document are the decision's own from then on (a SQL store's commit
    # reads the approval first, the answer and the audit entry after): the same as without it.
    assert json.dumps(explained.to_dict()) == json.dumps(doc)
    assert _without_durations({"decisions": explained.answers()[0]}) == _without_durations(
        {"decisions": plain.answers()[0]}
    )
    assert explained.answers()[1] == plain.answers()[1]
