"""Whether a shell glob may name a path a file rule matches: ``rm -rf /srv/goal*``,
``cat /*/shadow``, ``echo x > /srv/goal*/policies/a.yaml`` under rules on ``/srv/goalrail`` and
``/etc/shadow``.

The rule's parsed regex (``re.match``, anchored at the start) is run over the glob itself
(:func:`glob_meets`), the way ``_pattern_trees`` runs it over a directory and any name under it:
a literal character is itself; ``?`` and a bracket expression (``[g]``, ``[!x]``, ``[[:alpha:]]``)
are one character of theirs, ``/`` excepted; ``*`` and an extglob group (``@(a|b)``, ``+(x)``,
``!(x)``) are any run of characters without ``/``; ``**`` (``globstar``) any run at all, and
``**/`` also none (``~/.claude/**/settings.json`` names ``~/.claude/settings.json``).  The
shell's rules are read conservatively: a wildcard may match a leading ``.`` (``shopt -s
dotglob``), a bracket expression any character it could hold (a character class: any), and a
regex construct the run cannot read is taken to match.  It errs towards "may name", never away.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import cast

from goalrail.policies.builtins._pattern_trees import Items as _Items
from goalrail.policies.builtins._pattern_trees import Run as _Run
from goalrail.policies.builtins._pattern_trees import char_in as _char_in
from goalrail.policies.builtins._pattern_trees import sre_constants as _c
from goalrail.policies.builtins._pattern_trees import sre_parser as _sre

__all__ = ["WILD", "glob_meets", "is_glob"]
__all__ += ["CHAR_OPS", "ONE", "GlobRun", "frozen", "parsed_rule", "takes"]

#: a word holding a glob's wildcard (a brace list is expanded before)
WILD = re.compile(r"[*?\[]|[+@!]\(")
#: the characters a wildcard is tried with: printable ASCII, a control and a non-ASCII one (not ``/``)
_ONE = "".join(chr(c) for c in range(0x20, 0x7F) if c != 0x2F) + "\x01\xe9"
_EVERY = _ONE + "/"
_MAX_GLOB = 1024
_EXTGLOB = "?*+@!"
#: a token: (may repeat, the characters it may be)
_Token = tuple[bool, str]


def is_glob(path: str) -> bool:
    """A path holding a glob's wildcard and nothing known only at run time (``$``, a backtick)."""
    return WILD.search(path) is not None and "$" not in path and "`" not in path


def _bracket(glob: str, i: int) -> tuple[str, int] | None:
    """The characters of the bracket expression opening at ``glob[i]`` and the index past it."""
    j = i + 1
    negate = glob[j : j + 1] in ("!", "^")
    j += negate
    start = j
    if glob[j : j + 1] == "]":
        j += 1
    while j < len(glob) and glob[j] != "]":
        mark = glob[j + 1 : j + 2] if glob[j] == "[" else ""
        close = glob.find(mark + "]", j + 2) if mark in (":", "=", ".") else -1
        j = close + 2 if close >= 0 else j + 1  # (`[:alpha:]` inside: past its `:]`)
    if j >= len(glob):
        return None
    body = glob[start:j]
    if "[:" in body or "[=" in body or "[." in body or "\\" in body:
        chars = _ONE  # (a class, an equivalence, an escape: any character)
    else:
        got: set[str] = set()
        k = 0
        while k < len(body):
            if k + 2 < len(body) and body[k + 1] == "-":
                lo, hi = ord(body[k]), ord(body[k + 2])
                got.update(chr(c) for c in range(lo, min(hi, lo + 512) + 1))
                k += 3
            else:
                got.add(body[k])
                k += 1
        chars = "".join(c for c in _ONE if c not in got) if negate else "".join(sorted(got - {"/"}))
    return chars or _ONE, j + 1


def _group_end(glob: str, i: int) -> int | None:
    """The index of the ``)`` closing the extglob group whose ``(`` is ``glob[i]``."""
    depth = 0
    for j in range(i, len(glob)):
        depth += {"(": 1, ")": -1}.get(glob[j], 0)
        if depth == 0:
            return j
    return None


