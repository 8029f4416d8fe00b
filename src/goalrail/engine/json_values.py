"""Whether a value a policy returned is JSON that every store keeps as it was given.

A state update's value is stored by the memory store as the object itself, by SQLite
as ``json.dumps`` text and by PostgreSQL as ``jsonb``.  Only strict JSON reads back the
same from all three: a set or any other object, a cyclic or absurdly deep value, a
dict key that is not a string (``json.dumps`` would turn ``1`` into ``"1"``) or a float
that is not finite (``jsonb`` refuses ``NaN``) would be kept by one store, changed by
another and refused by the third.  :func:`problem` names what is wrong, so the policy
that returned it is failed closed with that reason (``dispatch.check_updates``).

Tuples are accepted as lists (every encoder writes them as arrays).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import cast

#: Deeper than this is refused (a cyclic value too, without following the cycle).
MAX_DEPTH = 100

_SCALARS = frozenset({str, int, bool, type(None)})  # always JSON as they are (float: finite only)
_NUMBERS = frozenset({int, float, bool})


def problem(value: object) -> str | None:
    """Why ``value`` is not strict JSON (a short phrase), or None when it is."""
    kind = type(value)
    if kind in _SCALARS:
        return None
    if kind is float:
        return _float(cast(float, value))
    return _other(value, 1)


def _float(value: float) -> str | None:
    return None if math.isfinite(value) else f"the float `{value}` is not finite"


def _other(value: object, depth: int) -> str | None:
    items: Iterable[object]
    if isinstance(value, dict):
        if depth > MAX_DEPTH:
            return f"it is nested deeper than {MAX_DEPTH} levels (or contains itself)"
        for key in value:
            if not isinstance(key, str):
                return f"the dict key `{key!r:.40}` is not a string"
        items = value.values()
    elif isinstance(value, (list, tuple)):
        if depth > MAX_DEPTH:
            return f"it is nested deeper than {MAX_DEPTH} levels (or contains itself)"
        items = value
    elif isinstance(value, (str, int)):  # a subclass (an enum's member): written as its value
        return None
    elif isinstance(value, float):
        return _float(value)
    else:
        return f"a value of type `{type(value).__name__}` is not JSON"
    types = set(map(type, items))
    if types <= _SCALARS:  # the usual container: scalars only, checked at C speed
        return None
    if types <= _NUMBERS and all(map(math.isfinite, cast("Iterable[float]", items))):
        return None
    for item in items:
        kind = type(item)
        if kind in _SCALARS:
            continue
        found = _float(cast(float, item)) if kind is float else _other(item, depth + 1)
        if found is not None:
            return found
    return None
