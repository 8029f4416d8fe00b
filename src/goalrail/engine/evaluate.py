"""Evaluate a chain over one event and combine the verdicts (DESIGN decision 1).

Order is the chain's (session → agent → server).  DENY short-circuits; ASK is
remembered and evaluation continues; ALLOW and abstain pass on.  Final verdict:
DENY if any, else ASK if any, else ALLOW.  Shadow policies are evaluated and
recorded but never change the outcome.

A DENY from a level below the server's still lets the levels above see the attempt
for one thing: if one of them would deny it too and end the session (a
``pattern_policy`` SIGKILL), the session ends, as it would without the lower
level's policy (DESIGN decision 10: a lower level only tightens).  Nothing else of
theirs applies (the action does not happen); the decision names its own denier
and carries a warning naming the policy that ended the session.
"""

from __future__ import annotations

from collections.abc import Mapping
from time import perf_counter
from typing import Any

from goalrail.engine.chain import Chain, CompiledPolicy, Plan
from goalrail.engine.decision import Compact, Decision, Layout, PolicyDecision
from goalrail.engine.dispatch import (
    ABSTAIN,
    SPELLINGS,
    MalformedResponse,
    call_async,
    call_sync,
    check_updates,
    finish,
    raised,
)
from goalrail.engine.levels import LevelViews, tiered_labels
from goalrail.engine.offload import run_offloaded
from goalrail.engine.spec import FAILED, PolicySpec
from goalrail.engine.work import text_over
from goalrail.policies.redact import redact
from goalrail.policies.secret_params import hide

_EMPTY: Mapping[str, object] = {}


class _Fold:
    """Accumulates policy decisions into a Decision.

    Built once per evaluation, so only the two lists every evaluation needs are
    created up front; the rest default at class level and appear when used.
    """

    deny: PolicyDecision | None = None
    first_allow: tuple[str, str | None] | None = None
    data: Any = None
    end = False
    ask_timeout: float | None = None
    asking: list[PolicyDecision] = []  # noqa: RUF012 - replaced per instance before any append
    labels: dict[str, str] = {}  # noqa: RUF012 - replaced per instance before any update
    warnings: list[str] = []  # noqa: RUF012 - replaced per instance before any append

    def __init__(self) -> None:
        self.decisions: list[Any] = []
        self.state: list[tuple[str, Any]] = []

    def add(self, policy: CompiledPolicy, d: PolicyDecision) -> bool:
        """Record one decision; return True when evaluation must stop (DENY)."""
        self.decisions.append(d)
        return self.fold(policy, d)

    def fold(self, policy: CompiledPolicy, d: PolicyDecision) -> bool:
        if d.warning:
            if not self.warnings:
                self.warnings = []
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
            self.labels = {**self.labels, **tiered_labels(policy.spec.level, d.set_labels)}
        if d.data is not None:
            self.data = d.data
        if d.end_session:
            self.end = True
        if verdict == "ASK":
            self.asking = [*self.asking, d]
            # The shortest wait any asking policy allows: a lower level cannot keep a
            # higher level's question open longer than that level said.
            if d.ask_timeout_s is not None and (self.ask_timeout is None or d.ask_timeout_s < self.ask_timeout):
                self.ask_timeout = d.ask_timeout_s
        elif self.first_allow is None:
            self.first_allow = (d.spec.name, d.reason)  # (``d.policy``, without the property's call)
        return False

    def finish(self, chain: Chain, plan: Plan, called: int, start: float) -> Decision:
        """``called``: how many of the plan's policies ran (the rest follow a DENY)."""
        elapsed = (perf_counter() - start) * 1e6
        if called < len(chain.policies):
            # The policies not called are expanded (ABSTAIN, or SKIPPED after a DENY) when read.
            positions = plan[2]
            stop = (positions[called - 1] if positions is not None else called - 1) if self.deny is not None else None
            layout: Layout | None = (chain.policies, positions, stop, chain.has_shadow)
        else:
            layout = None
        if self.deny is not None:
            d = self.deny
            return Decision(
                "DENY",
                d.reason or f"denied by `{d.policy}`",
                d.policy,
                self.decisions,
                elapsed,
                state_updates=self.state,
                warnings=list(self.warnings) if self.warnings else None,
                end_session=self.end,
                layout=layout,
                called=plan[1],
            )
        if self.asking:
            reasons = "; ".join(f"{a.policy}: {a.reason}" if a.reason else a.policy for a in self.asking)
            return Decision(
                "ASK",
                reasons,
                self.asking[0].policy,
                self.decisions,
                elapsed,
                state_updates=self.state,
                set_labels=dict(self.labels),
                data=self.data,
                warnings=list(self.warnings) if self.warnings else None,
                end_session=self.end,
                asking=[a.spec.answer_key if a.error is None else a.spec.answer_key + FAILED for a in self.asking],
                ask_timeout_s=self.ask_timeout,
                layout=layout,
                called=plan[1],
            )
        a = self.first_allow
        # Positionally (``Decision.__init__``'s order): no keyword matching for the usual verdict.
        return Decision(
            "ALLOW",
            (a[1] or "allowed") if a else "no policy objected",
            a[0] if a else None,
            self.decisions,
            elapsed,
            self.state,
            dict(self.labels) if self.labels else None,
            self.data,
            list(self.warnings) if self.warnings else None,
            self.end,
            None,
            None,
            layout,
            plan[1],
        )


