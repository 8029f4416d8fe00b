"""The regexes of a rule on named paths (the server's own-files guard, ``runtime.own_files_guard``),
and what a target must start with for one of them to match it (``_pattern_lean``).

A rule built here names its paths in its ``metadata.paths``; a policy whose every rule is one of
them, rebuilt from those paths to the same regex, is judged by ``policies.builtins._pattern_lean``
without the full evaluation wherever the event names no path that could be one of them or above one.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

__all__ = ["END", "TAIL", "above_or_under", "ancestors", "reach", "under"]

#: the end of a ``file_chmod`` rule (its target is ``path:mode``), and of every other one (a glob's
#: ``?`` standing for a ``:`` must not meet the first: ``rm -rf /srv/?ther``)
TAIL, END = "(:[^/]*)?$", "$"


def _alternation(paths: Iterable[str]) -> str:
    return "|".join(re.escape(p) for p in sorted(set(paths), key=lambda p: (-len(p), p)))


def ancestors(paths: Iterable[str]) -> set[str]:
    """Every directory above each path (``/srv`` and ``/srv/goalrail`` for ``/srv/goalrail/p``;
    ``~`` for ``~/x``), the root excepted (its own alternative)."""
    out: set[str] = set()
    for path in paths:
        parent = posixpath.dirname(path)
        while parent not in ("", "/") and parent != path:
            out.add(parent)
            path, parent = parent, posixpath.dirname(parent)
    return out


def under(paths: Iterable[str], tail: str = TAIL) -> str:
    """The rule on ``paths`` and everything beneath them."""
    return rf"(?i)^({_alternation(paths)})(/.*)?{tail}"


def above_or_under(paths: Iterable[str], tail: str = TAIL) -> str:
    """The rule on ``paths``, everything beneath them and every directory above them."""
    paths = tuple(paths)
    above = ancestors(paths)
    return rf"(?i)^(({_alternation(paths)})(/.*)?|/|({_alternation(above)})/?){tail}"


def reach(paths: Iterable[str]) -> tuple[tuple[str, ...], frozenset[str]] | None:
    """What a target must be for :func:`under` or :func:`above_or_under` on ``paths`` to match it,
    or for a directory to hold a file they match: lower-cased, it starts with one of the paths
    (the first set), or without a ``:MODE`` tail and its trailing ``/`` it is one of the
    directories above them or the root, spelled ``""`` (the second).  None when a path is not
    ASCII (case folding beyond ASCII, ``ſ`` for ``s``, is no lower-casing) or not absolute."""
    named = tuple(paths)
    if not named or not all(isinstance(p, str) and p.isascii() and p[:1] in ("/", "~") for p in named):
        return None
    prefixes = tuple(sorted({p.lower() for p in named}))
    return prefixes, frozenset({a.lower() for a in ancestors(named)} | {""})
