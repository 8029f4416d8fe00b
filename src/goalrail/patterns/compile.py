"""Compiling a policy's patterns into a fast first-match index per action type.

Patterns are ordered (CRITICAL denies first, then declaration order) and, per
action type, split in two:

* **anchored** patterns (not starting with ``.*``) go into ONE alternation,
  ``p0(?P<_g0>)|p1(?P<_g1>)|…``, run with ``re.match``: the alternation tries
  branches in order, so the first branch that matches is the first matching
  pattern.  The marker group sits at the END of each branch so branches keep
  their literal first character and the regex engine skips them cheaply.
* **unanchored** patterns (``.*sudo.*``, ``.*\\.pem$``) are "contains"
  rules; each is indexed by a 3-character key taken from a literal the target
  must contain (the key rarest across all such rules), so only candidates
  whose key occurs in the target are run.  Patterns without a
  required literal are always candidates.

The first match is the lowest index over both halves.  When a match does not
apply (a condition fails) the search resumes after it.
"""

from __future__ import annotations

import re
import re._parser as _sre_parse  # the public sre_parse alias warns on import
from collections import Counter
from collections.abc import Container, Iterable
from dataclasses import dataclass

import re2

from goalrail.patterns.conditions import CompiledConditions
from goalrail.patterns.keys import KEY_LEN, is_unanchored, pick_keys, requirements
from goalrail.patterns.model import Pattern, Severity, regex_flags
from goalrail.patterns.regex import LINEAR, Matcher, RegexRefused, compile_regex, to_re2_syntax
from goalrail.patterns.set_index import SetIndex, exact, widened
from goalrail.policies.schema import ACTION_TYPES

_NOT_EMBEDDABLE = re.compile(r"\(\?P[<=]|\\[1-9]|\(\?\(|\\g<")
#: Inline global flags at the start (``(?i)``, ``(?a)``, ``(?x)(?s)``…): scoped in a branch.
_LEADING_FLAGS = re.compile(r"^(?:\(\?[aiLmsux]+\))+")
#: Any inline flag group: the branch is checked to compile before it joins an alternation.
_INLINE_FLAGS = re.compile(r"\(\?[aiLmsux]")


@dataclass(slots=True)
class Entry:
    index: int
    pattern: Pattern
    conds: CompiledConditions | None


def order_patterns(patterns: Iterable[Pattern]) -> list[Pattern]:
    """Enabled patterns in evaluation order: CRITICAL denies first, then as declared."""
    enabled = [p for p in patterns if p.enabled]
    first = [p for p in enabled if p.action == "deny" and p.sev is Severity.CRITICAL]
    rest = [p for p in enabled if not (p.action == "deny" and p.sev is Severity.CRITICAL)]
    return first + rest


def _embed(src: str, engine: str | None) -> str | None:
    """The pattern as an alternation branch, or None when it cannot be embedded.

    Global flags are only allowed at the start of a whole regex, so leading ones
    become a scoped group (``(?a)x`` → ``(?a:x)``; a verbose pattern's trailing
    comment is closed by a newline).  Flags anywhere else (after a comment, in
    verbose whitespace) are caught by compiling the branch: a pattern that
    compiles alone but not as a branch is matched alone.
    """
    if _NOT_EMBEDDABLE.search(src):
        return None
    m = _LEADING_FLAGS.match(src)
    if m:
        letters = "".join(dict.fromkeys(c for c in m.group() if c.isalpha()))
        src = f"(?{letters}:{src[m.end() :]}{chr(10) if 'x' in letters else ''})"
    elif src.startswith("^"):
        src = src[1:]  # re.match is anchored already
    if _INLINE_FLAGS.search(src):
        try:
            compile_regex(f"(?:{src})", dotall=False, ignorecase=False, engine=engine)
        except ValueError:
            return None
    return src


