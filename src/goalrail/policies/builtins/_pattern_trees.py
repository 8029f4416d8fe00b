"""A command that reads, writes or deletes a whole directory (``grep -r KEY ~``, ``tar -cf x ~``,
``find ~ -exec cat {} +``, ``docker run -v ~:/h``, ``rm -rf ~``) meets the file rules on the
files beneath it, which the line never names.

A ``deny`` rule reaches a directory ``D``'s files when its regex can match some path under
``D/`` (:func:`reaches`: the regex run over ``D/`` with any continuation allowed, lexically,
the way ``re.match`` reads a rule) — and

* the rule is *about a place* (it cannot match under any directory at all: ``~/\\.ssh/.*``,
  ``/home/[^/]+/\\.ssh/``, ``^/etc/shadow$``): ``D`` is above it (``grep -r x /etc`` under a rule
  on ``/etc/shadow``, ``tar -cf x.tar ~`` under one on ``~/.ssh/``);
* or the rule is *about a name* found anywhere (``.*\\.ssh/``, ``(.*/)?\\.env$``): ``D`` is a home
  directory or above one (``~``, ``~user``, ``/home``, ``/home/me``, ``/root``, ``/Users/me``,
  ``/``), where every user's dot-files and keys live.  A project directory (``grep -r foo
  src/``, ``tar -cf out.tar .``) is not read as holding them.

:func:`reaches` is decided on the rule's parsed regex, not on sample paths (which would miss a
rule's place, ``^/(etc|usr)(/.*)?$``, unless one happened to be tried): the regex is run over
``D/`` with any file name after it (and a mode change's ``:MODE`` after that, so a rule on
``path:MODE`` is met with the mode the command gives); what it cannot read (a look-around, a back
reference, a class it does not know) is taken to match.  It errs towards "reaches", never away.

What ``_pattern_files`` then answers depends on the act: a delete or mode change of every file
under ``D`` meets the rule as it stands (denied, or asked where the rule asks); an act on some of
them, known only at run time, is asked (SIGSTOP), as a wide glob is.  A rule that matches ``D/``
itself already decided the line as written, and so did a rule matching any path (``.*``, a
fallback).  An ``allow`` rule covering ``D``'s files is not weighed against the ``deny`` (fail
closed).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from functools import lru_cache
from types import ModuleType
from typing import cast

#: the standard library's regex parser (``re._parser``, ``re._constants``: Python 3.11+)
_sre: ModuleType = importlib.import_module("re._parser")
_c: ModuleType = importlib.import_module("re._constants")
#: a parsed regex: (operator, argument) pairs
_Items = Iterable[tuple[object, object]]

__all__ = ["above_home", "continues", "literal_words", "placed", "reaches", "tree_rules"]
__all__ += ["Items", "Run", "catch_all", "char_in", "sre_constants", "sre_parser"]

#: a path no rule about a place names: a rule matching under it is about a name
_NOWHERE = "/\x01nowhere\x01/"
_HOMES = re.compile(r"^(?:/|~[A-Za-z0-9._-]*|\$HOME|\$\{HOME\}|/home(?:/[^/]+)?|/Users(?:/[^/]+)?|/root)/?$")
_MAX_TEXT = 512


def above_home(path: str) -> bool:
    """``path`` is a home directory or above one (``~``, ``/home/me``, ``/``)."""
    return path == "" or _HOMES.match(path) is not None


def _char_in(items: _Items, ch: str, fold: bool) -> bool:
    found, negate = False, False
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            found = found or chr(cast(int, av)) == ch
        elif op is _c.RANGE:
            lo, hi = cast(tuple[int, int], av)
            found = found or lo <= ord(ch) <= hi
        elif op is _c.CATEGORY:
            name = str(av).lower()
            test = ch.isdigit() if "digit" in name else ch.isspace() if "space" in name else ch.isalnum() or ch == "_"
            found = found or (test != ("not" in name))
        else:
            found = True  # (something else: taken to match, so the rule may reach)
    if fold and not found and ch.lower() != ch.upper():
        return _char_in(items, ch.swapcase(), False) != negate
    return found != negate


class _Run:
    """The regex run over a directory's spelling ``text`` then any file name under it, then
    ``tail`` (a mode change's ``:MODE``): positions ``0..n`` are in ``text``, ``n + 1`` in the
    file name (a character of it, any one), ``n + 2 + j`` at ``tail[j]``."""

    __slots__ = ("end", "fold", "m", "n", "tail", "text")

    def __init__(self, text: str, fold: bool, tail: str = "") -> None:
        self.text, self.n, self.fold, self.tail, self.m = text, len(text), fold, tail, len(tail)
        self.end = self.n + 1 if not tail else self.n + 2 + self.m

    def one(self, at: set[int], test: object) -> set[int]:
        out: set[int] = set()
        n = self.n
        for p in at:
            if p < n:
                if test is True or (callable(test) and test(self.text[p])):
                    out.add(p + 1)
                continue
            if p <= n + 1:
                out.add(n + 1)  # (one more character of the file's name)
                if p == n + 1 and self.m and (test is True or (callable(test) and test(self.tail[0]))):
                    out.add(n + 3)
            elif p < self.end and (test is True or (callable(test) and test(self.tail[p - n - 2]))):
                out.add(p + 1)
        return out

    def seq(self, items: object, at: set[int], fold: bool) -> set[int]:
        for op, av in cast(_Items, items):
            if not at:
                return at
            at = self.item(op, av, at, fold)
        return at

    def item(self, op: object, av: object, at: set[int], fold: bool) -> set[int]:
        if op is _c.LITERAL or op is _c.NOT_LITERAL:
            want, negated = chr(cast(int, av)), op is _c.NOT_LITERAL

            def same(ch: str) -> bool:
                return (ch.lower() == want.lower() if fold else ch == want) != negated

            return self.one(at, same)
        if op is _c.ANY:
            return self.one(at, True)
        if op is _c.IN:
            return self.one(at, lambda ch: _char_in(cast(_Items, av), ch, fold))
        if op is _c.BRANCH:
            return set().union(*(self.seq(b, at, fold) for b in cast(tuple[object, list[object]], av)[1]))
        if op is _c.SUBPATTERN:
            _group, add, _drop, body = cast(tuple[object, int, int, object], av)
            return self.seq(body, at, fold or bool(add & re.IGNORECASE))
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            low, high, body = cast(tuple[int, int, object], av)
            for _ in range(min(low, self.end + 2)):
                at = self.seq(body, at, fold)
            out, new = set(at), set(at)
            for _ in range(min(high - low, self.end + 2)):
                new = self.seq(body, new, fold) - out
                if not new:
                    break
                out |= new
            return out
        if op is _c.AT:
            if av in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING):
                return {p for p in at if p == 0}
            if av in (_c.AT_END, _c.AT_END_STRING):
                return {p for p in at if p == self.end}  # (a file under the directory ends past it)
            return at
        if op is getattr(_c, "ATOMIC_GROUP", None):
            return self.seq(av, at, fold)
        return at | {self.n + 1, self.end}  # (a look-around, a back reference: taken to match)


class _Within(_Run):
    """:class:`_Run` that also tells whether a literal of the regex met a character of the
    directory's own spelling (before its last ``/``): a position ``p`` is held as ``p << 1 | met``.
    A run past that spelling that no literal met can no longer be (it is dropped: the file names
    every rule about a name matches are not walked)."""

    __slots__ = ("low",)

    def __init__(self, text: str, fold: bool, tail: str = "") -> None:
        super().__init__(text, fold, tail)
        self.low = text.lower()

    def one(self, at: set[int], test: object) -> set[int]:
        """A step of anything but a literal: it meets no character, so an unmet run past the
        directory's spelling is dropped."""
        out: set[int] = set()
        n, last = self.n, self.n - 1
        for e in at:
            p, met = e >> 1, e & 1
            if p < n:
                if (met or p + 1 < last) and (test is True or (callable(test) and test(self.text[p]))):
                    out.add((p + 1) << 1 | met)
            elif met:
                out |= {q << 1 | 1 for q in _Run.one(self, {p}, test)}
        return out

    def _literal(self, want: str, at: set[int], fold: bool) -> set[int]:
        text, want = (self.low, want.lower()) if fold else (self.text, want)
        out: set[int] = set()
        n, last = self.n, self.n - 1
        past = {e >> 1 for e in at if e >> 1 >= n and e & 1}
        for e in at:
            p = e >> 1
            if p < n and text[p] == want and (p < last or e & 1):
                out.add((p + 1) << 1 | 1)  # (the separator met by a literal counts only after one met)
        if past:  # (a run met before, in the file's name: as :class:`_Run` reads it)

            def same(ch: str) -> bool:
                return (ch.lower() if fold else ch) == want

            out |= {q << 1 | 1 for q in _Run.one(self, past, same)}
        return out

    def item(self, op: object, av: object, at: set[int], fold: bool) -> set[int]:
        if op is _c.AT:
            if av in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING):
                return {e for e in at if e >> 1 == 0}
            if av in (_c.AT_END, _c.AT_END_STRING):
                return {e for e in at if e >> 1 == self.end}
            return at
        if op is _c.LITERAL:
            return self._literal(chr(cast(int, av)), at, fold)
        if op in _READ_OPS:
            return _Run.item(self, op, av, at, fold)
        return at  # (a look-around, a back reference: taken as nothing)


