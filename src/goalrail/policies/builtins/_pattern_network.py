"""A shell command judged by the network rules too: the URLs it requests and the hosts it
connects to (``_shell_network``) meet the same ``network_request``/``network_connect`` patterns a
WebFetch's URL or a socket tool meets, and the strictest result wins.

* Only patterns decide a derived target: a policy's ``default_action`` covers the command itself,
  and an ``allow`` pattern (an allowlisted domain) never lifts the command's own verdict.
* A line reaching several targets is judged by the one a rule is strictest about (``curl
  https://github.com/x http://10.0.0.5`` is denied by the internal-network rule).
* An address known only at run time (``curl "$URL"``, ``… | xargs curl``, a URL built in code) is
  asked (SIGSTOP) when the policy has a ``deny`` pattern for that kind of action, since which
  address it names cannot be told.
* A URL handed to a script whose code is not read (``python3 fetch.py URL``, ``./get.sh URL``) is
  asked where a ``network_request`` rule denies it, naming the rule: what the script does with it
  cannot be told.
* Reasons name the rule, the program and the host (``host:port`` for a connection), never the
  URL's path, query or credentials.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from goalrail.patterns.conditions import ActionFacts, RateLookup
from goalrail.patterns.model import EvaluationResult
from goalrail.patterns.policy import Policy
from goalrail.policies.builtins._pattern_files import asked
from goalrail.policies.builtins._pattern_verdicts import KILL, stricter
from goalrail.policies.builtins._shell_network import CONNECT, REQUEST, UNKNOWN, Target, network_targets

__all__ = ["NETWORK_ACTIONS", "Kinds", "network_kinds", "shell_network"]

NETWORK_ACTIONS = (REQUEST, CONNECT)
#: (the network action types a policy has patterns for, those with a ``deny`` pattern)
Kinds = tuple[tuple[str, ...], frozenset[str]]
_UNKNOWN = {REQUEST: "requests a URL", CONNECT: "connects to an address"}


def network_kinds(policy: Policy) -> Kinds:
    """The network action types ``policy`` has patterns for, and those of them with a ``deny``
    pattern (the checker keeps the answer for the policy in force: a reloaded policy is a new one)."""
    kinds = tuple(kind for kind in NETWORK_ACTIONS if policy.has_type(kind))
    return kinds, frozenset(kind for kind in kinds if _forbids(policy, kind))


def _forbids(policy: Policy, kind: str) -> bool:
    index = policy.compiled().index_for(kind)
    return index is not None and any(e.pattern.action == "deny" for e in index.entries.values())


def _host(kind: str, target: str) -> str:
    """What a reason may show of a target: a URL's host and port (no credentials, path or query)."""
    if kind == CONNECT:
        return target[:200]
    authority = target.partition("://")[2].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return authority.rpartition("@")[2][:200]


def shell_network(
    policy: Policy,
    kinds: tuple[str, ...],
    forbidden: frozenset[str],
    res: EvaluationResult,
    lines: Iterable[str],
    facts: ActionFacts,
    rate: RateLookup,
) -> EvaluationResult:
    """``res`` (the command's own result) made stricter by the network targets of ``lines``."""
    if res.violation_mode is KILL and not res.allowed:  # nothing is stricter
        return res
    targets: tuple[Target, ...] = ()
    for line in lines:
        if type(line) is str and (found := network_targets(line)):
            targets += found
    if not targets:  # (the usual line: `git status`, `ls`, `pytest`)
        return res
    unknown: set[str] = set()
    for kind, target, program, handed in targets:
        if kind not in kinds:
            continue
        who = f"`{program[:60]}`" if program else "a program named at run time"
        if target == UNKNOWN:
            if kind in forbidden and kind not in unknown:
                unknown.add(kind)
                why = (
                    f"{who} {_UNKNOWN[kind]} known only at run time (a variable, a substitution or a "
                    f"file of addresses), which its {kind} rules cannot tell apart"
                )
                res = stricter(res, asked(policy, why))
            continue
        met = policy.decide(kind, target, facts, rate)
        if not met.matched:
            continue
        shown = _host(kind, target)
        if handed:  # a script whose code is not read: what it does with the URL cannot be told
            if not met.allowed:
                why = (
                    f"{who} runs a script handed a URL on `{shown}`, which rule `{met.pattern_id}` "
                    f"forbids requesting ({met.message or met.reason})"
                )
                res = stricter(res, replace(asked(policy, why), pattern_id=met.pattern_id, severity=met.severity))
            continue
        verb = "requests a URL on" if kind == REQUEST else "connects to"
        res = stricter(res, replace(met, reason=f"{met.reason} (the command's {who} {verb} `{shown}`)"))
    return res
