"""Which commands' option spellings (``_option_spellings``) a policy's ``shell_execute`` rules
could tell from the command as written, decided before the spellings are made.

A spelling of ``tar -czf x src/`` (``tar --create --gzip --file=x src/``) holds the command's own
words, its program's words and long option names (:func:`vocabulary`), a cluster of its options'
letters (``-rf``), a letter with a value (``-Cdir``) and the values the spellings rewrite
(``777``, ``root``, signal numbers), joined by separators (a space, ``-``, ``=``, ``:``, ``+``,
quotes).  A rule matches a text only when the text holds one of the rule's *factors*
(:func:`factors`: literal runs every match holds, with what the rule says stands beside them:
``rm`` after a non-word character for ``.*\\brm\\s+-rf.*``, ``push`` for ``git\\s+push\\s+.*--force``);
each piece of a factor between separators lies in one such part of the spelling.  A program whose
vocabulary can hold every piece of a factor (with what stands beside it) gets its commands'
spellings; otherwise a command gets them when its own words or option letters hold the
remaining pieces.  So strict's one rule on ``rm``, ``sudo``, ``su``, ``chmod``, ``dd if=``…
tells nothing of ``tar -czf x src/``'s spellings, which are not made.  Where a rule cannot be read
this way (no factor: ``.*``, ``\\S+\\s+\\S+``; RE2 syntax ``re`` reads otherwise: ``[[:alpha:]]``,
``{,2}``; a non-ASCII factor) every command gets its spellings, and so does a command that is not
ASCII (RE2's case folding reads ``ſ`` as ``s``).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from functools import lru_cache
from types import ModuleType
from typing import cast

from goalrail.policies.builtins._option_spellings import NUMBERED, letters, vocabulary
from goalrail.policies.builtins._shell_readings import Options

__all__ = ["OptionRules", "factors", "option_rules"]

_sre: ModuleType = importlib.import_module("re._parser")
_c: ModuleType = importlib.import_module("re._constants")
#: a run between what separates the parts of a spelling (``\x01``: any of them, in a vocabulary's text)
_PIECE = re.compile(r"[^\s\-='\\:+\x01]+")
#: RE2 syntax ``re`` parses as something else (POSIX classes ``[:alpha:]`` inside a class, ``{,n}``
#: as a literal); a class that merely starts with a colon (``[:.]``) is no POSIX class
_OTHERWISE = re.compile(r"\[:\^?[a-z]+:\]|\{,")
#: what a regex says of the character beside a literal run: nothing, a ``\b``, a non-word one
#: or the text's edge
_NONE, _BOUNDARY, _APART = 0, 1, 2
_Items = Sequence[tuple[object, object]]
#: a literal run, and whether a non-word character (or the text's edge) stands before and after it
Factor = tuple[str, bool, bool]


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _nonword_class(av: object) -> bool:
    items = cast(list[tuple[object, object]], av)
    if items and items[0][0] is _c.NEGATE:
        return any(op is _c.CATEGORY and a is _c.CATEGORY_WORD for op, a in items[1:])
    nonword = (_c.CATEGORY_SPACE, _c.CATEGORY_NOT_WORD)
    return bool(items) and all(
        (op is _c.CATEGORY and a in nonword) or (op is _c.LITERAL and not _word(chr(cast(int, a)))) for op, a in items
    )


def _side(item: tuple[object, object], after: bool) -> int:
    """What ``item``, standing after a run (``after``) or before it, says of the character next
    to the run."""
    op, av = item
    if op is _c.AT:
        if av is _c.AT_BOUNDARY:
            return _BOUNDARY
        edges = (_c.AT_END, _c.AT_END_STRING) if after else (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING)
        return _APART if av in edges else _NONE
    if op is _c.LITERAL:
        return _NONE if _word(chr(cast(int, av))) else _APART
    if op is _c.IN:
        return _APART if _nonword_class(av) else _NONE
    body: _Items | None = None
    if op is _c.SUBPATTERN:
        body = cast(tuple[object, int, int, _Items], av)[3]
    elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and cast(tuple[int, int, object], av)[0] >= 1:
        body = cast(tuple[int, int, _Items], av)[2]
    elif op is _c.BRANCH:
        branches = cast(tuple[object, list[_Items]], av)[1]
        return min((_side(b[0] if after else b[-1], after) if b else _NONE for b in branches), default=_NONE)
    if not body:
        return _NONE
    return _side(body[0] if after else body[-1], after)


def _beside(side: int, ch: str) -> bool:
    return side == _APART or (side == _BOUNDARY and _word(ch))


def _best(found: list[frozenset[Factor]]) -> frozenset[Factor] | None:
    return max(found, key=lambda f: (min(len(t) for t, _b, _a in f), -len(f))) if found else None


def _cased(item: tuple[object, object]) -> tuple[object, object]:
    """A class of one letter in both cases (``[Rr]``) as that letter: factors compare in lower case."""
    op, av = item
    if op is _c.IN:
        members = cast(list[tuple[object, object]], av)
        if len(members) == 2 and all(o is _c.LITERAL for o, _a in members):
            a, b = (chr(cast(int, x)) for _o, x in members)
            if a != b and a.lower() == b.lower() and a.isascii():
                return (_c.LITERAL, ord(a.lower()))
    return item


def _seq(items: _Items, before: int, after: int) -> frozenset[Factor] | None:
    """Literal runs one of which every match of ``items`` holds (None: none known); ``before``
    and ``after``: what stands beside ``items`` (:func:`_side`)."""
    items = [_cased(item) for item in items]
    found: list[frozenset[Factor]] = []
    start = -1
    for k, (op, av) in enumerate([*items, (None, None)]):
        if op is _c.LITERAL:
            start = k if start < 0 else start
            continue
        if start >= 0:
            run = "".join(chr(cast(int, a)) for _o, a in items[start:k])
            left = _side(items[start - 1], False) if start else before
            right = _side(items[k], True) if k < len(items) else after
            found.append(frozenset(((run, _beside(left, run[0]), _beside(right, run[-1])),)))
            start = -1
        if op is None:
            break
        left = _side(items[k - 1], False) if k else before
        right = _side(items[k + 1], True) if k + 1 < len(items) else after
        part: frozenset[Factor] | None = None
        if op is _c.SUBPATTERN:
            part = _seq(cast(tuple[object, int, int, _Items], av)[3], left, right)
        elif op is _c.BRANCH:
            branches = [_seq(b, left, right) for b in cast(tuple[object, list[_Items]], av)[1]]
            part = (
                None
                if any(b is None for b in branches)
                else frozenset().union(*cast(list[frozenset[Factor]], branches))
            )
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            low, _high, body = cast(tuple[int, int, _Items], av)
            part = _seq(body, _NONE, _NONE) if low >= 1 else None
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            part = _seq(cast(_Items, av), left, right)
        if part is not None:
            found.append(part)
    return _best(found)


@lru_cache(maxsize=256)
def factors(pattern: str) -> frozenset[Factor] | None:
    """Lower-case literal runs one of which every text ``pattern`` matches holds (compared in
    lower case, so any case), each with whether a non-word character (or the text's edge)
    stands before and after it; None when this cannot tell."""
    if _OTHERWISE.search(pattern):
        return None
    try:
        found = _seq(_sre.parse(pattern), _NONE, _NONE)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    if found is None or not all(t.isascii() for t, _b, _a in found):
        return None
    return frozenset((t.lower(), b, a) for t, b, a in found)


def _pieces(factor: Factor) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """``factor``'s pieces between separators, each with a regex finding it in a vocabulary's
    text with what the factor says stands beside it (``\\x01`` there: any separator)."""
    text, before, after = factor
    out = []
    for m in _PIECE.finditer(text):
        s, e = m.span()
        left = f"(?<=[{re.escape(text[s - 1])}\x01])" if s else "(?<![0-9a-z_])" if before else ""
        right = f"(?=[{re.escape(text[e])}\x01])" if e < len(text) else "(?![0-9a-z_])" if after else ""
        out.append((m.group(), re.compile(left + re.escape(m.group()) + right)))
    return tuple(out)


class _Left:
    """The pieces of a policy's factors a program's spellings can hold only from a command: the
    factors of one piece (found in the command's text in one search, and by their first letter
    among its option letters) and those of several."""

    __slots__ = ("by_first", "multi", "search")

    def __init__(self, left: list[tuple[str, ...]]) -> None:
        single = sorted({p[0] for p in left if len(p) == 1}, key=lambda p: (-len(p), p))
        self.search = re.compile("|".join(map(re.escape, single))).search if single else None
        by_first: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for piece in single:
            by_first.setdefault(piece[0], []).append((piece, frozenset(piece)))
        self.by_first = by_first
        self.multi = tuple(p for p in left if len(p) > 1)


class OptionRules:
    """For one policy's ``shell_execute`` rules that deny or warn: whether a command's option
    spellings could meet one (:meth:`wanted`)."""

    __slots__ = ("_every", "_factors", "_programs")

    def __init__(self, patterns: tuple[str, ...]) -> None:
        found = [factors(p) for p in patterns]
        self._every = any(f is None for f in found)
        self._factors = tuple(_pieces(f) for fs in found if fs is not None for f in sorted(fs))
        self._programs: dict[str, _Left | None] = {}

    def _left(self, name: str) -> _Left | None:
        """The factors' pieces a spelling of ``name`` can hold only from its command (None: a
        factor its vocabulary holds whole); decided once per program."""
        if name in self._programs:
            return self._programs[name]
        known = "\x01" + "\x01".join(vocabulary(name)) + "\x01"
        digits = name in NUMBERED
        left: list[tuple[str, ...]] = []
        for pieces in self._factors:
            rest = tuple(p for p, rx in pieces if not (rx.search(known) or (digits and p.isdigit())))
            if not rest:
                self._programs[name] = None
                return None
            left.append(rest)
        self._programs[name] = found = _Left(left)
        return found

    def wanted(self, options: Options) -> bool:
        """Whether a rule could match a spelling of the command ``options`` stands for: one of
        its factors whose pieces each lie in the program's :func:`vocabulary`, in the command as
        written, in a cluster of the command's option :func:`letters`, or in one of them
        followed by a value."""
        if self._every or not options.plain.isascii():
            return True
        left = self._left(options.name)
        if left is None:
            return True
        text = options.plain.lower()
        if left.search is not None and left.search(text):
            return True
        have = letters(options.name, options.words).lower()
        if have:
            chars = frozenset(have)
            for c in chars:
                for piece, needs in left.by_first.get(c, ()):
                    if needs <= chars or piece[1:] in text:  # (a cluster; a letter and its value)
                        return True
        return any(all(_holds(p, text, have) for p in pieces) for pieces in left.multi)


def _holds(piece: str, text: str, have: str) -> bool:
    return piece in text or all(c in have for c in piece) or (piece[0] in have and piece[1:] in text)


@lru_cache(maxsize=64)
def option_rules(patterns: tuple[str, ...]) -> OptionRules:
    """:class:`OptionRules` for a policy's ``shell_execute`` rules that deny or warn (their regexes)."""
    return OptionRules(patterns)
