"""A network target judged as clients read it: every reading of its URL, by the strictest.

``Policy.decide`` hands a ``network_request`` or ``network_connect`` target here when
``goalrail.policies.url_spellings`` reads it otherwise than it is written (``http://0x7f000001/``
is ``http://127.0.0.1/``, ``https://ＦＡＣＥＢＯＯＫ.com.`` is ``https://facebook.com``).  The
target as sent and each reading are matched; the result is the strictest, so a deny or warn
rule meets every spelling, and an allow rule admits the call only when it admits every one
(a reading never loosens: ``https://GitHub.com/`` is not admitted by an allowlist written
``github\\.com``).  A URL clients would not agree on (``https://evil.example\\@github.com``,
a tab inside, ``0177.0.0.1``, an unreadable host) is *unclear*: no allow rule admits it in
any reading, so it meets the deny and warn rules and then the policy's default.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from goalrail.patterns.conditions import ActionFacts, RateLookup
from goalrail.patterns.model import EvaluationResult
from goalrail.patterns.outcome import final, stricter
from goalrail.policies.url_spellings import UrlSpellings, url_spellings


class AsSent(Protocol):
    """A policy (or a stack of them) judging a target as written (``Policy.decide_as_sent``)."""

    def decide_as_sent(
        self, action_type: str, target: str, facts: ActionFacts, rate: RateLookup, allow: bool
    ) -> EvaluationResult: ...


#: the action types whose targets are URLs (or, for a connection, ``host:port``)
URL_TYPES = frozenset({"network_request", "network_connect"})
_READ = " (the URL as a client reads it)"
_UNCLEAR = " (clients read this URL differently: no allow rule admits it)"


def spellings_of(action_type: str, target: str) -> UrlSpellings | None:
    """The readings of ``target`` when it has any (or is unclear), else None."""
    spelled = url_spellings(target, bare=action_type == "network_connect")
    return spelled if spelled.readings or spelled.unclear else None


def by_spellings(
    policy: AsSent, action_type: str, target: str, spelled: UrlSpellings, facts: ActionFacts, rate: RateLookup
) -> EvaluationResult:
    """The strictest result over ``target`` and its readings (allow rules passed over when unclear)."""
    allow = not spelled.unclear
    first = res = policy.decide_as_sent(action_type, target, facts, rate, allow)
    for reading in spelled.readings:
        if final(res):
            break
        res = stricter(res, policy.decide_as_sent(action_type, reading, facts, rate, allow))
    if res is not first and not res.allowed:
        return replace(res, reason=res.reason + _READ)
    if spelled.unclear and not res.allowed:
        return replace(res, reason=res.reason + _UNCLEAR)
    return res
