"""Merge Goalrail's hooks into a Gemini CLI ``settings.json`` (and take them out again).

Hooks live under ``hooks`` as ``{event: [{matcher, hooks: [{name, type,
command, timeout}]}]}`` with the timeout in milliseconds.  Ours are the
command hooks running ``… hook gemini``; everything else is kept.  Gemini
runs hooks with a sanitized environment, so the server URL and token file go
on the command line.  Project hooks are fingerprinted by Gemini: the first
run in a project warns once that they exist, then trusts them.
"""

from __future__ import annotations

import os
from pathlib import Path

from goalrail.errors import ConfigError
from goalrail.integrations.installing import load_json, remove_groups, save_json, uninstall_hooks
from goalrail.jsontypes import JsonObject

MARK = "hook gemini"
EVENTS = {"BeforeTool": "*", "AfterTool": "*", "BeforeAgent": None}


def settings_path(scope: str, project_dir: str | Path | None = None) -> Path:
    if scope == "user":
        return Path.home() / ".gemini" / "settings.json"
    return Path(project_dir or os.getcwd()) / ".gemini" / "settings.json"


def is_ours(hook: object) -> bool:
    return isinstance(hook, dict) and hook.get("type") == "command" and MARK in str(hook.get("command", ""))


def install(path: Path, command: str, timeout_s: int) -> None:
    data = load_json(path)
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ConfigError(f"`hooks` in {path} is not an object; fix it by hand first")
    remove_groups(hooks, is_ours)
    handler: JsonObject = {"name": "goalrail", "type": "command", "command": command, "timeout": timeout_s * 1000}
    for event, matcher in EVENTS.items():
        groups = hooks.setdefault(event, [])
        if not isinstance(groups, list):
            raise ConfigError(f"`hooks.{event}` in {path} is not a list; fix it by hand first")
        group: JsonObject = {"hooks": [dict(handler)]}
        groups.append({"matcher": matcher, **group} if matcher else group)
    save_json(path, data)


def uninstall(path: Path) -> int:
    return uninstall_hooks(path, lambda hooks: remove_groups(hooks, is_ours), drop_empty=True)
