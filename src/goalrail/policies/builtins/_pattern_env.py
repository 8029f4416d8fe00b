"""A shell command judged by the environment rules too: the variables it reads and the loader
variables it sets (``_shell_env``) meet the ``env_read``/``env_write`` patterns an ``env_read`` or
``env_write`` action meets, and the strictest result wins.

* A variable is matched by its name (``AWS_SECRET_ACCESS_KEY``, ``PATH``); only patterns decide
  (``default_action`` covers the command itself) and an ``allow`` pattern never lifts the
  command's own verdict.
* A read of the whole environment (``env``, ``printenv``, ``export -p``, ``set``,
  ``/proc/self/environ``, ``dict(os.environ)``) reads every variable, so it meets each ``env_read``
  rule that denies or warns about some name as that rule stands (a rule with conditions is asked:
  whether they hold for the names it meets cannot be told).
* Reasons name the rule and the variable, never its value or the command text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from goalrail.patterns.conditions import ActionFacts, RateLookup
from goalrail.patterns.model import EvaluationResult
from goalrail.patterns.outcome import pattern_outcome
from goalrail.patterns.policy import Policy
from goalrail.policies.builtins._pattern_files import asked
from goalrail.policies.builtins._pattern_verdicts import final, stricter
from goalrail.policies.builtins._shell_env import EVERY, NONE, env_effects

__all__ = ["ENV_READ", "ENV_WRITE", "EnvKinds", "shell_env"]

ENV_READ = "env_read"
ENV_WRITE = "env_write"


class EnvKinds:
    """Whether the policy last asked about has patterns for reading or setting environment
    variables, kept per checker (the builtin's policies are never changed in place: a reloaded
    file is a new one)."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: tuple[object, bool] = (None, False)

    def __call__(self, policy: Policy) -> bool:
        last = self._last  # (read once: another thread may replace it)
        if last[0] is not policy:
            last = (policy, policy.has_type(ENV_READ) or policy.has_type(ENV_WRITE))
            self._last = last
        return last[1]


def shell_env(
    policy: Policy, res: EvaluationResult, lines: Iterable[str], facts: ActionFacts, rate: RateLookup
) -> EvaluationResult:
    """``res`` (the command's own result) made stricter by the variables ``lines`` read and set."""
    for line in lines:
        if type(line) is not str:
            continue
        found = env_effects(line)
        if found is NONE:  # (the usual line)
            continue
        for name in found.reads:
            res = _every(policy, res, facts) if name == EVERY else _judged(policy, res, ENV_READ, name, facts, rate)
            if final(res):
                return res
        for name in found.writes:
            res = _judged(policy, res, ENV_WRITE, name, facts, rate)
            if final(res):
                return res
    return res


def _judged(
    policy: Policy, res: EvaluationResult, kind: str, name: str, facts: ActionFacts, rate: RateLookup
) -> EvaluationResult:
    index = policy.compiled().index_for(kind)
    rules = index.entries.values() if index is not None else ()
    if not any(e.pattern.action != "allow" and e.pattern.matches(name) for e in rules):
        return res  # (no rule that could make it stricter meets the name: `HOME` under strict)
    found = policy.decide(kind, name, facts, rate)
    if not found.matched or found.action == "allow":
        return res
    verb = "reads" if kind == ENV_READ else "sets"
    note = f"{found.reason} (the command {verb} the environment variable `{name[:80]}`)"
    return stricter(res, replace(found, reason=note))


def _every(policy: Policy, res: EvaluationResult, facts: ActionFacts) -> EvaluationResult:
    """A read of every variable: each ``env_read`` rule that denies or warns about some name."""
    index = policy.compiled().index_for(ENV_READ)
    if index is None:
        return res
    for entry in index.entries.values():
        rule = entry.pattern
        if rule.action not in ("deny", "warn"):
            continue
        if rule.conditions:
            why = f"the command reads the whole environment, where rule `{rule.id}` denies reading some variables"
            res = stricter(res, asked(policy, why))
            continue
        met = pattern_outcome(policy, rule, ENV_READ, EVERY, facts, None)
        note = f"{met.reason} (the command reads the whole environment, this rule's variables among them)"
        res = stricter(res, replace(met, reason=note))
    return res
