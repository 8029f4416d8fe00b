"""Evaluate a chain over one event and combine the verdicts (DESIGN decision 1).

Order is the chain's (session → agent → server).  DENY short-circuits; ASK is
remembered and evaluation continues; ALLOW and abstain pass on.  Final verdict:
DENY if any, else ASK if any, else ALLOW.  Shadow policies are evaluated and
recorded but never change the outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from time import perf_counter
from typing import Any

from goalrail.engine.chain import Chain, CompiledPolicy
from goalrail.engine.decision import Decision, PolicyDecision
from goalrail.engine.dispatch import ABSTAIN, SKIPPED, call_async, call_sync

_EMPTY: Mapping[str, Any] = {}


class _Fold:
    """Accumulates policy decisions into a Decision."""

    __slots__ = ("asking", "data", "decisions", "deny", "labels", "state", "warnings", "end", "first_allow", "ask_timeout")

    def __init__(self) -> None:
        self.decisions: list[PolicyDecision] = []
        self.deny: PolicyDecision | None = None
        self.asking: list[PolicyDecision] = []
        self.first_allow: PolicyDecision | None = None
        self.state: list[tuple[str, Any]] = []
        self.labels: dict[str, str] = {}
        self.warnings: list[str] = []
        self.data: Any = None
        self.end = False
        self.ask_timeout: float | None = None

    def add(self, policy: CompiledPolicy, d: PolicyDecision) -> bool:
        """Record one decision; return True when evaluation must stop (DENY)."""
        self.decisions.append(d)
        if d.warning:
            self.warnings.append(f"{d.policy}: {d.warning}")
        if policy.shadow:
            # Shadow policies keep their own bookkeeping so they behave realistically,
            # but never touch shared state, labels or the outcome.
            for upd in d.state_updates:
                if upd.get("scope") == "policy":
                    self.state.append((policy.ns, upd))
            return False
        verdict = d.verdict
        if verdict == ABSTAIN:
            return False
        if verdict == "DENY":
            self.deny = d
            # Only the denying policy's own bookkeeping applies: the action does not happen.
            self.state = [(policy.ns, upd) for upd in d.state_updates]
            self.labels = {}
            self.end = self.end or d.end_session
            return True
        for upd in d.state_updates:
            self.state.append((policy.ns, upd))
        if d.set_labels:
            self.labels.update(d.set_labels)
        if d.data is not None:
            self.data = d.data
        if d.end_session:
            self.end = True
        if verdict == "ASK":
            self.asking.append(d)
            if self.ask_timeout is None and d.ask_timeout_s is not None:
                self.ask_timeout = d.ask_timeout_s
        elif self.first_allow is None:
            self.first_allow = d
        return False

    def finish(self, chain: Chain, stopped_at: int, start: float) -> Decision:
        for policy in chain.policies[stopped_at:]:
            s = policy.spec
            self.decisions.append(PolicyDecision(s.name, s.level, s.handler, SKIPPED, None, 0.0, s.mode))
        elapsed = (perf_counter() - start) * 1e6
        if self.deny is not None:
            d = self.deny
            return Decision("DENY", d.reason or f"denied by `{d.policy}`", d.policy, self.decisions, elapsed,
                            state_updates=self.state, warnings=self.warnings, end_session=self.end)
        if self.asking:
            reasons = "; ".join(f"{a.policy}: {a.reason}" if a.reason else a.policy for a in self.asking)
            return Decision("ASK", reasons, self.asking[0].policy, self.decisions, elapsed,
                            state_updates=self.state, set_labels=self.labels, data=self.data,
                            warnings=self.warnings, end_session=self.end,
                            asking=[a.policy for a in self.asking], ask_timeout_s=self.ask_timeout)
        a = self.first_allow
        return Decision("ALLOW", (a.reason if a else None) or ("allowed" if a else "no policy objected"),
                        a.policy if a else None, self.decisions, elapsed,
                        state_updates=self.state, set_labels=self.labels, data=self.data,
                        warnings=self.warnings, end_session=self.end)


def _view(event: Mapping[str, Any], policy: CompiledPolicy, policy_states: Mapping[str, Any],
          data: Any) -> dict[str, Any]:
    ev = dict(event)
    ev["policy_state"] = policy_states.get(policy.ns, _EMPTY)
    if data is not None:
        ev["data"] = data
    return ev


def evaluate(chain: Chain, event: Mapping[str, Any], policy_states: Mapping[str, Any] = _EMPTY) -> Decision:
    """Evaluate synchronously.  Async policies are run on a private event loop."""
    if chain.has_async:
        import asyncio

        return asyncio.run(aevaluate(chain, event, policy_states))
    start = perf_counter()
    fold = _Fold()
    i = 0
    for i, policy in enumerate(chain.policies, 1):  # noqa: B007
        d = call_sync(policy, _view(event, policy, policy_states, fold.data))
        if fold.add(policy, d):
            break
    else:
        i = len(chain.policies)
    return fold.finish(chain, i, start)


async def aevaluate(chain: Chain, event: Mapping[str, Any], policy_states: Mapping[str, Any] = _EMPTY) -> Decision:
    start = perf_counter()
    fold = _Fold()
    i = 0
    for i, policy in enumerate(chain.policies, 1):  # noqa: B007
        view = _view(event, policy, policy_states, fold.data)
        d = await call_async(policy, view) if policy.is_async else call_sync(policy, view)
        if fold.add(policy, d):
            break
    else:
        i = len(chain.policies)
    return fold.finish(chain, i, start)
