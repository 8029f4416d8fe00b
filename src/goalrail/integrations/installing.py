"""What every ``goalrail install <harness>`` shares: the hook command line and the token file.

The server URL goes on the hook's command line (``--url``); a token never
goes into a harness's config file (those live in the project, are read by
agents and end up in git): it is stored in a user-private file under
``$GOALRAIL_HOME/hook-tokens/`` (directory 0700, file 0600) and the command
line names that file (``--token-file``).  Harnesses that run hooks with a
sanitized environment (Gemini CLI) never see ``GOALRAIL_URL``/``GOALRAIL_TOKEN``,
so this is the only way an installed hook reaches a non-default server.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from goalrail.defaults import goalrail_home
from goalrail.errors import ConfigError
from goalrail.jsontypes import JsonObject, JsonValue


def default_command(harness: str) -> str:
    exe = shutil.which("goalrail")
    if exe:
        return f"{shlex.quote(exe)} hook {harness}"
    return f"{shlex.quote(sys.executable)} -m goalrail hook {harness}"


def store_token(token: str) -> Path:
    """Write ``token`` to a 0600 file named by its digest; returns the path (idempotent)."""
    token = token.strip()
    if not token or "\n" in token:
        raise ConfigError("--token must be one non-empty line")
    folder = Path(goalrail_home()) / "hook-tokens"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / (hashlib.sha256(token.encode()).hexdigest()[:16] + ".token")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(token + "\n")
    os.chmod(path, 0o600)
    return path


def hook_command(
    harness: str,
    *,
    command: str | None = None,
    url: str | None = None,
    token: str | None = None,
    ask_wait: int = 0,
    extra: list[str] | None = None,
) -> str:
    """The full hook command line: base command + ``--url`` + ``--token-file`` + options."""
    parts = [command or default_command(harness)]
    if url:
        parts.append(f"--url {shlex.quote(url.rstrip('/'))}")
    if token:
        parts.append(f"--token-file {shlex.quote(str(store_token(token)))}")
    if ask_wait:
        parts.append(f"--ask-wait {int(ask_wait)}")
    parts.extend(extra or [])
    return " ".join(parts)


def load_json(path: Path) -> JsonObject:
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}); not touching it") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a JSON object; not touching it")
    return data


def save_json(path: Path, data: JsonObject) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".goalrail-tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def remove_groups(hooks: JsonObject, is_ours: Callable[[JsonValue], bool]) -> int:
    """Drop our handlers from ``{event: [{matcher?, hooks: [...]}, ...]}``; empty groups/events go too."""
    removed = 0
    for event in list(hooks):
        groups = hooks[event]
        if not isinstance(groups, list):
            continue
        kept_groups: list[JsonValue] = []
        for group in groups:
            inner = group.get("hooks") if isinstance(group, dict) else None
            if not isinstance(group, dict) or not isinstance(inner, list):
                kept_groups.append(group)
                continue
            kept = [h for h in inner if not is_ours(h)]
            removed += len(inner) - len(kept)
            if len(kept) == len(inner):
                kept_groups.append(group)  # none of ours: untouched, even if empty
            elif kept:
                kept_groups.append({**group, "hooks": kept})
        if kept_groups:
            hooks[event] = kept_groups
        else:
            del hooks[event]
    return removed


def uninstall_hooks(path: Path, remove: Callable[[JsonObject], int], *, drop_empty: bool = False) -> int:
    """Run ``remove`` on the ``hooks`` object of the JSON file at ``path``; saved only if it removed something."""
    if not path.exists():
        return 0
    data = load_json(path)
    hooks = data.get("hooks")
    removed = remove(hooks) if isinstance(hooks, dict) else 0
    if drop_empty and isinstance(hooks, dict) and not hooks:
        del data["hooks"]
    if removed:
        save_json(path, data)
    return removed
