"""What a policy's file rules say of a path handed to a program Goalrail does not know
(``mytool .env``, ``mytool ~/.claude/settings.json``): asked where a ``file_read`` rule denies it
or the guard's own write rule does (``<prefix>_guard_write``), and whether only ``allow`` rules
can match a path (:func:`only_allowed`, one pass of the type's RE2 set)."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from goalrail.patterns.compile import TypeIndex
from goalrail.patterns.conditions import ActionFacts, RateLookup
from goalrail.patterns.model import EvaluationResult
from goalrail.patterns.policy import Policy
from goalrail.policies.builtins._pattern_globs import asked
from goalrail.policies.builtins._pattern_verdicts import stricter
from goalrail.policies.path_spellings import canonical_path

__all__ = ["handed", "only_allowed"]


@lru_cache(maxsize=64)
def _restricting(index: TypeIndex) -> frozenset[int]:
    """The entries of a type's index whose rule is not ``allow`` (deny, warn: may make a result stricter)."""
    return frozenset(e.index for e in index.entries.values() if e.pattern.action != "allow")


def only_allowed(policy: Policy, kind: str, target: str) -> bool:
    """Whether no rule of ``kind`` but an ``allow`` rule matches ``target``, in one pass of the
    type's RE2 set over the others (``TypeIndex.matching``): ``decide`` could then only allow or
    match nothing.  False when the set cannot tell (the caller decides)."""
    index = policy.compiled().index_for(kind)
    if index is None or not (wanted := _restricting(index)):
        return True
    return index.matching(target, wanted) == []


def handed(
    policy: Policy,
    res: EvaluationResult,
    path: str,
    program: str,
    facts: ActionFacts,
    rate: RateLookup,
    base: object,
    seen: set[str],
) -> EvaluationResult:
    """``res`` made stricter when a program Goalrail does not know (``mytool .env``) is handed a
    path the policy's ``file_read`` rules deny, or its guard's write rule (``mytool
    ~/.claude/settings.json``): asked (SIGSTOP), naming the rule, since what the program does with
    it (read it, send it, write it) cannot be told."""
    if isinstance(base, str) and base[:1] == "~" and path[:1] not in ("/", "~"):
        path = f"{base.rstrip('/')}/{path}"
    canonical = canonical_path(path, base)
    for spelled in (path, canonical) if canonical is not None else (path,):
        if (key := f"handed {spelled}") in seen:
            continue
        seen.add(key)
        found = None if only_allowed(policy, "file_read", spelled) else policy.decide("file_read", spelled, facts, rate)
        verb = "reading"
        if found is None or not found.matched or found.allowed:
            found, verb = _guard_write(policy, spelled), "writing"
        if found is not None:
            why = (
                f"`{program[:60]}`, a program Goalrail does not know, is handed `{spelled[:120]}`, which "
                f"rule `{found.pattern_id}` forbids {verb} ({found.message or found.reason})"
            )
            return stricter(res, replace(asked(policy, why), pattern_id=found.pattern_id, severity=found.severity))
    return res


@lru_cache(maxsize=64)
def _guard_entries(index: TypeIndex) -> frozenset[int]:
    """The entries of the ``file_write`` index that are the guard's (``<prefix>_guard_write``)."""
    return frozenset(
        e.index
        for e in index.entries.values()
        if e.pattern.action == "deny" and (e.pattern.id or "").endswith("_guard_write")
    )


def _guard_write(policy: Policy, target: str) -> EvaluationResult | None:
    """The guard's write rule ``target`` meets, as a result (one pass of the type's RE2 set)."""
    index = policy.compiled().index_for("file_write")
    if index is None or not (wanted := _guard_entries(index)):
        return None
    hits = index.matching(target, wanted)
    if hits is None:  # (the set cannot tell: each rule's own regex)
        hits = [i for i in sorted(wanted) if index.entries[i].pattern.matches(target)]
    if not hits:
        return None
    rule = index.entries[min(hits)].pattern
    reason = rule.message or f"rule `{rule.id}`"
    return EvaluationResult(False, "deny", reason, rule.id, rule.sev, message=rule.message, matched=True)
