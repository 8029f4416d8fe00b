"""The always-on guard on the server's own files (``config.own_files``): first in every chain.

It is a declarative pattern policy (``goalrail.policies.builtins.patterns.pattern_policy``,
reached through the registry by name) whose rules are built once from the server's paths, so a
Write/Edit/Read tool, an MCP file tool mapped onto a file action, a shell line's file effects
(``echo … > F``, ``sed -i``, ``rm -rf DIR``, ``mv``, ``chmod``, interpreter code, a script the
session wrote and runs) all meet it through the same effects machinery:

* ``file_write``: a protected path or anything under it;
* ``file_delete``, ``file_move``, ``file_chmod``: the same, and every directory above one
  (``rm -rf /srv``, ``mv /srv/goalrail x``, ``chmod 000 /srv/goalrail`` take them with it);
* ``file_read``: a secret (the tokens, the cookie key, the store and its side files), and a
  recursive read of a directory above one is asked (``_pattern_trees``).

Its rules name paths only (``metadata.named_only``): a path known only at run time is left to
the session's own file rules.  A glob that may name one of these paths, or a directory above
one, is judged as that path (``_pattern_globs``: ``rm -rf /srv/goal*``, ``cat
/var/lib/goalrail/*.db`` are denied), and so is a substitution whose output the line spells
(``$(echo /srv/goalrail)``).  It is not stored, so no REST call, chat command or agent spec
can disable or remove it; ``server.guard_own_files: false`` in the server config turns it off.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

from goalrail.config.own_files import OwnFiles
from goalrail.engine.chain import CompiledPolicy, compile_policy
from goalrail.engine.spec import PolicySpec
from goalrail.jsontypes import JsonObject
from goalrail.policies.registry import Registry

GUARD_NAME = "goalrail_own_files_guard"
PATTERN_HANDLER = "goalrail.policies.builtins.patterns.pattern_policy"
#: what a rule's message says (no path in it: the reason adds the path the call touches)
MESSAGE = (
    "the server's own files guard: this is a file the Goalrail server runs from (its config, policies, "
    "agent specs, store or tokens), which no session may change"
)
READ_MESSAGE = (
    "the server's own files guard: this file holds the Goalrail server's credentials or its store "
    "(other sessions' data), which no session may read"
)
_CHANGES = ("file_delete", "file_move", "file_chmod")
#: the end of a ``file_chmod`` rule (its target is ``path:mode``), and of every other one (a glob's
#: ``?`` standing for a ``:`` must not meet the first: ``rm -rf /srv/?ther``)
_TAIL, _END = "(:[^/]*)?$", "$"


def _alternation(paths: Iterable[str]) -> str:
    return "|".join(re.escape(p) for p in sorted(set(paths), key=lambda p: (-len(p), p)))


def _ancestors(paths: Iterable[str]) -> set[str]:
    """Every directory above each path (``/srv`` and ``/srv/goalrail`` for ``/srv/goalrail/p``;
    ``~`` for ``~/x``), the root excepted (its own alternative)."""
    out: set[str] = set()
    for path in paths:
        parent = posixpath.dirname(path)
        while parent not in ("", "/") and parent != path:
            out.add(parent)
            path, parent = parent, posixpath.dirname(parent)
    return out


def under(paths: Iterable[str], tail: str = _TAIL) -> str:
    """The rule on ``paths`` and everything beneath them."""
    return rf"(?i)^({_alternation(paths)})(/.*)?{tail}"


def above_or_under(paths: tuple[str, ...], tail: str = _TAIL) -> str:
    """The rule on ``paths``, everything beneath them and every directory above them."""
    above = _ancestors(paths)
    return rf"(?i)^(({_alternation(paths)})(/.*)?|/|({_alternation(above)})/?){tail}"


def guard_inline(files: OwnFiles) -> JsonObject:
    """The pattern policy (inline mapping) of the guard on ``files``."""
    meta: JsonObject = {"template": GUARD_NAME, "named_only": True}
    rules: list[JsonObject] = []
    if files.protected:
        rules.append(_rule("write", "file_write", under(files.protected, _END), MESSAGE, meta))
        for kind in _CHANGES:
            wide = above_or_under(files.protected, _TAIL if kind == "file_chmod" else _END)
            rules.append(_rule(kind[5:], kind, wide, MESSAGE, meta))
    if files.secrets:
        rules.append(_rule("read", "file_read", under(files.secrets, _END), READ_MESSAGE, meta))
    return {"name": GUARD_NAME, "default_action": "allow", "patterns": list(rules)}


def _rule(suffix: str, kind: str, rx: str, message: str, meta: JsonObject) -> JsonObject:
    return {
        "id": f"own_files_{suffix}",
        "action_type": kind,
        "pattern": rx,
        "action": "deny",
        "severity": "critical",
        "message": message,
        "metadata": dict(meta),
    }


def own_files_guard(files: OwnFiles | None, registry: Registry) -> CompiledPolicy | None:
    """The guard on ``files`` compiled (None: no files, the guard is off)."""
    if files is None or not (files.protected or files.secrets):
        return None
    spec = PolicySpec(
        GUARD_NAME,
        PATTERN_HANDLER,
        params={"inline": guard_inline(files)},
        level="server",
        extra={"description": "Built in: no session may change the server's own files or read its secrets."},
    )
    return compile_policy(spec, registry)