def _lower_deny(fold: _Fold, chain: Chain) -> Chain | None:
    """After a DENY from below the server level: the policies above it, which must still see the
    attempt (None otherwise: no DENY, a server-level one, or the session already ending)."""
    deny = fold.deny
    if deny is None or fold.end:
        return None
    level = deny.spec.level
    return None if level == "server" else chain.above(level)


def _end_from_above(fold: _Fold, above: Decision) -> None:
    """A higher level that would deny the attempt and end the session ends it."""
    if above.result == "DENY" and above.end_session:
        fold.end = True
        if not fold.warnings:
            fold.warnings = []
        fold.warnings.append(f"{above.policy}: ends the session: {above.reason}")


def evaluate(chain: Chain, event: Mapping[str, Any], policy_states: Mapping[str, Any] = _EMPTY) -> Decision:
    """Evaluate synchronously, on the caller's thread.  Async policies are run on a
    private event loop.  A sync policy's deadline is checked when it returns: the
    caller owns this thread.  Servers use :func:`aevaluate`, which enforces it."""
    if chain.has_async:
        import asyncio

        return asyncio.run(aevaluate(chain, event, policy_states))
    return _evaluate_sync(chain, event, policy_states)


def _evaluate_sync(chain: Chain, event: Mapping[str, Any], policy_states: Mapping[str, Any]) -> Decision:
    """The sync loop: every policy called in turn on this thread.

    The hot loop: a well-formed answer in time is read by :func:`_plain` and
    recorded compactly; anything unusual goes through ``dispatch.finish`` /
    ``dispatch.raised``, the one fail-closed boundary.
    """
    clock = perf_counter
    start = clock()
    fold = _Fold()
    # One private copy of the event per evaluation; only policy_state (and data,
    # once a policy transformed it) change between policies.
    ev = dict(event)
    get_state = policy_states.get
    decisions = fold.decisions
    append = decisions.append
    data = None
    views = LevelViews.of(event)  # per-level views of lower levels' writes; None when none did
    level = None
    t0 = start
    plan = chain.plan(ev)
    # Each turn appends one item to ``decisions``: their number is how many policies were called.
    for fn, ns, spec, in_time, policy in plan[0]:
        if views is not None and spec.level != level:
            level = spec.level
            views.apply(ev, level)
        # A policy without a namespace yet gets an empty dict of its own: never a shared one, which a
        # policy writing into what it is shown would change for every other policy and session.
        state = get_state(ns)
        ev["policy_state"] = {} if state is None else state
        d: Compact | PolicyDecision | None
        try:
            raw = fn(ev)
        except BaseException as exc:  # SystemExit & co.: the policy failed, the server did not
            t1 = clock()
            d = raised(policy, exc, t1 - t0)
        else:
            t1 = clock()
            elapsed = t1 - t0
            if elapsed <= in_time:  # within its deadline, and not a shadow policy (``chain.Row``)
                if raw is None:  # ABSTAIN, the most common answer: its duration alone, nothing to fold
                    t0 = t1
                    append(elapsed * 1e6)
                    continue
                d = _plain(spec, raw, elapsed * 1e6)
            else:
                d = None
            if d is None:
                d = finish(policy, raw, elapsed)
        t0 = t1
        append(d)
        if isinstance(d, tuple):  # a plain ALLOW, recorded compactly
            if fold.first_allow is None:
                fold.first_allow = (spec.name, d[2])
            continue
        if (d.verdict != ABSTAIN or policy.shadow) and fold.fold(policy, d):
            break
        if fold.data is not None and fold.data is not data:
            data = ev["data"] = fold.data
    if fold.deny is not None and (above := _lower_deny(fold, chain)) is not None:
        _end_from_above(fold, _evaluate_sync(above, event, policy_states))
    return fold.finish(chain, plan, len(decisions), start)


