"""Merging two policies (``Policy.merge``).

Two patterns conflict when they share an id, or an action type and regex.
Strategies:

* ``strict`` — a conflict keeps the more restrictive pattern (deny > warn >
  allow, then higher severity, then harsher violation mode); the merged list
  is ordered deny → warn → allow so that, under first match, the most
  restrictive matching rule wins.  Default action and violation mode: the
  stricter; exceptions: only those both policies grant.
* ``permissive`` — the mirror image: allow → warn → deny, the looser default,
  the milder mode, the union of exceptions.
* ``override`` — the second policy wins conflicts and its patterns come first;
  its default action and violation mode win.
* ``custom`` — ``conflict_resolver(pattern1, pattern2)`` returns the pattern to
  keep; order, default and mode are the first policy's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from goalrail.patterns.model import MODE_RANK, RESTRICTIVENESS, Pattern, PolicyException

if TYPE_CHECKING:
    from goalrail.patterns.policy import Policy

STRATEGIES = ("strict", "permissive", "override", "custom")
Resolver = Callable[[Pattern, Pattern], Pattern]


def _strictness(p: Pattern) -> tuple[int, int, int]:
    mode = p.mode
    return RESTRICTIVENESS[p.action], int(p.sev), MODE_RANK[mode] if mode is not None else -1


def _enabled_copies(policy: Policy) -> list[Pattern]:
    return [p.copy() for p in policy.all_patterns() if policy.is_enabled(p.pid)]


def _same(e: PolicyException, f: PolicyException) -> bool:
    return (e.agent_pattern, sorted(e.patterns), str(e.expires)) == (
        f.agent_pattern,
        sorted(f.patterns),
        str(f.expires),
    )


def merge_policies(
    first: Policy,
    second: Policy,
    strategy: str = "strict",
    conflict_resolver: Resolver | None = None,
    *,
    make: Callable[..., Any],
) -> Policy:
    """The merged policy, built by ``make`` (the ``Policy`` class: this module never imports it)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"merge strategy `{strategy}` is not one of {', '.join(STRATEGIES)}")
    if strategy == "custom" and conflict_resolver is None:
        raise ValueError("merge strategy `custom` needs a conflict_resolver(pattern1, pattern2)")
    mine, theirs = _enabled_copies(first), _enabled_copies(second)
    if strategy == "override":
        base, incoming = theirs, mine
    else:
        base, incoming = mine, theirs
    merged: list[Pattern] = list(base)
    by_id = {p.pid: i for i, p in enumerate(merged)}
    by_rule = {(p.action_type, p.pattern): i for i, p in enumerate(merged)}
    for p in incoming:
        i = by_id.get(p.pid, by_rule.get((p.action_type, p.pattern)))
        if i is None:
            by_id[p.pid] = by_rule[(p.action_type, p.pattern)] = len(merged)
            merged.append(p)
            continue
        current = merged[i]
        if strategy == "strict":
            keep = p if _strictness(p) > _strictness(current) else current
        elif strategy == "permissive":
            keep = p if _strictness(p) < _strictness(current) else current
        elif strategy == "override":
            keep = current  # the second policy's pattern is already in place
        else:
            assert conflict_resolver is not None
            # resolver sees (first policy's pattern, second policy's pattern)
            keep = conflict_resolver(current, p)
            if not isinstance(keep, Pattern):
                raise ValueError("conflict_resolver must return a Pattern")
        if keep.pid != current.pid and keep.pid in by_id and by_id[keep.pid] != i:
            continue  # keeping it would duplicate an id elsewhere: leave the current one
        merged[i] = keep
        by_id[keep.pid] = i
    if strategy == "strict":
        merged.sort(key=lambda q: -RESTRICTIVENESS[q.action])
    elif strategy == "permissive":
        merged.sort(key=lambda q: RESTRICTIVENESS[q.action])

    a_default, b_default = first.default_action, second.default_action
    a_mode, b_mode = first.violation_mode, second.violation_mode
    if strategy == "strict":
        default = max(a_default, b_default, key=RESTRICTIVENESS.__getitem__)
        mode = max(a_mode, b_mode, key=MODE_RANK.__getitem__)
        ex_a, ex_b = first.all_exceptions(), second.all_exceptions()
        exceptions = [e for e in ex_a if any(_same(e, f) for f in ex_b)]
    elif strategy == "permissive":
        default = min(a_default, b_default, key=RESTRICTIVENESS.__getitem__)
        mode = min(a_mode, b_mode, key=MODE_RANK.__getitem__)
        exceptions = [*first.all_exceptions(), *second.all_exceptions()]
    elif strategy == "override":
        default, mode = b_default, b_mode
        exceptions = [*second.all_exceptions(), *first.all_exceptions()]
    else:
        default, mode = a_default, a_mode
        exceptions = [*first.all_exceptions(), *second.all_exceptions()]
    merged_policy: Policy = make(
        name=f"{first.name}+{second.name}",
        description=f"{first.name} merged with {second.name} ({strategy})",
        version=first.version,
        default_action=default,
        violation_mode=mode,
        patterns=merged,
        exceptions=exceptions,
        violation_handler=first.violation_handler or second.violation_handler,
        settings={**second.settings, **first.settings},
        metadata={"merged_from": [first.name, second.name], "merge_strategy": strategy},
    )
    return merged_policy
