"""Files the session wrote that a later command runs without naming them (issue 13).

``_shell_files`` names the files a command runs by its words (``bash x.sh``, ``make``'s makefile,
``git commit``'s ``.git/hooks``).  Programs also find code by themselves; for a session's record
of written files (``goalrail.policies.written``) ``implicit`` gives, for one command, the
remembered files it so runs, with the code to judge (None when the text is not known):

* Python (``python``/``python3.11``, ``pytest``, ``pip``, ``tox``, ``nox``…): a
  ``sitecustomize.py``/``usercustomize.py`` anywhere, a ``.pth`` file's ``import`` lines under a
  ``site-packages``/``dist-packages`` directory, ``PYTHONSTARTUP=f``; the modules its code imports
  (``-c``, ``-m mod`` and ``mod/__main__.py``, a remembered script, a here-document, a piped
  ``echo``), followed through the imports of each module found (``import a.b``, ``from . import
  c``, ``importlib.import_module('d')``, ``runpy.run_path('e.py')``; a module matches a remembered
  ``…/a/b.py`` or ``…/a/b/__init__.py`` under any directory: a ``src`` layout, ``PYTHONPATH``);
* ``pytest``/``python -m pytest``/``tox``/``nox`` every remembered ``test_*.py``, ``*_test.py``
  and ``conftest.py`` under the call's directory (``unittest``: ``test*.py``), ``-p plugin``, and
  their imports;
* ``node``/``bun``/``tsx`` the relative files its code ``require``s or ``import``s; ``jest``,
  ``vitest``, ``vite``, ``webpack``, ``rollup``, ``eslint``, ``prettier``, ``next`` (as ``npx
  jest``…) their ``*.config.js``, ``sphinx-build`` its ``conf.py``, and what those load;
* a ``git`` command that runs hooks: a remembered file named as one of its hooks in any directory
  (``core.hooksPath`` may point anywhere: ``git config``, ``-c``, an include);
* ``go generate``: the ``//go:generate`` lines of remembered ``.go`` files under the directory;
* ``python -m pip install``: the build files ``pip install`` reads (``_shell_files``' table).

Bounded: at most ``MAX_MODULES`` modules followed per command; the record is never read from disk.
Its keys are looked up in an index made once per set of keys (``Keys``: by last component, and by
kind of file a run may find), so a run's cost follows the files it finds, not the record's size.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import lru_cache
from itertools import pairwise

from goalrail.policies.builtins._compiled_reach import reaches_out
from goalrail.policies.builtins._interpreters import program
from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._task_runners import COMPILED_KINDS, compiled
from goalrail.policies.builtins._task_scripts import HOOKED, hook_names, task_code

__all__ = ["MAX_MODULES", "MORE", "Keys", "finds_code", "implicit"]

MAX_MODULES = 128
MORE = "#more-modules"  # (a key no canonical path spells)
#: (remembered key, how it runs: "python", "node" or "sh", the code to judge or None when not known)
Run = tuple[str, str, str | None]

_PYTHONS = frozenset({"python", "pypy", "ipython"})
_TESTERS = frozenset({"pytest", "py.test", "tox", "nox"})  # (tox, nox: their sessions run pytest)
_PY_TOOLS = frozenset({"pytest", "py.test", "pip", "pip3", "tox", "nox", "ipython", "pipx", "hatch", "pdm"})
_NODES = frozenset({"node", "nodejs", "bun", "tsx", "ts-node"})
_SITE = ("/sitecustomize.py", "/usercustomize.py")
_PIP_FILES = ("setup.py", "pyproject.toml", "setup.cfg")
_IMPORT = re.compile(
    r"(?:^|[;:])[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*(\([^)]*\)|[\w \t,*]*)|import[ \t]+([\w. \t,]+))"
    r"|(?:__import__|import_module|run_module)\(\s*['\"]([\w.]+)['\"]",
    re.M,
)
_RUN_PATH = re.compile(r"""run_path\(\s*['"]([^'"\n]+)['"]""")
_REQUIRE = re.compile(
    r"""\b(?:require|import)\s*\(?\s*['"](\.{1,2}/[^'"\n]+)['"]|\bfrom\s*['"](\.{1,2}/[^'"\n]+)['"]"""
)
_CONFIG_PATH = re.compile(r"""['"`](?:<rootDir>/|(\.{1,2}/))([^'"`\s]+)['"`]""")  # a module a JS config names by path
_JS_TAILS = ("", ".js", ".cjs", ".mjs", ".ts", "/index.js")
_JS = (".js", ".cjs", ".mjs", ".ts", ".mts", ".cts")
#: programs that load a configuration file that is code: program → (files, how)
_CONFIG_CODE: dict[str, tuple[tuple[str, ...], str]] = {
    "jest": (tuple(f"jest.config{e}" for e in _JS), "node"),
    "vitest": (tuple(f"{n}.config{e}" for n in ("vitest", "vite") for e in _JS), "node"),
    "vite": (tuple(f"vite.config{e}" for e in _JS), "node"),
    "webpack": (tuple(f"webpack.config{e}" for e in _JS), "node"),
    "rollup": (tuple(f"rollup.config{e}" for e in _JS), "node"),
    "eslint": ((*(f"eslint.config{e}" for e in _JS), ".eslintrc.js", ".eslintrc.cjs"), "node"),
    "prettier": ((*(f"prettier.config{e}" for e in _JS), ".prettierrc.js", ".prettierrc.cjs"), "node"),
    "next": (tuple(f"next.config{e}" for e in _JS), "node"),
    "mocha": ((".mocharc.js", ".mocharc.cjs"), "node"),
    "sphinx-build": (("conf.py", "docs/conf.py", "doc/conf.py", "docs/source/conf.py", "source/conf.py"), "python"),
}
_JS_TESTERS = frozenset({"jest", "vitest", "mocha"})
_JS_TEST = re.compile(r"(?:[./](?:test|spec)|(?:^|/)__tests__/[^/]*)\.[cm]?[jt]sx?$")
_GO_GENERATE = re.compile(r"^//go:generate[ \t]+(.+)$", re.M)
_TEST = re.compile(r"(?:^|/)(?:test_[^/]*|[^/]*_test|conftest)\.py$")
_UNITTEST = re.compile(r"(?:^|/)test[^/]*\.py$")


#: what :meth:`Keys.under` selects: a kind of file by its key (``.pth`` files only under a
#: ``site-packages``/``dist-packages`` directory)
_KINDS: dict[str, Callable[[str], object]] = {
    "pth": lambda k: k.endswith(".pth") and "-packages/" in k,
    "py": lambda k: k.endswith(".py"),
    "test": _TEST.search,
    "unittest": _UNITTEST.search,
    "go": lambda k: k.endswith(".go"),
    "js": lambda k: k.endswith((".js", ".mjs", ".cjs")),
    "js-test": _JS_TEST.search,
    "manifest": lambda k: k.endswith((".yaml", ".yml", ".json")),  # (Kubernetes or compose, by extension)
    **COMPILED_KINDS,  # compiled source (`cargo run`: `.rs`)
}
_INDEXES = 64  # record versions whose index is kept (each at most ``written.MAX_FILES`` keys)


class _Index:
    """A record's keys by their last component, and (made on the first look that needs them) the
    keys of each of :data:`_KINDS`, in the record's order.  It depends on the keys alone (not the
    texts), so one is kept per set of keys (:func:`_index`): a session's record changes only
    when a call writes a new file."""

    __slots__ = ("kinds", "names", "order")

    def __init__(self, order: tuple[str, ...]) -> None:
        self.order = order
        names: dict[str, list[str]] = {}
        for k in order:
            names.setdefault(k.rpartition("/")[2], []).append(k)
        self.names = {name: tuple(keys) for name, keys in names.items()}
        self.kinds: dict[str, tuple[str, ...]] = {}

    def of(self, kind: str) -> tuple[str, ...]:
        keys = self.kinds.get(kind)
        if keys is None:  # (two threads may both make it: the same tuple)
            test = _KINDS[kind]
            keys = self.kinds[kind] = tuple(k for k in self.order if test(k))
        return keys


@lru_cache(maxsize=_INDEXES)
def _index(order: tuple[str, ...]) -> _Index:
    return _Index(order)


class Keys:
    """A record's keys by their last component and by kind (:class:`_Index`), read on the first
    look that needs them (a relative path after a ``cd``, a home file, a file written where the
    directory was not known, a Python or JavaScript run); the record's texts are read from it."""

    __slots__ = ("_index", "record")

    def __init__(self, record: Mapping[str, object]) -> None:
        self.record = record
        self._index: _Index | None = None

    def _kept(self) -> _Index:
        index = self._index
        if index is None:
            index = self._index = _index(tuple(self.record))
        return index

    def named(self, path: str) -> tuple[str, ...]:
        return self._kept().names.get(path.rpartition("/")[2], ())

    def under(self, cwd: object, kind: str) -> list[str]:
        """The keys of ``kind`` (:data:`_KINDS`) under ``cwd`` (every one when it is not an absolute
        directory)."""
        keys = self._kept().of(kind)
        if not keys or not (isinstance(cwd, str) and cwd[:1] == "/"):
            return list(keys)
        top = cwd.rstrip("/") + "/"
        return [k for k in keys if k.startswith(top)]


def _py(text: str) -> bool:
    """Whether ``text`` run directly is Python (its ``#!`` line)."""
    return text.startswith("#!") and "python" in text.partition("\n")[0]


def _text(keys: Keys, key: str) -> str | None:
    text = keys.record.get(key)
    return text if type(text) is str else None


def _modules(keys: Keys, name: str, here: str) -> list[str]:
    """The remembered files importing ``name`` from a module in the directory ``here`` runs."""
    dots = len(name) - len(name.lstrip("."))
    parts = [p for p in name[dots:].split(".") if p]
    found: list[str] = []
    if dots:  # relative: from the importing module's package
        base = here
        for _ in range(dots - 1):
            base = posixpath.dirname(base)
        for i in range(1, len(parts) + 1):
            rel = posixpath.join(base, *parts[:i])
            found += [c for c in (rel + ".py", rel + "/__init__.py") if c in keys.record]
        return found + ([c] if (c := posixpath.join(base, "__init__.py")) in keys.record and not parts else [])
    for i in range(1, len(parts) + 1):
        rel = "/".join(parts[:i])
        for cand in (rel + ".py", rel + "/__init__.py"):
            found += [k for k in keys.named(cand) if k == cand or k.endswith("/" + cand)]
    return found


def _imported(text: str) -> list[str]:
    """The module names ``text`` (Python) imports, with ``from a import b``'s ``a.b`` as well."""
    out: list[str] = []
    for m in _IMPORT.finditer(text):
        source, names, plain, dynamic = m.groups()
        if source is not None:
            out.append(source)
            sep = "" if source.endswith(".") else "."
            words = [w.split()[0] for w in (names or "").strip("()").split(",") if w.split()]
            out += [source + sep + w for w in words if w != "*"]
        elif plain is not None:
            out += [w.split()[0] for w in plain.split(",") if w.split()]
        elif dynamic:
            out.append(dynamic)
    return out


def _required(keys: Keys, text: str, here: str) -> list[str]:
    """The remembered files a JavaScript ``text`` in the directory ``here`` loads by a relative path."""
    found: list[str] = []
    for m in _REQUIRE.finditer(text):
        rel = posixpath.normpath(posixpath.join(here, m.group(1) or m.group(2)))
        found += [rel + t for t in _JS_TAILS if rel + t in keys.record][:1]
    return found


def _follow(keys: Keys, roots: list[tuple[str, str]], how: str, runs: dict[str, str]) -> None:
    """Add to ``runs`` the modules the code ``roots`` (text, directory) imports, and theirs (past
    ``MAX_MODULES``, ``MORE``: a module not followed, whose text is not known)."""
    todo = list(roots)
    while todo:
        if len(runs) >= MAX_MODULES:
            runs[MORE] = how
            return
        text, here = todo.pop()
        found = _required(keys, text, here) if how == "node" else []
        if how == "python":
            for name in _imported(text):
                found += _modules(keys, name, here)
            found += [k for m in _RUN_PATH.finditer(text) if (k := posixpath.join(here, m.group(1))) in keys.record]
        for key in found:
            if key not in runs:
                runs[key] = how
                if (more := _text(keys, key)) is not None:
                    todo.append((more, posixpath.dirname(key)))


def _words(cmd: SimpleCommand) -> list[tuple[str, bool]]:
    return list(zip(cmd.args, cmd.dynamic[1:], strict=True))


def _after(words: list[tuple[str, bool]], options: tuple[str, ...]) -> str | None:
    """The literal word after the first of ``options`` (``-c CODE``, ``-m MOD``)."""
    return next((w for (a, _), (w, d) in pairwise(words) if a in options and not d), None)


def _named_later(cmd: SimpleCommand) -> bool:
    """Whether ``cmd``'s first operand is named only at run time (``python3 $f``, ``-exec python3 {}``)."""
    first = next(((a, d) for a, d in _words(cmd) if d or not a.startswith("-")), None)
    return cmd.stdin_args or (first is not None and (first[1] or first[0] == "{}"))


def _notebook(text: str | None) -> str | None:
    """The code of a Jupyter notebook's cells (None when it is no notebook read here)."""
    try:
        cells = json.loads(text or "").get("cells")
        return "".join("".join(c["source"]) + "\n" for c in cells if c.get("cell_type") == "code")
    except (ValueError, AttributeError, TypeError, KeyError):
        return None


def _python(cmd: SimpleCommand, keys: Keys, cwd: str, found: Callable[[str], str | None]) -> dict[str, str]:
    """The remembered files a Python run finds by itself (see the module doc): key → "python"."""
    name, words = cmd.name, _words(cmd)
    runs: dict[str, str] = {}
    module = _after(words, ("-m",)) or ""
    for site in _SITE:
        runs.update((k, "python") for k in keys.named(site))
    runs.update((k, "pth") for k in keys.under(None, "pth"))
    roots: list[tuple[str, str]] = []
    for a in cmd.assignments:
        if a.startswith("PYTHONSTARTUP=") and (key := found(a[14:])) is not None:
            runs[key] = "python"
    if program(name) in _PYTHONS:
        code = _after(words, ("-c",))
        code = code or next((r.target for r in cmd.redirects if r.op in ("<<", "<<-", "<<<") and not r.dynamic), None)
        code = code or (cmd.stdin if cmd.stdin and cmd.stdin[:1] != "\0" else None)  # `echo 'import x' | python3`
        if code is not None:
            roots.append((code, cwd))
        elif module:
            roots.append((f"import {module}\nimport {module}.__main__\n", cwd))
        script = next((w for w, d in words if not d and not w.startswith("-") and w != "{}"), None)
        script = script or next((r.target for r in cmd.redirects if r.op == "<" and not r.dynamic), None)
        if code is None and not module and script and (key := found(script)) and (text := _text(keys, key)):
            roots.append((text, posixpath.dirname(key)))
        if code is None and not module and script is None and _named_later(cmd):  # `python3 $f`
            runs.update((k, "python") for k in keys.under(cwd, "py"))
            roots += [(t, posixpath.dirname(k)) for k in runs if (t := _text(keys, k)) is not None]
    elif "/" in cmd.argv[0] and (key := found(cmd.argv[0])) and (text := _text(keys, key)) and _py(text):
        roots.append((text, posixpath.dirname(key)))  # `./x.py`
    tests = "test" if name in _TESTERS or module == "pytest" else None
    plugins = "".join(f"import {w}\n" for (a, _), (w, d) in pairwise(words) if a == "-p" and not d)
    roots += [(plugins, cwd)] if plugins and tests is not None else []  # `pytest -p helper`
    tests = "unittest" if module == "unittest" else tests
    if tests is not None:  # the files a test run collects
        for key in keys.under(cwd, tests):
            runs[key] = "python"
            if (text := _text(keys, key)) is not None:
                roots.append((text, posixpath.dirname(key)))
    _follow(keys, roots, "python", runs)
    if module == "pip":
        runs.update((key, "read") for f in _PIP_FILES if (key := found(f)) is not None)
    return runs


def _go_generate(keys: Keys, cwd: str) -> list[Run]:
    out: list[Run] = []
    for key in keys.under(cwd, "go"):
        text = _text(keys, key)
        script = "".join(m.group(1) + "\n" for m in _GO_GENERATE.finditer(text)) if text is not None else None
        if script != "":
            out.append((key, "sh", script))
    return out


def finds_code(cmd: SimpleCommand) -> bool:
    """Whether ``cmd`` may run code it does not name: a cheap test before :func:`implicit`."""
    name = cmd.name
    if name in _FINDERS:
        return True
    if name == "git":
        first = cmd.argv[1] if len(cmd.argv) > 1 else ""
        return bool(hook_names(cmd.args)) if first[:1] == "-" else first in HOOKED
    if cmd.wrappers and any(w.name == "direnv exec" for w in cmd.wrappers):
        return True
    return "/" in cmd.argv[0] or name.startswith(_INTERPRETER_NAMES) if cmd.argv else False


def implicit(cmd: SimpleCommand, keys: Keys, cwd: str, found: Callable[[str], str | None]) -> list[Run]:
    """The remembered files ``cmd`` runs without naming them, with the code each runs (see the
    module doc); ``cwd`` is the call's directory ("" when not known or the line moves),
    ``found`` the remembered file a path the line spells names."""
    name = cmd.name
    if not cmd.argv or cmd.dynamic[0]:
        return []
    if cmd.wrappers and any(w.name == "direnv exec" for w in cmd.wrappers) and (key := found(".envrc")):
        return [(key, "sh", _text(keys, key)), *implicit(replace(cmd, wrappers=()), keys, cwd, found)]
    if name == "git":
        return [(k, "exec", _text(keys, k)) for h in hook_names(cmd.args) for k in keys.named("/" + h)]
    if name == "go" and "generate" in cmd.args[:3]:
        return _go_generate(keys, cwd)
    if kind := compiled(cmd):  # `go run .`, `cargo test`: the source it builds, reported when it may reach out
        return [(k, kind, None) for k in keys.under(cwd, kind) if reaches_out(kind, _text(keys, k))]
    if name in ("jupyter", "papermill", "ipython"):  # a notebook it executes
        books = [k for a, d in _words(cmd) if not d and a.endswith(".ipynb") and (k := found(a)) is not None]
        if books:
            return [(k, "python", _notebook(_text(keys, k))) for k in books]
    tool = name if name in _CONFIG_CODE else cmd.args[0] if name in ("yarn", "bunx") and cmd.args else ""
    if tool in _CONFIG_CODE or (name == "bun" and cmd.args[:1] == ("test",)):  # `npx jest`: its config
        files, how = _CONFIG_CODE.get(tool, ((), "node"))
        configs = [k for f in files if (k := found(f)) is not None]
        if tool in _JS_TESTERS or name == "bun":  # and the test files it collects
            configs += keys.under(cwd, "js-test")
        more: dict[str, str] = dict.fromkeys(configs, how)
        roots = [(t, posixpath.dirname(k)) for k in configs if (t := _text(keys, k))]
        roots += [
            (f"require('{a or './'}{b}')", d) for t, d in roots[:] if how == "node" for a, b in _CONFIG_PATH.findall(t)
        ]
        _follow(keys, roots, how, more)  # (and the files a config names: `globalSetup: './setup.js'`)
        return [(k, h, _text(keys, k)) for k, h in more.items()]
    interpreter = program(name)
    if interpreter in _NODES and _named_later(cmd) and _after(_words(cmd), ("-e", "-p", "--eval", "--print")) is None:
        return [(k, "node", _text(keys, k)) for k in keys.under(cwd, "js")]
    if interpreter in _NODES:
        runs: dict[str, str] = {}
        words = _words(cmd)
        code = _after(words, ("-e", "-p", "--eval", "--print"))
        script = next((w for w, d in words if not d and not w.startswith("-")), None)
        roots = [(code, cwd)] if code is not None else []
        if code is None and script and (key := found(script)) and (text := _text(keys, key)):
            roots.append((text, posixpath.dirname(key)))
        _follow(keys, roots, "node", runs)
        return [(k, how, _text(keys, k)) for k, how in runs.items()]
    if interpreter not in _PYTHONS and name not in _PY_TOOLS:
        key = found(cmd.argv[0]) if cmd.argv[0].find("/") >= 0 else None
        text = _text(keys, key) if key is not None else None
        if text is None or not _py(text):
            return []  # (not `./x.py` with a python `#!` line)
    out: list[Run] = []
    for key, how in _python(cmd, keys, cwd, found).items():
        text = _text(keys, key)
        if how == "pth" and text is not None:  # only its `import` lines run
            text = "".join(line + "\n" for line in text.splitlines() if line.startswith(("import ", "import\t")))
        elif how == "read":
            task = task_code(key, text) if text is not None else None
            how, text = task if task is not None else ("python", None)
        out.append((key, "python" if how == "pth" else how, text))
    return out


_INTERPRETER_NAMES = ("python", "pypy", "ipython", "node", "bun", "tsx", "ts-node")  # (`program` tells)
_FINDERS = frozenset(
    {"go", "cargo", "dotnet", "jupyter", "papermill", "yarn", "bunx", "bun", *_CONFIG_CODE, *_PY_TOOLS, *_TESTERS}
)
