"""The commands a task runner's definitions run, given the file that holds them (issue 13).

``pixi run`` a ``pixi.toml``'s ``[tasks]`` (or ``pyproject.toml``'s ``[tool.pixi.tasks]``, and
the ``[activation]`` scripts it sources), ``poe`` a ``[tool.poe.tasks]`` (``poe_tasks.toml``/
``.json``), ``hatch run`` a ``hatch.toml``'s ``[envs.*.scripts]`` and install commands, ``pdm``
a ``[tool.pdm.scripts]``, ``mise`` a ``mise.toml``'s ``[tasks]`` and ``[hooks]``, ``composer`` a
``composer.json``'s ``scripts``, ``ninja`` a ``build.ninja``'s ``command =`` lines, ``uv run``/
``poetry run`` a ``pyproject.toml``'s entry points (``[project.scripts]``: the module they import,
given as ``python3 -c 'import pkg.mod'``, so a module the session wrote is followed).

:func:`table_code` gives them as a shell script, one command a line; "" when the file names
nothing that runs; None when what runs cannot be read here (a Python expression, a PHP callback
of the project's own code, a file task, another interpreter, an include, a build hook, an
unknown format such as a gradle, CMake, meson, sbt or bazel file, YAML): a run of it is then
reported, as a ``Rakefile``'s is.
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib

__all__ = ["PY_RUNNERS", "TABLES", "table_code"]

#: runners that read ``pyproject.toml`` for tasks or entry points: (wrapper or program) → its tables
PY_RUNNERS = frozenset({"pixi run", "hatch run", "pdm run", "uv run", "poetry run", "poe", "poethepoet", "pdm"})
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "posix", "default"})
#: files only a runner of ours reads: their basename → the runner whose tables they hold
TABLES = {
    "pixi.toml": "pixi",
    "hatch.toml": "hatch",
    "poe_tasks.toml": "poe",
    "poe_tasks.json": "poe",
    "poe_tasks.yaml": "",
    "mise.toml": "mise",
    ".mise.toml": "mise",
    "mise.local.toml": "mise",
    ".mise.local.toml": "mise",
    "composer.json": "composer",
    "build.ninja": "ninja",
    "pom.xml": "maven",
    **dict.fromkeys(("build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts"), ""),
    **dict.fromkeys(("CMakeLists.txt", "meson.build", "build.sbt", "plugins.sbt", "extensions.xml"), ""),
    **dict.fromkeys(("BUILD", "BUILD.bazel", "WORKSPACE", "WORKSPACE.bazel", "MODULE.bazel", ".bazelrc"), ""),
}
_ENTRY = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(?::\s*[\w.]+\s*)?(?:\[[^\]]*\])?\s*$")
_CALLBACK = re.compile(r"^\\?([A-Za-z_]\w*)\\[\w\\]*::\w+$")  # `App\\Tools::run`: PHP, not a shell line
_NINJA_COMMAND = re.compile(r"^[ \t]+command[ \t]*=[ \t]*(.*)$", re.M)
_NINJA_INCLUDE = re.compile(r"^(?:include|subninja)[ \t]", re.M)
_NINJA_VAR = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


class _Unread(Exception):
    """A definition whose commands cannot be read here."""


def _import(ref: object) -> str:
    """``pkg.mod:main`` (an entry point, a ``call``/``script`` task) as a line importing its module."""
    m = _ENTRY.match(ref) if isinstance(ref, str) else None
    if m is None:
        raise _Unread
    return f"python3 -c 'import {m.group(1)}'"


def _table(data: object, *path: str) -> dict[str, object]:
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _lines(value: object) -> list[str]:
    """A string, or a list of them (steps), as lines; anything else cannot be read."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise _Unread


def _pixi(data: dict[str, object]) -> list[str]:
    out: list[str] = []
    tables = [data, *_table(data, "feature").values()]
    tables += [t for top in list(tables) for t in _table(top, "target").values()]
    for table in tables:
        out += [f". {s}" for s in _lines(_table(table, "activation").get("scripts", []))]
        for task in _table(table, "tasks").values():
            if isinstance(task, dict):
                cmd = task.get("cmd", "")
                task = " ".join(_lines(cmd)) if isinstance(cmd, list) else cmd
            out += [task] if isinstance(task, str) else []  # (a list: the tasks it runs, by name)
    return out


def _poe_task(task: object, out: list[str], shell: bool) -> None:
    if isinstance(task, str):
        out.append(task)
    elif isinstance(task, list):  # a sequence
        for step in task:
            _poe_task(step, out, shell)
    elif isinstance(task, dict):
        if "expr" in task or task.get("interpreter", "sh") not in _SHELLS or (not shell and "shell" in task):
            raise _Unread
        out += _lines(task["cmd"]) if "cmd" in task else []
        out += _lines(task["shell"]) if "shell" in task else []
        out += [_import(task["script"])] if "script" in task else []
        for key in ("sequence", "switch", "parallel"):
            _poe_task(task.get(key), out, shell)


def _poe(poe: dict[str, object]) -> list[str]:
    if "include" in poe or "include_script" in poe:
        raise _Unread
    shell = poe.get("shell_interpreter", "sh") in _SHELLS
    out: list[str] = []
    for task in _table(poe, "tasks").values():
        _poe_task(task, out, shell)
    return out


