"""The per-decision containers the runtime no longer makes stay the caller's own where they must (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine.context import normalize_event
from goalrail.engine.decision import Decision
from goalrail.engine.spec import PolicySpec
from goalrail.policies.provenance import NS as PROVENANCE_NS
from goalrail.policies.registry import Registry
from goalrail.runtime import draft
from goalrail.runtime.decide import apply_decision
from goalrail.runtime.ports import Commit
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore
from goalrail.store.memory_session import MemoryTx

TOOL = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}


def labeler() -> Any:
    def evaluate(event: Any) -> Any:
        if event.get("target") == "Label":
            return {"result": "ALLOW", "set_labels": {"stage": "two"}}
        return None

    return evaluate


@pytest.mark.parametrize("context", [None, {}, "", 0])
def test_an_absent_or_empty_context_normalizes_to_a_new_dict(context: Any) -> None:
    raw: dict[str, Any] = {"type": "request", "data": "hi"}
    if context is not None:
        raw["context"] = context
    first, second = normalize_event(raw), normalize_event(raw)
    assert type(first["context"]) is dict and first["context"] == {}
    first["context"]["model"] = "m"
    assert second["context"] == {}


def test_a_decision_without_changes_leaves_each_commit_its_own_containers() -> None:
    quiet = Decision("ALLOW", None, None, [], 0.0)
    one, two = Commit(), Commit()
    apply_decision(one, quiet)
    apply_decision(two, quiet)
    one.policy_updates.setdefault("ns", []).append({"key": "k", "action": "set", "value": 1})
    one.session_updates.append({"key": "k", "action": "set", "value": 1})
    one.labels["a"] = "b"
    assert (two.policy_updates, two.session_updates, two.labels) == ({}, [], {})
    labelled = Decision("ALLOW", None, None, [], 0.0, set_labels={"env": "dev"})
    apply_decision(two, labelled)
    assert two.labels == {"env": "dev"} and two.labels is not labelled.set_labels


async def test_an_unsealed_entry_keeps_the_labels_of_its_decision() -> None:
    rt = Runtime(
        MemoryStore(),
        registry=Registry.load(),
        server_specs=[PolicySpec("lab", f"{__name__}.labeler")],
    )
    store = rt.store
    assert isinstance(store, MemoryStore)
    # Sealing runs when the event loop next gets control, which the off-loop policy may
    # give it between the two decisions: hold it back so both entries wait unsealed.
    store._seal_scheduled = True
    await rt.evaluate("s", TOOL, labels={"env": "dev"})  # no label set: the entry keeps the session's
    await rt.evaluate("s", {**TOOL, "target": "Label"})  # sets one before the first entry is sealed
    assert len(store._unsealed) == 2
    first, second = store.audit
    assert first.payload["labels"] == {"env": "dev"}
    assert second.payload["labels"] == {"env": "dev", "stage": "two"}


async def test_a_draft_makes_containers_only_for_what_it_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A decision that changes nothing commits the shared read-only empties; one that records
    provenance or labels commits containers of its own, and the shared ones stay empty."""
    committed: list[Commit] = []
    commit_now = MemoryTx.commit_now

    def spy(tx: MemoryTx, c: Commit) -> None:
        committed.append(c)
        commit_now(tx, c)

    monkeypatch.setattr(MemoryTx, "commit_now", spy)
    rt = Runtime(MemoryStore(), registry=Registry.load(), server_specs=[PolicySpec("lab", f"{__name__}.labeler")])
    await rt.evaluate("s", {"type": "request", "data": "mail bob@example.com the report"})
    await rt.evaluate("s", {"type": "tool_result", "target": "WebFetch", "data": {"result": "see x@example.org"}})
    await rt.evaluate("s", TOOL)
    await rt.evaluate("s", {**TOOL, "target": "Label"})
    request, result, plain, label = committed
    assert PROVENANCE_NS in request.policy_updates and type(request.policy_updates) is dict
    assert result.labels == {"untrusted_content": "WebFetch"} and type(result.labels) is dict
    assert label.labels == {"stage": "two"}
    assert plain.policy_updates is draft._NOTHING and plain.labels is draft._NOTHING
    assert (plain.session_updates, plain.user_updates, plain.grants) == ((), (), ())
    assert len(draft._NOTHING) == 0
    snap = await rt._read_snapshot("s")
    assert snap.labels == {"untrusted_content": "WebFetch", "stage": "two"} and snap.policy_states[PROVENANCE_NS]