def _plain(spec: PolicySpec, raw: Any, elapsed_us: float) -> Compact | PolicyDecision | None:
    """A plain answer (``{"result", "reason"?, "state_updates"?}``, not None) read without the
    full dispatch: a compact record for an ALLOW that changes nothing, a PolicyDecision
    otherwise; None for anything else."""
    if type(raw) is not dict:
        return None
    result = raw.get("result")
    verdict = SPELLINGS.get(result) if type(result) is str else None
    if verdict is None:
        return None
    n = len(raw)
    if n == 1:  # the verdict alone
        return (
            (spec, verdict, None, elapsed_us) if verdict == "ALLOW" else PolicyDecision(spec, verdict, None, elapsed_us)
        )
    reason = raw.get("reason")
    if reason is not None:
        if type(reason) is not str:
            return None
        hidden = spec.secret_values  # a reason never quotes a secret parameter (policies/secret_params.py)
        reason = redact(hide(reason, hidden) if hidden else reason)  # nor any secret (policies/redact.py)
    if n == 2 and reason is not None:  # the verdict and its reason
        return (
            (spec, verdict, reason, elapsed_us)
            if verdict == "ALLOW"
            else PolicyDecision(spec, verdict, reason, elapsed_us)
        )
    updates = raw.get("state_updates")
    if updates is None or n != (3 if reason is not None else 2):  # any other key: the full dispatch
        return None
    try:
        checked = check_updates(updates)
    except MalformedResponse:
        return None
    if not checked:
        return (
            (spec, verdict, reason, elapsed_us)
            if verdict == "ALLOW"
            else PolicyDecision(spec, verdict, reason, elapsed_us)
        )
    d = PolicyDecision(spec, verdict, reason, elapsed_us)
    d.state_updates = checked
    return d


async def aevaluate(chain: Chain, event: Mapping[str, Any], policy_states: Mapping[str, Any] = _EMPTY) -> Decision:
    """Evaluate in a running event loop without ever blocking it for long.

    Shipped builtins (cheap, bounded by the event's size) are called inline — a
    chain of only those takes the sync loop — while the work the event asks of them
    stays within the loop's budget (:func:`heavy`); past it, and for any other sync
    policy, on a worker thread with its deadline enforced while it runs (engine.offload).
    """
    if not chain.has_async and not chain.has_offload:
        if not text_over(event, chain.plan(event)[3]):
            return _evaluate_sync(chain, event, policy_states)
        return await _evaluate_async(chain, event, policy_states, True)
    return await _evaluate_async(chain, event, policy_states, heavy(chain, event))


def heavy(chain: Chain, event: Mapping[str, object]) -> bool:
    """Whether ``event`` asks more work of ``chain``'s inline policies than the loop's budget
    (``engine.work``): then they run on the worker pools for it."""
    return text_over(event, chain.plan(event)[3])


def runs_inline(chain: Chain, event: Mapping[str, object]) -> bool:
    """Whether :func:`aevaluate` would judge ``event`` with the sync loop, on the event loop."""
    return not chain.has_async and not chain.has_offload and not text_over(event, chain.plan(event)[3])


def may_run_inline(chain: Chain, raw: Mapping[str, object]) -> bool:
    """:func:`runs_inline` for an event before its tool is mapped (its plan not yet known): within
    the budget of every inline policy of the chain, whatever tool it is mapped to."""
    return not chain.has_async and not chain.has_offload and not text_over(raw, chain.text_limit)


async def _evaluate_async(
    chain: Chain, event: Mapping[str, Any], policy_states: Mapping[str, Any], offload_inline: bool = False
) -> Decision:
    """The async loop: async policies awaited, runs of offloaded sync ones handed
    to the worker pool together (``offload_inline``: the inline ones too, for an event too
    heavy for the loop); must agree with the sync loop on any chain both can run
    (tests/property/test_loops_agree.py)."""
    start = perf_counter()
    fold = _Fold()
    ev = dict(event)
    get_state = policy_states.get
    plan = chain.plan(ev)
    policies = plan[1]
    views = LevelViews.of(event)
    level = None
    n = len(policies)
    i = 0
    while i < n:
        policy = policies[i]
        if fold.data is not None:
            ev["data"] = fold.data
        if views is not None and policy.spec.level != level:
            level = policy.spec.level
            views.apply(ev, level)
        if not policy.is_async and (offload_inline or not policy.inline):
            end = i + 1
            while (
                end < n
                and not policies[end].is_async
                and (offload_inline or not policies[end].inline)
                and (views is None or policies[end].spec.level == level)
            ):
                end += 1
            run = policies[i:end]
            stop = False
            for k, d in enumerate(await run_offloaded(run, ev, policy_states)):
                if fold.add(run[k], d):
                    stop = True
                    i += k + 1
                    break
            if stop:
                break
            i = end
            continue
        state = get_state(policy.ns)
        ev["policy_state"] = {} if state is None else state  # (an empty dict of its own: as the sync loop)
        d = await call_async(policy, ev) if policy.is_async else call_sync(policy, ev)
        i += 1
        if fold.add(policy, d):
            break
    if fold.deny is not None and (above := _lower_deny(fold, chain)) is not None:
        _end_from_above(fold, await aevaluate(above, event, policy_states))
    return fold.finish(chain, plan, i, start)
