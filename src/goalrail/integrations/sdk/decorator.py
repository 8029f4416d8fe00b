"""``goalrail.guarded``: put any tool function behind the policy chain.

    guard = goalrail.Guard(config="config.yaml")

    @goalrail.guarded(guard, session="s1")            # or a goalrail.Client
    def run_command(command: str) -> str: ...

Before each call a ``tool_call`` event (tool name = the function's name or
``tool_name``, arguments = the bound call arguments) is evaluated.  DENY raises
:class:`goalrail.PolicyDenied`; ASK waits up to ``wait`` seconds for a human and
then raises :class:`goalrail.ApprovalRequired` if nobody approved (``wait=None``
raises at once).  An unreachable server raises ``Unavailable``; the function
never runs unless the verdict is ALLOW.  Works for sync and async functions.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
from collections.abc import Callable, Mapping
from typing import Protocol, TypeVar, cast

from goalrail.errors import ApprovalRequired, PolicyDenied
from goalrail.integrations.hookcore import changed_arguments, refuse_unchanged

F = TypeVar("F", bound=Callable[..., object])


class Evaluator(Protocol):
    def tool_call(
        self, session: str, tool: str, arguments: dict[str, object] | str | None = None, *, wait: float | None = None
    ) -> Mapping[str, object]: ...


def enforce(verdict: Mapping[str, object], tool: str, arguments: object = None) -> None:
    """Raise unless the verdict is ALLOW of the call as sent (``arguments``): a policy that
    allowed it only with changed arguments refuses it, since the function would run unchanged."""
    if changed_arguments(verdict, arguments) is not None:
        verdict = refuse_unchanged(verdict, "the decorated function cannot run a changed call, so it is refused")
    result = verdict.get("result")
    if result == "ALLOW":
        return
    who = f" ({verdict['policy']})" if verdict.get("policy") else ""
    reason = verdict.get("reason") or "no reason given"
    if result == "ASK":
        approval_id = verdict.get("approval_id")
        raise ApprovalRequired(
            f"`{tool}` needs approval{who}: {reason}",
            decision=verdict,
            approval_id=None if approval_id is None else str(approval_id),
        )
    raise PolicyDenied(f"`{tool}` denied{who}: {reason}", decision=verdict)


def call_arguments(sig: inspect.Signature, args: tuple[object, ...], kwargs: dict[str, object]) -> dict[str, object]:
    bound = sig.bind_partial(*args, **kwargs)
    bound.apply_defaults()
    out = {k: v for k, v in bound.arguments.items() if k not in ("self", "cls")}
    safe: dict[str, object] = json.loads(json.dumps(out, default=str))  # JSON-safe: what the server would see
    return safe


def guarded(
    evaluator: Evaluator, session: str | Callable[[], str], tool_name: str | None = None, wait: float | None = None
) -> Callable[[F], F]:
    def session_id() -> str:
        return session() if callable(session) else session

    def decorate(fn: F) -> F:
        name = tool_name or fn.__name__
        sig = inspect.signature(fn)

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: object, **kwargs: object) -> object:
                arguments = call_arguments(sig, args, kwargs)
                verdict = await asyncio.to_thread(evaluator.tool_call, session_id(), name, arguments, wait=wait)
                enforce(verdict, name, arguments)
                return await fn(*args, **kwargs)

            return cast(F, async_wrapper)  # functools.wraps: same signature as fn

        @functools.wraps(fn)
        def wrapper(*args: object, **kwargs: object) -> object:
            arguments = call_arguments(sig, args, kwargs)
            verdict = evaluator.tool_call(session_id(), name, arguments, wait=wait)
            enforce(verdict, name, arguments)
            return fn(*args, **kwargs)

        return cast(F, wrapper)  # functools.wraps: same signature as fn

    return decorate