#: the operators :class:`_Within` hands to :class:`_Run` as they are
_READ_OPS = (_c.NOT_LITERAL, _c.ANY, _c.IN, _c.BRANCH, _c.SUBPATTERN, _c.MAX_REPEAT, _c.MIN_REPEAT)
_READ_OPS += tuple(op for op in (getattr(_c, "POSSESSIVE_REPEAT", None), getattr(_c, "ATOMIC_GROUP", None)) if op)


@lru_cache(maxsize=4096)
def placed(pattern: str, directory: str, tail: str = "") -> bool:
    """Whether ``pattern`` matches some path under ``directory`` by the directory's own words: a
    literal of it meets a character of the directory's spelling (``\\.mozilla/firefox/[^/]+/logins\\.json``
    under ``~/.mozilla`` or ``~/.mozilla/firefox/x.default``, ``^~/\\.config/?$`` under ``~``), not only
    a file's name found anywhere (``.*\\.pem$`` under ``src``).  A pattern this cannot read is not."""
    text = directory.rstrip("/") + "/"
    if len(text) + len(tail) > _MAX_TEXT or (got := _parsed(pattern)) is None:
        return False
    parsed, fold = got
    return any(e & 1 for e in _Within(text, fold, tail).seq(parsed, {0}, fold))


