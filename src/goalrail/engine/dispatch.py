"""The single fail-closed boundary: call one policy, coerce what it returns.

Every exception, malformed response or deadline overrun becomes a verdict here
(DENY by default, or the policy's explicit ``on_error``), naming the policy.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Mapping
from time import perf_counter
from typing import cast, get_args

from goalrail.engine import json_values
from goalrail.engine.chain import CompiledPolicy
from goalrail.engine.decision import PolicyDecision
from goalrail.engine.spec import PolicySpec
from goalrail.jsontypes import JsonValue
from goalrail.policies.redact import redact
from goalrail.policies.schema import STATE_ACTIONS, STATE_SCOPES, StateUpdate, Verdict
from goalrail.policies.secret_params import hide

_VERDICTS: tuple[Verdict, ...] = get_args(Verdict)

log = logging.getLogger("goalrail.engine")

ABSTAIN = "ABSTAIN"
SKIPPED = "SKIPPED"
_ERROR_VERDICT = {"deny": "DENY", "allow": "ALLOW", "ask": "ASK"}


class MalformedResponse(ValueError):
    pass


_SCALARS = frozenset({str, int, bool, type(None)})  # a state value JSON as it is (``json_values``)


def _finite(value: float) -> bool:
    """``math.isfinite``, False for an int too large for a float (which it raises on)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


#: An int of at most this magnitude is a float exactly: a finite increment, no check needed.
_EXACT_INT = 1 << 53


def check_updates(raw: object) -> list[StateUpdate]:
    """A response's ``state_updates`` checked (a legacy flat mapping means SETs); MalformedResponse if not.

    The usual list of plain dicts with string keys, scalar values and small increments is
    accepted in one pass; anything else (or anything wrong) is left to :func:`_checked`, which
    applies the same checks in the same order and names the first update that fails."""
    if type(raw) is not list:
        return _checked(raw)
    for upd in raw:
        if type(upd) is not dict:
            return _checked(raw)
        key, action = upd.get("key"), upd.get("action")
        if type(key) is not str or not key or action not in STATE_ACTIONS:
            return _checked(raw)
        if action == "increment":
            value = upd.get("value", 1)
            if type(value) is not int or not -_EXACT_INT <= value <= _EXACT_INT:
                return _checked(raw)
        elif action != "delete" and type(upd.get("value")) not in _SCALARS:
            return _checked(raw)
        if upd.get("scope", "session") not in STATE_SCOPES:
            return _checked(raw)
    return raw


def _checked(raw: object) -> list[StateUpdate]:
    """:func:`check_updates`, every update checked in full."""
    if raw is None:
        return []
    # The exact types first: a list of dicts, the usual answer, costs no ABC check.
    if type(raw) is not list and isinstance(raw, Mapping):  # legacy flat {key: value} means SETs
        raw = [{"key": str(k), "action": "set", "value": v} for k, v in raw.items()]
    if not isinstance(raw, list):
        raise MalformedResponse(f"state_updates must be a list, got {type(raw).__name__}")
    for i, upd in enumerate(raw):
        if type(upd) is not dict and not isinstance(upd, Mapping):
            raise MalformedResponse(f"state_updates[{i}] must be a mapping")
        key, action = upd.get("key"), upd.get("action")
        if not isinstance(key, str) or not key:
            raise MalformedResponse(f"state_updates[{i}].key must be a non-empty string")
        if action not in STATE_ACTIONS:
            raise MalformedResponse(f"state_updates[{i}].action `{action}` is not one of set/increment/delete/append")
        if action == "increment":
            value = upd.get("value", 1)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
                raise MalformedResponse(f"state_updates[{i}]: increment needs a finite number")
        elif action != "delete" and type(value := upd.get("value")) not in _SCALARS:
            wrong = json_values.problem(value)  # a float, a container or anything else
            if wrong is not None:
                raise MalformedResponse(f"state_updates[{i}].value is not JSON every store keeps: {wrong}")
        scope = upd.get("scope", "session")
        if scope not in STATE_SCOPES:
            raise MalformedResponse(f"state_updates[{i}].scope `{scope}` is not session/policy/user")
    return raw


