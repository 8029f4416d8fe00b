"""Gemini CLI hook JSON ⇄ Goalrail events and verdicts.  Pure, stdlib only.

Gemini CLI (0.61) runs command hooks from ``settings.json`` with JSON on
stdin: ``session_id``, ``cwd``, ``hook_event_name`` and, per event,
``tool_name``/``tool_input`` (+ ``mcp_context``, ``tool_response``) or
``prompt``.  Tool names are its own (``run_shell_command``, ``write_file``,
``replace``, ``read_file``, ``read_many_files``, ``glob``, ``grep_search``,
``web_fetch``…); the server maps them onto canonical tools.  An MCP tool is
sent as ``mcp__<server>__<tool>`` from ``mcp_context``.

Answers: exit 0 with ``{"decision": "deny", "reason": …}`` blocks a tool
(the reason goes to the model), a turn (``BeforeAgent``) or hides a result
(``AfterTool``).  Gemini treats any exit code other than 0 and 2 as a mere
warning and proceeds, so every failure here exits 2 with the reason on
stderr (a "system block").  ``SessionStart`` cannot block in Gemini; it only
reports.

ASK: Gemini's own ``decision: "ask"`` prompt exists only interactively (a
headless ``gemini -p`` cannot answer it), so by default an ASK is a deny that
names the approval; ``--ask-wait`` waits for it; ``--ask native`` hands it to
Gemini's confirmation prompt instead.
"""

from __future__ import annotations

from collections.abc import Mapping

from goalrail.integrations.hookcore import (
    BadPayload,
    Call,
    Result,
    approved,
    ask_text,
    bounded,
    describe,
    hook_and_session,
    hook_context,
    prompt_call,
    rewritten,
    unavailable_text,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from goalrail.integrations.hookcore import Options
    from goalrail.jsontypes import JsonObject, JsonValue

HARNESS = "gemini"
BAD_INPUT_EXIT = 2
USAGE = (
    "usage: goalrail hook gemini [--url URL] [--token TOKEN | --token-file PATH] [--timeout S] "
    "[--ask-wait S] [--ask deny|native] [--fail-open]"
)
MAX_RESULT_CHARS = 32_000
BEFORE, AFTER, AGENT, START = "BeforeTool", "AfterTool", "BeforeAgent", "SessionStart"
HOOK_EVENTS = (BEFORE, AFTER, AGENT, START)
#: Gemini's events that pass with no decision; any other event not mapped that carries more than
#: the envelope is refused (``goalrail.integrations.hook_events``)
INFORMATIONAL = frozenset({"AfterAgent", "AfterModel", "SessionEnd", "PreCompress", "Notification"})


def tool_name(payload: Mapping[str, object]) -> str:
    name = payload.get("tool_name")
    if not isinstance(name, str) or not name:
        raise BadPayload(f"{payload.get('hook_event_name')} hook input has no tool_name")
    context = payload.get("mcp_context")
    if context is None and not name.startswith("mcp_"):
        return name
    from goalrail.mcp_names import from_gemini  # MCP tools only

    return from_gemini(name, context) or name


def to_call(payload: JsonValue) -> Call | None:
    started = hook_and_session(payload, HOOK_EVENTS, informational=INFORMATIONAL)
    if started is None:
        return None
    name, session, payload = started
    context = hook_context(HARNESS, payload, ("cwd",))
    if name == AGENT:
        call = prompt_call(name, session, payload, context)
        prompt = payload.get("prompt")
        if isinstance(prompt, str) and "@" in prompt:  # files Gemini attached with no tool call
            from goalrail.integrations import mentions

            found = mentions.gemini_mentions(prompt)
            call.events += mentions.read_events("read_file", found, context, whole_trees=True) if found else []
        return call
    if name == START:
        start = {"source": payload["source"]} if isinstance(payload.get("source"), str) else {}
        return Call(name, session, [{"type": "session_start", "data": start, "context": context}], gating=False)
    tool = tool_name(payload)
    raw = payload.get("tool_input")
    args = dict(raw) if isinstance(raw, dict) else {}
    data: JsonObject = {"name": tool, "arguments": args}
    if name == AFTER:
        data["result"] = bounded(payload.get("tool_response"), MAX_RESULT_CHARS)
    d = args.get("dir_path")
    if isinstance(d, str) and tool == "run_shell_command":
        cwd = context.get("cwd")  # a string when present (hook_context)
        context["cwd"] = d if d.startswith("/") or not isinstance(cwd, str) or not cwd else f"{cwd.rstrip('/')}/{d}"
    etype = "tool_call" if name == BEFORE else "tool_result"
    return Call(
        name, session, [{"type": etype, "target": tool, "data": data, "context": context}], gating=name == BEFORE
    )


def render(call: Call, verdict: Mapping[str, object], opts: Options) -> Result:
    result = verdict.get("result")
    if call.hook == START:
        if result == "ALLOW":
            return Result({})
        return Result({"systemMessage": describe(verdict)})  # SessionStart cannot block in Gemini
    if result == "ALLOW" or approved(verdict):
        new = rewritten(verdict) if call.hook == BEFORE else None
        return Result({"hookSpecificOutput": {"tool_input": new}} if new is not None else {})
    if result == "ASK" and call.hook == BEFORE and opts["ask"] == "native":
        text = describe(verdict)
        return Result({"decision": "ask", "reason": text, "systemMessage": text})
    text = ask_text(verdict, opts) if result == "ASK" else describe(verdict)
    return Result({"decision": "deny", "reason": text})


def unavailable(call: Call, why: str, opts: Options) -> Result:
    text = unavailable_text(why)
    if call.hook == START:
        return Result({"systemMessage": text})
    return Result(stderr=text, exit_code=2)
