"""Codex hook JSON ⇄ Goalrail events and verdicts.  Pure, stdlib only.

Codex's hook payloads follow Claude Code's (``session_id``, ``cwd``,
``hook_event_name``, ``tool_name``, ``tool_input``, ``tool_use_id``…) with
Codex's own tools: shell commands arrive as ``Bash`` with ``{"command": …}``
(a string, or an argv list with a ``workdir`` from the older ``shell``
tool), file edits as ``apply_patch`` with the patch text in ``command``, MCP
tools as ``mcp__<server>__<tool>``.

What Codex accepts back differs from Claude Code, and the differences are
where a naive adapter fails open: ``permissionDecision: ask`` and a bare
``allow`` are rejected as unsupported (the hook counts as failed and the tool
runs), and so is any exit code but 0 and 2.  So:

* DENY → ``permissionDecision: deny`` with the reason;
* ASK → the same deny, naming the approval and how to approve it (or, with
  ``--ask-wait``, the hook waits for the approval: approved → runs);
* ALLOW → no output (Codex's own approval policy still applies); a policy's
  rewrite → ``allow`` with ``updatedInput``;
* unreadable input or a crash → exit 2 with the reason on stderr (blocking).

An ``apply_patch`` touching several files is evaluated once per file (each
event's ``file_path`` is that file) so path policies see every file; the
strictest verdict answers.
"""

from __future__ import annotations

