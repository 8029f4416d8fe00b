"""Tiny policies for the store tests (builtins are written elsewhere).

Importable as ``store_policies.<name>`` because pytest puts this folder on
``sys.path``; subprocesses get it through ``PYTHONPATH``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

Policy = Callable[[Any], Any]


def max_calls(limit: int = 50) -> Policy:
    """ALLOW the first ``limit`` tool calls of a session, DENY the rest (policy-scoped counter)."""

    def policy(event: Any) -> Any:
        if event["type"] != "tool_call":
            return None
        used = event["policy_state"].get("calls", 0)
        if used >= limit:
            return {"result": "DENY", "reason": f"max_calls: limit of {limit} tool calls reached"}
        return {
            "result": "ALLOW",
            "state_updates": [{"key": "calls", "action": "increment", "value": 1, "scope": "policy"}],
        }

    return policy


def user_counter() -> Policy:
    """Count every tool call in the owner's user state (shared by all their sessions)."""

    def policy(event: Any) -> Any:
        return {
            "result": "ALLOW",
            "state_updates": [{"key": "calls", "action": "increment", "value": 1, "scope": "user"}],
        }

    return policy


def ask_for_rm() -> Policy:
    """ASK before `rm`; the held update marks the session once approved."""

    def policy(event: Any) -> Any:
        args = (event.get("data") or {}).get("arguments") or {}
        if event["type"] == "tool_call" and str(args.get("command", "")).startswith("rm"):
            return {
                "result": "ASK",
                "reason": "ask_for_rm: deleting files needs approval",
                "state_updates": [{"key": "rm_approved", "action": "increment", "value": 1}],
            }
        return None

    return policy


def deny_phase(phase: str = "llm_response") -> Policy:
    """DENY every event of one phase."""

    def policy(event: Any) -> Any:
        if event["type"] == phase:
            return {"result": "DENY", "reason": f"deny_phase: no {phase}"}
        return None

    return policy


def slow_counter(seconds: float = 1.0) -> Policy:
    """Wait ``seconds`` (as a policy calling a slow service would), then count the call."""
    import asyncio

    async def policy(event: Any) -> Any:
        await asyncio.sleep(seconds)
        return {
            "result": "ALLOW",
            "state_updates": [{"key": "calls", "action": "increment", "value": 1, "scope": "policy"}],
        }

    return policy


_MEETINGS: dict[str, Any] = {}


