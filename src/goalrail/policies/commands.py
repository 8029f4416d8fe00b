"""The command lines a shell tool call runs, read one way for every harness and every reader.

Harnesses and MCP servers pass a shell command under many keys and shapes:
Claude Code's ``Bash`` ``{"command": "…"}``, Codex's ``shell`` argv
``{"command": ["bash", "-lc", "…"]}`` and ``exec_command`` ``{"cmd": "…"}``, an MCP
``run_command`` ``{"command": "git", "args": ["push"]}``, a ``shell_command`` or a
``script``.  The engine's action targets (what ``pattern_policy`` matches) and the
builtins' shell analysis both read them through :func:`command_lines`, so a rule
on ``git push`` sees the same command whichever spelling carried it.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

#: argument keys (compared case-insensitively) that hold a command line, a script or an argv list
COMMAND_KEYS = frozenset(
    {
        "command",
        "cmd",
        "commands",
        "script",
        "shell_command",
        "bash_command",
        "command_line",
        "commandline",
        "cmdline",
        "shell",
        "code",
        "argv",
        "args",
        # a program named apart from its arguments (``{"program": "git", "args": [...]}``)
        "program",
        "executable",
    }
)
#: keys holding a program (read with the argument list beside it)
_HEAD_KEYS = frozenset({"command", "cmd", "program", "executable"})
#: keys holding a program's argument list: ``args``/``argv`` (command lines themselves too), and
#: ``arguments``/``params``/``parameters``, read only beside a program and only as words
ARGUMENT_KEYS = frozenset({"args", "argv", "arguments", "params", "parameters"})
_EXTRA_ARGUMENT_KEYS = ARGUMENT_KEYS - COMMAND_KEYS


def command_texts(value: object) -> list[str] | None:
    """Command lines one argument value may mean; None for a shape we cannot read."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        # an argv (["bash", "-lc", "..."]) or a list of command lines: analyse both readings
        return [shlex.join(value), *value]
    return None


def command_lines(args: Mapping[str, object], *, as_targets: bool = False) -> list[str] | None:
    """Every command line a call with these arguments may run: each command-like argument, and
    a program with its argument list (``command`` + ``args``) joined.  None when there is none,
    or when one command-like argument has a shape that cannot be read (a reader must not judge
    the readable one alone).

    ``as_targets`` gives the lines as an action's targets are (what ``pattern_policy`` matches):
    an argv joined with spaces, not also word by word, and a program given its argument list
    only as the joined line (``git push``, not ``git`` and ``push`` besides), so an allow-list
    rule meets the command as it runs."""
    out: list[str] = []
    heads: list[str] = []
    tails: list[list[str] | str] = []
    # Codex's exec_command names its interpreter under `shell` beside `cmd`: not a line of its own as a target
    interpreter = as_targets and "shell" in args and any(k in args for k in ("cmd", "command", "script"))
    extra: list[list[str] | str] = []
    for key, value in args.items():
        if not isinstance(key, str):
            continue
        low = key.lower()
        if low in _EXTRA_ARGUMENT_KEYS:
            if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                extra.append(value)  # `arguments: [...]`: words only beside a program
            continue
        if low not in COMMAND_KEYS or (interpreter and key == "shell"):
            continue
        if value is None or isinstance(value, (bool, int, float)):
            continue  # `shell: true` style switches, exit codes, absent values
        texts = command_texts(value)
        if texts is None:
            return None
        if low in _HEAD_KEYS:
            if isinstance(value, str):
                heads.append(value)
            elif isinstance(value, list) and (len(value) == 1 or low not in ("command", "cmd")):  # `command: ["git"]`
                heads.append(shlex.join(value))  # (a list of strings: ``command_texts`` read it)
        if (low == "args" or low == "argv") and isinstance(value, (list, str)):
            tails.append(value)
            if as_targets and isinstance(value, list):
                continue  # read joined to its program below (or alone, when there is none)
        if as_targets and isinstance(value, list):
            texts = [" ".join(value)]
        out.extend(t for t in texts if t not in out)
    # {"command": "git", "args": ["push", …]}: the program and its argument list run together
    # (an argument list given as one string is the rest of the command line: `args: "push -f"`)
    if heads:
        tails += extra
    for head in heads:
        for tail in tails:
            joined = f"{head} {tail if isinstance(tail, str) else shlex.join(tail)}"
            if joined not in out:
                out.append(joined)
    if as_targets and tails:
        if heads:  # each program is read with its arguments, not alone (nor they without it)
            out = [line for line in out if line not in heads and line not in tails]
        else:
            out.extend(line for line in (" ".join(t) for t in tails if isinstance(t, list)) if line not in out)
    return out or None