class _Segment:
    """Consecutive anchored entries of one regex engine compiled as one
    alternation (lazily per start)."""

    __slots__ = ("engine", "entries", "flags", "indices", "rx", "single", "suffix")

    def __init__(self, entries: list[Entry], flags: int, single: bool) -> None:
        self.entries = entries
        self.indices = [e.index for e in entries]
        self.flags = flags
        self.single = single
        self.engine = entries[0].pattern.engine
        self.suffix: dict[int, Matcher] = {}
        self.rx = self._compile(0)

    def _compile(self, start: int) -> Matcher:
        if self.single:
            return _own_regex(self.entries[0].pattern, self.flags)
        parts = [f"(?:{self._branch(e.pattern)})(?P<_g{e.index}>)" for e in self.entries[start:]]
        return compile_regex(
            "|".join(parts),
            dotall=bool(self.flags & re.DOTALL),
            ignorecase=bool(self.flags & re.IGNORECASE),
            engine=self.engine,
        )

    def _branch(self, p: Pattern) -> str | None:
        src = _embed(p.pattern, self.engine)
        if src is not None and self.engine == LINEAR:
            # RE2 reads `$` by the whole regex: one branch's `(?m)` must not change another's `$`
            src = to_re2_syntax(src)
        return src

    def first(self, target: str, after: int) -> int | None:
        if self.indices[-1] <= after:
            return None
        start = 0
        if self.indices[0] <= after:
            start = next(k for k, i in enumerate(self.indices) if i > after)
        if start == 0:
            rx = self.rx
        else:
            found = self.suffix.get(start)
            if found is None:
                found = self.suffix[start] = self._compile(start)
            rx = found
        m = rx.match(target)
        if m is None:
            return None
        if self.single:
            return self.indices[0]
        if self.engine == LINEAR:  # RE2's lastgroup may name a user group ending at the same place
            return next(int(k[2:]) for k, v in m.groupdict().items() if k.startswith("_g") and v is not None)
        name = m.lastgroup
        assert name is not None
        return int(name[2:])


def _parsed_if_unanchored(src: str, flags: int) -> _sre_parse.SubPattern | None:
    """``src`` parsed when it starts with ``.*`` (a "contains" rule: :func:`is_unanchored`),
    else None; only a pattern whose text (after its leading flags) starts with ``.`` is parsed,
    since parsing a template's long command rules costs more than compiling them."""
    lead = _LEADING_FLAGS.match(src)
    if not src.startswith(".", lead.end() if lead else 0):
        return None
    try:
        parsed = _sre_parse.parse(src, flags)
    except re.error:
        return None
    return parsed if is_unanchored(parsed) else None


class TypeIndex:
    """First-match search over one action type's patterns."""

    __slots__ = ("_always", "_by_key", "_fold", "_own", "_segments", "_set", "_uses_keys", "entries")

    def __init__(self, entries: list[Entry], flags: int) -> None:
        self.entries = {e.index: e for e in entries}
        self._fold = bool(flags & re.IGNORECASE)
        self._segments: list[_Segment] = []
        self._always: list[int] = []
        self._by_key: dict[str, list[int]] = {}
        run: list[Entry] = []
        keyed: list[tuple[int, list[list[list[str]]]]] = []
        own: list[Entry] = []  # matched with their own flags (not the alternation's)
        for e in entries:
            parsed = _parsed_if_unanchored(e.pattern.pattern, flags)
            if parsed is not None:
                own.append(e)
                reqs = requirements(parsed, flags)
                if reqs is None:
                    self._always.append(e.index)
                else:
                    keyed.append((e.index, reqs))
                continue
            if run and run[-1].pattern.engine != e.pattern.engine:
                self._segments += self._segment(run, flags)
                run = []
            if _embed(e.pattern.pattern, e.pattern.engine) is None:
                own.append(e)
                if run:
                    self._segments += self._segment(run, flags)
                    run = []
                self._segments.append(_Segment([e], flags, single=True))
            else:
                run.append(e)
        if run:
            self._segments += self._segment(run, flags)
        self._own = {e.index: _own_regex(e.pattern, flags) for e in own}
        self._set = _automaton(entries, self._own, flags)
        # key each "contains" rule by the grams that are rarest across all of them
        frequency: Counter[str] = Counter(g for _, reqs in keyed for req in reqs for grams in req for g in set(grams))
        for index, reqs in keyed:
            for key in pick_keys(reqs, frequency):
                self._by_key.setdefault(key, []).append(index)
        self._uses_keys = bool(self._by_key)

    @staticmethod
    def _segment(run: list[Entry], flags: int) -> list[_Segment]:
        """``run`` as one alternation, or as two halves (each split again) where RE2 refuses the
        whole as too large for its memory budget (a template's many long command rules)."""
        try:
            return [_Segment(run, flags, single=False)]
        except RegexRefused:
            if len(run) < 2:
                raise
            half = len(run) // 2
            return TypeIndex._segment(run[:half], flags) + TypeIndex._segment(run[half:], flags)

    def first(self, target: str, after: int = -1) -> Entry | None:
        if self._set is not None:
            answered, hit = self._set.first(target, after)
            if answered:
                return self.entries[hit] if hit is not None else None
        best: int | None = None
        for seg in self._segments:
            hit = seg.first(target, after)
            if hit is not None:
                best = hit
                break
        if self._always or self._uses_keys:
            cands = [i for i in self._always if i > after and (best is None or i < best)]
            if self._uses_keys:
                text = target.lower() if self._fold else target
                if len(self._by_key) * 4 < len(text):
                    hits = (v for k, v in self._by_key.items() if k in text)
                else:
                    by_key = self._by_key
                    hits = (
                        by_key[text[j : j + KEY_LEN]]
                        for j in range(len(text) - KEY_LEN + 1)
                        if text[j : j + KEY_LEN] in by_key
                    )
                for idxs in hits:
                    cands.extend(i for i in idxs if i > after and (best is None or i < best))
            if cands:
                for i in sorted(set(cands)):
                    if self._own[i].match(target):
                        best = i
                        break
        return self.entries[best] if best is not None else None

    def matching(self, target: str, wanted: Container[int]) -> list[int] | None:
        """The indices in ``wanted`` of the entries matching at the start of ``target``, in one
        pass of the type's automaton; None without one (or when it failed)."""
        return None if self._set is None else self._set.matching(target, wanted)


