"""The tool calls a model's answer makes, judged as the ``tool_call`` events they will become.

Through the LLM proxy a harness runs the calls the model's answer names; the
answer (an ``llm_response``) may be the only event they reach Goalrail in.  So
each call in ``context["calls"]`` is also judged by the whole chain as a
``tool_call`` of that tool with those arguments (the tool gate, the shell,
file and GitHub policies, rate limits…), and the answer's verdict is the
stricter of its own and every call's: a call the tool gate denies withholds the
answer, one it asks about makes the answer an ASK (its approval bound to the
answer, its grants to each asking call as the ``tool_call`` it becomes: tool and
arguments, never the answer's model).

A dry run: the calls are judged against the session's state as it is, and
what their policies would change (counters, rate limits, provenance) is
dropped: the ``tool_call`` a hook reports when the harness runs the call is
the one counted, so a session seen by both the proxy and the hooks counts
each call once.  An answer without calls costs nothing more.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from goalrail.engine import approvals
from goalrail.engine.chain import Chain
from goalrail.engine.context import MAX_NAME, build_event, normalize_event
from goalrail.engine.decision import Decision
from goalrail.engine.evaluate import aevaluate, evaluate
from goalrail.policies.schema import AnswerCall, PolicyEvent

if TYPE_CHECKING:
    from goalrail.engine.snapshot import Snapshot
    from goalrail.runtime.ports import SessionInfo
    from goalrail.runtime.runtime import Runtime


class Draft(Protocol):
    """What judging an answer's calls reads of its event's work in progress (``runtime.draft.Draft``,
    or a dry run's :class:`Dry`)."""

    @property
    def snap(self) -> Snapshot: ...
    @property
    def event(self) -> PolicyEvent: ...
    @property
    def info(self) -> SessionInfo: ...
    @property
    def now(self) -> float: ...
    @property
    def actor(self) -> Mapping[str, object] | None: ...

    digest: str | None  # the answer's action digest, once computed
    ask_keys: list[str] | None  # an answer whose calls asked: its narrow grant keys


class Dry:
    """A dry run's answer (``Runtime.evaluate_dry``): its calls are judged as a committed answer's are."""

    __slots__ = ("actor", "ask_keys", "digest", "event", "info", "now", "snap")

    def __init__(
        self, snap: Snapshot, event: PolicyEvent, info: SessionInfo, now: float, actor: Mapping[str, object] | None
    ) -> None:
        self.snap, self.event, self.info, self.now, self.actor = snap, event, info, now, actor
        self.digest: str | None = None
        self.ask_keys: list[str] | None = None


#: The calls one answer may make: each is a chain evaluation; past it the answer is refused (fail closed).
MAX_CALLS = 128
_RANK = {"ALLOW": 0, "ASK": 1, "DENY": 2}
_SAID = ("ASK", "DENY")


def judge_calls(rt: Runtime, chain: Chain, d: Draft, own: Decision) -> Decision:
    """``own`` (the answer ``d``'s decision), or a stricter one a call of the answer gets as a ``tool_call``."""
    judging = _judging(rt, d, own)
    try:
        event = next(judging)
        while True:
            event = judging.send(evaluate(chain, event, d.snap.policy_states))
    except StopIteration as done:
        answer: Decision = done.value
        return answer


async def ajudge_calls(rt: Runtime, chain: Chain, d: Draft, own: Decision) -> Decision:
    """:func:`judge_calls` for a chain with policies that wait."""
    judging = _judging(rt, d, own)
    try:
        event = next(judging)
        while True:
            event = judging.send(await aevaluate(chain, event, d.snap.policy_states))
    except StopIteration as done:
        answer: Decision = done.value
        return answer


def _judging(rt: Runtime, d: Draft, own: Decision) -> Generator[PolicyEvent, Decision, Decision]:
    """Judging an answer's calls one by one, whichever way the chain runs: yields each call's
    ``tool_call`` event, is sent its decision, and returns the answer's (recording the narrow
    grant keys of the calls that asked on ``d``)."""
    calls = d.event["context"]["calls"]
    if len(calls) > MAX_CALLS:
        return _too_many(own, len(calls))
    first, asked = own, []
    for call in calls:
        if own.result == "DENY":
            break
        event = _call_event(rt, d, call)
        judged = yield event
        if judged.result == "ASK":
            asked.append((event, judged))
        own = _stricter(own, judged, call)
    if asked:
        d.ask_keys = _ask_keys(d, first, asked)
    return own


def _ask_keys(d: Draft, own: Decision, asked: list[tuple[PolicyEvent, Decision]]) -> list[str]:
    """The narrow grant keys of an answer whose calls asked: the answer's own question (when it
    asked one) keyed by the answer, and each asking call's keyed as its ``tool_call`` is — its
    tool and its arguments — so that "this tool for the session" given to an answer's ``Bash``
    call covers later ``Bash`` calls, not every call of every answer from that model, and a grant
    answers the same call whether a hook or the LLM proxy reports it."""
    keys: list[str] = []
    if own.result == "ASK":
        d.digest = d.digest or approvals.action_digest(d.event)
        keys.extend(approvals.grant_key(k, d.event, d.digest) for k in own.asking_keys)
    for event, judged in asked:
        digest = approvals.action_digest(event)
        keys.extend(k for k in (approvals.grant_key(p, event, digest) for p in judged.asking_keys) if k not in keys)
    return keys


def _call_event(rt: Runtime, d: Draft, call: AnswerCall) -> Any:
    """The policy event of the ``tool_call`` ``call`` becomes: the answer's session, harness, cwd and actor."""
    given = d.event["context"]
    name = call["name"][:MAX_NAME] or "unknown"
    raw = normalize_event(
        {
            "type": "tool_call",
            "target": name,
            "data": {"name": name, "arguments": call["arguments"]},
            "context": {"harness": given.get("harness"), "agent": given.get("agent"), "cwd": given.get("cwd")},
        }
    )
    mapper = rt.mappers.get(d.info.agent) or rt.mapper_for(d.info.agent)
    # The answer's provenance view: the same session and snapshot.
    return build_event(raw, d.snap, mapper, d.now, rt.llm_client, rt.prices, d.actor, given["provenance"])


def _stricter(own: Decision, judged: Decision, call: AnswerCall) -> Decision:
    """The answer's decision with the call's verdict when it is stricter: the answer's own
    changes (usage, a released reservation) kept, none of the call's (a dry run)."""
    if _RANK.get(judged.result, 2) <= _RANK.get(own.result, 0):
        return own
    said = [d for d in judged.decisions if d.verdict in _SAID or d.error]
    return Decision(
        judged.result,
        f"tool call `{call['name']}` in the answer: {judged.reason}",
        judged.policy,
        [*own.decisions, *said],
        own.duration_us + judged.duration_us,
        state_updates=own.state_updates,
        set_labels=own.set_labels,
        data=own.data,
        warnings=own.warnings or None,
        end_session=own.end_session,
        asking=judged.asking_keys or None,
        ask_timeout_s=judged.ask_timeout_s,
    )


def _too_many(own: Decision, count: int) -> Decision:
    reason = f"the answer makes {count} tool calls, more than the {MAX_CALLS} judged in one answer"
    return own.resolved("DENY", reason)
