"""Path containment checked on both the lexical and the resolved form.

A path is inside a set of directories only if its lexical form (``~``
expanded, relative paths joined to ``cwd``, ``..`` collapsed) AND its resolved
form (``os.path.realpath``: symlinks followed, a new file resolved through its
nearest existing ancestor) are both inside one of them, each compared with the
directory in the same form.  Anything that cannot be resolved — a relative path
with no ``cwd``, a NUL byte, a symlink loop — counts as outside.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable


def _expand(path: str, cwd: str | None) -> str | None:
    if not path or "\0" in path:
        return None
    path = os.path.expanduser(path) if path.startswith("~") else path
    if path.startswith("~"):
        return None  # ~user that does not exist
    if not posixpath.isabs(path):
        if not cwd or not posixpath.isabs(cwd):
            return None
        path = posixpath.join(os.path.expanduser(cwd), path)
    return path


def lexical(path: str, cwd: str | None = None) -> str | None:
    """``~`` expanded, joined to ``cwd``, normalised; None when not resolvable."""
    full = _expand(path, cwd)
    if full is None:
        return None
    norm = posixpath.normpath(full)
    return "/" + norm.lstrip("/") if norm.startswith("//") else norm


def resolved(path: str, cwd: str | None = None) -> str | None:
    """Symlinks followed (through the nearest existing ancestor); None on failure."""
    full = _expand(path, cwd)
    if full is None:
        return None
    try:
        return os.path.realpath(full, strict=False)
    except (OSError, ValueError, RuntimeError):
        return None


def _inside(path: str, directory: str) -> bool:
    if directory == "/":
        return True
    directory = directory.rstrip("/")
    return path == directory or path.startswith(directory + "/")


def is_within(path: str, dirs: Iterable[str], cwd: str | None = None) -> bool:
    """True when ``path`` is inside one of ``dirs`` in both lexical and resolved form."""
    lex = lexical(path, cwd)
    real = resolved(path, cwd)
    if lex is None or real is None:
        return False
    for d in dirs:
        d_lex = lexical(d, cwd)
        d_real = resolved(d, cwd)
        if d_lex is None or d_real is None:
            continue
        if _inside(lex, d_lex) and _inside(real, d_real):
            return True
    return False
