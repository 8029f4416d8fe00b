"""Whether a shell glob names a secret a rule *about a name* finds anywhere: ``cat ~/.aws/cred*``,
``cat ~/.docker/*.json``, ``cat .env*``, ``head ~/.git-credential*``, ``cat *.pem`` under
``strict_read_secrets`` (``.*(…|\\.aws/credentials|\\.docker/config\\.json|…)$``) or a user's
``.*\\.ssh/``.

Almost any glob *could* name such a file (``cat *.json`` → ``credentials.json``, ``cat src/*.py``
→ ``src/.env.py``), so :func:`name_meets` asks more than ``_glob_rules.glob_meets`` (which it asks
first): that the rule's match is *pinned* by what the glob spells, not supplied by its wildcards.
The rule's regex is run over the glob's tokens counting, in each path component, the characters
the glob's own text gives a regex item that spells them (a literal, a class of a few: pinned) and
those its wildcards give any item but a broad one (``.``, ``[^/]``: guessed; ``[a-z]`` guesses but
does not pin, so ``report-*.json`` is no GCP key ``[a-z][a-z0-9-]{4,28}…-[0-9a-f]{12}\\.json``); a
component whose wildcards guess more than its text pins is no match.  So ``.env*``, ``.e?v``,
``*.pem``, ``.git-credential*`` name their secret (the ``*`` takes nothing the rule spells, or
less than the text), ``*.json`` does not name ``credentials.json`` and ``src/*.py`` not ``.env.py``.

A component the rule spells (its text pinning two characters more than its wildcards guess, in
the same match: ``.aws`` of ``\\.aws/credentials``, ``.docker``, ``.ssh``, ``gh`` of
``gh/hosts\\.yml``) is a secret place: past its ``/`` the wildcards may guess the rest
(``~/.aws/*`` → ``~/.aws/credentials``, ``~/.kube/conf*``, ``find / -path '*/.aws/*'``), while
``~/.aws/config*`` names nothing the rules deny (``.aws`` met only by a ``.*`` there).  A rule
without ``$`` is met where its match stops.  A look-around or a back reference pins nothing (the
rule is left to what the glob's sureness says, as before), and so does a glob too long to run.
"""

from __future__ import annotations

from functools import lru_cache
from typing import cast

from goalrail.policies.builtins._glob_rules import CHAR_OPS as _CHARS
from goalrail.policies.builtins._glob_rules import ONE as _ONE
from goalrail.policies.builtins._glob_rules import GlobRun as _GlobRun
from goalrail.policies.builtins._glob_rules import frozen as _frozen
from goalrail.policies.builtins._glob_rules import glob_meets
from goalrail.policies.builtins._glob_rules import parsed_rule as _parsed
from goalrail.policies.builtins._glob_rules import takes as _takes
from goalrail.policies.builtins._glob_rules import tokens as _tokens
from goalrail.policies.builtins._pattern_trees import Items as _Items
from goalrail.policies.builtins._pattern_trees import sre_constants as _c

__all__ = ["name_meets"]

#: a component's balance of pinned over guessed characters kept from -_CAP to _CAP
_CAP = 24
_SPAN = 2 * _CAP + 1
#: the balance past a directory the rule spells (pinned by two characters or more): not counted again
_FREE = _SPAN
#: how many more characters a directory's text pins than its wildcards guess to free what follows
_PLACE = 2
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None))
_MAX_GLOB = 512


@lru_cache(maxsize=1024)
def _width(key: tuple[object, object, bool]) -> int:
    """How many characters a regex item takes (of the ones a wildcard is tried with)."""
    return sum(_takes(key, c) for c in _ONE)


#: an item taking at most this many characters spells them (a literal, `[._]`, `[-_]`, a folded letter)
_SPELLS = 4
#: an item taking nine tenths of them or more spells nothing (``.``, ``[^/]``, ``\\S``)
_BROAD = len(_ONE) * 9 // 10


