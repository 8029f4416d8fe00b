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
import re
from collections.abc import Iterable

#: characters a shell (or a sandbox launcher going through one) would expand
_EXPANDS = re.compile(r"[$`*?\[\0]")


#: a Windows drive (``C:/Windows``, ``D:\x``, ``C:``): absolute under Git Bash, MSYS2 and Cygwin, never
#: a directory of this server's, so not resolvable (outside every directory)
_DRIVE = re.compile(r"^[A-Za-z]:(?:[\\/]|$)")


def _expand(path: str, cwd: str | None) -> str | None:
    if not path or "\0" in path or _DRIVE.match(path):
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


def unexpanded(path: str) -> str | None:
    """Why ``path`` cannot be taken literally (a variable, glob, ``~user``…); None if it can."""
    if not path:
        return "an empty path"
    m = _EXPANDS.search(path)
    if m is not None:
        return "a NUL byte" if m.group(0) == "\0" else f"`{m.group(0)}` (expanded only at run time)"
    if path.startswith("~") and not (path == "~" or path.startswith("~/")):
        return "`~user` (another user's home)"
    return None


def canonical(path: str, cwd: str | None = None, *, resolve: bool = True) -> tuple[str, str] | None:
    """(lexical, resolved) forms of ``path``; None when it cannot be resolved statically.
    ``resolve=False`` reads nothing of the server (no ``realpath``, no ``~``): the lexical form twice."""
    if not isinstance(path, str) or unexpanded(path) is not None:
        return None
    if cwd is not None and (not isinstance(cwd, str) or unexpanded(cwd) is not None):
        cwd = None
    if not resolve and (path.startswith("~") or (cwd or "").startswith("~")):
        return None
    lex = lexical(path, cwd)
    real = resolved(path, cwd) if resolve else lex
    if lex is None or real is None:
        return None
    return lex, real


def _inside(path: str, directory: str) -> bool:
    """Component-wise containment of two normalised absolute paths (``/a`` holds ``/a/b``, not ``/ab``)."""
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


def forms_within(path: tuple[str, str], directory: tuple[str, str]) -> bool:
    """Containment of two ``canonical`` results: both the lexical and the resolved forms."""
    return _inside(path[0], directory[0]) and _inside(path[1], directory[1])
