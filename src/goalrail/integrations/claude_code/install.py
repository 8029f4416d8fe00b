"""Merge Goalrail's hooks into a Claude Code settings.json, and take them out again.

Only our own entries are touched: a hook is ours when it is a ``command`` hook
running ``… hook claude-code`` or an ``http`` hook posting to
``…/hooks/claude-code``.  Everything else in the file is kept as it was
(other hooks, permissions, env, unknown keys).  Matcher groups left empty by
an uninstall are removed, and so is an empty ``hooks`` object.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from goalrail.errors import ConfigError
from goalrail.integrations.installing import load_json, remove_groups, save_json
from goalrail.jsontypes import JsonObject

TOOL_EVENTS = ("PreToolUse", "PostToolUse", "PreSkillShellCommand")
OTHER_EVENTS = ("UserPromptSubmit", "SessionStart")
MARK_COMMAND = "hook claude-code"
MARK_URL = "/hooks/claude-code"


def settings_path(scope: str, project_dir: str | Path | None = None) -> Path:
    if scope == "user":
        return Path(os.path.expanduser("~")) / ".claude" / "settings.json"
    return Path(project_dir or os.getcwd()) / ".claude" / "settings.json"


def default_command() -> str:
    exe = shutil.which("goalrail")
    if exe:
        return f"{shlex.quote(exe)} hook claude-code"
    return f"{shlex.quote(sys.executable)} -m goalrail hook claude-code"


def is_ours(hook: object) -> bool:
    if not isinstance(hook, dict):
        return False
    if hook.get("type") == "command":
        return MARK_COMMAND in str(hook.get("command", ""))
    if hook.get("type") == "http":
        return str(hook.get("url", "")).partition("?")[0].rstrip("/").endswith(MARK_URL)
    return False


def hook_entry(*, command: str | None = None, http_url: str | None = None, timeout_s: int = 30) -> JsonObject:
    if http_url:
        base, sep, query = http_url.partition("?")
        url = base.rstrip("/") if base.rstrip("/").endswith(MARK_URL) else base.rstrip("/") + MARK_URL
        return {
            "type": "http",
            "url": url + sep + query,
            "timeout": timeout_s,
            "headers": {"Authorization": "Bearer $GOALRAIL_TOKEN"},
            "allowedEnvVars": ["GOALRAIL_TOKEN"],
        }
    return {"type": "command", "command": command or default_command(), "timeout": timeout_s}


def remove_ours(settings: JsonObject) -> int:
    """Drop our hooks (and groups/events left empty); returns how many were removed."""
    hooks = settings.get("hooks")
    if not isinstance(hooks, dict):
        return 0
    removed = remove_groups(hooks, is_ours)
    if not hooks:
        del settings["hooks"]
    return removed


def add_ours(settings: JsonObject, entry: JsonObject) -> None:
    hooks = settings.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ConfigError("`hooks` in settings.json is not an object; fix it by hand first")
    for event in (*TOOL_EVENTS, *OTHER_EVENTS):
        group: JsonObject = {"hooks": [dict(entry)]}
        if event in TOOL_EVENTS:
            group = {"matcher": "*", **group}
        existing = hooks.setdefault(event, [])
        if not isinstance(existing, list):
            raise ConfigError(f"`hooks.{event}` in settings.json is not a list; fix it by hand first")
        existing.append(group)


def install(path: Path, entry: JsonObject) -> None:
    data = load_json(path)
    remove_ours(data)  # idempotent: re-installing replaces our entries
    add_ours(data, entry)
    save_json(path, data)


def uninstall(path: Path) -> int:
    if not path.exists():
        return 0
    data = load_json(path)
    removed = remove_ours(data)
    if removed:
        save_json(path, data)
    return removed
