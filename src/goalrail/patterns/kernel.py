"""KernelSpace: seed 004's kernel, as an in-process facade over a policy.

Goalrail does not run agents, so there is no process to signal.  The facade
evaluates actions the way the Goalrail builtin does and keeps what the seed's
kernel would: terminated agents (SIGKILL → every later action is denied, like
``end_session``), paused agents (SIGSTOP → awaiting review, like ASK) and a
flight record of decisions.  In a server, use the builtin
``goalrail.policies.builtins.patterns.pattern_policy`` instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goalrail.jsontypes import JsonObject
from goalrail.patterns.builtin_policies import resolve_policy
from goalrail.patterns.model import EvaluationResult
from goalrail.patterns.policy import Policy
from goalrail.patterns.signals import AgentSignal
from goalrail.patterns.stack import PolicyStack

log = logging.getLogger("goalrail.patterns")
FLIGHT_RECORD_LIMIT = 1000


@dataclass(slots=True)
class ExecutionResult:
    allowed: bool
    result: EvaluationResult | None
    reason: str
    output: object = None

    @property
    def signal(self) -> AgentSignal | None:
        return self.result.signal if self.result is not None else None


def _resolve(policy: Policy | PolicyStack | str) -> Policy | PolicyStack:
    if isinstance(policy, (Policy, PolicyStack)):
        return policy
    if isinstance(policy, str):
        if policy.endswith((".yaml", ".yml")):
            return Policy.from_yaml(policy)
        return resolve_policy(policy)
    raise ValueError(
        f"KernelSpace(policy=...) takes a name, a YAML path, a Policy or a PolicyStack, got {type(policy).__name__}"
    )


class KernelSpace:
    def __init__(self, policy: Policy | PolicyStack | str = "strict") -> None:
        self.policy: Policy | PolicyStack = _resolve(policy)
        self.terminated: set[str] = set()
        self.paused: dict[str, EvaluationResult] = {}
        self.flight_record: list[JsonObject] = []

    def evaluate(
        self,
        action_type: str,
        target: str | None,
        context: Mapping[str, object] | None = None,
        agent_id: str | None = None,
    ) -> EvaluationResult:
        ctx = dict(context or {})
        if agent_id is not None:
            ctx["agent_id"] = agent_id
        return self.policy.evaluate(action_type, target, ctx)

    def execute(self, agent_id: str, action: Any, context: Mapping[str, object] | None = None) -> ExecutionResult:
        """Check ``action`` for ``agent_id`` and, when allowed, run it.

        ``action`` is a mapping ``{action_type, target, context?, run?}``, an
        object with ``action_type``/``target`` (and optionally ``run``), or a
        ``(action_type, target)`` pair.  ``run`` is called only when allowed.
        """
        action_type, target, extra, run = _unpack(action)
        if agent_id in self.terminated:
            return self._record(
                agent_id,
                action_type,
                ExecutionResult(
                    False,
                    None,
                    f"agent `{agent_id}` was terminated (SIGKILL); no further actions run",
                ),
            )
        result = self.evaluate(action_type, target, {**extra, **(context or {})}, agent_id)
        if result.signal is AgentSignal.SIGKILL:
            self.terminated.add(agent_id)
        elif result.signal is AgentSignal.SIGSTOP:
            self.paused[agent_id] = result
        output = run() if result.allowed and run is not None else None
        return self._record(agent_id, action_type, ExecutionResult(result.allowed, result, result.reason, output))

    def resume(self, agent_id: str) -> bool:
        """Clear a SIGSTOP pause after review."""
        return self.paused.pop(agent_id, None) is not None

    def reload_policy(self, path: str | Path) -> bool:
        """Replace the policy with a YAML file, validated first.

        An invalid file keeps the current policy and logs why.  Change
        subscribers of the current policy move to the new one and receive a
        ``reloaded`` event.
        """
        errors = Policy.validate_yaml(path)
        if errors:
            log.warning("keeping the current policy; %s is invalid: %s", path, "; ".join(errors[:3]))
            return False
        new = Policy.from_yaml(path)
        old = self.policy
        if isinstance(old, Policy):
            new._listeners = list(old._listeners)
        self.policy = new
        new._changed("reloaded", None, str(path))
        return True

    def _record(self, agent_id: str, action_type: str, res: ExecutionResult) -> ExecutionResult:
        r = res.result
        self.flight_record.append(
            {
                "agent_id": agent_id,
                "action_type": action_type,
                "allowed": res.allowed,
                "reason": res.reason,
                "pattern_id": r.pattern_id if r else None,
                "signal": str(r.signal) if r and r.signal else None,
            }
        )
        del self.flight_record[:-FLIGHT_RECORD_LIMIT]
        return res


def _unpack(action: Any) -> tuple[str, str, JsonObject, Callable[[], Any] | None]:
    if isinstance(action, Mapping):
        at, target = action.get("action_type"), action.get("target", "")
        extra, run = dict(action.get("context") or {}), action.get("run")
    elif isinstance(action, tuple) and len(action) == 2:
        (at, target), extra, run = action, {}, None
    else:
        at, target = getattr(action, "action_type", None), getattr(action, "target", "")
        extra, run = dict(getattr(action, "context", None) or {}), getattr(action, "run", None)
    if not isinstance(at, str) or not at:
        raise ValueError("an action needs an `action_type` (e.g. file_write) and a `target`")
    return at, str(target or ""), extra, run if callable(run) else None
