"""Cursor hook JSON ⇄ Goalrail events and verdicts.  Pure, stdlib only.

Cursor runs the commands in ``hooks.json`` with JSON on stdin: common
``conversation_id`` (the Goalrail session), ``generation_id``,
``hook_event_name``, ``workspace_roots``; per event ``command``/``cwd``
(``beforeShellExecution``), ``tool_name``/``tool_input`` (a JSON string or
object) with ``url`` or ``command`` (``beforeMCPExecution``), ``file_path``
(``beforeReadFile``) or ``prompt`` and ``attachments`` (``beforeSubmitPrompt``: each attached
file is also judged as a ``Read`` of it).

Answers: ``{"permission": "allow"|"deny"|"ask", "user_message", "agent_message"}``
for shell and MCP, ``{"permission": "allow"|"deny"}`` for file reads,
``{"continue": false, "user_message"}`` to stop a prompt.  Cursor honours
``ask`` only in some modes (the headless agent and auto-run ignore it), so an
ASK is a deny that names the approval unless ``--ask native`` (shell and MCP
only; a file read can only be allowed or denied).  Unreadable input or a
crash: a deny on stdout and exit 2.
"""

from __future__ import annotations

from collections.abc import Mapping

from goalrail.integrations.hookcore import (
    BadPayload,
    Call,
    Result,
    approved,
    ask_text,
    changed_arguments,
    describe,
    hook_and_session,
    hook_context,
    prompt_call,
    refuse_unchanged,
    unavailable_text,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from goalrail.integrations.hookcore import Options
    from goalrail.jsontypes import JsonObject, JsonValue

HARNESS = "cursor"
BAD_INPUT_EXIT = 2
USAGE = (
    "usage: goalrail hook cursor [--url URL] [--token TOKEN | --token-file PATH] [--timeout S] "
    "[--ask-wait S] [--ask deny|native] [--fail-open]"
)
SHELL, MCP, READ, PROMPT = "beforeShellExecution", "beforeMCPExecution", "beforeReadFile", "beforeSubmitPrompt"
AFTER_SHELL, AFTER_MCP = "afterShellExecution", "afterMCPExecution"
#: ``preToolUse`` runs before every agent tool, writes and edits included (no other hook does);
#: ``beforeTabFileRead`` before Tab (inline completion) reads a file
TOOL, TAB_READ = "preToolUse", "beforeTabFileRead"
HOOK_EVENTS = (SHELL, MCP, READ, PROMPT, AFTER_SHELL, AFTER_MCP, TOOL, TAB_READ)
#: tools ``preToolUse`` leaves to their own hook (judged there, so not counted twice)
OWN_HOOK = frozenset({"Shell", "Read"})
#: Cursor's events that pass with no decision; any other event not mapped that carries more than
#: the envelope is refused (``goalrail.integrations.hook_events``)
INFORMATIONAL = frozenset(
    {"afterFileEdit", "afterTabFileEdit", "afterAgentResponse", "afterAgentThought", "stop", "sessionEnd"}
    | {"postToolUse", "postToolUseFailure", "subagentStop", "preCompact", "sessionStart"}
)
MAX_RESULT_CHARS = 32_000


def _mcp_args(raw: JsonValue) -> JsonObject:
    if isinstance(raw, dict):
        return dict(raw)
    if isinstance(raw, str) and raw.strip():
        from goalrail.integrations.claude_code import fastjson  # only for string arguments: hook start-up stays lean

        try:
            value = fastjson.loads(raw)
        except ValueError as exc:
            raise BadPayload("beforeMCPExecution tool_input is not JSON") from exc
        return dict(value) if isinstance(value, dict) else {"input": value}
    return {}


def _mcp_tool(payload: Mapping[str, object], tool: str) -> str:
    """``mcp__<server>__<tool>`` with the server's configured name when ``mcp.json`` tells it."""
    from goalrail.integrations.cursor.mcp_servers import server_name  # MCP calls only
    from goalrail.mcp_names import canonical

    server = server_name(payload)
    return canonical(server, tool) if server else f"mcp__cursor__{tool}"


def to_call(payload: JsonValue) -> Call | None:
    started = hook_and_session(payload, HOOK_EVENTS, "conversation_id", INFORMATIONAL)
    if started is None:
        return None
    name, session, payload = started
    context = hook_context(HARNESS, payload)
    roots = payload.get("workspace_roots")
    if "cwd" not in context and isinstance(roots, list) and roots and isinstance(roots[0], str):
        context["cwd"] = roots[0]
    if name == PROMPT:
        call = prompt_call(name, session, payload, context)
        call.events += _attached(payload.get("attachments"), context)
        return call
    args: JsonObject
    if name in (SHELL, AFTER_SHELL):
        command = payload.get("command")
        if not isinstance(command, str):
            raise BadPayload(f"{name} hook input has no command")
        tool, args = "Shell", {"command": command}
    elif name in (MCP, AFTER_MCP, TOOL):
        raw_name = payload.get("tool_name")
        if not isinstance(raw_name, str) or not raw_name:
            raise BadPayload(f"{name} hook input has no tool_name")
        if name == TOOL and raw_name in OWN_HOOK:
            return None  # beforeShellExecution / beforeReadFile judge it
        tool = raw_name if name == TOOL or raw_name.startswith("mcp__") else _mcp_tool(payload, raw_name)
        args = _mcp_args(payload.get("tool_input"))
    else:
        path = payload.get("file_path")
        if not isinstance(path, str) or not path:
            raise BadPayload(f"{name} hook input has no file_path")
        tool, args = "Read", {"file_path": path}
    data: JsonObject = {"name": tool, "arguments": args}
    if isinstance(payload.get("generation_id"), str):
        data["tool_use_id"] = payload["generation_id"]
    if name in (AFTER_SHELL, AFTER_MCP):
        result = payload.get("output") if name == AFTER_SHELL else payload.get("result_json")
        text = result if isinstance(result, str) else ""
        data["result"] = text[:MAX_RESULT_CHARS]
        return Call(
            name, session, [{"type": "tool_result", "target": tool, "data": data, "context": context}], gating=False
        )
    return Call(name, session, [{"type": "tool_call", "target": tool, "data": data, "context": context}])


def render(call: Call, verdict: Mapping[str, object], opts: Options) -> Result:
    result = verdict.get("result")
    allowed = result == "ALLOW" or approved(verdict)
    if call.hook in (AFTER_SHELL, AFTER_MCP):
        return Result({})  # observe only: Cursor cannot take back what already ran
    if call.hook == PROMPT:
        if allowed:
            return Result({"continue": True})
        text = ask_text(verdict, opts) if result == "ASK" else describe(verdict)
        return Result({"continue": False, "user_message": text})
    sent = call.events[0].get("data") if call.events else None
    if allowed and changed_arguments(verdict, sent.get("arguments") if isinstance(sent, dict) else None):
        # Cursor cannot change a call: one allowed only as changed is refused, never run as sent.
        verdict = refuse_unchanged(verdict, "Cursor cannot change a call, so it is refused")
        allowed, result = False, "DENY"
    if allowed:
        return Result({"permission": "allow", "decision": "allow"} if call.hook == TOOL else {"permission": "allow"})
    if result == "ASK" and opts["ask"] == "native" and call.hook in (SHELL, MCP):
        text = describe(verdict)
        return Result({"permission": "ask", "user_message": text, "agent_message": text})
    text = ask_text(verdict, opts) if result == "ASK" else describe(verdict)
    return _deny(call, text)


def _deny(call: Call, text: str) -> Result:
    if call.hook == TOOL:  # preToolUse: both answer spellings, and exit 2, which blocks in Cursor
        out: JsonObject = {"permission": "deny", "decision": "deny", "reason": text, "user_message": text}
        return Result({**out, "agent_message": text}, exit_code=2)
    return Result({"permission": "deny", "user_message": text, "agent_message": text})


def unavailable(call: Call, why: str, opts: Options) -> Result:
    text = unavailable_text(why)
    if call.hook in (AFTER_SHELL, AFTER_MCP):
        return Result({})
    if call.hook == PROMPT:
        return Result({"continue": False, "user_message": text})
    return _deny(call, text)


def _attached(attachments: object, context: JsonObject) -> list[JsonObject]:
    """The files a prompt attaches (``attachments``: ``{type, filePath}``, a file the user
    @-mentioned or a rule), which Cursor sends to the model with no read hook: each judged as
    ``Read`` of that file, as ``goalrail.integrations.mentions`` does for the other harnesses."""
    if not isinstance(attachments, list) or not attachments:
        return []
    paths = [
        p
        for a in attachments
        if isinstance(a, dict) and isinstance(p := a.get("filePath", a.get("file_path")), str) and p
    ]
    if not paths:
        return []
    from goalrail.integrations import mentions

    return mentions.read_events("Read", paths, context, whole_trees=False)


def blocked_output(text: str) -> JsonObject:
    """Also said on stdout: a Cursor that ignores exit code 2 still reads a deny."""
    return {"permission": "deny", "continue": False, "user_message": text, "agent_message": text}
