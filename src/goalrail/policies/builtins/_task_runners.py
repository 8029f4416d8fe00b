"""The files task runners and build tools read their commands from (issue 13), for ``_task_scripts``'
``more_runs``: (path, how), ``read`` for a definition file (its commands: ``_task_tables``), an
interpreter for code (``invoke``'s ``tasks.py``, ``scons``' ``SConstruct``), ``exec`` for a file
task (``mise run clean``: ``.mise/tasks/clean``).

``pixi run``, ``hatch run``, ``pdm run``, ``uv run``, ``poetry run`` (wrappers: the line's
program is the task's name), ``poe``, ``pdm``, ``mise``, ``composer``, ``invoke``/``inv``,
``fab``, ``scons``, ``ninja``, and the build tools whose files are code not read here
(``gradle``/``gradlew``, ``mvn``/``mvnw``, ``sbt``, ``cmake``, ``meson``, ``bazel``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from goalrail.policies.builtins._shell_types import SimpleCommand

__all__ = ["COMPILED_KINDS", "compiled", "runner_files", "runners_of"]

_PYPROJECT = (("pyproject.toml", "read"),)
_MISE_FILES = (
    *("mise.toml", ".mise.toml", "mise.local.toml", ".mise.local.toml", ".config/mise.toml"),
    ".config/mise/config.toml",
    "mise/config.toml",
    ".mise/config.toml",
)
_MISE_DIRS = (".mise/tasks", "mise-tasks", ".mise-tasks", "mise/tasks", ".config/mise/tasks")
_MISE_SUBS = frozenset({"run", "r", "tasks", "task", "watch", "w"})
_WRAPPED = {  # a wrapper that runs a task by name: the files it reads
    "pixi run": (("pixi.toml", "read"), *_PYPROJECT),
    "hatch run": (("hatch.toml", "read"), *_PYPROJECT),
    "pdm run": _PYPROJECT,
    "uv run": _PYPROJECT,
    "poetry run": _PYPROJECT,
}
_SCONS = ("SConstruct", "Sconstruct", "sconstruct", "SConstruct.py", "Sconstruct.py", "sconstruct.py")
_GRADLE = ("build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts")
_BAZEL = ("BUILD", "BUILD.bazel", "WORKSPACE", "WORKSPACE.bazel", "MODULE.bazel", ".bazelrc")
_PROGRAMS: dict[str, tuple[tuple[str, str], ...]] = {
    **dict.fromkeys(
        ("poe", "poethepoet"), (*_PYPROJECT, *((f"poe_tasks.{x}", "read") for x in ("toml", "json", "yaml")))
    ),
    "pdm": _PYPROJECT,
    **dict.fromkeys(("mise", "rtx"), tuple((f, "read") for f in _MISE_FILES)),
    "composer": (("composer.json", "read"),),
    **dict.fromkeys(("invoke", "inv"), (("tasks.py", "python"),)),
    "fab": (("fabfile.py", "python"),),
    "scons": tuple((f, "python") for f in (*_SCONS, "SConscript")),
    **dict.fromkeys(("ninja", "samu"), (("build.ninja", "read"),)),
    **dict.fromkeys(("gradle", "gradlew"), tuple((f, "read") for f in _GRADLE)),
    **dict.fromkeys(("mvn", "mvnw", "mvnd"), (("pom.xml", "read"), (".mvn/extensions.xml", "read"))),
    "sbt": (("build.sbt", "read"), ("project/plugins.sbt", "read")),
    "cmake": (("CMakeLists.txt", "read"),),
    **dict.fromkeys(("meson", "muon"), (("meson.build", "read"),)),
    **dict.fromkeys(("bazel", "bazelisk"), tuple((f, "read") for f in _BAZEL)),
}
#: programs that build and run the source under their directory: program → (kind of file, subcommands)
_COMPILED = {
    "go": ("go", frozenset({"run", "test"})),
    "cargo": ("rs", frozenset({"run", "r", "test", "t", "bench"})),
    "dotnet": ("dotnet", frozenset({"run", "test", "watch"})),
}
#: the kinds of file (``_written_implicit``'s index) they build
COMPILED_KINDS: dict[str, Callable[[str], object]] = {
    "rs": lambda k: k.endswith(".rs"),
    "dotnet": lambda k: k.endswith((".cs", ".fs", ".vb", ".csproj", ".fsproj", ".vbproj", ".props", ".targets")),
}
#: programs that compile and run a source file they are handed (`java X.java`, `zig run x.zig`)
_SOURCE_RUNNERS = {
    "java": (".java",),
    "jshell": (".jsh", ".java"),
    "swift": (".swift",),
    **dict.fromkeys(("kotlin", "kotlinc", "kotlinc-jvm"), (".kts", ".kt")),
    **dict.fromkeys(("scala", "scala-cli", "amm"), (".scala", ".sc")),
    "groovy": (".groovy",),
    "dart": (".dart",),
    **dict.fromkeys(("elixir", "mix"), (".exs", ".ex")),
    **dict.fromkeys(("runghc", "runhaskell"), (".hs", ".lhs")),
    "crystal": (".cr",),
    "zig": (".zig",),
    "tcc": (".c",),
    "nim": (".nim",),
    "v": (".v",),
}
#: options naming a runner's file or directory: option → "file" or "dir"
_OPTIONS = {
    "-f": "file",
    "--file": "file",
    "-c": "module",  # invoke's collection
    "--collection": "module",
    "-P": "file",  # cmake's script
    "-C": "dir",
    "-d": "dir",
    "--working-dir": "dir",
    "--root": "dir",
    "-S": "dir",
    "--manifest-path": "file",
    "--project": "dir",
    "-p": "dir",
}


def runners_of(cmd: SimpleCommand) -> tuple[str, ...]:
    """The program and the wrappers ``cmd`` runs through, last first (``pixi run clean``:
    ``("clean", "pixi run")``): what a definition file is read for."""
    return (cmd.name, *(w.name for w in reversed(cmd.wrappers)))


def _mise_tasks(args: list[str]) -> list[tuple[str, str]]:
    """``mise run clean``, ``mise clean``: the file tasks named ``clean``."""
    words = [a for a in args if not a.startswith("-")]
    if words[:1] and words[0] in _MISE_SUBS:
        words = words[2:] if words[0] in ("tasks", "task") else words[1:]
    names = [w.replace(":", "/") for w in words[:1] if "/" not in w and "." not in w]
    return [(posixpath.join(d, n), "exec") for n in names for d in _MISE_DIRS]


def _given(name: str, args: list[str], files: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """The files ``files`` as an option (``-f``, ``-C``, ``-d``, ``-S``, ``-c``) or an operand moves them."""
    out: list[tuple[str, str]] = []
    how = files[0][1]
    for i, a in enumerate(args[:-1]):
        kind = "file" if name == "cmake" and a == "-C" else _OPTIONS.get(a)  # (cmake's: a cache script)
        value = args[i + 1]
        if kind == "file":
            out.append((value, how))
        elif kind == "module" and name in ("invoke", "inv"):
            out.append((value.replace(".", "/") + ".py", "python"))
        elif kind == "dir":
            out += [(posixpath.join(value, f), h) for f, h in files]
    if name in ("cmake", "meson"):  # `cmake ..`, `meson setup build src`: a source directory
        out += [(posixpath.join(a, f), h) for a in args if a[:1] in (".", "/", "~") for f, h in files]
    return out


def compiled(cmd: SimpleCommand) -> str:
    """The kind of file whose source ``cmd`` builds and runs (``go run .``, ``cargo test``: its
    text is not read here, so a written one is reported); "" for none."""
    spec = _COMPILED.get(cmd.name)
    sub = next((a for a in cmd.args if a[:1] not in ("-", "+")), "") if spec is not None else ""
    return spec[0] if spec is not None and sub in spec[1] else ""


def runner_files(cmd: SimpleCommand, name: str, args: list[str]) -> list[tuple[str, str]]:
    """The files ``cmd`` (``name``, its literal ``args``) reads its tasks or build from (see the module doc)."""
    found: list[tuple[str, str]] = []
    if name in _SOURCE_RUNNERS:  # a source file compiled and run: not read here
        found += [(a, "read") for a in args if a.endswith(_SOURCE_RUNNERS[name])]
        found += [("build.zig", "read")] if name == "zig" and "build" in args[:2] else []
    if cmd.wrappers and (wrapped := _WRAPPED.get(cmd.wrappers[-1].name)) is not None:
        found += wrapped
    files = _PROGRAMS.get(name)
    if files is None:
        return found
    found += files
    if name in ("mise", "rtx"):
        found += _mise_tasks(args)
    return (
        found + _given(name, args, files) if any(a in _OPTIONS for a in args) or name in ("cmake", "meson") else found
    )
