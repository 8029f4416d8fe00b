"""An ASK's approval makes its decision's JSON when first read (``runtime.ports.AskedApproval``, issue 13)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from goalrail.engine.decision import Decision
from goalrail.engine.levels import EMPTY_VIEW, LevelViews
from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.ports import AskedApproval
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore

RM = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "rm -rf build"}}}


def asker() -> Any:
    def evaluate(event: Any) -> Any:
        if "rm" in str(event["data"].get("arguments")):
            return {"result": "ASK", "reason": "removing files"}
        return None

    return evaluate


def _runtime() -> Runtime:
    return Runtime(MemoryStore(), registry=Registry.load(), server_specs=[PolicySpec("ask", f"{__name__}.asker")])


async def test_the_approval_shows_the_decision_it_was_asked_with(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[bool] = []
    to_dict = Decision.to_dict

    def counted(self: Decision, *, keep: bool = False) -> Any:
        made.append(keep)
        return to_dict(self, keep=keep)

    monkeypatch.setattr(Decision, "to_dict", counted)
    rt = _runtime()
    outcome = await rt.evaluate("s", RM)
    assert outcome.decision.result == "ASK" and outcome.approval_id
    assert made == []  # not made on the decision path
    record = await rt.get_approval(outcome.approval_id)
    assert type(record) is AskedApproval
    shown = record.decision
    assert made == [True]
    assert shown is not None and shown == to_dict(outcome.decision)
    assert shown["result"] == "ASK" and shown["decisions"][0]["policy"] == "ask"
    assert record.decision is shown and made == [True]  # made once
    assert record.explain is None  # the decision itself not kept once made
    assert record.to_dict()["decision"] == shown


async def test_a_copy_of_the_approval_holds_the_json_itself() -> None:
    rt = _runtime()
    outcome = await rt.evaluate("s", RM)
    assert outcome.approval_id
    record = await rt.get_approval(outcome.approval_id)
    resolved = dataclasses.replace(record, status="denied")
    assert resolved.decision == record.decision and resolved.decision is not None
    assert "explain" not in vars(resolved)  # the copy holds the JSON, not the decision
    resolved.decision = None
    assert resolved.decision is None and record.decision is not None


def test_the_shared_empty_view_has_no_tiers_and_others_are_still_checked() -> None:
    empty: dict[str, Any] = {"session_state": EMPTY_VIEW, "context": {"labels": EMPTY_VIEW, "user_state": EMPTY_VIEW}}
    assert len(EMPTY_VIEW) == 0 and LevelViews.of(empty) is None
    tiered = {"session_state": EMPTY_VIEW, "context": {"labels": {"@session/x": "1"}, "user_state": EMPTY_VIEW}}
    assert LevelViews.of(tiered) is not None
