"""Turning a match (or no match) into an explained EvaluationResult: the
pattern's action, exceptions, elevation, the violation mode and the handler; and which
of two results is the stricter (one call judged by several targets or readings)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from goalrail.patterns.conditions import ActionFacts
from goalrail.patterns.model import EvaluationResult, Pattern, Severity, Violation, ViolationMode
from goalrail.patterns.signals import signal_for

if TYPE_CHECKING:
    from goalrail.patterns.policy import Policy

_ALLOWING_MODES = (ViolationMode.SIGWARN, ViolationMode.LOG_ONLY)
_VERB = {
    ViolationMode.SIGKILL: "denied (session terminated) by",
    ViolationMode.BLOCK: "denied by",
    ViolationMode.SIGSTOP: "held for review by",
    ViolationMode.SIGWARN: "allowed with a warning despite",
    ViolationMode.LOG_ONLY: "allowed (logged) despite",
}


def pattern_outcome(
    policy: Policy, p: Pattern, action_type: str, target: str, facts: ActionFacts, why: str | None
) -> EvaluationResult:
    sev = p.sev
    label = f"pattern `{p.pid}` ({sev})"
    detail = f": {p.message}" if p.message else ""
    if why:
        detail += f" ({why})"
    base: dict[str, Any] = {
        "pattern_id": p.pid,
        "severity": sev,
        "policy": policy.name,
        "message": p.message,
        "matched": True,
        "requirements": dict(_requirements(p)),
    }
    if facts.agent is not None:
        for ex in policy.all_exceptions():
            if ex.applies(facts.agent, p.pid, facts.now):
                because = f": {ex.reason}" if ex.reason else ""
                return EvaluationResult(
                    True,
                    "allow",
                    f"{policy.name}: {label} waived by an exception for agent `{facts.agent}`{because}",
                    exception=ex.agent_pattern,
                    **base,
                )
    if p.action == "allow":
        return EvaluationResult(True, "allow", f"{policy.name}: {action_type} allowed by {label}{detail}", **base)
    if p.action == "warn":
        return EvaluationResult(
            True,
            "warn",
            f"{policy.name}: {action_type} flagged by {label}{detail}",
            signal=signal_for(ViolationMode.SIGWARN),
            **base,
        )
    if sev < Severity.CRITICAL and policy.is_elevated(facts.agent):
        return EvaluationResult(
            True,
            "warn",
            f"{policy.name}: {label} passed under elevated privileges of agent `{facts.agent}`{detail}",
            **base,
        )
    mode = _violation_mode(policy, p.mode or policy.violation_mode, p.pid, action_type, target, sev, p.message, facts)
    return EvaluationResult(
        mode in _ALLOWING_MODES,
        "deny",
        f"{policy.name}: {action_type} {_VERB[mode]} {label}{detail}",
        violation_mode=mode,
        signal=signal_for(mode),
        **base,
    )


def default_outcome(policy: Policy, action_type: str, target: str, facts: ActionFacts) -> EvaluationResult:
    action = policy.default_action
    label = f"default_action `{action}` (no pattern matched, severity medium)"
    if action == "allow":
        return EvaluationResult(True, "allow", f"{policy.name}: {label}", policy=policy.name)
    if action == "warn":
        return EvaluationResult(
            True,
            "warn",
            f"{policy.name}: {label}",
            policy=policy.name,
            severity=Severity.MEDIUM,
            signal=signal_for(ViolationMode.SIGWARN),
        )
    mode = _violation_mode(policy, policy.violation_mode, None, action_type, target, Severity.MEDIUM, None, facts)
    return EvaluationResult(
        mode in _ALLOWING_MODES,
        "deny",
        f"{policy.name}: {action_type} {_VERB[mode]} {label}",
        policy=policy.name,
        severity=Severity.MEDIUM,
        violation_mode=mode,
        signal=signal_for(mode),
    )


def _violation_mode(
    policy: Policy,
    mode: ViolationMode,
    pid: str | None,
    action_type: str,
    target: str,
    sev: Severity,
    message: str | None,
    facts: ActionFacts,
) -> ViolationMode:
    handler = policy.violation_handler
    if handler is None:
        return mode
    violation = Violation(pid, action_type, target, sev, policy.name, message, facts.agent, {"now": facts.now})
    chosen = handler(violation)
    return ViolationMode.coerce(chosen) if chosen is not None else mode


def _requirements(p: Pattern) -> Iterator[tuple[str, Any]]:
    for k, v in p.conditions.items():
        if k.startswith("require_"):
            yield k, v


def _rank(res: EvaluationResult) -> int:
    """How strict a result is: a session-ending deny, a deny, an ask, a warning, a logged
    violation, a matched allow, the default."""
    if not res.allowed:
        if res.violation_mode is ViolationMode.SIGSTOP:
            return 4
        return 6 if res.violation_mode is ViolationMode.SIGKILL else 5
    if res.action == "warn" or res.violation_mode is ViolationMode.SIGWARN:
        return 3
    if res.violation_mode is not None:
        return 2
    return 1 if res.matched else 0


#: the mode of a session-ending deny, the strictest result (``_rank`` 6)
KILL = ViolationMode.SIGKILL


def final(res: EvaluationResult) -> bool:
    """Whether no result can be stricter than ``res`` (a session-ending deny): ``stricter`` keeps
    it, so the call's other targets and readings need not be judged."""
    return res.violation_mode is KILL and not res.allowed


def stricter(first: EvaluationResult, second: EvaluationResult) -> EvaluationResult:
    """The stricter of two targets' results (the first on a tie): one call naming several
    paths or URLs is judged by the one a rule is strictest about."""
    return second if _rank(second) > _rank(first) else first


def raises(first: EvaluationResult, second: EvaluationResult) -> bool:
    """Whether :func:`stricter` would give ``second`` (whatever its reason: the rank does not read it)."""
    return _rank(second) > _rank(first)


def matched_floor(res: EvaluationResult) -> bool:
    """Whether ``res`` is at least a matched allow: an ``allow`` rule's result is then never stricter."""
    return _rank(res) >= 1
