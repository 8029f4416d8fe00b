"""Argument paths: how tool metadata and declarative rules point into a call's arguments.

``to`` is a key, ``payee.iban`` a nested key, ``recipients[*]`` every item of a
list and ``items[0].url`` one item.  A path that does not match yields nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_PATH = re.compile(r"^[A-Za-z0-9_\-]+(\[\*\]|\[\d+\])?(\.[A-Za-z0-9_\-]+(\[\*\]|\[\d+\])?)*$")


def is_argument_path(path: str) -> bool:
    return bool(_PATH.match(path))


def argument_values(arguments: Any, path: str) -> list[Any]:
    """The values at an argument path (``to``, ``recipients[*]``, ``payee.iban``, ``items[0].url``)."""
    current: list[Any] = [arguments]
    for part in path.split("."):
        name, _, index = part.partition("[")
        nxt: list[Any] = []
        for value in current:
            if not isinstance(value, Mapping) or name not in value:
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