def _hatch(hatch: dict[str, object]) -> list[str]:
    if '"custom":' in json.dumps(_table(hatch, "build")):
        raise _Unread  # a build hook of the tree's own (`hatch_build.py`), run on a dev install
    out: list[str] = []
    for env in _table(hatch, "envs").values():
        if isinstance(env, dict):
            for key in ("pre-install-commands", "post-install-commands"):
                out += _lines(env.get(key, []))
            for script in _table(env, "scripts").values():
                out += _lines(script)
    return out


def _pdm(scripts: dict[str, object]) -> list[str]:
    out: list[str] = []
    for name, task in scripts.items():
        if name == "_":  # options every script shares
            continue
        if isinstance(task, dict):
            cmd = task.get("cmd")
            out += [" ".join(_lines(cmd))] if isinstance(cmd, list) else _lines(cmd) if cmd is not None else []
            out += _lines(task["shell"]) if "shell" in task else []
            out += [_import(task["call"])] if "call" in task else []
            out += _lines(task.get("composite", []))
        else:
            out += _lines(task)
    return out


def _entries(data: dict[str, object]) -> list[str]:
    """The modules a ``pyproject.toml``'s entry points import, as lines (a poetry ``file`` script: a file run)."""
    found = [*_table(data, "project", "scripts").values(), *_table(data, "project", "gui-scripts").values()]
    out = [_import(ref) for ref in found]
    for ref in _table(data, "tool", "poetry", "scripts").values():
        if isinstance(ref, dict):  # {reference = "x.sh", type = "file"}, {callable = "pkg:main"}
            ref = ref.get("callable") or ("./" + str(ref.get("reference", ""))) if ref.get("type") == "file" else ""
        out.append(ref if isinstance(ref, str) and ref.startswith("./") else _import(ref))
    return out


def _mise(data: dict[str, object]) -> list[str]:
    if "source" in json.dumps(_table(data, "env")) or "includes" in _table(data, "task_config"):
        raise _Unread  # a script sourced, task files elsewhere
    out: list[str] = []
    for task in _table(data, "tasks").values():
        if isinstance(task, dict):
            if "file" in task or "shell" in task:
                raise _Unread
            task = task.get("run", [])
        out += _lines(task)
    for hook in _table(data, "hooks").values():
        steps = [
            h.get("script", "") if isinstance(h, dict) else h for h in (hook if isinstance(hook, list) else [hook])
        ]
        out += [h for h in steps if isinstance(h, str)]
    return out


def _composer(data: dict[str, object]) -> list[str]:
    own = {
        p.strip("\\").partition("\\")[0] for kind in ("autoload", "autoload-dev") for p in _table(data, kind, "psr-4")
    }
    out: list[str] = []
    for script in _table(data, "scripts").values():
        for line in _lines(script):
            if (m := _CALLBACK.match(line)) is not None:
                if m.group(1) in own:  # the project's own PHP code
                    raise _Unread
            elif line.startswith(("@php ", "@composer ")):
                out.append(line[1:])
            elif not line.startswith("@"):  # (`@other`: another script, here too; `@putenv`)
                out.append(line)
    repos = data.get("repositories")
    if repos and '"path"' in json.dumps(repos):  # a plugin from the tree: its code runs
        raise _Unread
    return out


def _ninja(text: str) -> list[str]:
    if _NINJA_INCLUDE.search(text):
        raise _Unread
    joined = text.replace("$\n", "")
    out = []
    for m in _NINJA_COMMAND.finditer(joined):
        line = m.group(1).replace("$$", "\0").replace("$ ", " ").replace("$:", ":")
        if any((v.group(1) or v.group(2)) not in ("in", "out", "in_newline") for v in _NINJA_VAR.finditer(line)):
            raise _Unread  # a variable of the file's own
        out.append(_NINJA_VAR.sub("x", line).replace("\0", "$"))
    return out


def _pyproject(data: dict[str, object], runners: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    tool = _table(data, "tool")
    if "pixi run" in runners:
        out += _pixi(_table(tool, "pixi"))
    if "poe" in runners or "poethepoet" in runners:
        out += _poe(_table(tool, "poe"))
    if "hatch run" in runners:
        out += _hatch(_table(tool, "hatch"))
    if "pdm" in runners or "pdm run" in runners:
        out += _pdm(_table(tool, "pdm", "scripts"))
    if runners:  # `uv run x`, `pdm run x`, `hatch run x`: an entry point of the project installed
        out += _entries(data)
    return out


def table_code(path: str, text: str, runners: tuple[str, ...]) -> str | None:
    """The script the definitions in ``path`` (holding ``text``) run for ``runners`` (the program
    and wrapper a line runs: ``("clean", "pixi run")``), one command a line; "" for nothing; None
    when it cannot be read (see the module doc)."""
    base = posixpath.basename(path)
    kind = "mise" if base == "config.toml" else TABLES.get(base, "pyproject" if base == "pyproject.toml" else "")
    try:
        if kind == "maven":  # a plugin (`exec`, `antrun`) may run anything; without one, nothing of the tree
            return None if "<plugin" in text else ""
        if kind == "ninja":
            lines = _ninja(text)
        elif kind == "composer" or base.endswith(".json"):
            data = json.loads(text)
            lines = _composer(data) if kind == "composer" else _poe(data)
        elif kind:
            data = tomllib.loads(text)
            if kind == "pyproject":
                lines = _pyproject(data, runners)
            else:
                lines = {"pixi": _pixi, "hatch": _hatch, "poe": _poe, "mise": _mise}[kind](data)
        else:
            return None
    except (_Unread, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    return "".join(line + "\n" for line in lines if line.strip())
