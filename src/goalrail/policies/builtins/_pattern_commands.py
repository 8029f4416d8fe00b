"""A shell line judged by the ``shell_execute`` rules that deny or warn, on every command it runs
as the shell reads it (``_shell_readings``): each reading a rule matches is decided, a command
with words known only at run time is asked where a rule naming its program denies some value of
them, and a line whose commands cannot be told is asked.  The readings a policy's rules match are
kept per line (``FileKinds.hits``) and found in one pass of the type's automaton when it has one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from goalrail.patterns.conditions import ActionFacts, RateLookup
from goalrail.patterns.model import EvaluationResult, Pattern
from goalrail.patterns.policy import Policy
from goalrail.policies.builtins._option_rules import OptionRules, option_rules
from goalrail.policies.builtins._pattern_files import SHELL, Hits, asked, denials
from goalrail.policies.builtins._pattern_trees import continues, literal_words
from goalrail.policies.builtins._pattern_verdicts import final, stricter
from goalrail.policies.builtins._shell import CACHE_MAX_CHARS
from goalrail.policies.builtins._shell_readings import Holes, line_readings

__all__ = ["shell_commands"]

#: lines whose matching readings a checker keeps (:meth:`FileKinds.hits`)
_MEMO_LINES = 1024
#: a command no rule names: a rule matching after it finds its words anywhere on the line
_NO_PROGRAM = "\x01nowhere\x01 "
#: the literal words of a rule tried in a command's run-time words, at most
_MAX_VALUES = 32
#: an expansion in a word as the shell left it (its quotes are gone: ``_shell_readings._word``)
_EXPANSION = re.compile(r"\$\{[^}]*\}|\$[A-Za-z_]\w*|\$.|`")
#: the variables whose value is a directory's path, never split (the shell's own)
_PATHS = frozenset(("$PWD", "${PWD}", "$OLDPWD", "${OLDPWD}", "$HOME", "${HOME}"))


def shell_commands(
    policy: Policy,
    guards: tuple[Pattern, ...],
    res: EvaluationResult,
    lines: Iterable[str],
    facts: ActionFacts,
    rate: RateLookup,
    memo: Hits | None = None,
    guard_ids: dict[int, str | None] | None = None,
) -> EvaluationResult:
    """``res`` made stricter by the ``shell_execute`` patterns that deny or warn about a command
    the line runs, as the shell reads it (``_shell_readings``), and asked when what the line runs
    cannot be told (only for a policy with such a pattern, ``guards``: :meth:`FileKinds.commands`;
    a reading none of them matches is not decided, since only they can make it stricter)."""
    # The rules that decided the line or a reading: a reading only they meet would tie (a rule's
    # verdict does not depend on the text it met), so it is not matched again (a command's
    # spellings of its options, `_option_spellings`, are met by the same rule).
    fired = {res.pattern_id} if res.matched and res.action != "allow" else set()
    told: OptionRules | None = None
    for line in lines:
        if type(line) is not str:
            continue
        read = line_readings(line)
        opened, unresolved = read.holes, read.unresolved
        hits = memo.get(line) if memo is not None else None
        if hits is None:
            # (option spellings only of the commands whose spellings a rule could tell apart)
            told = told or option_rules(tuple(g.pattern for g in guards))
            spelled = read.told(told.wanted)
            hits = tuple((r, m) for r in spelled if (m := _matched(policy, guards, guard_ids, r)))
            if memo is not None and len(line) <= CACHE_MAX_CHARS:
                if len(memo) >= _MEMO_LINES:
                    memo.clear()
                memo[line] = hits
        for reading, ids in hits:
            if ids <= fired:
                continue
            found = policy.decide(SHELL, reading, facts, rate)
            if found.matched and found.action != "allow":
                fired.add(found.pattern_id)
                note = f"{found.reason} (a command the line runs, as the shell reads it)"
                res = stricter(res, replace(found, reason=note))
                if final(res):
                    return res
        if opened and _open_ended(policy, opened, facts, rate):
            why = "a command the line runs has a word known only at run time where its shell_execute rules deny some"
            res = stricter(res, asked(policy, why))
        if unresolved and any(g.action == "deny" for g in guards):
            why = (
                "the line runs commands its analysis cannot resolve (a program named at run time, "
                "code built from strings), which its shell_execute rules cannot tell apart"
            )
            res = stricter(res, asked(policy, why))
    return res


def _matched(
    policy: Policy, guards: tuple[Pattern, ...], ids: dict[int, str | None] | None, reading: str
) -> frozenset[str | None]:
    """The ids of the ``guards`` matching ``reading``: in one pass of the type's automaton when
    the policy has one (``ids``: the guards by entry index), else one regex at a time."""
    index = policy.compiled().index_for(SHELL) if ids else None
    found = index.matching(reading, ids) if index is not None and ids else None
    if found is None:
        return frozenset(g.id for g in guards if g.matches(reading))
    return frozenset(ids[i] for i in found) if ids else frozenset()


def _open_ended(policy: Policy, holes: tuple[Holes, ...], facts: ActionFacts, rate: RateLookup) -> bool:
    """Whether a ``deny`` rule that names the program (one that cannot match after any other:
    not ``.*rm -rf.*``, which the reading as written already met) denies a command with words
    known only at run time for some value of them: each literal word of the rule written in
    their place (``git $p --force`` read as ``git push --force``)."""
    for pattern in denials(policy, SHELL):
        if continues(pattern, _NO_PROGRAM):
            continue
        for words, places in holes:
            if not continues(pattern, " ".join(words[: places[0]]) + " "):
                continue
            for value in literal_words(pattern)[:_MAX_VALUES]:
                filled = [_filled(w, value) if i in places else w for i, w in enumerate(words)]
                found = policy.decide(SHELL, " ".join(filled), facts, rate)
                if found.matched and not found.allowed:
                    return True
    return False


def _filled(word: str, value: str) -> str:
    """``word`` with ``value`` for what is known of it only at run time: in place of the shell's
    own directory variables (``$PWD/out:/out`` is ``VALUE/out:/out``: a path never splits into
    words), else the whole word (an unquoted ``$ARGS`` or a command substitution may become any
    words, and the word's quotes are no longer known here)."""
    expansions = _EXPANSION.findall(word)
    if not expansions or any(e not in _PATHS for e in expansions):
        return value
    return _EXPANSION.sub(lambda _: value, word)
