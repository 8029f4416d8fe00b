"""What a program that reads its commands from a file at start runs, given that file's text.

``make`` runs its makefile's recipes (and ``$(shell …)`` as it reads it), ``npm test``/``npm
run``/``npm install``/``bun run dev`` a ``package.json``'s scripts (every one: which lifecycle hooks
a command runs is not told here), ``just`` its recipes, ``deno task`` a ``deno.json``'s tasks, a
shell its start-up files, ``direnv`` an ``.envrc``, ``pre-commit`` (and a ``git commit`` with its
hook) a ``.pre-commit-config.yaml``'s local ``entry`` commands; ``pip install .`` a ``setup.py``
(as Python) and nothing of a ``pyproject.toml``/``setup.cfg`` that names no code the build runs (an
in-tree backend, a hook, ``attr:``, an unknown backend: not told); a task runner's or build tool's
file (``pixi.toml``, ``[tool.poe.tasks]``, ``mise.toml``, ``composer.json``, ``build.ninja``,
``build.gradle``…) as ``_task_tables`` reads it for the runner.  ``task_code`` gives the script
or code; None when it cannot be told (a
makefile that sets ``SHELL`` or includes another, a recipe with its own ``#!`` line, a
``package.json`` that is no JSON object or takes a package from a path, a repository or a URL,
another file such as ``setup.py``): a run of it is then reported.

``more_runs`` adds, for ``_shell_files``' table of files a program runs, those the table does
not name: git's hooks, ``pytest``'s ``conftest.py``, ``nox``'s ``noxfile.py``, ``tox``'s
``tox.ini``, ``direnv``'s ``.envrc``, and the task runners' and build tools' (``_task_runners``).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Sequence

from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._task_runners import runner_files
from goalrail.policies.builtins._task_tables import PY_RUNNERS, TABLES, table_code

__all__ = ["HOOKED", "hook_names", "more_runs", "task_code"]

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
#: a pyproject.toml or setup.cfg naming code its build runs: an in-tree backend, a build hook or
#: script, a value read by importing a module (``attr:``), commands, extensions
_BUILD_CODE = re.compile(r"backend-path|\battr\b|\bhooks?\b|script|\bbuild\s*=|cmdclass|ext[-_]modules|\brun-")
#: build backends that run no code of the tree but ``setup.py`` (a file of its own, judged as run)
_KNOWN_BACKEND = re.compile(
    r"""build-backend\s*=\s*["'](?:setuptools\.build_meta|hatchling\.build|flit_core\.buildapi|"""
    r"""poetry\.core\.masonry\.api|pdm\.backend)["']"""
)
_BUILDERS = frozenset({"pip", "pip3", "uv", "pipx"})
_PRE_COMMIT = ".pre-commit-config.yaml"
_JS_TOOLS = ("jest", "mocha", "ava", "babel", "eslintConfig", "prettier")  # package.json keys: a tool's config
_JS_PATH = re.compile(r"""["'](?:<rootDir>/|(\.{1,2}/))([^"'\s]+)["']""")
_JUST_MORE = re.compile(r"^(?:import|mod)\??\s|^\[(?:[^\]]*,\s*)?script\b")
_JUST_EVAL = re.compile(r"""`+([^`\n]+)`|\bshell\(\s*['"]([^'"\n]*)""")  # `x := `cmd``, shell('cmd')
_SOURCES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")  # `bun run x.ts`: a file, no script
_PRE_COMMIT_ENTRY = re.compile(r"^[ \t-]*entry:[ \t]*([^\n]*)$", re.M)
_PRE_COMMIT_ARGS = re.compile(r"^[ \t-]*(?:args:|entry:[ \t]*[>|])", re.M)
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
#: the git subcommands that run hooks
HOOKED = frozenset(_HOOKS)


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
    tools = [json.dumps(data[k]) for k in _JS_TOOLS if k in data]  # a tool's config: modules it loads by path
    return (
        "\n".join([*scripts.values(), *(f"node {a or './'}{b}" for t in tools for a, b in _JS_PATH.findall(t))]) + "\n"
    )


def _deno(text: str) -> str | None:
    """A ``deno.json``'s tasks (``"dev": "cmd"`` or ``{"command": "cmd"}``); None for a JSONC one."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    tasks = data.get("tasks") or {} if isinstance(data, dict) else None
    if not isinstance(tasks, dict):
        return None
    found = [t.get("command") if isinstance(t, dict) else t for t in tasks.values()]
    commands = [t for t in found if isinstance(t, str)]
    return "\n".join(commands) + "\n" if len(commands) == len(found) else None


def _pre_commit(text: str) -> str | None:
    """The commands a ``.pre-commit-config.yaml``'s local hooks run (their ``entry``); None when
    they take arguments or a folded value (not read here).  A remote repository's hooks are its own."""
    if "local" not in text:
        return ""
    if _PRE_COMMIT_ARGS.search(text):
        return None
    return "".join(m.group(1).strip().strip("'\"") + "\n" for m in _PRE_COMMIT_ENTRY.finditer(text))