def tokens(glob: str) -> tuple[_Token, ...]:
    """The glob read as tokens (see the module doc)."""
    out: list[_Token] = []
    i, n = 0, len(glob)
    while i < n:
        ch = glob[i]
        if ch == "\\" and i + 1 < n:
            out.append((False, glob[i + 1]))
            i += 2
            continue
        if ch in _EXTGLOB and glob[i + 1 : i + 2] == "(" and (end := _group_end(glob, i + 1)) is not None:
            out.append((True, _ONE))
            i = end + 1
            continue
        if ch == "*":
            j = i
            while j < n and glob[j] == "*":
                j += 1
            if j - i > 1 and glob[j : j + 1] == "/" and (i == 0 or glob[i - 1] == "/"):
                j += 1  # `**/` may be no directory at all (globstar, zsh): `a/**/b` names `a/b`
            out.append((True, _EVERY if j - i > 1 else _ONE))
            i = j
            continue
        if ch == "?":
            out.append((False, _ONE))
        elif ch == "[" and (found := _bracket(glob, i)) is not None:
            out.append((False, found[0]))
            i = found[1]
            continue
        else:
            out.append((False, ch))
        i += 1
    return tuple(out)


class _GlobRun(_Run):
    """``_Run`` over a glob's tokens: position ``p`` is before token ``p``; a repeating token
    keeps its position as it takes a character, and may be passed without one."""

    __slots__ = ("toks",)

    def __init__(self, toks: tuple[_Token, ...], fold: bool) -> None:
        super().__init__("", fold)
        self.toks = toks
        self.n = len(toks) - 1  # (``_Run``'s reading of what it cannot read: the end, ``n + 1``)
        self.end = len(toks)

    def close(self, at: set[int]) -> set[int]:
        out, stack = set(at), list(at)
        while stack:
            p = stack.pop()
            if p < self.end and self.toks[p][0] and p + 1 not in out:
                out.add(p + 1)
                stack.append(p + 1)
        return out

    def one(self, at: set[int], test: object) -> set[int]:
        out: set[int] = set()
        for p in at:
            if p >= self.end:
                continue
            loops, chars = self.toks[p]
            if test is True or (callable(test) and any(test(c) for c in chars)):
                out.add(p if loops else p + 1)
        return self.close(out)

    def item(self, op: object, av: object, at: set[int], fold: bool) -> set[int]:
        if op is _c.AT and av in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING):
            return self.close({0}) if 0 in at else set()
        if op in _CHARS:  # (one character: whether some of a token's is taken, known once per token kind)
            key = (op, _frozen(av), fold)
            out: set[int] = set()
            for p in at:
                if p < self.end and _takes(key, (loops := self.toks[p])[1]):
                    out.add(p if loops[0] else p + 1)
            return self.close(out)
        return super().item(op, av, at, fold)


_CHARS = (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN)


def _frozen(av: object) -> object:
    return tuple(_frozen(x) for x in av) if isinstance(av, list | tuple) else av


@lru_cache(maxsize=8192)
def _takes(key: tuple[object, object, bool], chars: str) -> bool:
    """Whether the regex item ``key`` (operator, argument, case folding) takes some of ``chars``."""
    op, av, fold = key
    if op is _c.ANY:
        return any(c != "\n" for c in chars)
    if op is _c.IN:
        return any(_char_in(cast(_Items, av), c, fold) for c in chars)
    want = chr(cast(int, av))
    if op is _c.LITERAL:
        return want in chars or (fold and (want.lower() in chars or want.upper() in chars))
    return any(c != want and not (fold and c.lower() == want.lower()) for c in chars)


@lru_cache(maxsize=256)
def _parsed(pattern: str) -> tuple[object, bool] | None:
    """The rule's parsed regex, read only, and whether it folds case (None: one the parser refuses)."""
    try:
        return _sre.parse(pattern), bool(re.compile(pattern).flags & re.IGNORECASE)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None


@lru_cache(maxsize=4096)
def glob_meets(pattern: str, glob: str, tail: str = "", under: bool = False) -> bool:
    """Whether ``pattern`` (``re.match``) matches some path the glob ``glob`` may name, followed
    by ``tail`` (a mode change's ``:MODE``); with ``under``, some path beneath one it names too.
    A pattern this cannot read, or a glob too long to run, may be met."""
    if len(glob) + len(tail) > _MAX_GLOB or (parsed := _parsed(pattern)) is None:
        return True
    toks = tokens(glob.rstrip("/") + "/**" if under else glob) + tuple((False, c) for c in tail)
    regex, fold = parsed
    run = _GlobRun(toks, fold)
    return bool(run.seq(cast(_Items, regex), run.close({0}), fold))


#: the runner and its parts ``_glob_names`` counts a rule's pinned characters with
GlobRun = _GlobRun
CHAR_OPS = _CHARS
ONE = _ONE
frozen = _frozen
parsed_rule = _parsed
takes = _takes