#: The usual spellings of each verdict, looked up in one step by the hot loop.
SPELLINGS: dict[str, Verdict] = (
    {v: v for v in _VERDICTS} | {v.lower(): v for v in _VERDICTS} | {v.title(): v for v in _VERDICTS}
)


def verdict_of(result: object) -> Verdict | None:
    """The one spelling (``ALLOW``, ``DENY``, ``ASK``) of a policy's ``result``, in any
    case; None if it is not a verdict."""
    if not isinstance(result, str):
        return None
    return SPELLINGS.get(result) or SPELLINGS.get(result.upper())


def said(spec: PolicySpec, text: str) -> str:
    """What a policy says (a reason, a warning, an error), as shown and logged: no parameter
    value of its that is a secret (``policies.secret_params``), no secret of a known form."""
    hidden = spec.secret_values
    return redact(hide(text, hidden) if hidden else text)


def coerce(policy: CompiledPolicy, raw: object, elapsed_us: float) -> PolicyDecision:
    """Turn a policy's return value into a PolicyDecision or raise MalformedResponse."""
    spec = policy.spec
    if raw is None:
        return PolicyDecision(spec, ABSTAIN, None, elapsed_us)
    if isinstance(raw, str):
        verdict = verdict_of(raw)
        if verdict is None:
            raise MalformedResponse(f"unknown result `{redact(raw)[:40]}`")
        return PolicyDecision(spec, verdict, None, elapsed_us)
    if not isinstance(raw, Mapping):
        raise MalformedResponse(f"expected a dict or None, got {type(raw).__name__}")
    result = raw.get("result")
    verdict = verdict_of(result)
    if verdict is None:
        raise MalformedResponse(f"`result` must be ALLOW, DENY or ASK, got `{redact(str(result))[:40]}`")
    reason = raw.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise MalformedResponse("`reason` must be a string")
    d = PolicyDecision(spec, verdict, None if reason is None else said(spec, reason), elapsed_us)
    if len(raw) > (2 if reason is not None else 1):
        _extras(d, raw)
    return d


def _extras(d: PolicyDecision, raw: Mapping[str, object]) -> None:
    labels = raw.get("set_labels")
    if labels is not None and not (
        isinstance(labels, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items())
    ):
        raise MalformedResponse("`set_labels` must map strings to strings")
    if "state_updates" in raw:
        d.state_updates = check_updates(raw["state_updates"])
    if labels:
        d.set_labels = dict(labels)
    if "data" in raw:
        wrong = json_values.problem(raw["data"])
        if wrong is not None:
            raise MalformedResponse(f"`data` is not JSON: {wrong}")
        d.data = cast(JsonValue, raw["data"])  # in place of the event's data, which is JSON
    warning = raw.get("warning")
    if warning is not None:
        d.warning = said(d.spec, str(warning))
    if raw.get("end_session"):
        d.end_session = True
    ask_timeout = raw.get("ask_timeout_s")
    if isinstance(ask_timeout, (int, float)) and not isinstance(ask_timeout, bool) and _finite(ask_timeout):
        d.ask_timeout_s = float(ask_timeout)


def failed(policy: CompiledPolicy, why: str, elapsed_us: float) -> PolicyDecision:
    """The fail-closed verdict (or the policy's explicit on_error)."""
    spec = policy.spec
    verdict = _ERROR_VERDICT.get(spec.on_error, "DENY")
    why = said(spec, why)  # an exception's text can quote the value it failed on
    reason = f"policy `{spec.name}` failed: {why}"
    if verdict != "DENY":
        log.warning("policy %s failed open (%s): %s", spec.name, spec.on_error, why)
        reason += f" (on_error: {spec.on_error})"
    else:
        log.warning("policy %s failed closed: %s", spec.name, why)
    return PolicyDecision(spec, verdict, reason, elapsed_us, error=why)


