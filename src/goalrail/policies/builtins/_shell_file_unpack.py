"""The files ``cpio`` and ``pax`` write: archives read from a file or stdin and unpacked, whose
members the line does not name (as ``tar xf x.tar``: ``_shell_file_programs``).

* ``cpio -i`` (``--extract``; not ``-t``/``--list``) writes under ``-D DIR``/``--directory=DIR``, else
  under the directory it runs in (a tree write: the rules on the files beneath it are weighed); the
  patterns it is given (``cpio -id .claude/settings.json < a.cpio``) are members written there.
  ``-F F``/``-I F``/``--file=F`` is the archive read.  ``cpio -p DIR`` (``--pass-through``) copies the
  files named on stdin under ``DIR``; ``cpio -o`` writes only its archive (``-O F``/``-F F``, else a redirection).
* ``pax -r`` writes under the directory it runs in (``-f F`` read); ``pax -rw … DIR`` copies
  under ``DIR``; ``pax -w`` writes only its archive (``-f F``).
"""

from __future__ import annotations

from goalrail.policies.builtins._shell_file_programs import READ, WRITE, Adds
from goalrail.policies.builtins._shell_file_words import members_in
from goalrail.policies.builtins._shell_types import Word

__all__ = ["UNPACK_HANDLERS"]

#: one-letter modes, option values, operands
_Parsed = tuple[str, dict[str, list[Word]], list[Word]]

#: the one-letter options that take a value (the rest of their cluster, or the next word: ``-idD DIR``)
_CPIO_VALUES = "DFIOEHMRC"
_CPIO_LONG = frozenset(("--directory", "--file", "--format", "--owner", "--pattern-file", "--block-size"))
_PAX_VALUES = "fsbopxTUGB"


def _parse(words: list[Word], values: str, longs: frozenset[str] = frozenset()) -> _Parsed:
    """``words``' one-letter modes, option values (by letter or long name) and operands."""
    modes = ""
    given: dict[str, list[Word]] = {}
    ops: list[Word] = []
    k = 0
    while k < len(words):
        text, dyn = words[k]
        k += 1
        if text.startswith("--"):
            name, eq, value = text.partition("=")
            if eq:
                given.setdefault(name, []).append((value, dyn))
            elif name in longs and k < len(words):
                given.setdefault(name, []).append(words[k])
                k += 1
            else:
                given.setdefault(name, [])
        elif text.startswith("-") and len(text) > 1:
            for j, c in enumerate(text[1:], 2):
                if c not in values:
                    modes += c
                elif text[j:]:
                    given.setdefault(c, []).append((text[j:], dyn))
                    break
                elif k < len(words):
                    given.setdefault(c, []).append(words[k])
                    k += 1
        else:
            ops.append((text, dyn))
    return modes, given, ops


def _cpio(line: Adds, words: list[Word], base: str | None) -> None:
    modes, given, ops = _parse(words, _CPIO_VALUES, _CPIO_LONG)
    out = "o" in modes or "--create" in given  # `cpio -o -F F`: the archive written
    for w in given.get("F", []) + given.get("--file", []):
        line.add(WRITE if out else READ, w, base=base)
    for w in given.get("I", []):
        line.add(READ, w, base=base)
    for w in given.get("O", []):
        line.add(WRITE, w, base=base)
    if "p" in modes or "--pass-through" in given:  # `find . | cpio -pdm DIR`
        for w in ops[-1:]:
            line.add(WRITE, w, tree=True, base=base)
    elif ("i" in modes or "--extract" in given) and "t" not in modes and "--list" not in given:
        dirs = given.get("D", []) + given.get("--directory", []) or [(".", False)]
        for w in dirs:
            line.add(WRITE, w, tree=True, base=base)
        for w in members_in(ops, dirs):
            line.add(WRITE, w, base=base)


def _pax(line: Adds, words: list[Word], base: str | None) -> None:
    modes, given, ops = _parse(words, _PAX_VALUES)
    archives = given.get("f", [])
    if "r" in modes and "w" in modes:  # `pax -rw src… DIR`: a copy
        for w in ops[:-1]:
            line.add(READ, w, tree=True, base=base)
        for w in ops[-1:]:
            line.add(WRITE, w, tree=True, base=base)
    elif "r" in modes:
        for w in archives:
            line.add(READ, w, base=base)
        line.add(WRITE, (".", False), tree=True, base=base)
        for w in members_in(ops, [(".", False)]):
            line.add(WRITE, w, base=base)
    elif "w" in modes:
        for w in ops:
            line.add(READ, w, tree=True, base=base)
        for w in archives:
            line.add(WRITE, w, base=base)


UNPACK_HANDLERS = {"cpio": _cpio, "pax": _pax}
