"""Which file an interpreter or a project runner runs as its program.

``python3 -W ignore x.py``, ``node -r dotenv/config app.js``, ``ruby -I lib x.rb``, ``bash -o
pipefail x.sh``: the program is the first operand that is no option's value (:func:`script_operand`);
``python -m runpy x.py`` runs ``x.py``; ``deno run -A x.ts`` (``test``, ``bench``, ``serve``…) the
operand after deno's subcommand, ``deno eval``/``repl``/``task`` none.  A project runner that runs
a script file by its suffix (``uv run x.py``, ``bun x.ts``, ``pdm run x.py``, ``hatch run x.py``,
``pipx run x.py``: the shell analysis peels the runner off, leaving ``x.py`` as the command) runs it
with the interpreter its suffix names (:func:`runner_script`).  For ``_shell_files``' table of the
files a command runs.
"""

from __future__ import annotations

import re

from goalrail.policies.builtins._interpreters import valued_options
from goalrail.policies.builtins._launchers import RUNNERS
from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._wrappers import names

__all__ = ["env_preloads", "preloads", "runner_script", "script_operand"]

#: options whose value is the next word, beyond ``_interpreters``' (which reads inline code)
_VALUED: dict[str, frozenset[str]] = {
    "sh": names("-o +o -O +O --rcfile --init-file"),
    "ts-node": names("-r --require -P --project -O --compiler-options --cwd -C --compiler -I --ignore"),
    "tsx": names("-r --require --import --tsconfig"),
    "deno": names("-c --config --import-map --lock --cert --location --seed -L --log-level --ext --env-file"),
    "bun": names("-r --require --preload --import --cwd --env-file --config -c --tsconfig-override"),
    "lua": names("-l"),
    "luajit": names("-l -j -O"),
    "julia": names("-J --sysimage -C --cpu-target -t --threads -p --procs -L --load --project -O --optimize"),
    "rscript": names("--default-packages"),
}
#: deno's subcommands that run a file given after their options; the others run none
_DENO_RUNS = names("run test bench serve compile install check")
_DENO_OWN = names("eval repl task fmt lint doc info cache vendor upgrade types completions init jupyter coverage")
#: a first word that is a mode, not the program: ``tsx watch x.ts``, ``node inspect x.js``
_MODES = {"tsx": "watch", "node": "inspect", "nodejs": "inspect"}
#: a runner's command run by its suffix (``uv run x.py``): the interpreter that runs it
_SUFFIXES = {
    **dict.fromkeys(("py", "pyw"), "python"),
    **dict.fromkeys(("js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx"), "node"),
}
#: options naming a file the interpreter loads before its program (``node -r ./hook.js app.js``)
_PRELOADS = {
    **dict.fromkeys(
        ("node", "nodejs", "tsx", "ts-node", "bun"), ("-r", "--require", "--import", "--loader", "--preload")
    ),
    "ruby": ("-r",),
}
_RUNNERS = frozenset({f"{a} {b}" for a, b in RUNNERS} | {"npx", "bunx", "pipx run", "uvx"})


def script_operand(how: str, args: list[str]) -> str | None:
    """The file ``how`` (a shell, an interpreter's name) runs given ``args``: its first operand
    that is no option's value; None when it runs none it names."""
    valued = valued_options(how) | _VALUED.get(how, frozenset())
    words = args[1:] if args[:1] == [_MODES.get(how)] else args  # `tsx watch x.ts`, `node inspect x.js`
    if how == "deno" and words:
        first = next((i for i, a in enumerate(words) if not a.startswith("-")), len(words))
        sub = words[first] if first < len(words) else ""
        if sub in _DENO_OWN:
            return None
        words = words[first + 1 :] if sub in _DENO_RUNS else words
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            return words[i + 1] if i + 1 < len(words) else None
        if how in ("python", "pypy") and word == "-m":  # a module: `-m runpy FILE` runs FILE
            return words[i + 2] if words[i + 1 : i + 2] == ["runpy"] and i + 2 < len(words) else None
        if word in valued:
            i += 2
            continue
        if not word.startswith(("-", "+")):
            return word
        i += 1
    return None


#: variables that make every node / ruby / perl started below load a file first
_PRELOAD_VARS = {"NODE_OPTIONS": "node", "RUBYOPT": "ruby", "PERL5OPT": "perl"}
_PRELOAD = re.compile(r"(?:^|\s)(?:--require|-r|--import|--loader|--experimental-loader)(?:=|\s*)(\S+)")


def env_preloads(assignments: tuple[str, ...]) -> list[tuple[str, str]]:
    """``NODE_OPTIONS='--require ./x.js'``, ``RUBYOPT=-r./x.rb``: files an interpreter loads before its
    program, wherever the line starts one (``npm test``)."""
    found: list[tuple[str, str]] = []
    for a in assignments:
        name, _, value = a.partition("=")
        how = _PRELOAD_VARS.get(name)
        if how is not None:
            found += [(m.group(1).strip("'\""), how) for m in _PRELOAD.finditer(value.strip("'\""))]
    return found


def preloads(how: str, args: list[str]) -> list[str]:
    """The files ``how args`` loads before its program: ``node -r ./hook.js``, ``--import=./x.mjs``."""
    options = _PRELOADS.get(how)
    if not options:
        return []
    found = [args[i + 1] for i, a in enumerate(args[:-1]) if a in options]
    return found + [a.partition("=")[2] for a in args if a[:2] == "--" and "=" in a and a.partition("=")[0] in options]


def runner_script(cmd: SimpleCommand) -> tuple[str, str] | None:
    """``uv run x.py``, ``bun ./x.ts``: the script a project runner runs by its suffix, and how."""
    if not cmd.wrappers or cmd.wrappers[-1].name not in _RUNNERS:
        return None
    word = cmd.argv[0]
    how = _SUFFIXES.get(word.rpartition(".")[2].lower()) if "." in word.rpartition("/")[2] else None
    return (word, how) if how is not None else None
