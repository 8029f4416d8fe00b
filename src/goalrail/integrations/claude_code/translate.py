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
    from collections.abc import Mapping

    from goalrail.jsontypes import JsonObject

HARNESS = "claude-code"
MAX_RESULT_CHARS = 32_000

PRE, POST, PROMPT, START = "PreToolUse", "PostToolUse", "UserPromptSubmit", "SessionStart"
#: a shell command a skill or slash command runs (`!`cmd``) before it loads: no PreToolUse, gated as a tool call
SKILL_SHELL = "PreSkillShellCommand"
HOOK_EVENTS = (PRE, POST, PROMPT, START, SKILL_SHELL)
GATES = (PRE, SKILL_SHELL)  # answered with hookSpecificOutput.permissionDecision
#: Claude Code's events that pass with no decision: after the fact, lifecycle, or (PermissionRequest,
#: Elicitation) answered by Claude Code's own prompt when the hook says nothing.  Any other event not
#: mapped that carries more than the envelope is refused (``goalrail.integrations.hook_events``).
INFORMATIONAL = frozenset(
    {
        *("PostToolUseFailure", "PostToolBatch", "Notification", "SessionEnd", "Stop", "StopFailure"),
        *("SubagentStart", "SubagentStop", "PreCompact", "PostCompact", "PostModelSwitch", "Setup"),
        *("PermissionRequest", "PermissionDenied", "TeammateIdle", "TaskCreated", "TaskCompleted"),
        *("Elicitation", "ElicitationResult", "ConfigChange", "WorktreeRemove", "InstructionsLoaded"),
        *("CwdChanged", "FileChanged", "DirectoryAdded", "MessageDisplay"),
    }
)

#: the ends of the names of the tools that read an MCP server's resource (``mcp_names.RESOURCE_TOOLS``),
#: tested before importing ``goalrail.harness_calls``
_RESOURCE_SUFFIXES = ("McpResourceTool", "McpResourceDirTool", "mcp_resource")


def to_event(payload: object) -> tuple[str, str, JsonObject] | None:
    """(hook event name, session id, Goalrail event) or None for hooks we don't govern."""
    started = hook_and_session(payload, HOOK_EVENTS, informational=INFORMATIONAL)
    if started is None:
        return None
    name, session, hook_input = started
    context = hook_context(HARNESS, hook_input)
    event: JsonObject
    if name in (PRE, POST, SKILL_SHELL):
        tool = hook_input.get("tool_name")
        if not isinstance(tool, str) or not tool:
            raise BadPayload(f"{name} hook input has no tool_name")
        args = hook_input.get("tool_input")
        if tool == "Monitor" or tool.endswith(_RESOURCE_SUFFIXES):  # a WebSocket watch, an MCP resource read
            from goalrail.harness_calls import renamed

            named = renamed(tool, args)
            if named is not None:
                tool, args = named
        data: JsonObject = {"name": tool, "arguments": args if isinstance(args, (dict, str)) else {}}
        if isinstance(hook_input.get("tool_use_id"), str):
            data["tool_use_id"] = hook_input["tool_use_id"]
        if name == POST:
            data["result"] = bounded(hook_input.get("tool_response"), MAX_RESULT_CHARS)
        event = {"type": "tool_result" if name == POST else "tool_call", "target": tool, "data": data}
    elif name == PROMPT:
        prompt = hook_input.get("prompt")
        event = {
            "type": "request",
            "data": {"user_content": prompt if isinstance(prompt, str) else "", "attachments": []},
        }
    else:
        data = {k: hook_input[k] for k in ("source", "model", "agent_type") if isinstance(hook_input.get(k), str)}
        event = {"type": "session_start", "data": data}
    event["context"] = context
    return name, session, event


def mention_events(prompt: str, request: JsonObject, *, local: bool = True) -> list[JsonObject]:
    """The files a prompt's ``@`` mentions attach, as Claude Code's ``Read`` of each
    (``goalrail.integrations.mentions``, imported for a prompt holding an ``@`` only); ``local``:
    on the agent's machine (the hook command, not the server's ``http`` hook)."""
    from goalrail.integrations import mentions

    context = request.get("context")
    found = mentions.claude_mentions(prompt)
    if not found or not isinstance(context, dict):
        return []
    return mentions.read_events("Read", found, context, whole_trees=False, local=local)


def to_output(hook: str, verdict: Mapping[str, object], *, on_allow: str = "defer") -> JsonObject | None:
    """Claude Code's hook output for a server verdict (None = print nothing, no opinion)."""
    result = verdict.get("result")
    approved = result == "ALLOW" and bool(verdict.get("approval_id")) and bool(verdict.get("asked"))
    text = describe(verdict)
    if hook in GATES:
        data = verdict.get("data")
        rewritten = data.get("arguments") if isinstance(data, dict) else None
        if result == "ALLOW" and isinstance(rewritten, dict):
            # A policy replaced the input: Claude Code applies updatedInput; unless allows are explicit,
            # the user confirms the changed call in Claude Code's prompt.
            decision = "allow" if approved or on_allow == "allow" else "ask"
            return {
                "hookSpecificOutput": {
                    "hookEventName": hook,
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
                "hookEventName": hook,
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
    out: JsonObject = {"decision": "block", "reason": text}
    if hook == POST:
        out["hookSpecificOutput"] = {"hookEventName": POST, "additionalContext": f"[policy] {text}"}
    return out


def unavailable_output(hook: str, why: str) -> JsonObject:
    """Fail closed: the server could not answer, so the action is refused."""
    text = f"Goalrail could not check this action ({why}); denied because Goalrail fails closed"
    if hook in GATES:
        return {
            "hookSpecificOutput": {
                "hookEventName": hook,
                "permissionDecision": "deny",
                "permissionDecisionReason": text,
            }
        }
    if hook == START:
        return {"systemMessage": text}
    return {"decision": "block", "reason": text}  # a prompt, a result, or an event not mapped
