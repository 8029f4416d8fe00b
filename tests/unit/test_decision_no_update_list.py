"""A decision that changes nothing keeps no list of its own for ``state_updates``.

A runtime keeps each decision (through its queued audit entry) until the audit is sealed;
an empty list per decision was one more container the garbage collector tracks and traverses
for every decision that updated nothing (about half of ``bench/decision.py``'s mix).  Those
share one empty tuple, which the collector does not track; decisions with updates keep theirs.
"""

from __future__ import annotations

import asyncio
import gc

from goalrail.engine.decision import Decision, PolicyDecision
from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore

SPEC = PolicySpec("p", "builtin:allow", level="server")


def test_decision_without_updates_shares_an_untracked_empty() -> None:
    for given in (None, []):
        decision = Decision("ALLOW", "ok", None, [PolicyDecision(SPEC, "ALLOW")], 1.0, given)
        assert decision.state_updates == ()
        assert not gc.is_tracked(decision.state_updates)
        assert not decision.state_updates  # read as before: nothing to apply
        assert list(decision.state_updates) == []


def test_resolved_without_changes_shares_it_too() -> None:
    upd = ("server:p", {"key": "n", "action": "increment", "value": 1, "scope": "session"})
    ask = Decision("ASK", "why", "p", [PolicyDecision(SPEC, "ASK")], 1.0, [upd])
    assert ask.resolved("ALLOW", "granted").state_updates == [upd]  # kept, changes and all
    dropped = ask.resolved("DENY", "refused", changes=False)
    assert dropped.state_updates == () and not gc.is_tracked(dropped.state_updates)


def test_runtime_decision_that_changes_nothing_keeps_no_list() -> None:
    """A queued decision of the runtime (memory store): nothing updated, no tracked list kept."""
    rt = Runtime(MemoryStore(), registry=Registry.load(), server_specs=[])
    outcome = asyncio.run(rt.evaluate("s1", {"type": "tool_call", "target": "read_file", "data": {}}, owner="u"))
    assert outcome.result == "ALLOW"
    assert not outcome.decision.state_updates
    assert not gc.is_tracked(outcome.decision.state_updates)


def test_updates_are_still_kept() -> None:
    """Control (passes on both): a decision with updates keeps its own list."""
    upd = ("server:p", {"key": "n", "action": "increment", "value": 1, "scope": "session"})
    decision = Decision("ALLOW", "ok", None, [PolicyDecision(SPEC, "ALLOW")], 1.0, [upd])
    assert decision.state_updates == [upd]
