"""The console secret: an admin credential generated at every start, written to
a file only the server's OS user can read (mode 600), for the local CLI and the
one-time sign-in link of the web UI."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from goalrail.defaults import goalrail_home


def console_token_path(auth: dict[str, Any]) -> Path:
    configured = auth.get("console_token_file")
    return Path(configured).expanduser() if configured else Path(goalrail_home()) / "console-token"


def write_console_token(path: Path) -> str:
    token = "grc_" + secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (token + "\n").encode())
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return token


def cookie_key(directory: Path) -> bytes:
    """The key that signs browser sign-in cookies: made once (mode 600), then kept, so that a
    restart does not sign browsers out.  Delete the file to sign every browser out."""
    path = directory / "cookie-key"
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        if len(key) >= 32:
            return key
    except (OSError, ValueError):
        pass
    key = secrets.token_bytes(32)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, key.hex().encode() + b"\n")
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return key


def read_console_token(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None