def meet_counter(group: str, parties: int = 2, within_s: float = 30.0) -> Policy:
    """Count the call once ``parties`` calls of ``group`` run at once (each round of ``parties``
    calls meets): ALLOW.  A call left alone for ``within_s`` (the others cannot start before it
    ends: a lock held across policies) is DENY, "alone".  Event-based: a slow machine only makes
    the meeting later, never missed."""
    import asyncio

    async def policy(event: Any) -> Any:
        meeting = _MEETINGS.setdefault(group, {"calls": 0, "rounds": []})
        index = meeting["calls"]
        meeting["calls"] += 1
        rounds: list[asyncio.Event] = meeting["rounds"]
        while len(rounds) <= index // parties:
            rounds.append(asyncio.Event())
        if index % parties == parties - 1:
            rounds[index // parties].set()
        try:
            await asyncio.wait_for(rounds[index // parties].wait(), within_s)
        except TimeoutError:
            return {"result": "DENY", "reason": f"meet_counter: alone for {within_s} s"}
        return {
            "result": "ALLOW",
            "state_updates": [{"key": "calls", "action": "increment", "value": 1, "scope": "policy"}],
        }

    return policy


def nested_mutator() -> Policy:
    """Set nested lists once (session, policy and user scope), then append to the lists it is
    shown without asking for any update: DENY as soon as an append of an earlier call shows."""

    def policy(event: Any) -> Any:
        if event["type"] != "tool_call":
            return None
        shown = [event["session_state"], event["policy_state"], event["context"]["user_state"]]
        if "box" not in shown[0]:
            updates = [{"key": "box", "action": "set", "value": {"items": []}, "scope": s} for s in SCOPES]
            return {"result": "ALLOW", "state_updates": updates}
        seen = [len(state["box"]["items"]) for state in shown]
        for state in shown:
            state["box"]["items"].append(1)  # not a state update: must not outlive this call
        if any(seen):
            return {"result": "DENY", "reason": f"nested_mutator: saw appends {seen}"}
        return {"result": "ALLOW"}

    return policy


SCOPES = ("session", "policy", "user")


def history_mutator() -> Policy:
    """Mark the history entries it is shown and add one of its own, without any update:
    DENY as soon as a mark of an earlier call shows (entries may refuse the change)."""

    def policy(event: Any) -> Any:
        if event["type"] != "tool_call":
            return None
        history = event["context"]["history"]
        seen = sum(1 for h in history if "mark" in h)
        for h in history:
            with contextlib.suppress(TypeError):  # a read-only entry refuses
                h["mark"] = 1  # not a state update: must not outlive this call
        history.append({"type": "tool_call", "mark": 1})
        if seen:
            return {"result": "DENY", "reason": f"history_mutator: saw {seen} marked entries"}
        return {"result": "ALLOW"}

    return policy


def value_keeper() -> Policy:
    """Set a nested list once per scope and keep the values it returned; append to them on
    every later call, without any update: DENY as soon as an append shows in the state."""
    kept: list[Any] = []

    def policy(event: Any) -> Any:
        if event["type"] != "tool_call":
            return None
        shown = [event["session_state"], event["policy_state"], event["context"]["user_state"]]
        if "kept" not in shown[0]:
            values = [{"items": []} for _ in SCOPES]
            kept.extend(values)
            updates = [
                {"key": "kept", "action": "set", "value": v, "scope": s} for v, s in zip(values, SCOPES, strict=True)
            ]
            return {"result": "ALLOW", "state_updates": updates}
        seen = [len(state["kept"]["items"]) for state in shown]
        for value in kept:
            value["items"].append(1)  # the policy's own objects, after they were committed
        if any(seen):
            return {"result": "DENY", "reason": f"value_keeper: saw appends {seen}"}
        return {"result": "ALLOW"}

    return policy


def ask_keeper() -> Policy:
    """ASK before `rm` with a held `set` of a nested value it keeps, and change that
    value on every later call: what approval applies must be what was asked."""
    kept: list[Any] = []

    def policy(event: Any) -> Any:
        if event["type"] != "tool_call":
            return None
        for value in kept:
            value["items"].append("changed after the ASK")
        args = (event.get("data") or {}).get("arguments") or {}
        if str(args.get("command", "")).startswith("rm"):
            value = {"items": ["as asked"]}
            kept.append(value)
            return {
                "result": "ASK",
                "reason": "ask_keeper: deleting files needs approval",
                "state_updates": [{"key": "asked", "action": "set", "value": value}],
            }
        return None

    return policy


def pause(seconds: float = 0.02) -> Policy:
    """Abstain after ``seconds`` of blocking work (a sync policy: run off the event loop,
    so other decisions take their snapshots and commit meanwhile)."""
    import time

    def policy(event: Any) -> Any:
        time.sleep(seconds)
        return None

    return policy


def scribbler() -> Policy:
    """Counts tool calls in its own namespace, and writes over the values it is shown: which must
    change nothing stored (its namespace is made by the session's first tool call)."""

    def policy(event: Any) -> Any:
        if event["type"] != "tool_call":
            return None
        state = event["policy_state"]
        seen = state.get("calls", 0)
        with contextlib.suppress(TypeError):  # (the first call is shown a read-only empty mapping)
            state["calls"] = 1000
            state["junk"] = True
        return {
            "result": "ALLOW",
            "reason": f"seen {seen}",
            "state_updates": [{"key": "calls", "action": "increment", "value": 1, "scope": "policy"}],
        }

    return policy


def taint_gate() -> Policy:
    """DENY a tool call once the session's provenance shows untrusted content."""

    def policy(event: Any) -> Any:
        if event["type"] == "tool_call" and event["context"]["provenance"].tainted:
            return {"result": "DENY", "reason": "untrusted content seen"}
        return None

    return policy
