"""One RE2 automaton for every linear-time pattern of an action type.

A policy from a session compiles its regexes with RE2 (``goalrail.patterns.regex``).
Finding which branch of a combined alternation matched costs RE2's Python
binding time linear in the number of groups, so at 1,000 patterns the
alternation of :mod:`goalrail.patterns.compile` was slower than it should be.
An ``RE2::Set`` answers instead: one pass of one automaton over the target
returns every pattern that matches at its start, whatever their number, and
the first match is the lowest index among them.

A linear-time pattern joins the set as it is, with the flags it has in the
search the set replaces (``(?s:…)``, ``(?is:…)``), so its answer is exact.  A
Python ``re`` pattern (an operator's) joins as a *superset*: its parse tree is
written out in RE2 syntax with whatever RE2 cannot say exactly widened
(lookarounds and ``\\b`` dropped, a backreference any text, ``\\d`` or a
case-folded class any character); the set then names candidates and each one is
confirmed, lowest index first, by the pattern's own ``re`` regex.  A superset
never misses: every text the pattern matches, its widened form matches too.

RE2's Python binding cannot tell "no pattern matched" from "the automaton ran
out of memory", so a pattern that matches every text is added last: a set that
reports nothing has failed, and so has one handed a text RE2 cannot encode (a
lone surrogate); the caller then falls back to its other search.
"""

from __future__ import annotations

import re
import re._parser as _sre  # the public sre_parse alias warns on import
from collections.abc import Container
from typing import Any

import re2

from goalrail.patterns.regex import Matcher, to_re2_syntax

_ANY_CHAR = r"[\x{0}-\x{10FFFF}]"
_MAX_COUNT = 1000  # RE2's largest repeat count
#: Case-insensitive letters Python's ``re`` folds further than RE2 does (to ``İ``, ``ı``).
_EXTRA_FOLDS = {ord("i"): r"\x{130}\x{131}", ord("I"): r"\x{130}\x{131}"}

#: Upper bound for the set's program and its lazily built automaton (allocated as used).
_MAX_MEM = 64 << 20


def _options() -> re2.Options:
    opts = re2.Options()
    opts.log_errors = False
    opts.max_mem = _MAX_MEM
    return opts


def _char(code: int) -> str:
    return f"\\x{{{code:X}}}"


def _ascii_members(pattern: str) -> tuple[frozenset[int], frozenset[int]]:
    """The ASCII characters a class escape matches in Unicode or ASCII mode: (either, both)."""
    unicode, ascii = re.compile(pattern), re.compile(pattern, re.ASCII)
    either = frozenset(c for c in range(128) if unicode.fullmatch(chr(c)) or ascii.fullmatch(chr(c)))
    both = frozenset(c for c in range(128) if unicode.fullmatch(chr(c)) and ascii.fullmatch(chr(c)))
    return either, both


_CATEGORIES = {
    _sre.CATEGORY_DIGIT: _ascii_members(r"\d"),
    _sre.CATEGORY_NOT_DIGIT: _ascii_members(r"\D"),
    _sre.CATEGORY_SPACE: _ascii_members(r"\s"),
    _sre.CATEGORY_NOT_SPACE: _ascii_members(r"\S"),
    _sre.CATEGORY_WORD: _ascii_members(r"\w"),
    _sre.CATEGORY_NOT_WORD: _ascii_members(r"\W"),
}


def _class(items: list[tuple[Any, Any]], fold: bool) -> str:
    """A character class: its ASCII members exactly, and any character beyond ASCII.

    A class escape counts in whichever mode gives the wider class (``\\s`` holds
    ``\\x1c`` in Unicode mode only).  Under case folding, only a class of ASCII
    members that is not negated keeps its ASCII part (with both cases); any other
    widens to any character.
    """
    negate = bool(items) and items[0][0] is _sre.NEGATE
    members: set[int] = set()
    beyond = False
    for op, av in items:
        if op is _sre.LITERAL:
            if av < 128:
                members.add(av)
            beyond |= av >= 128
        elif op is _sre.RANGE:
            members.update(range(av[0], min(av[1], 127) + 1))
            beyond |= av[1] >= 128
        elif op is _sre.CATEGORY and av in _CATEGORIES:
            either, both = _CATEGORIES[av]
            members |= both if negate else either
            beyond = True
        elif op is not _sre.NEGATE:
            return _ANY_CHAR
    if fold:
        if negate or beyond:
            return _ANY_CHAR
        members |= {ord(chr(c).swapcase()) for c in members if chr(c).isalpha()}
    if negate:
        members = set(range(128)) - members
    return "[" + "".join(_char(c) for c in sorted(members)) + "\\x{80}-\\x{10FFFF}]"


def _literal(code: int, fold: bool) -> str:
    if not fold:
        return _char(code)
    if code < 128:
        return f"(?i:[{_char(code)}{_EXTRA_FOLDS.get(code, '')}])"
    return _ANY_CHAR  # a non-ASCII letter: any character rather than trust two case-folding tables