def _just(text: str) -> str | None:
    out = []
    for line in text.splitlines():
        body = line.strip()
        if line[:1] in (" ", "\t") and body:
            if body.startswith("#!"):
                return None
            out.append(body.lstrip("@-"))
        elif (body.startswith("set ") and ("shell" in body or "interpreter" in body)) or _JUST_MORE.match(body):
            return None  # another shell; another justfile read (`import`, `mod`), a `[script]` recipe
        else:  # a value evaluated as the file is read
            out += [(m.group(1) or m.group(2) or "").strip() for m in _JUST_EVAL.finditer(body)]
    return "\n".join(out) + "\n"


def _build(text: str) -> str | None:
    """A ``pyproject.toml``/``setup.cfg`` as a build reads it: nothing run, unless it names code."""
    unknown = "build-backend" in text and not _KNOWN_BACKEND.search(text)  # (none: setuptools' legacy build)
    return None if unknown or _BUILD_CODE.search(text) else ""


def task_code(path: str, text: str, runners: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """(how, code) ``path`` holding ``text`` runs when its program (``runners``: it and its
    wrappers, ``_task_runners.runners_of``) reads it: ``sh`` and a script, or an interpreter
    (``python``) and its code; None when it cannot be told (see the module doc)."""
    base = posixpath.basename(path)
    if base in TABLES or (base == "config.toml" and "mise" in path):  # a task runner's, a build tool's
        script = table_code(path, text, runners)
    elif base == "pyproject.toml" and not PY_RUNNERS.isdisjoint(runners):  # `pixi run x`, `poe x`, `uv run x`
        script = table_code(path, text, runners)
        if script is not None and _BUILDERS.intersection(runners):  # `uv run pip install .`: its build too
            script = None if _build(text) is None else script
    elif base in _MAKEFILES:
        script = _make(text)
    elif base == "package.json":
        script = _npm(text)
    elif base in ("deno.json", "deno.jsonc"):
        script = _deno(text)
    elif base in _JUSTFILES:
        script = _just(text)
    elif base in _SCRIPTS:
        script = text
    elif base == "setup.py":  # run by `pip install .` (setuptools), `python setup.py …`
        return ("python", text)
    elif base == _PRE_COMMIT:
        script = _pre_commit(text)
    elif base in ("pyproject.toml", "setup.cfg"):  # data, unless it names code the build runs
        script = _build(text)
    else:
        return None
    return ("sh", script) if script is not None else None


def hook_names(args: Sequence[str]) -> tuple[str, ...]:
    """The hooks ``git ARGS`` runs (``commit``: ``pre-commit``, ``commit-msg``…)."""
    skip = {i + 1 for i, a in enumerate(args) if a in ("-C", "-c", "--git-dir", "--work-tree", "--namespace")}
    sub = next((a for i, a in enumerate(args) if not a.startswith("-") and i not in skip), None)
    return _HOOKS.get(sub or "", ())


def more_runs(cmd: SimpleCommand, name: str, args: list[str]) -> list[tuple[str, str]]:
    """The files ``cmd`` runs that ``_shell_files``' table does not name (see the module doc), and
    a task runner's (``_task_runners``: ``hatch run pytest`` reads ``hatch.toml`` too)."""
    more = runner_files(cmd, name, args)
    return _more(cmd, name, args) + more if more else _more(cmd, name, args)


def _more(cmd: SimpleCommand, name: str, args: list[str]) -> list[tuple[str, str]]:
    if name == "git":  # its hooks; the `pre-commit` framework's, where installed, read its config
        hooks = hook_names(args)
        return [(f".git/hooks/{h}", "exec") for h in hooks] + ([(_PRE_COMMIT, "read")] if hooks else [])
    if name in ("pytest", "py.test") or (name.startswith("python") and args[:2] == ["-m", "pytest"]):
        return [("conftest.py", "python"), ("tests/conftest.py", "python"), ("test/conftest.py", "python")]
    if name == "nox":
        return [("noxfile.py", "python")]
    if name == "tox":
        return [("tox.ini", "read")]
    if name == "direnv":
        return [(".envrc", "sh")]
    if name == "deno" and "task" in args[:4]:
        return [("deno.json", "read"), ("deno.jsonc", "read")]
    if cmd.wrappers and cmd.wrappers[-1].name == "bun run" and not cmd.argv[0].endswith(_SOURCES):
        return [("package.json", "read"), ("bunfig.toml", "read")]  # `bun run dev`: a package script
    return []
