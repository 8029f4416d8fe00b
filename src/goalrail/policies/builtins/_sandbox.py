"""Sandbox configurations combined so that a policy can only make them stricter.

``merge_sandbox(existing, forced, cwd)``: the type is the forced one (the
factory only accepts real sandbox types, so an existing ``none`` is replaced and
a sandbox is never switched off); network is allowed only if both allow it; path
and environment lists are intersected (a forced path is kept only if it lies
inside an existing one, and vice versa), ``None`` meaning "no restriction from
this side".  Unknown keys of the existing config are kept.

Paths are compared canonically, never as string prefixes: each is made
absolute (relative ones against ``cwd``), normalised (``..`` collapsed) and
resolved (``realpath``, symlinks followed component by component), and one path
holds another only if it does in both forms.  A path that cannot be resolved
statically — ``$VAR``/``${VAR}``, backticks, globs, ``~user``, a relative path
without a cwd, a NUL byte — is dropped (a dropped entry only ever narrows the
sandbox).  Kept paths are written in their resolved form, which is what the
sandbox will really bind.

A session-level policy reads nothing of the server's file system
(``resolve=False``): no ``realpath``, no ``~``.  Paths are compared and written in
their lexical form only, so no answer reveals what a path resolves to on the
server (``/proc/self/cwd``, a symlink's target, whether it exists).  As a
symlink inside an allowed directory could then not be told apart, a path is
kept only if both lists name it (the same lexical form): against an existing
list, a session policy can only keep or drop the paths it already holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from goalrail.policies.builtins import _paths

SANDBOX_TYPES = ("linux_bwrap", "macos_seatbelt", "docker")

_Forms = tuple[str, str]


def check_paths(name: str, values: list[str], *, server_home: bool = True) -> None:
    """Refuse (``ValueError``) forced paths that could only be resolved at run time
    (and, when ``server_home`` is False, ``~``: the server's home is no session's business)."""
    for value in values:
        why = _paths.unexpanded(value)
        if why is None and not server_home and value.startswith("~"):
            why = "`~` (a session policy does not read the server's home directory)"
        if why is not None:
            raise ValueError(f"`{name}` entry `{value[:80]}` cannot be resolved statically: {why}")


def _canonical_list(value: object, cwd: str | None, resolve: bool) -> list[_Forms]:
    """Canonical forms of a path list; a lone string counts as a one-item list, other shapes as empty."""
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    out: list[_Forms] = []
    for item in items:
        forms = _paths.canonical(item, cwd, resolve=resolve) if isinstance(item, str) else None
        if forms is not None and forms not in out:
            out.append(forms)
    return out


def _narrow_paths(old: object, new: list[str] | None, cwd: str | None, resolve: bool) -> list[str] | None:
    if new is None and old is None:
        return None
    new_forms = _canonical_list(new, cwd, resolve) if new is not None else None
    old_forms = _canonical_list(old, cwd, resolve) if old is not None else None
    if old_forms is None:
        kept = new_forms or []
    elif new_forms is None:
        kept = old_forms
    elif not resolve:  # no realpath: a path under another one might be a symlink out of it
        kept = [p for p in new_forms if p in old_forms]
    else:
        kept = [p for p in new_forms if any(_paths.forms_within(p, o) for o in old_forms)]
        kept += [o for o in old_forms if o not in kept and any(_paths.forms_within(o, p) for p in new_forms)]
    return _written(kept)


def _written(kept: list[_Forms]) -> list[str]:
    out: list[str] = []
    for _, real in kept:
        if real not in out:
            out.append(real)
    return out


def _narrow_env(old: object, new: list[str] | None) -> list[str] | None:
    if new is None:
        if old is None:
            return None
        return [v for v in old if isinstance(v, str)] if isinstance(old, list) else []
    if old is None:
        return list(new)
    if not isinstance(old, list):
        return []
    return [v for v in new if v in old]


def merge_sandbox(
    existing: object, forced: Mapping[str, Any], cwd: str | None = None, *, resolve: bool = True
) -> dict[str, object]:
    old: Mapping[str, object] = existing if isinstance(existing, Mapping) else {}
    out: dict[str, object] = dict(old)
    out["type"] = forced["type"]  # always a real sandbox (validated), so never weaker
    old_net = old.get("allow_network", True)  # anything but a real `true` (0, "no", null…) means no
    out["allow_network"] = forced["allow_network"] is True and old_net is True
    for key in ("write_paths", "read_paths"):
        merged = _narrow_paths(old.get(key), forced.get(key), cwd, resolve)
        if merged is None:
            out.pop(key, None)
        else:
            out[key] = merged
    env = _narrow_env(old.get("env_passthrough"), forced.get("env_passthrough"))
    if env is None:
        out.pop("env_passthrough", None)
    else:
        out["env_passthrough"] = env
    return out
