"""Install the OpenCode plugin: ``plugin.js`` with the server settings filled in.

Project: ``.opencode/plugin/goalrail.js``; user: ``~/.config/opencode/plugin/goalrail.js``.
The settings object at the top of the file holds the server URL, the path of
the token file (never the token), the ASK wait and the timeout.
"""

from __future__ import annotations

import json
import os
import re
from importlib import resources
from pathlib import Path

from goalrail.errors import ConfigError
from goalrail.integrations.installing import store_token

FILENAME = "goalrail.js"
_SETTINGS = re.compile(r"/\* goalrail-settings \*/ .*? /\* end \*/")


def plugin_path(scope: str, project_dir: str | Path | None = None) -> Path:
    if scope == "user":
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "opencode"
    else:
        base = Path(project_dir or os.getcwd()) / ".opencode"
    return base / "plugin" / FILENAME


def source() -> str:
    return resources.files("goalrail.integrations.opencode").joinpath("plugin.js").read_text(encoding="utf-8")


def render(*, url: str | None, token: str | None, ask_wait: int = 0, timeout: int = 10) -> str:
    settings = {
        "url": url.rstrip("/") if url else None,
        "tokenFile": str(store_token(token)) if token else None,
        "askWait": int(ask_wait),
        "timeout": int(timeout),
    }
    text, n = _SETTINGS.subn(lambda _m: f"/* goalrail-settings */ {json.dumps(settings)} /* end */", source(), count=1)
    if n != 1:
        raise ConfigError("the bundled OpenCode plugin has no settings block")
    return text


def install(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".goalrail-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def uninstall(path: Path) -> int:
    if path.exists() and "goalrail-settings" in path.read_text(encoding="utf-8"):
        path.unlink()
        return 1
    return 0
