"""The files a patch writes: ``patch`` and ``git apply``/``git am`` change the files a diff names.

* ``patch F [PATCH]`` writes ``F``; ``-o F`` writes ``F``; ``-i PATCH`` (and a second operand) is
  read.  ``patch -p1 < x.diff`` and ``git apply x.diff`` name no file on the line: the diff's
  headers say which they change, and a diff kept in a file is not read here (no I/O while
  judging), so those change files the rules cannot see (as ``tar xf x.tar`` does).
* A diff *on the line* (a here-document, ``printf '…' | git apply``, ``echo … | patch -p1``) names
  them: each ``--- F``/``+++ F``, ``diff --git a/F b/F``, ``rename from F``/``rename to F``,
  ``copy to F``, ``*** F`` and ``Index: F`` header is a write of ``F`` as written and without its ``a/``/``b/`` prefix
  (``/dev/null`` is none).  So a diff that touches ``.claude/settings.json`` meets the rules on
  writing it, whichever program applies it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from goalrail.policies.builtins._shell_file_programs import READ, WRITE, Adds
from goalrail.policies.builtins._shell_types import SimpleCommand, Word

__all__ = ["PATCH_HANDLERS", "patched"]

#: `patch` options that take a value as the next word
_VALUES = frozenset(
    ("-p", "-i", "-o", "-d", "-D", "-r", "-B", "-Y", "-z", "-F", "-V", "-g", "--input", "--output", "--directory")
)
#: a diff header naming a file (a line of its own, or after a `\n` an echo or printf turns into one)
_HEADER = re.compile(
    r"(?:^|\n|\\n)[ \t]*(?:(?:\+\+\+|---|\*\*\*)[ \t]+|diff --git[ \t]+\S+[ \t]+"
    r"|rename[ \t]+(?:from|to)[ \t]+|copy[ \t]+to[ \t]+|Index:[ \t]+)([^\s'\"\\]+)"
)
#: the programs that apply a diff (``git`` only with ``apply``/``am``)
_APPLIERS = frozenset({"patch", "gpatch", "git"})


def _patch(line: Adds, words: list[Word], base: str | None) -> None:
    ops: list[Word] = []
    skip = ""
    for text, dyn in words:
        if skip:  # `-o F` written, `-i F` read, another option's value (`-p 1`, `-d DIR`) no file
            if skip in ("-o", "--output", "-i", "--input"):
                line.add(WRITE if skip in ("-o", "--output") else READ, (text, dyn), base=base)
            skip = ""
        elif text in _VALUES:
            skip = text
        elif text.startswith(("--output=", "--input=")):
            value = text.partition("=")[2]
            line.add(WRITE if text.startswith("--output=") else READ, (value, dyn), base=base)
        elif not text.startswith("-") or text == "-":
            ops.append((text, dyn))
    if ops:
        line.add(WRITE, ops[0], base=base)  # `patch F x.diff`: the file patched
    for w in ops[1:2]:
        line.add(READ, w, base=base)


def patched(command: str, commands: Sequence[SimpleCommand]) -> list[str]:
    """The files a diff on the line names, when the line applies one (``patch``, ``git apply``/``am``)."""
    if not any(_applies(c) for c in commands):
        return []
    out: list[str] = []
    for m in _HEADER.finditer(command):
        path = m.group(1).split("\t")[0]
        if path in ("/dev/null", "a/dev/null", "b/dev/null") or path.startswith("@@"):
            continue
        out.append(path)
        if path[:2] in ("a/", "b/") and len(path) > 2:
            out.append(path[2:])
    return list(dict.fromkeys(out))


def _applies(cmd: SimpleCommand) -> bool:
    name = cmd.name.rpartition("/")[2]
    if name not in _APPLIERS:
        return False
    if name != "git":
        return True
    return "apply" in cmd.args or "am" in cmd.args  # (`git -C dir apply`: after a global option's value)


PATCH_HANDLERS = {"patch": _patch, "gpatch": _patch}
