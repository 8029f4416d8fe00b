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

Its rules name paths only (``metadata.named_only``; ``metadata.paths``: the paths a rule is
built from, ``policies.own_paths``, which lets ``_pattern_lean`` pass over an event naming none
of them nor a directory above one without the full evaluation): a path known only at run time is
left to the session's own file rules.  A glob that may name one of these paths, or a directory
above one, is judged as that path (``_pattern_globs``: ``rm -rf /srv/goal*``, ``cat
/var/lib/goalrail/*.db`` are denied), and so is a substitution whose output the line spells
(``$(echo /srv/goalrail)``).  It is not stored, so no REST call, chat command or agent spec
can disable or remove it; ``server.guard_own_files: false`` in the server config turns it off.
"""

from __future__ import annotations

from goalrail.config.own_files import OwnFiles
from goalrail.engine.chain import CompiledPolicy, compile_policy
from goalrail.engine.spec import PolicySpec
from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies.own_paths import END, TAIL, above_or_under, under
from goalrail.policies.registry import Registry

__all__ = ["GUARD_NAME", "above_or_under", "guard_inline", "own_files_guard", "under"]

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


def guard_inline(files: OwnFiles) -> JsonObject:
    """The pattern policy (inline mapping) of the guard on ``files``."""
    rules: list[JsonObject] = []
    if files.protected:
        named = _meta(files.protected)
        rules.append(_rule("write", "file_write", under(files.protected, END), MESSAGE, named))
        for kind in _CHANGES:
            wide = above_or_under(files.protected, TAIL if kind == "file_chmod" else END)
            rules.append(_rule(kind[5:], kind, wide, MESSAGE, named))
    if files.secrets:
        rules.append(_rule("read", "file_read", under(files.secrets, END), READ_MESSAGE, _meta(files.secrets)))
    return {"name": GUARD_NAME, "default_action": "allow", "patterns": list(rules)}


def _meta(paths: tuple[str, ...]) -> JsonObject:
    """A rule's metadata: the guard's, named paths only, and the paths it is built from."""
    named: list[JsonValue] = list(paths)
    return {"template": GUARD_NAME, "named_only": True, "paths": named}


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
