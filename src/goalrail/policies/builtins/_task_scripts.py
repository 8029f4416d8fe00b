"""What a program that reads its commands from a file at start runs, given that file's text.

``make`` runs its makefile's recipes (and ``$(shell …)`` as it reads it), ``npm test``/``npm
run``/``npm install`` a ``package.json``'s scripts (every one: which lifecycle hooks a command
runs is not told here), ``just`` its recipes, a shell its start-up files and ``direnv`` an
``.envrc``.  ``task_code`` gives the script or code; None when it cannot be told (a
makefile that sets ``SHELL`` or includes another, a recipe with its own ``#!`` line, a
``package.json`` that is no JSON object or takes a package from a path, a repository or a URL,
another file such as ``setup.py``): a run of it is then reported.

``more_runs`` adds, for ``_shell_files``' table of files a program runs, those the table does
not name: git's hooks, ``pytest``'s ``conftest.py``, ``nox``'s ``noxfile.py``, ``tox``'s
``tox.ini``, ``direnv``'s ``.envrc``.
"""

from __future__ import annotations

import json
import posixpath
import re

from goalrail.policies.builtins._shell_types import SimpleCommand

__all__ = ["more_runs", "task_code"]

_MAKEFILES = frozenset({"GNUmakefile", "makefile", "Makefile"})
_JUSTFILES = frozenset({"justfile", "Justfile", ".justfile"})
_SCRIPTS = frozenset(
    {".bashrc", ".bash_aliases", ".zshrc", ".kshrc", ".mkshrc", ".profile", ".bash_profile", ".bash_login"}
    | {".zprofile", ".zlogin", ".zshenv", ".envrc"}
)
_DEPENDENCIES = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies", "overrides")
_LOCAL = re.compile(
    r"^\s*(?:file:|link:|portal:|workspace:|git|github:|gitlab:|bitbucket:|https?:|~/|[./]|[\w.-]+/[\w.-]+)"
)
_MAKE_SHELL = re.compile(r"^\s*(?:override\s+|export\s+)?\.?SHELL(?:FLAGS)?\s*[:+?!]?=", re.M)
_MAKE_INCLUDE = re.compile(r"^\s*[-s]?include\s", re.M)
_MAKE_SHELL_CALL = re.compile(r"\$[({]shell\s+([^)}]*)[)}]")
_HOOKS = {
    "commit": ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit"),
    "push": ("pre-push",),
    "merge": ("pre-merge-commit", "post-merge"),
    "pull": ("pre-merge-commit", "post-merge", "post-checkout"),
    "checkout": ("post-checkout",),
    "switch": ("post-checkout",),
    "clone": ("post-checkout",),
    "rebase": ("pre-rebase", "post-rewrite"),
    "am": ("applypatch-msg", "pre-applypatch", "post-applypatch"),
    "gc": ("pre-auto-gc",),
}


def _make(text: str) -> str | None:
    if _MAKE_SHELL.search(text) or _MAKE_INCLUDE.search(text):
        return None
    joined = re.sub(r"\\\n", " ", text)
    out = [m.group(1) for m in _MAKE_SHELL_CALL.finditer(joined)]
    for line in joined.splitlines():
        if line.startswith("\t"):
            out.append(line.strip().lstrip("@+-").replace("$$", "$"))
    return "\n".join(out) + "\n"


def _npm(text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    scripts = data.get("scripts") or {}
    if not isinstance(scripts, dict) or not all(isinstance(v, str) for v in scripts.values()):
        return None
    for key in _DEPENDENCIES:  # a package from a path, a repository or a URL: its own scripts run
        deps = data.get(key) or {}
        if not isinstance(deps, dict) or any(not isinstance(v, str) or _LOCAL.match(v) for v in deps.values()):
            return None
    return "\n".join(scripts.values()) + "\n"


def _just(text: str) -> str | None:
    out = []
    for line in text.splitlines():
        body = line.strip()
        if line[:1] in (" ", "\t") and body:
            if body.startswith("#!"):
                return None
            out.append(body.lstrip("@-"))
        elif body.startswith("set ") and "shell" in body:
            return None
    return "\n".join(out) + "\n"


def task_code(path: str, text: str) -> tuple[str, str] | None:
    """(how, code) ``path`` holding ``text`` runs when its program reads it: ``sh`` and a script,
    or an interpreter (``python``) and its code; None when it cannot be told (see the module doc)."""
    base = posixpath.basename(path)
    if base in _MAKEFILES:
        script = _make(text)
    elif base == "package.json":
        script = _npm(text)
    elif base in _JUSTFILES:
        script = _just(text)
    elif base in _SCRIPTS:
        script = text
    else:
        return None
    return ("sh", script) if script is not None else None


def more_runs(cmd: SimpleCommand, name: str, args: list[str]) -> list[tuple[str, str]]:
    """The files ``cmd`` runs that ``_shell_files``' table does not name (see the module doc)."""
    if name == "git":
        skip = {i + 1 for i, a in enumerate(args) if a in ("-C", "-c", "--git-dir", "--work-tree", "--namespace")}
        sub = next((a for i, a in enumerate(args) if not a.startswith("-") and i not in skip), None)
        return [(f".git/hooks/{h}", "exec") for h in _HOOKS.get(sub or "", ())]
    if name in ("pytest", "py.test") or (name.startswith("python") and args[:2] == ["-m", "pytest"]):
        return [("conftest.py", "python"), ("tests/conftest.py", "python"), ("test/conftest.py", "python")]
    if name == "nox":
        return [("noxfile.py", "python")]
    if name == "tox":
        return [("tox.ini", "read")]
    if name == "direnv":
        return [(".envrc", "sh")]
    return []
