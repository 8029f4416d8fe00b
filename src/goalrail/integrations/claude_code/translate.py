"""Claude Code hook JSON ⇄ Goalrail events and verdicts.  Pure, stdlib only.

Input: the hook payload Claude Code writes on stdin (or POSTs to an ``http``
hook): ``session_id``, ``cwd``, ``hook_event_name`` and per event
``tool_name``/``tool_input``/``tool_response`` or ``prompt`` or ``source``.

Output: what Claude Code reads back.  ``PreToolUse`` answers with
``hookSpecificOutput.permissionDecision`` (``deny``/``ask``/``allow``);
``UserPromptSubmit`` and ``PostToolUse`` block with ``decision: "block"`` and a
``reason``; ``SessionStart`` stops the session with ``continue: false``.

A Goalrail ALLOW means "no policy objects", not "the user consented", so by
default it produces no decision and Claude Code's own permission rules still
apply (``on_allow="allow"`` emits an explicit allow instead).  An ASK that a
human approved through Goalrail (``?wait``) is an explicit allow.
"""

from __future__ import annotations

from goalrail.integrations.hookcore import BadPayload as BadPayload
from goalrail.integrations.hookcore import bounded, describe, hook_and_session, hook_context

TYPE_CHECKING = False  # avoid importing typing (~5 ms) on the hook's hot path
if TYPE_CHECKING:
    from typing import Any

HARNESS = "claude-code"
MAX_RESULT_CHARS = 32_000

PRE, POST, PROMPT, START = "PreToolUse", "PostToolUse", "UserPromptSubmit", "SessionStart"
HOOK_EVENTS = (PRE, POST, PROMPT, START)


def to_event(payload: Any) -> tuple[str, str, dict[str, Any]] | None:
    """(hook event name, session id, Goalrail event) or None for hooks we don't govern."""
    started = hook_and_session(payload, HOOK_EVENTS)
    if started is None:
        return None
    name, session = started
    context = hook_context(HARNESS, payload)
    event: dict[str, Any]
    if name in (PRE, POST):
        tool = payload.get("tool_name")
        if not isinstance(tool, str) or not tool:
            raise BadPayload(f"{name} hook input has no tool_name")
        args = payload.get("tool_input")
        data: dict[str, Any] = {"name": tool, "arguments": args if isinstance(args, (dict, str)) else {}}
        if isinstance(payload.get("tool_use_id"), str):
            data["tool_use_id"] = payload["tool_use_id"]
        if name == POST:
            data["result"] = bounded(payload.get("tool_response"), MAX_RESULT_CHARS)
        event = {"type": "tool_call" if name == PRE else "tool_result", "target": tool, "data": data}
    elif name == PROMPT:
        prompt = payload.get("prompt")
        event = {
            "type": "request",
            "data": {"user_content": prompt if isinstance(prompt, str) else "", "attachments": []},
        }
    else:
        data = {k: payload[k] for k in ("source", "model", "agent_type") if isinstance(payload.get(k), str)}
        event = {"type": "session_start", "data": data}
    event["context"] = context
    return name, session, event


def to_output(hook: str, verdict: dict[str, Any], *, on_allow: str = "defer") -> dict[str, Any] | None:
    """Claude Code's hook output for a server verdict (None = print nothing, no opinion)."""
    result = verdict.get("result")
    approved = result == "ALLOW" and bool(verdict.get("approval_id")) and bool(verdict.get("asked"))
    text = describe(verdict)
    if hook == PRE:
        data = verdict.get("data")
        rewritten = data.get("arguments") if isinstance(data, dict) else None
        if result == "ALLOW" and isinstance(rewritten, dict):
            # A policy replaced the input: Claude Code applies updatedInput; unless allows are explicit,
            # the user confirms the changed call in Claude Code's prompt.
            decision = "allow" if approved or on_allow == "allow" else "ask"
            return {
                "hookSpecificOutput": {
                    "hookEventName": PRE,
                    "permissionDecision": decision,
                    "permissionDecisionReason": text,
                    "updatedInput": rewritten,
                }
            }
        if result == "ALLOW" and not approved and on_allow != "allow":
            return None
        decision = {"ALLOW": "allow", "ASK": "ask"}.get(str(result), "deny")
        if decision == "ask" and verdict.get("approval_id"):
            text += f" (Goalrail approval {verdict['approval_id']})"
        return {
            "hookSpecificOutput": {
                "hookEventName": PRE,
                "permissionDecision": decision,
                "permissionDecisionReason": text,
            }
        }
    if result == "ALLOW":
        return None
    if result == "ASK" and verdict.get("approval_id"):
        text += f" — approve {verdict['approval_id']} in Goalrail, then retry"
    if hook == START:
        return {"continue": False, "stopReason": text}
    out: dict[str, Any] = {"decision": "block", "reason": text}
    if hook == POST:
        out["hookSpecificOutput"] = {"hookEventName": POST, "additionalContext": f"[policy] {text}"}
    return out


def unavailable_output(hook: str, why: str) -> dict[str, Any]:
    """Fail closed: the server could not answer, so the action is refused."""
    text = f"Goalrail could not check this action ({why}); denied because Goalrail fails closed"
    if hook == PRE:
        return {
            "hookSpecificOutput": {"hookEventName": PRE, "permissionDecision": "deny", "permissionDecisionReason": text}
        }
    if hook in (PROMPT, POST):
        return {"decision": "block", "reason": text}
    return {"systemMessage": text}
