"""A ``tool_mapping`` as :class:`goalrail.engine.actions.ActionMapper` reads it: its exact tool
names and its globs (``mcp__*__write_file``), compiled once."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping

Globs = list[tuple[re.Pattern[str], str, str]]


def compiled(mapping: Mapping[str, str] | None) -> tuple[dict[str, str], Globs]:
    """A ``tool_mapping``'s exact names and its globs (compiled, in order)."""
    exact: dict[str, str] = {}
    globs: Globs = []
    for pattern, value in (mapping or {}).items():
        if any(ch in pattern for ch in "*?["):
            globs.append((re.compile(fnmatch.translate(pattern)), value, pattern))
        else:
            exact[pattern] = value
    return exact, globs


def lookup(name: str, exact: dict[str, str], globs: Globs) -> tuple[str | None, str | None]:
    """(value, mapped_by) of ``name`` in a mapping: its exact entry, else the first glob matching it."""
    if name in exact:
        return exact[name], f"config:{name}"
    for rx, val, pattern in globs:
        if rx.match(name):
            return val, f"config:{pattern}"
    return None, None
