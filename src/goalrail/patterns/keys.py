"""The literal keys of "contains" rules (``.*sudo.*``): what text a parsed regex must hold, as
3-character grams, and the rarest of them across an index (:class:`~goalrail.patterns.compile.TypeIndex`
runs only the rules whose key occurs in the target)."""

from __future__ import annotations

import re
import re._parser as _sre_parse  # the public sre_parse alias warns on import
from collections import Counter
from collections.abc import Sequence
from typing import Any

__all__ = ["KEY_LEN", "is_unanchored", "pick_keys", "requirements"]

KEY_LEN = 3
_MAX_ALTERNATIVES = 16
_ANY_REPEAT = (_sre_parse.MAX_REPEAT, _sre_parse.MIN_REPEAT)


def is_unanchored(parsed: Any) -> bool:
    items = list(parsed)
    if not items:
        return False
    op, av = items[0]
    if op not in _ANY_REPEAT:
        return False
    lo, _hi, sub = av
    return lo == 0 and len(sub) == 1 and sub[0][0] is _sre_parse.ANY


def _required(items: Sequence[Any]) -> list[set[str]]:
    """Literal requirements of a parsed regex: each set holds strings one of which
    must occur in any matching text.  Only certain parts count (top-level literal
    runs, groups, repeats taken at least once, alternations whose every branch has
    a required literal); lookarounds, optional parts and classes are skipped.
    """
    out: list[set[str]] = []
    run = ""
    for op, av in items:
        if op is _sre_parse.LITERAL:
            run += chr(av)
            continue
        if run:
            out.append({run})
            run = ""
        if op is _sre_parse.SUBPATTERN and not av[1] and not av[2]:
            out.extend(_required(list(av[3])))
        elif op in _ANY_REPEAT and av[0] >= 1:
            out.extend(_required(list(av[2])))
        elif op is _sre_parse.BRANCH:
            alternatives: set[str] = set()
            for branch in av[1]:
                needs = [next(iter(r)) for r in _required(list(branch)) if len(r) == 1]
                best = max(needs, key=len, default="")
                if len(best) < KEY_LEN:
                    alternatives = set()
                    break
                alternatives.add(best)
            if alternatives:
                out.append(alternatives)
    if run:
        out.append({run})
    return out


def _grams(text: str) -> list[str]:
    return [text[i : i + KEY_LEN] for i in range(len(text) - KEY_LEN + 1)]


def requirements(parsed: Any, flags: int) -> list[list[list[str]]] | None:
    """For each usable requirement, the 3-grams of each of its alternatives;
    None when the pattern cannot be keyed (it is then always a candidate)."""
    if parsed.state.flags & re.IGNORECASE and not flags & re.IGNORECASE:
        return None  # an inline (?i): the key index is case-sensitive
    fold = bool(flags & re.IGNORECASE)
    out = [
        [_grams(text.lower() if fold else text) for text in req]
        for req in _required(list(parsed))
        if len(req) <= _MAX_ALTERNATIVES and all(len(r) >= KEY_LEN for r in req)
    ]
    return out or None


def pick_keys(reqs: list[list[list[str]]], frequency: Counter[str]) -> set[str]:
    """The requirement whose rarest grams (across the whole index) are rarest."""
    best: tuple[int, set[str]] | None = None
    for req in reqs:
        keys = {min(grams, key=lambda g: (frequency[g], -grams.index(g))) for grams in req}
        cost = sum(frequency[k] for k in keys)
        if best is None or cost < best[0]:
            best = (cost, keys)
    assert best is not None
    return best[1]
