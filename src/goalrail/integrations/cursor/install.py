"""Merge Goalrail's hooks into a Cursor ``hooks.json`` (and take them out again).

Format: ``{"version": 1, "hooks": {event: [{"command": …}, …]}}``.  Ours are
the entries whose command runs ``… hook cursor``; everything else is kept.
"""

from __future__ import annotations

import os
from pathlib import Path

from goalrail.errors import ConfigError
from goalrail.integrations.installing import load_json, save_json, uninstall_hooks
from goalrail.jsontypes import JsonObject

MARK = "hook cursor"
EVENTS = (
    "beforeShellExecution",
    "beforeMCPExecution",
    "beforeReadFile",
    "beforeTabFileRead",
    "preToolUse",
    "beforeSubmitPrompt",
    "afterShellExecution",
    "afterMCPExecution",
)


def hooks_path(scope: str, project_dir: str | Path | None = None) -> Path:
    if scope == "user":
        return Path.home() / ".cursor" / "hooks.json"
    return Path(project_dir or os.getcwd()) / ".cursor" / "hooks.json"


def is_ours(entry: object) -> bool:
    return isinstance(entry, dict) and MARK in str(entry.get("command", ""))


def _remove(hooks: JsonObject) -> int:
    removed = 0
    for event in list(hooks):
        entries = hooks[event]
        if not isinstance(entries, list):
            continue
        kept = [e for e in entries if not is_ours(e)]
        removed += len(entries) - len(kept)
        if kept:
            hooks[event] = kept
        else:
            del hooks[event]
    return removed


def install(path: Path, command: str) -> None:
    data = load_json(path)
    data.setdefault("version", 1)
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ConfigError(f"`hooks` in {path} is not an object; fix it by hand first")
    _remove(hooks)
    for event in EVENTS:
        entries = hooks.setdefault(event, [])
        if not isinstance(entries, list):
            raise ConfigError(f"`hooks.{event}` in {path} is not a list; fix it by hand first")
        entries.append({"command": command})
    save_json(path, data)


def uninstall(path: Path) -> int:
    return uninstall_hooks(path, _remove)
