"""Hook events Goalrail does not map: which pass with no decision and which are refused.

A harness version adds hook events, and a payload may name an event the
adapter does not know (renamed, misspelt, or not sent by the harness at all).
Such an event passes with no decision only when it is one the adapter lists as
informational (it reports something that happened, or is answered by the
harness's own prompt when the hook says nothing), or when it carries nothing
but the envelope every hook input has (session, paths, the event's name…).
Anything else may carry an action — a tool call, a command, a prompt — and is
refused, fail closed: the hook blocks it the way the harness blocks on bad input.
Standard library only: it runs on every hook call.
"""

from __future__ import annotations

#: what every harness's hook input carries besides the action (who, where, which event)
ENVELOPE = frozenset(
    {
        "session_id",
        "transcript_path",
        "cwd",
        "hook_event_name",
        "model",
        "permission_mode",
        "turn_id",
        "conversation_id",
        "generation_id",
        "workspace_roots",
        "user_email",
        "cursor_version",
        "timestamp",
        "agent_id",
        "agent_type",
    }
)


def refusal(name: object, payload: dict[str, object], informational: frozenset[str]) -> str | None:
    """None when a hook event nobody maps may pass with no decision; else why it is refused."""
    if isinstance(name, str) and name in informational:
        return None
    extra = sorted(str(k)[:40] for k in payload if k not in ENVELOPE)
    if not extra:
        return None
    shown = f"`{name[:60]}`" if isinstance(name, str) else "without a name"
    keys = ", ".join(extra[:6]) + (", …" if len(extra) > 6 else "")
    return f"hook event {shown} is not one Goalrail maps and may carry an action ({keys}); blocked, fail closed"