from goalrail.integrations.hookcore import (
    BadPayload,
    Call,
    Result,
    approved,
    ask_text,
    bounded,
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
    from collections.abc import Mapping

    from goalrail.integrations.hookcore import Options
    from goalrail.jsontypes import JsonObject, JsonValue

HARNESS = "codex"
BAD_INPUT_EXIT = 2
USAGE = (
    "usage: goalrail hook codex [--url URL] [--token TOKEN | --token-file PATH] [--timeout S] "
    "[--ask-wait S] [--fail-open]"
)
MAX_RESULT_CHARS = 32_000
PRE, POST, PROMPT, START = "PreToolUse", "PostToolUse", "UserPromptSubmit", "SessionStart"
HOOK_EVENTS = (PRE, POST, PROMPT, START)
#: Codex's (0.171) events that pass with no decision (after the fact, lifecycle; PermissionRequest is
#: answered by Codex's own approval when the hook says nothing); any other event not mapped that
#: carries more than the envelope is refused (``goalrail.integrations.hook_events``)
INFORMATIONAL = frozenset(
    {"Stop", "StopFailure", "SessionEnd", "SubagentStart", "SubagentStop", "PreCompact", "PostCompact"}
    | {"PermissionRequest", "PostModelRequest"}
)
_PATCH_START = "*** Begin Patch"


def to_call(payload: JsonValue) -> Call | None:
    started = hook_and_session(payload, HOOK_EVENTS, informational=INFORMATIONAL)
    if started is None:
        return None
    name, session, payload = started
    context = hook_context(HARNESS, payload)
    if name == PROMPT:
        return prompt_call(name, session, payload, context)
    if name == START:
        start = {k: payload[k] for k in ("source", "model") if isinstance(payload.get(k), str)}
        return Call(name, session, [{"type": "session_start", "data": start, "context": context}], gating=False)
    tool = payload.get("tool_name")
    if not isinstance(tool, str) or not tool:
        raise BadPayload(f"{name} hook input has no tool_name")
    raw = payload.get("tool_input")
    args: JsonObject = dict(raw) if isinstance(raw, dict) else {"input": raw} if isinstance(raw, str) else {}
    etype = "tool_call" if name == PRE else "tool_result"
    if tool == "read_mcp_resource":  # an MCP server's resource read (`{server, uri}`): that server's action
        from goalrail.harness_calls import renamed

        named = renamed(tool, args)
        if named is not None:
            tool, args = named
    parts = _split(tool, args, context)
    events: list[JsonObject] = []
    for part_tool, part_args, part_context in parts:
        data: JsonObject = {"name": part_tool, "arguments": part_args}
        if isinstance(payload.get("tool_use_id"), str):
            data["tool_use_id"] = payload["tool_use_id"]
        if name == POST:
            data["result"] = bounded(payload.get("tool_response"), MAX_RESULT_CHARS)
        events.append({"type": etype, "target": part_tool, "data": data, "context": part_context})
    return Call(name, session, events, gating=name == PRE)


def _split(tool: str, args: JsonObject, context: JsonObject) -> list[tuple[str, JsonObject, JsonObject]]:
    """The (tool, arguments, context) of each event one tool call becomes."""
    given_cwd = context.get("cwd")
    cwd = given_cwd if isinstance(given_cwd, str) else None  # hook_context keeps only a string
    if tool == "apply_patch":
        patch = next((v for v in (args.get(k) for k in ("command", "input", "patch")) if isinstance(v, str)), None)
        paths = _patch_paths(patch, cwd) if patch else []
        if paths:
            return [(tool, {**args, "file_path": p}, context) for p in paths]
        return [(tool, args, context)]
    command = args.get("command")
    script = _shell_patch(command if command is not None else args.get("cmd")) if tool in _SHELLS else None
    if isinstance(command, list) and all(isinstance(w, str) for w in command):
        args = {**args, "command": join_argv([str(w) for w in command])}
    workdir = args.get("workdir")
    if isinstance(workdir, str) and workdir:
        context = {**context, "cwd": workdir if workdir.startswith("/") or not cwd else f"{cwd.rstrip('/')}/{workdir}"}
    if script is None:
        return [(tool, args, context)]
    # Codex applies a patch given to the shell itself (`apply_patch <<'EOF'`, `cd dir && apply_patch …`)
    # and hooks it only as `Bash`: each file it writes is judged as the apply_patch tool's would be.
    body, directory = script
    run_in = context.get("cwd")
    base = run_in if isinstance(run_in, str) else None
    if directory:
        base = directory if directory.startswith("/") or not base else f"{base.rstrip('/')}/{directory}"
    paths = _patch_paths(body, base)
    return [(tool, args, context)] + [("apply_patch", {"input": body, "file_path": p}, context) for p in paths]


def _patch_paths(patch: str, cwd: str | None) -> list[str]:
    """``goalrail.engine.targets.patch_paths``, imported for a patch only: importing the engine
    (its package imports the evaluator) costs a plain shell call's hook ≈ 0.5 G instructions."""
    from goalrail.engine.targets import patch_paths

    return patch_paths(patch, cwd)


#: Codex's shell tools, as its hooks name them (``Bash``) and as its model calls them.
_SHELLS = frozenset({"Bash", "shell", "shell_command", "local_shell", "exec_command", "unified_exec", "container.exec"})
#: The programs Codex treats as its own patch tool when a shell command runs them.
_PATCH_PROGRAMS = ("apply_patch", "applypatch")


def _shell_patch(command: object) -> tuple[str, str | None] | None:
    """(patch text, the directory a leading ``cd DIR &&`` names) when a shell command hands a
    patch to ``apply_patch``/``applypatch`` (argv ``[apply_patch, PATCH]``, ``[sh, -c, SCRIPT]`` or
    a script string), which Codex intercepts and applies itself; None otherwise.  Read loosely
    (any script naming the program and holding a patch), so no spelling Codex accepts is missed."""
    if isinstance(command, list):
        words = [w for w in command if isinstance(w, str)]
        if not words:
            return None
        if words[0].rsplit("/", 1)[-1] in _PATCH_PROGRAMS and len(words) > 1:
            return (words[1], None) if _PATCH_START in words[1] else None
        command = words[-1]
    if not isinstance(command, str) or _PATCH_START not in command:
        return None
    if not any(p in command for p in _PATCH_PROGRAMS):
        return None
    import re  # only for a patch (importing re costs every hook call ≈ 26 M instructions)

    start = command.index(_PATCH_START)
    # the last `cd DIR &&` before the patch: where its paths start
    moves = re.findall(r"""\bcd\s+('[^']*'|"[^"]*"|[^\s;&|'"]+)\s*&&""", command[:start])
    return command[start:], (moves[-1].strip("'\"") or None) if moves else None


def _command_only(new: JsonObject, sent: object) -> bool:
    """Whether ``new`` differs from the arguments sent in its ``command`` (a string) alone."""
    if not isinstance(new.get("command"), str) or not isinstance(sent, dict):
        return False
    return {k: v for k, v in new.items() if k != "command"} == {k: v for k, v in sent.items() if k != "command"}


def _stdin_session(call: Call, new: JsonObject | None) -> str | None:
    """The program a shell call would leave reading commands from ``write_stdin``, which Codex runs
    with no hook (``goalrail.integrations.codex.stdin_sessions``); None for anything else."""
    data = call.events[0].get("data")
    if not isinstance(data, dict) or data.get("name") not in _SHELLS:
        return None
    args = new if new is not None else data.get("arguments")
    if not isinstance(args, dict):
        return None
    from goalrail.integrations.codex.stdin_sessions import reads_commands  # shell calls only

    return reads_commands(args.get("command") if args.get("command") is not None else args.get("cmd"))


def refuse_interactive(verdict: Mapping[str, object], program: str) -> dict[str, object]:
    why = (
        f"`{program[:40]}` would read its commands from its terminal, and Codex types those with write_stdin, "
        "which runs no hook, so Goalrail could not judge them; refused, fail closed (give it a script, "
        "`-c` code or piped input instead)"
    )
    return {**verdict, "result": "DENY", "policy": None, "reason": why}


def join_argv(argv: list[str]) -> str:
    """An argv list as one shell command line (POSIX single quotes where needed)."""
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_")
    return " ".join(w if w and set(w) <= safe else "'" + w.replace("'", "'\"'\"'") + "'" for w in argv)


def _deny(text: str) -> JsonObject:
    return {
        "hookSpecificOutput": {"hookEventName": PRE, "permissionDecision": "deny", "permissionDecisionReason": text}
    }


def render(call: Call, verdict: Mapping[str, object], opts: Options) -> Result:
    result = verdict.get("result")
    if call.hook == PRE:
        if result == "ALLOW":
            sent = call.events[0].get("data") if len(call.events) == 1 else None
            new = changed_arguments(verdict, sent.get("arguments") if isinstance(sent, dict) else None)
            session = _stdin_session(call, new)
            if session is not None:
                return Result(_deny(describe(refuse_interactive(verdict, session))))
            if new is None:
                return Result()  # no objection; an approved ASK also just proceeds
            if isinstance(sent, dict) and _command_only(new, sent.get("arguments")):
                out: JsonObject = {
                    "hookEventName": PRE,
                    "permissionDecision": "allow",
                    "updatedInput": {"command": new["command"]},
                }
                return Result({"hookSpecificOutput": out})
            # Codex takes only a changed `command`: a call allowed only otherwise changed is refused.
            refused = refuse_unchanged(verdict, "Codex can change only a command, so it is refused")
            return Result(_deny(describe(refused)))
        return Result(_deny(ask_text(verdict, opts) if result == "ASK" else describe(verdict)))
    if result == "ALLOW" or approved(verdict):
        return Result()
    text = ask_text(verdict, opts) if result == "ASK" else describe(verdict)
    if call.hook == START:
        return Result({"continue": False, "stopReason": text})
    return Result({"decision": "block", "reason": text})


def unavailable(call: Call, why: str, opts: Options) -> Result:
    text = unavailable_text(why)
    if call.hook == PRE:
        return Result(_deny(text))
    if call.hook == START:
        return Result({"continue": False, "stopReason": text})
    return Result({"decision": "block", "reason": text})
