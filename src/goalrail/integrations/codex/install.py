"""Write Goalrail's hooks into Codex's ``hooks.json`` and record their trust.

Codex (0.171) reads hooks from ``hooks.json`` next to each config layer —
``$CODEX_HOME/hooks.json`` (user) and ``<project>/.codex/hooks.json`` — and
runs a non-managed hook only if the user config holds its trust:
``[hooks.state."<hooks.json path>:<event>:<group>:<handler>"] trusted_hash =
"sha256:…"``, the SHA-256 of the hook's normalized identity (event label,
matcher, handler with its timeout, as key-sorted compact JSON).  An untrusted
hook is skipped silently, so the installer writes that trust itself (the user
asked for these hooks by running it) and says so; ``--no-trust`` leaves it to
Codex's ``/hooks`` review.  Project hooks also need the project trusted
(``[projects."<dir>"] trust_level = "trusted"``): reported, or written with
``--trust-project``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from goalrail.errors import ConfigError
from goalrail.integrations.installing import load_json, remove_groups, save_json, uninstall_hooks
from goalrail.jsontypes import JsonObject, JsonValue

MARK = "hook codex"
EVENTS = {  # event → (matcher, state-key label)
    "PreToolUse": ("*", "pre_tool_use"),
    "PostToolUse": ("*", "post_tool_use"),
    "UserPromptSubmit": (None, "user_prompt_submit"),
    "SessionStart": (None, "session_start"),
}


def codex_home() -> Path:
    return Path(os.environ.get("CODEX_HOME") or Path.home() / ".codex")


def hooks_path(scope: str, project_dir: str | Path | None = None) -> Path:
    if scope == "user":
        return codex_home() / "hooks.json"
    return Path(project_dir or os.getcwd()).resolve() / ".codex" / "hooks.json"


def is_ours(hook: object) -> bool:
    return isinstance(hook, dict) and hook.get("type") == "command" and MARK in str(hook.get("command", ""))


def trust_hash(event: str, matcher: str | None, handler: Mapping[str, JsonValue]) -> str:
    """Codex's ``version_for_toml`` of the hook identity (None fields dropped, keys sorted, compact)."""
    timeout = handler.get("timeout") or 600
    if not isinstance(timeout, (int, float, str)):
        raise TypeError(f"a hook's timeout is a number, not {type(timeout).__name__}")
    normalized: JsonObject = {
        "type": "command",
        "command": handler["command"],
        "timeout": max(1, int(timeout)),
        "async": bool(handler.get("async", False)),
    }
    identity: JsonObject = {"event_name": EVENTS[event][1], "hooks": [normalized]}
    if matcher is not None:
        identity["matcher"] = matcher
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def install(path: Path, command: str, timeout_s: int) -> dict[str, str]:
    """Merge our hooks into ``path``; returns {state key: trusted hash} for each of our handlers."""
    data = load_json(path)
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ConfigError(f"`hooks` in {path} is not an object; fix it by hand first")
    remove_groups(hooks, is_ours)
    trust: dict[str, str] = {}
    handler: JsonObject = {"type": "command", "command": command, "timeout": timeout_s}
    for event, (matcher, label) in EVENTS.items():
        groups = hooks.setdefault(event, [])
        if not isinstance(groups, list):
            raise ConfigError(f"`hooks.{event}` in {path} is not a list; fix it by hand first")
        group: JsonObject = {"hooks": [dict(handler)]}
        if matcher is not None:
            group = {"matcher": matcher, **group}
        trust[f"{path.resolve()}:{label}:{len(groups)}:0"] = trust_hash(event, matcher, handler)
        groups.append(group)
    save_json(path, data)
    return trust


def uninstall(path: Path) -> int:
    return uninstall_hooks(path, lambda hooks: remove_groups(hooks, is_ours))


# -- $CODEX_HOME/config.toml --------------------------------------------------------


def _toml_key(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a TOML basic string is a JSON string for these inputs


def _drop_sections(text: str, headers: set[str]) -> str:
    """Remove whole ``[header]`` sections (header line up to the next header)."""
    out: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("["):
            skipping = stripped in headers
        if not skipping:
            out.append(line)
    return "".join(out)


def _load_toml(path: Path) -> tuple[str, Mapping[str, object]]:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); not touching it") from exc


def write_trust(config: Path, trust: dict[str, str], *, stale_prefix: str | None = None) -> None:
    """Record ``trust`` under ``[hooks.state."<key>"]``; drop our stale entries for the same hooks file."""
    text, _ = _load_toml(config)
    headers = {f"[hooks.state.{_toml_key(k)}]" for k in trust}
    if stale_prefix:
        pattern = re.compile(r'^\[hooks\.state\."' + re.escape(stale_prefix) + r':[a-z_]+:\d+:\d+"\]$')
        headers |= {line.strip() for line in text.splitlines() if pattern.match(line.strip())}
    text = _drop_sections(text, headers)
    if text and not text.endswith("\n"):
        text += "\n"
    for key, digest in trust.items():
        text += f"\n[hooks.state.{_toml_key(key)}]\ntrusted_hash = {_toml_key(digest)}\n"
    try:
        state = tomllib.loads(text).get("hooks", {}).get("state", {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"cannot record hook trust in {config} ({exc}); trust the Goalrail hooks in Codex's /hooks instead"
        ) from exc
    if any(state.get(k, {}).get("trusted_hash") != v for k, v in trust.items()):
        raise ConfigError(f"cannot record hook trust in {config}; trust the Goalrail hooks in Codex's /hooks instead")
    config.parent.mkdir(parents=True, exist_ok=True)
    tmp = config.with_name(config.name + ".goalrail-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, config)


def check_config(config: Path) -> None:
    """Fail before touching anything when the user config is not valid TOML."""
    _load_toml(config)


def project_trusted(config: Path, project: Path) -> bool:
    _, data = _load_toml(config)
    entry = _projects(data).get(str(project))
    return isinstance(entry, dict) and entry.get("trust_level") == "trusted"


def _projects(config: Mapping[str, object]) -> Mapping[str, object]:
    """The ``[projects]`` table of a Codex config (empty when there is none)."""
    projects = config.get("projects")
    return projects if isinstance(projects, dict) else {}


def trust_project(config: Path, project: Path) -> None:
    if project_trusted(config, project):
        return
    text, data = _load_toml(config)
    if str(project) in _projects(data):
        raise ConfigError(f'{config} already has an entry for {project}; set trust_level = "trusted" there')
    if text and not text.endswith("\n"):
        text += "\n"
    text += f'\n[projects.{_toml_key(str(project))}]\ntrust_level = "trusted"\n'
    tomllib.loads(text)
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text, encoding="utf-8")