class _PinnedRun(_GlobRun):
    """``_GlobRun`` whose state is (token position, balance): state ``q = b * k + p`` with
    ``b = balance + _CAP``.  A fixed ``/`` ends a component: kept only with a balance of 0 or
    more, which starts again at 0 — or, after a component the rule spells (``_PLACE``), is
    ``_FREE`` for the rest of the glob: a secret place's files, which its wildcards may guess."""

    __slots__ = ("k",)

    def __init__(self, toks: tuple[tuple[bool, str], ...], fold: bool) -> None:
        super().__init__(toks, fold)
        self.k = len(toks) + 1

    def close(self, at: set[int]) -> set[int]:
        out, stack = set(at), list(at)
        while stack:
            q = stack.pop()
            b, p = divmod(q, self.k)
            if p < self.end and self.toks[p][0] and (nxt := b * self.k + p + 1) not in out:
                out.add(nxt)
                stack.append(nxt)
        return out

    def item(self, op: object, av: object, at: set[int], fold: bool) -> set[int]:
        k, end = self.k, self.end
        if op is _c.AT:
            if av in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING):
                return self.close({q for q in at if q % k == 0})
            if av in (_c.AT_END, _c.AT_END_STRING):
                return {q for q in at if q % k == end}
            return at
        if op in _CHARS:
            return self._char((op, _frozen(av), fold), at)
        if op in _REPEATS:
            low, high, body = cast(tuple[int, int, object], av)
            bound = end * _SPAN + 2
            for _ in range(min(low, bound)):
                at = self.seq(body, at, fold)
            out, new = set(at), set(at)
            for _ in range(min(high - low, bound)):
                new = self.seq(body, new, fold) - out
                if not new:
                    break
                out |= new
            return out
        if op in (_c.BRANCH, _c.SUBPATTERN) or op is getattr(_c, "ATOMIC_GROUP", None):
            return super().item(op, av, at, fold)
        return set()  # (a look-around, a back reference: what it spells cannot be told, so nothing is pinned)

    def _char(self, key: tuple[object, object, bool], at: set[int]) -> set[int]:
        k, end = self.k, self.end
        width = _width(key)
        spelled, guessed = width <= _SPELLS, width < _BROAD  # (what the text pins; what a wildcard guesses)
        out: set[int] = set()
        for q in at:
            b, p = divmod(q, k)
            if p >= end:
                continue
            loops, chars = self.toks[p]
            if not _takes(key, chars):
                continue
            wild = loops or len(chars) > 1
            if b == _FREE:
                pass
            elif not wild and chars == "/":
                if b < _CAP:
                    continue  # (a component its wildcards guessed more of than it spelled)
                b = _FREE if b >= _CAP + _PLACE else _CAP
            elif guessed if wild else spelled:
                b = max(0, min(_SPAN - 1, b + (-1 if wild else 1)))
            out.add(b * k + (p if loops else p + 1))
        return self.close(out)


@lru_cache(maxsize=4096)
def _pinned(pattern: str, glob: str) -> bool:
    """Whether ``pattern`` matches a path ``glob`` names with each component pinned (module doc)."""
    if len(glob) > _MAX_GLOB or (parsed := _parsed(pattern)) is None:
        return False
    regex, fold = parsed
    run = _PinnedRun(_tokens(glob), fold)
    got = run.seq(cast(_Items, regex), run.close({_CAP * run.k}), fold)
    return any(q // run.k >= _CAP for q in got)  # (at the end, or where a rule without `$` stops)


@lru_cache(maxsize=4096)
def name_meets(pattern: str, glob: str) -> bool:
    """Whether the rule ``pattern`` (about a name: ``re.match``) is met by a path the glob
    ``glob`` names, pinned by the glob's text or under a secret place it spells (module doc)."""
    return glob_meets(pattern, glob) and _pinned(pattern, glob)
