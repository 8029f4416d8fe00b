"""Where the server is and which token to send: flag, else env, else ``~/.goalrail``.

Imports only ``os`` (and ``goalrail.defaults``, which imports only ``os``) so the
Claude Code hook stays fast to start.
"""

from __future__ import annotations

import os

from goalrail.defaults import DEFAULT_URL, goalrail_home


def resolve_url(flag: str | None = None) -> str:
    """``--url``, else ``GOALRAIL_URL``, else the local default."""
    url = flag or os.environ.get("GOALRAIL_URL") or DEFAULT_URL
    return url.rstrip("/")


def resolve_token(flag: str | None = None) -> str | None:
    """``--token``, else ``GOALRAIL_TOKEN``, else the file ``~/.goalrail/token`` (first line)."""
    if flag:
        return flag
    env = os.environ.get("GOALRAIL_TOKEN")
    if env:
        return env
    try:
        with open(os.path.join(goalrail_home(), "token"), encoding="utf-8") as fh:
            token = fh.readline().strip()
    except OSError:
        return None
    return token or None
