"""Argument paths: how tool metadata and declarative rules point into a call's arguments.

``to`` is a key, ``payee.iban`` a nested key, ``recipients[*]`` every item of a
list and ``items[0].url`` one item.  A path that does not match yields nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_PATH = re.compile(r"^[A-Za-z0-9_\-]+(\[\*\]|\[\d+\])?(\.[A-Za-z0-9_\-]+(\[\*\]|\[\d+\])?)*$")


def leaf_strings(
    value: object, *, skip_blank: bool = False, max_depth: int | None = None, _depth: int = 0
) -> list[str]:
    """Every string (and number, as text) inside an argument value, depth first.

    ``skip_blank`` leaves out whitespace-only strings; ``max_depth`` stops descending
    below that many levels of nesting (``None``: no limit)."""
    if isinstance(value, str):
        return [value] if not skip_blank or value.strip() else []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    if max_depth is not None and _depth >= max_depth:
        return []
    # The exact types first: ``isinstance(…, Mapping)`` is an ABC check (a Python call) for anything else.
    if type(value) is dict:
        items: Iterable[object] = value.values()
    elif type(value) is list or type(value) is tuple:
        items = value
    elif isinstance(value, Mapping):
        items = value.values()
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        return []
    return [s for v in items for s in leaf_strings(v, skip_blank=skip_blank, max_depth=max_depth, _depth=_depth + 1)]


def is_argument_path(path: str) -> bool:
    return bool(_PATH.match(path))


def argument_values(arguments: object, path: str) -> list[object]:
    """The values at an argument path (``to``, ``recipients[*]``, ``payee.iban``, ``items[0].url``)."""
    current: list[object] = [arguments]
    for part in path.split("."):
        name, _, index = part.partition("[")
        nxt: list[object] = []
        for value in current:
            if (type(value) is not dict and not isinstance(value, Mapping)) or name not in value:
                continue
            item = value[name]
            if not index:
                nxt.append(item)
            elif index == "*]":
                if isinstance(item, list):
                    nxt.extend(item)
                elif item is not None:
                    nxt.append(item)
            elif isinstance(item, list):
                i = int(index[:-1])
                if i < len(item):
                    nxt.append(item[i])
        current = nxt
    return current