def _widen(items: Any, flags: int) -> str:
    """``items`` of a Python parse tree in RE2 syntax, matching at least what they match."""
    fold, dotall, multiline = bool(flags & re.IGNORECASE), bool(flags & re.DOTALL), bool(flags & re.MULTILINE)
    out: list[str] = []
    for op, av in items:
        if op is _sre.LITERAL:
            out.append(_literal(av, fold))
        elif op is _sre.NOT_LITERAL:
            out.append(_class([(_sre.NEGATE, None), (_sre.LITERAL, av)], fold))
        elif op is _sre.ANY:
            out.append(_ANY_CHAR if dotall else "[^\\n]")
        elif op is _sre.IN:
            out.append(_class(list(av), fold))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            lo, hi, sub = av
            inner = _widen(sub, flags)
            if lo > _MAX_COUNT or (hi is not _sre.MAXREPEAT and hi > _MAX_COUNT):
                out.append(f"(?:{inner})*")
            else:
                out.append(f"(?:{inner}){{{lo},{'' if hi is _sre.MAXREPEAT else hi}}}")
        elif op is _sre.SUBPATTERN:
            _group, add, remove, sub = av
            out.append(f"(?:{_widen(sub, (flags | add) & ~remove)})")
        elif op is _sre.ATOMIC_GROUP:
            out.append(f"(?:{_widen(av, flags)})")
        elif op is _sre.BRANCH:
            out.append("(?:" + "|".join(_widen(b, flags) for b in av[1]) + ")")
        elif op is _sre.GROUPREF_EXISTS:
            _group, yes, no = av
            out.append(f"(?:{_widen(yes, flags)}|{_widen(no, flags) if no is not None else ''})")
        elif op is _sre.GROUPREF:
            out.append(f"{_ANY_CHAR}*")
        elif op is _sre.AT:
            out.append(_anchor(av, multiline))
        elif op not in (_sre.ASSERT, _sre.ASSERT_NOT):
            raise ValueError(f"no RE2 form for {op}")
    return "".join(out)


def _anchor(at: Any, multiline: bool) -> str:
    """Start and end of text exactly (``$`` as Python reads it); line and word anchors dropped."""
    if multiline:
        return ""
    return {
        _sre.AT_BEGINNING: "^",
        _sre.AT_BEGINNING_STRING: "^",
        _sre.AT_END: "(?:\\n?\\z)",
        _sre.AT_END_STRING: "\\z",
    }.get(at, "")


def widened(pattern: str, flags: int) -> str:
    """A Python ``re`` pattern (compiled with ``flags``) as an RE2 pattern matching every
    text it matches; ValueError when there is none."""
    try:
        parsed = _sre.parse(pattern, flags)
    except re.error as exc:
        raise ValueError(str(exc)) from None
    return _widen(parsed, parsed.state.flags)


class SetIndex:
    """Every pattern of an action type that matches at the start of a target, in one pass."""

    __slots__ = ("_confirm", "_indices", "_set", "_size")

    def __init__(self, members: list[tuple[int, str, Matcher | None]]) -> None:
        """``members``: (entry index, RE2 pattern, None when exact or else the regex that
        confirms a candidate), in any order.  Raises ``re2.error`` when the set does not compile.
        """
        self._set = re2.Set.MatchSet(_options())
        self._indices: list[int] = []
        self._confirm: dict[int, Matcher] = {}
        for index, src, confirm in members:
            self._set.Add(src)
            self._indices.append(index)
            if confirm is not None:
                self._confirm[index] = confirm
        self._size = len(self._indices)
        self._set.Add("")  # matches every text: see the module doc
        self._set.Compile()

    def first(self, target: str, after: int) -> tuple[bool, int | None]:
        """``(answered, index)``: the lowest entry index above ``after`` whose pattern matches at
        the start of ``target`` (None: none does); ``answered`` False when the set failed."""
        try:
            found = self._set.Match(target)
        except UnicodeEncodeError:
            return False, None
        if not found:
            return False, None
        size, indices, confirm = self._size, self._indices, self._confirm
        hits = sorted(indices[i] for i in found if i < size and indices[i] > after)
        if not confirm:
            return True, hits[0] if hits else None
        for index in hits:
            check = confirm.get(index)
            if check is None or check.match(target) is not None:
                return True, index
        return True, None

    def matching(self, target: str, wanted: Container[int]) -> list[int] | None:
        """The entry indices in ``wanted`` whose patterns match at the start of ``target``, each
        confirmed (in no order); None when the set failed (the caller matches them one by one)."""
        try:
            found = self._set.Match(target)
        except UnicodeEncodeError:
            return None
        if not found:
            return None
        size, indices, confirm = self._size, self._indices, self._confirm
        out = []
        for i in found:
            if i < size and (index := indices[i]) in wanted:
                check = confirm.get(index)
                if check is None or check.match(target) is not None:
                    out.append(index)
        return out


def exact(pattern: str, dotall: bool, ignorecase: bool) -> str:
    """A linear-time pattern as a set member, with the flags it is matched with."""
    flags = ("i" if ignorecase else "") + ("s" if dotall else "")
    src = to_re2_syntax(pattern)
    return f"(?{flags}:{src})" if flags else f"(?:{src})"