def _own_regex(p: Pattern, flags: int) -> Matcher:
    """The pattern's regex with the flags of the type searched.

    A glob pattern (``*``, ``data*``) is compiled with its own type's flags; on a
    ``database_*`` action it must ignore case like the alternation it may sit in,
    whether it is matched there or alone (a "contains" rule, a backreference).
    """
    if regex_flags(p.action_type) == flags:
        return p._rx
    return compile_regex(
        p.pattern, dotall=bool(flags & re.DOTALL), ignorecase=bool(flags & re.IGNORECASE), engine=p.engine
    )


def _automaton(entries: list[Entry], own: dict[int, Matcher], flags: int) -> SetIndex | None:
    """One RE2 set over a type's patterns (see ``goalrail.patterns.set_index``).

    Each pattern is matched with the type's flags, as the search without the set
    matches it (in the alternation or alone).  RE2 patterns join as they are;
    Python ``re`` patterns widened, each confirmed by the regex the search without
    the set runs.  None when a pattern has no RE2 form or the set does not
    compile: the alternation and the keys then answer alone.
    """
    if not entries:
        return None
    members: list[tuple[int, str, Matcher | None]] = []
    try:
        for e in entries:
            p = e.pattern
            if p.engine == LINEAR:
                members.append((e.index, exact(p.pattern, bool(flags & re.DOTALL), bool(flags & re.IGNORECASE)), None))
                continue
            confirm = own[e.index] if e.index in own else _own_regex(p, flags)
            members.append((e.index, widened(p.pattern, flags), confirm))
        return SetIndex(members)
    except (re2.error, ValueError):
        return None


class CompiledPolicy:
    """Ordered patterns indexed per action type."""

    __slots__ = ("_globs", "_lazy", "by_type", "ordered")

    def __init__(self, patterns: Iterable[Pattern]) -> None:
        self.ordered = order_patterns(patterns)
        entries = [
            Entry(i, p, CompiledConditions(p.conditions, p.engine) if p.conditions else None)
            for i, p in enumerate(self.ordered)
        ]
        self._globs = [e for e in entries if e.pattern.action_type.endswith("*")]
        types = set(ACTION_TYPES) | {e.pattern.action_type for e in entries if not e.pattern.action_type.endswith("*")}
        self.by_type: dict[str, TypeIndex] = {}
        for t in types:
            idx = self._build(t, entries)
            if idx is not None:
                self.by_type[t] = idx
        self._lazy: dict[str, TypeIndex | None] = {}

    def _build(self, action_type: str, entries: list[Entry]) -> TypeIndex | None:
        mine = [e for e in entries if _type_matches(e.pattern.action_type, action_type)]
        return TypeIndex(mine, regex_flags(action_type)) if mine else None

    def index_for(self, action_type: str) -> TypeIndex | None:
        idx = self.by_type.get(action_type)
        if idx is not None or not self._globs or action_type in ACTION_TYPES or action_type == TOOL_CALL:
            return idx
        if action_type not in self._lazy and len(self._lazy) < 256:
            self._lazy[action_type] = self._build(action_type, self._globs)
        return self._lazy.get(action_type)


#: Tool calls with no Agent OS action type: matched by name, by explicit `tool_call` patterns only.
TOOL_CALL = "tool_call"


def _type_matches(spec: str, action_type: str) -> bool:
    if action_type == TOOL_CALL:
        return spec == TOOL_CALL
    if spec.endswith("*"):
        return action_type.startswith(spec[:-1])
    return spec == action_type