def not_run(policy: CompiledPolicy, why: str, elapsed_us: float) -> PolicyDecision:
    """A server-wide or agent-spec policy refused without running, its threads held past
    their share (``engine.offload``): DENY, whatever its ``on_error``.  ``on_error`` answers
    for the policy's own failures; a refusal is what a session's events can provoke (calls
    that make it hang, threads held by many events), and it skips the policy on every input,
    so answering it by ``on_error: allow`` would let a lower level switch the policy off
    (DESIGN decision 10).  A session's own policy is the user's: its ``on_error`` answers."""
    spec = policy.spec
    if spec.level == "session":
        return failed(policy, f"not run: {why}", elapsed_us)
    why = f"not run: {said(spec, why)}"
    log.warning("policy %s refused, failing closed: %s", spec.name, why)
    return PolicyDecision(spec, "DENY", f"policy `{spec.name}` failed: {why} (fails closed)", elapsed_us, error=why)


def _describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def call_sync(policy: CompiledPolicy, event: object) -> PolicyDecision:
    start = perf_counter()
    try:
        raw = policy.fn(event)
    except BaseException as exc:  # SystemExit, KeyboardInterrupt & co. are a policy's failure too
        return raised(policy, exc, perf_counter() - start)
    return finish(policy, raw, perf_counter() - start)


def raised(policy: CompiledPolicy, exc: BaseException, elapsed: float) -> PolicyDecision:
    return failed(policy, f"raised {_describe(exc)}", elapsed * 1e6)


class _Raised(Exception):
    """A policy's SystemExit, KeyboardInterrupt or GeneratorExit, carried as an ordinary exception."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(type(original).__name__)
        self.original = original


async def _contained(awaitable: Awaitable[object]) -> object:
    # asyncio re-raises SystemExit and KeyboardInterrupt out of the event loop (stopping the
    # server) when a task's coroutine raises them: turn them into an ordinary exception inside it.
    try:
        return await awaitable
    except (SystemExit, KeyboardInterrupt, GeneratorExit) as exc:
        raise _Raised(exc) from None


def _cancelled_from_outside() -> bool:
    """Whether the running task is being cancelled (shutdown, a client gone), not the policy raising."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def finish(policy: CompiledPolicy, raw: object, elapsed: float) -> PolicyDecision:
    """Check the deadline and the shape of what a sync policy returned (elapsed in seconds)."""
    if elapsed > policy.timeout_s:
        return failed(policy, f"exceeded its deadline of {policy.timeout_s * 1000:.0f} ms", elapsed * 1e6)
    if raw is not None and hasattr(raw, "__await__"):
        close = getattr(raw, "close", None)
        if close is not None:
            close()
        return failed(policy, "returned an awaitable in a synchronous evaluation", elapsed * 1e6)
    try:
        return coerce(policy, raw, elapsed * 1e6)
    except MalformedResponse as exc:
        return failed(policy, f"returned a malformed response: {exc}", elapsed * 1e6)


async def call_async(policy: CompiledPolicy, event: object) -> PolicyDecision:
    if not policy.is_async:
        return call_sync(policy, event)
    start = perf_counter()
    try:
        awaitable = cast("Awaitable[object]", policy.fn(event))  # is_async: an async callable
        raw = await asyncio.wait_for(_contained(awaitable), timeout=policy.timeout_s)
    except _Raised as exc:
        return failed(policy, f"raised {_describe(exc.original)}", (perf_counter() - start) * 1e6)
    except TimeoutError:
        return failed(
            policy, f"exceeded its deadline of {policy.timeout_s * 1000:.0f} ms", (perf_counter() - start) * 1e6
        )
    except BaseException as exc:  # SystemExit, KeyboardInterrupt, a CancelledError of its own
        if isinstance(exc, asyncio.CancelledError) and _cancelled_from_outside():
            raise
        return failed(policy, f"raised {_describe(exc)}", (perf_counter() - start) * 1e6)
    elapsed = (perf_counter() - start) * 1e6
    try:
        return coerce(policy, raw, elapsed)
    except MalformedResponse as exc:
        return failed(policy, f"returned a malformed response: {exc}", elapsed)
