"""Command substitutions whose output the line itself spells: ``"$(echo /srv/goalrail)"``,
```echo /srv/goalrail```, ``$(printf %s P)``, ``$(realpath P)``, ``$(readlink -f P)``,
``$(dirname P)``, ``$(basename P)`` print ``P`` (or its directory, its name) whatever the
machine holds, so a file rule judges the word as the path it becomes.

Only a substitution of one of these programs with literal operands (no expansion, no
operator, no redirection) is read; its output is the operand as spelled (``realpath`` and
``readlink -f`` resolve links, which the rules' own spellings of a path already cover; a glob
operand stays a glob, which ``_pattern_globs`` judges).  An output holding a blank (word
splitting), a backslash escape ``echo -e``/``printf`` would read, or nothing, is left unknown,
as is every other substitution (``$(cmd)``: a file named only at run time).
"""

from __future__ import annotations

import posixpath
import re
import shlex

__all__ = ["output", "substituted"]

#: an innermost substitution: ``$(…)`` or a backtick pair with nothing to expand in it
_SUB = re.compile(r"\$\(([^()$`]*)\)|`([^`$()]*)`")
_UNSAFE = frozenset(";&|<>\n\\")
_ECHO_FLAGS = re.compile(r"^-[neE]+$")
_CANONICAL = re.compile(r"^-([a-zA-Z]*[fem][a-zA-Z]*)$|^--canonicalize(-existing|-missing)?$")
_FORMATS = ("%s", "%s\\n", "%s\\n\\n")
_MAX_ROUNDS = 4


def _words(command: str) -> list[str] | None:
    if _UNSAFE.intersection(command.replace("\\n", "")):
        return None
    try:  # (`printf '%s\n' P`: the `\n` kept for the format)
        words = [w.replace("\x00", "\\n") for w in shlex.split(command.replace("\\n", "\x00"))]
    except ValueError:
        return None
    if words and words[0] in ("command", "builtin"):
        words = words[1:]
    return words or None


def _operand(args: list[str]) -> str | None:
    ops = [a for a in args if not a.startswith("-") or a == "-"]
    return ops[0] if len(ops) == 1 and ops[0] != "-" else None


def _program(name: str, args: list[str]) -> str | None:
    if name == "echo":
        while args and _ECHO_FLAGS.match(args[0]):
            args = args[1:]
        return " ".join(args)
    if name == "printf":
        if not args or "\\" in "".join(args[1:]):
            return None
        if args[0] in _FORMATS:
            return "".join(args[1:])
        fmt = args[0].removesuffix("\\n")
        return fmt if len(args) == 1 and "%" not in fmt and "\\" not in fmt else None
    if name == "realpath":
        op = _operand(args)
        return None if op is None else posixpath.normpath(op)
    if name == "readlink":
        if not any(_CANONICAL.match(a) for a in args):
            return None  # (`readlink L`: the link's target, on the disk)
        op = _operand(args)
        return None if op is None else posixpath.normpath(op)
    if name == "dirname":
        op = _operand(args)
        return None if op is None else (posixpath.dirname(op.rstrip("/")) or ("/" if op.startswith("/") else "."))
    if name == "basename" and args and not args[0].startswith("-") and len(args) <= 2:
        base = posixpath.basename(args[0].rstrip("/"))
        return base.removesuffix(args[1]) if len(args) == 2 and base != args[1] else base
    return None


def output(command: str) -> str | None:
    """What the substituted ``command`` prints, when the line spells it (see the module doc);
    None when it is known only at run time."""
    words = _words(command)
    if words is None:
        return None
    got = _program(posixpath.basename(words[0]), words[1:])
    if not got or any(c.isspace() for c in got) or "\\" in got:
        return None
    return got


def substituted(text: str) -> str:
    """``text`` with each substitution whose output is known replaced by it (innermost first:
    ``$(dirname $(realpath P))``)."""
    for _ in range(_MAX_ROUNDS):
        if "$(" not in text and "`" not in text:
            return text
        new = _SUB.sub(_known, text)
        if new == text:
            return text
        text = new
    return text


def _known(m: re.Match[str]) -> str:
    got = output(m.group(1) if m.group(1) is not None else m.group(2))
    return m.group(0) if got is None else got