@lru_cache(maxsize=4096)
def reaches(pattern: str, directory: str, tail: str = "") -> bool:
    """Whether ``pattern`` (``re.match``, anchored at the start) matches some path under
    ``directory`` (``directory/NAME``, then ``tail``: a mode change's ``:MODE``); a pattern this
    cannot read reaches every directory."""
    return continues(pattern, directory.rstrip("/") + "/", tail)


@lru_cache(maxsize=4096)
def continues(pattern: str, text: str, tail: str = "") -> bool:
    """Whether ``pattern`` (``re.match``) matches some text starting with ``text`` (a command's
    words before one known only at run time; ``text``, then at least one character, then ``tail``
    when one is given); a pattern this cannot read matches every one."""
    if len(text) + len(tail) > _MAX_TEXT or (got := _parsed(pattern)) is None:
        return True
    parsed, fold = got
    return bool(_Run(text, fold, tail).seq(parsed, {0}, fold))


@lru_cache(maxsize=256)
def _parsed(pattern: str) -> tuple[object, bool] | None:
    """``pattern`` parsed once (a line's every path asks each rule) and whether it ignores case;
    None when it cannot be read."""
    try:
        parsed = _sre.parse(pattern)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    return parsed, bool(parsed.state.flags & re.IGNORECASE)


#: what separates a regex's literal words: classes, escapes of kinds of characters, flag and
#: group openers, operators and unescaped anchors
_NOT_LITERAL = re.compile(
    r"\[(?:\\.|[^\]])*\]|\\[AbBdDsSwWZ]|\(\?(?:<?[=!]|P<\w+>|P=\w+\))|\(\?[aiLmsux]*(?:-[imsx]+)?[:)]?"
)
_LITERAL_WORD = re.compile(r"(?:\\.|[^\s()|*+?{}^$\[\].\\])+")
_ESCAPED = re.compile(r"\\(.)")


@lru_cache(maxsize=256)
def literal_words(pattern: str) -> tuple[str, ...]:
    """The words of literal text ``pattern`` spells (``git\\s+push\\s+.*(--force|-f)`` → ``git``,
    ``push``, ``--force``, ``-f``): what a rule needs a command's words to be."""
    text = _NOT_LITERAL.sub(" ", pattern)
    words = (_ESCAPED.sub(r"\1", w) for w in _LITERAL_WORD.findall(text))
    return tuple(dict.fromkeys(w for w in words if w.strip()))


@lru_cache(maxsize=256)
def _about_a_name(pattern: str, tail: str = "") -> bool:
    return reaches(pattern, _NOWHERE, tail)


@lru_cache(maxsize=256)
def _catch_all(pattern: str) -> bool:
    """A rule matching any path (``.*``: a policy's fallback) says of a directory's files what it
    says of the directory's own spelling, already judged."""
    try:
        return re.match(pattern, _NOWHERE + "\x02", re.DOTALL) is not None
    except (re.error, RecursionError, OverflowError):
        return False


def tree_rules(
    patterns: tuple[str, ...], spellings: tuple[str, ...], tail: str = "", outside: tuple[str, ...] = ()
) -> str | None:
    """The first of the ``deny`` ``patterns`` that reaches the files under a directory spelled
    ``spellings`` (as written and canonically; each file's spelling followed by ``tail``): a rule
    about a place below it, a rule about a name found anywhere when the directory is a home or
    above one, or one whose words name a place under a directory of ``outside`` (the spellings
    outside the workspace: :func:`placed`).  None when none does."""
    for pattern in patterns:
        if _catch_all(pattern):
            continue
        named = _about_a_name(pattern, tail)
        for spelled in spellings:
            if (not named or above_home(spelled.rstrip("/") or "/")) and reaches(pattern, spelled, tail):
                return pattern
            if named and spelled in outside and placed(pattern, spelled, tail):
                return pattern
    return None


#: the runner and the regex parser's parts ``_glob_rules`` runs a rule over a glob with
Run = _Run
catch_all = _catch_all
Items = _Items
char_in = _char_in
sre_parser: ModuleType = _sre
sre_constants: ModuleType = _c
