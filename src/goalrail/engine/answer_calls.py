"""The tool calls a model's answer (an ``llm_response``) makes, each with its canonical action.

A harness runs the calls the model's answer names; through the LLM proxy the
answer is the only event they reach Goalrail in.  :func:`answer_calls` reads
them in every shape an answer carries them: the proxy's ``tool_calls``
(OpenAI's, which the Anthropic endpoint also posts), OpenAI's
``choices[].message.tool_calls`` (``function`` and ``custom`` ones: a freeform tool
such as GPT-5's ``apply_patch``, its raw ``input`` a patch) and legacy ``function_call``, Anthropic's
``tool_use`` content blocks and Responses ``function_call``, ``custom_tool_call``,
``local_shell_call``, ``shell_call`` and ``apply_patch_call`` output items.  Each
call's arguments are read as an object (a JSON string decoded; one that is not
JSON is kept whole under ``arguments``, so the text it holds is still judged)
and its tool mapped as a ``tool_call``'s is (named by its arguments first as the hooks name it:
``goalrail.harness_calls``), so a policy judges it with the
same metadata (``kind``, ``trust``, ``sinks``, ``content``): the event's
``context["calls"]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from goalrail.engine.actions import ActionMapper
from goalrail.harness_calls import BY_ARGUMENTS, renamed
from goalrail.policies.schema import AnswerCall


def answer_calls(data: Mapping[str, object], mapper: ActionMapper) -> list[AnswerCall]:
    """``{"name", "arguments", "action"}`` for every call ``data`` (an ``llm_response``'s) makes."""
    out: list[AnswerCall] = []
    for name, raw in _calls(data):
        args = _arguments(raw)
        if name in BY_ARGUMENTS:  # Claude Code's WebSocket `Monitor`, an MCP resource read: as the hooks name them
            named = renamed(name, args)
            if named is not None:
                name, args = named[0], dict(named[1])
        out.append({"name": name, "arguments": args, "action": mapper.map_tool(name, args)})
    return out


def _calls(data: Mapping[str, object]) -> Iterator[tuple[str, object]]:
    yield from _openai_calls(data.get("tool_calls"))
    choices = data.get("choices")
    for choice in choices if isinstance(choices, list) else ():
        message = (choice.get("message") or choice.get("delta")) if isinstance(choice, Mapping) else None
        if isinstance(message, Mapping):
            yield from _openai_calls(message.get("tool_calls"))
            legacy = message.get("function_call")
            if isinstance(legacy, Mapping):
                yield str(legacy.get("name") or ""), legacy.get("arguments")
            yield from _blocks(message.get("content"))
    yield from _blocks(data.get("content"))
    yield from _blocks(data.get("output"))


def _openai_calls(calls: object) -> Iterator[tuple[str, object]]:
    for call in calls if isinstance(calls, list) else ():
        fn = call.get("function") if isinstance(call, Mapping) else None
        custom = call.get("custom") if isinstance(call, Mapping) and fn is None else None
        if isinstance(fn, Mapping):
            yield str(fn.get("name") or ""), fn.get("arguments")
        elif isinstance(custom, Mapping):  # a custom (freeform) tool's call: its raw text `input`
            yield str(custom.get("name") or ""), custom.get("input")
        elif isinstance(call, Mapping) and "name" in call:  # already flat: {name, arguments|input}
            yield str(call.get("name") or ""), call.get("arguments", call.get("input"))


def _blocks(content: object) -> Iterator[tuple[str, object]]:
    """Anthropic ``tool_use`` (also ``server_tool_use``, ``mcp_tool_use``) blocks, Responses ``function_call`` items."""
    for block in content if isinstance(content, list) else ():
        if not isinstance(block, Mapping):
            continue
        kind = block.get("type")
        if isinstance(kind, str) and kind.endswith("tool_use"):
            yield str(block.get("name") or ""), block.get("input")
        elif kind == "function_call" or kind == "custom_tool_call":
            yield str(block.get("name") or ""), block.get("arguments", block.get("input"))
        elif kind in _BUILTIN_CALLS:  # a Responses tool the client runs: its arguments nested
            name, key = _BUILTIN_CALLS[kind]
            yield name, block.get(key)


#: Responses output items of tools the client itself runs, named as the tool they are, and the
#: key holding their arguments: ``local_shell_call`` ``action: {command: [argv], working_directory,
#: env}``, ``shell_call`` ``action: {commands: [...]}``, ``apply_patch_call`` ``operation: {type,
#: path, diff}``.  (Hosted tools' items — web search, code interpreter, remote MCP — report a call
#: the provider already ran.)
_BUILTIN_CALLS = {
    "local_shell_call": ("local_shell", "action"),
    "shell_call": ("shell", "action"),
    "apply_patch_call": ("apply_patch", "operation"),
}


def _arguments(raw: object) -> dict[str, object]:
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, str):
        if not raw.strip():
            return {}
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError):
            return {"arguments": raw}
        return dict(parsed) if isinstance(parsed, dict) else {"arguments": parsed}
    return {} if raw is None else {"arguments": raw}
