"""Small readers over PolicyEvent shared by the builtins (no policy logic).

Every builtin reads events through them, so they test ``type(x) is dict`` before
``isinstance(x, Mapping)``: the same answer, without the ABC check (a Python-level
``__instancecheck__``) for the plain dicts events are made of.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from goalrail.policies.builtins._powershell_cli import tool_line
from goalrail.policies.commands import command_lines, command_texts
from goalrail.policies.redact import redact
from goalrail.policies.schema import PolicyEvent

PREVIEW_LEN = 80


def tool_name(event: PolicyEvent) -> str:
    """The canonical tool name of a tool phase event ("" otherwise)."""
    data = event.get("data")
    name = data.get("name") if type(data) is dict or isinstance(data, Mapping) else None
    return name or event.get("target") or ""


def original_name(event: PolicyEvent) -> str:
    """The name the harness called a tool by (``mcp__box__run`` mapped onto ``sys_os_shell``), "" if none."""
    action = (event.get("context") or {}).get("action") or {}
    name = action.get("original") if type(action) is dict or isinstance(action, Mapping) else None
    return name if isinstance(name, str) else ""


def dir_args(event: PolicyEvent) -> Mapping[str, object]:
    """The call's arguments naming the directory it runs in (found by the tool mapping), by key."""
    action = (event.get("context") or {}).get("action") or {}
    return action.get("dir_args") or {}


def arguments(event: PolicyEvent) -> object:
    data = event.get("data")
    return data.get("arguments", {}) if type(data) is dict or isinstance(data, Mapping) else {}


def shell_commands(event: PolicyEvent) -> list[str] | None:
    """Every command line a shell tool call may run (each command-like argument, all of them).

    None when there is none we can read, or when one command-like argument has
    a shape we cannot read (a policy must not judge the readable one alone).
    """
    args = arguments(event)
    if isinstance(args, str):
        return [args]
    if isinstance(args, list):
        return command_texts(args)
    if not (type(args) is dict or isinstance(args, Mapping)):
        return None
    action = (event.get("context") or {}).get("action") or {}
    if (key := action.get("command_in")) is not None:  # typed into a running process (`engine.mcp_commands`)
        typed = args.get(key)
        return [typed] if isinstance(typed, str) and typed else None
    out = command_lines(args)
    if out is None:
        return None
    if action.get("language") == "powershell":
        out = [tool_line(line) for line in out]  # the POSIX line that runs the PowerShell command
    env = shell_env(event)
    if out and env:  # variables the tool sets (BASH_ENV, PROMPT_COMMAND, GIT_PAGER…) are analysed as `env`
        out.append("env " + " ".join(shlex.quote(f"{k}={v}") for k, v in env) + " true")
    return out or None


_ENV_KEYS = frozenset({"env", "environment", "env_vars", "envs", "environment_variables"})


def shell_env(event: PolicyEvent) -> list[tuple[str, str]]:
    """Environment variables a shell tool call sets for its command (``env: {NAME: value}``)."""
    args = arguments(event)
    if not (type(args) is dict or isinstance(args, Mapping)):
        return []
    out: list[tuple[str, str]] = []
    for key, value in args.items():
        if not isinstance(key, str) or key.lower() not in _ENV_KEYS:
            continue
        if isinstance(value, Mapping):
            out.extend((str(k), v if isinstance(v, str) else str(v)) for k, v in value.items())
        elif isinstance(value, list):
            pairs = (v.partition("=") for v in value if isinstance(v, str) and "=" in v)
            out.extend((name, setting) for name, _, setting in pairs)
    return out


def shell_command(event: PolicyEvent) -> str | None:
    """The first command line of a shell tool call (see ``shell_commands`` for all of them)."""
    commands = shell_commands(event)
    return commands[0] if commands else None


def policy_state(event: PolicyEvent) -> Mapping[str, object]:
    state = event.get("policy_state")
    return state if type(state) is dict or isinstance(state, Mapping) else {}


def cwd(event: PolicyEvent) -> str | None:
    ctx = event.get("context") or {}
    value = ctx.get("cwd") if type(ctx) is dict or isinstance(ctx, Mapping) else None
    return value if isinstance(value, str) and value else None


def now(event: PolicyEvent) -> float:
    ctx = event.get("context") or {}
    value = ctx.get("now") if type(ctx) is dict or isinstance(ctx, Mapping) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise ValueError("event context has no `now`")


def preview(text: str, limit: int = PREVIEW_LEN) -> str:
    """``text`` on one line, its secrets redacted (before it is cut short: a token cut in
    half is no longer recognised), at most ``limit`` characters."""
    text = " ".join(redact(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def worst(a: str | None, b: str | None) -> str | None:
    rank = {None: 0, "ALLOW": 0, "ASK": 1, "DENY": 2}
    return a if rank[a] >= rank[b] else b
