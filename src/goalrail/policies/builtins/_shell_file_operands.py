"""A program's words read as getopt reads them (``_shell_file_programs``' tables say which options
take a value): its operands, each option's values and every option given, a short options'
cluster letter by letter (``curl -sSo F`` names ``F`` as ``-o``'s value)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from goalrail.policies.builtins._shell_types import Word

__all__ = ["letters", "operands"]

#: a long option given its value in the word (``--include=*.py``: a run-time glob there is its value)
_LONG_VALUE = re.compile(r"--[\w-]+=")


def _cluster(
    name: str, values: frozenset[str], after: list[Word], given: dict[str, list[Word]], flags: set[str]
) -> int:
    """A short options' cluster read as getopt does: each letter an option until one that takes a
    value, whose value is the rest of the word or, at its end, the next word (``curl -sSo F``,
    ``wget -qO F``); how many words past the cluster it took (0 or 1)."""
    for k in range(1, len(name)):
        letter = "-" + name[k]
        flags.add(letter)
        if letter not in values:
            continue
        if k + 1 < len(name):
            given.setdefault(letter, []).append((name[k + 1 :], False))
            return 0
        if after:
            given.setdefault(letter, []).append(after[0])
            return 1
        return 0
    return 0


def operands(words: list[Word], values: frozenset[str]) -> tuple[list[Word], dict[str, list[Word]], set[str]]:
    """(operands, option → its values, every option word) of ``words``."""
    ops: list[Word] = []
    given: dict[str, list[Word]] = {}
    flags: set[str] = set()
    i = 0
    while i < len(words):
        text, dyn = words[i]
        if text == "--" and not dyn:
            ops += words[i + 1 :]
            break
        if text.startswith("-") and len(text) > 1 and (not dyn or _LONG_VALUE.match(text)):  # `--x=*.py`
            name, eq, value = text.partition("=") if text.startswith("--") else (text, "", "")
            flags.add(name)
            if eq and name.startswith("--"):
                given.setdefault(name, []).append((value, dyn))
            elif name in values and i + 1 < len(words):
                given.setdefault(name, []).append(words[i + 1])
                i += 1
            elif len(name) > 2 and not name.startswith("--"):  # `-n5`, `-fF`, `-sSo FILE`: a cluster
                i += _cluster(name, values, words[i + 1 : i + 2], given, flags)
        else:
            ops.append(words[i])
        i += 1
    return ops, given, flags


def letters(flags: Iterable[str]) -> str:
    return "".join(f[1:] for f in flags if f.startswith("-") and not f.startswith("--"))
