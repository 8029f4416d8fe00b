"""Validating raw events and building the PolicyEvent every policy sees.

One total schema per phase: a tool phase without a tool name, or a payload of
the wrong shape, is rejected here rather than normalised into something that
lets tool-scoped policies skip it.  The context is built in exactly one place.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from goalrail.engine.actions import DEFAULT_MAPPER, NO_ACTION, ActionMapper
from goalrail.engine.answer_calls import answer_calls
from goalrail.engine.levels import EMPTY_VIEW
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.state import ReadOnlyEntry, SharedEntry
from goalrail.engine.targets import FILE_TYPES, run_in, with_resolved_paths
from goalrail.engine.tokens import tokens_of
from goalrail.errors import InvalidEvent
from goalrail.policies.provenance import EMPTY as EMPTY_PROVENANCE
from goalrail.policies.schema import PHASES, Action, PolicyEvent
from goalrail.policies.written import NS as WRITTEN_NS

TRUSTED_CONTEXT_KEYS = ("model", "harness", "agent", "cwd")
_TOOL_PHASES = ("tool_call", "tool_result")
_PHASE_NAMES = frozenset(PHASES)
#: The read-only view build_event shows of any empty mapping of the snapshot (the usual state,
#: owner state, labels and usage): a view of an empty dict nothing can change, so one for every event.
_EMPTY_VIEW = EMPTY_VIEW


def _bad(loc: str, message: str) -> InvalidEvent:
    return InvalidEvent(f"invalid event: {loc}: {message}", [{"loc": loc, "message": message}])


#: Characters of a name (a tool, a model, a harness, an agent): policies match names against
#: session-supplied globs, at a cost that grows with the name, so a longer one is refused.
MAX_NAME = 1024
#: Characters of ``context.cwd`` (a path; PATH_MAX on Linux is 4,096 bytes).
MAX_CWD = 4096


def _no_nul(value: Any, loc: str) -> None:
    """Model, harness, agent, cwd and ids end up in text columns, which hold no NUL on
    PostgreSQL: refused here, so every store answers the same 422 naming the field."""
    if isinstance(value, str) and "\x00" in value:
        raise _bad(loc, "must not contain NUL characters")


def _short(value: object, loc: str, limit: int = MAX_NAME) -> None:
    """A name longer than ``limit`` is refused before any policy matches it."""
    if isinstance(value, str) and len(value) > limit:
        raise _bad(loc, f"must be at most {limit} characters")


def _copy(data: Mapping[str, object]) -> dict[str, object]:
    """A plain dict of ``data``'s items, in its order: ``{**data, "k": v}`` less its second dict
    (that literal makes an empty dict, updates it, then makes and merges a dict of ``k``)."""
    return data.copy() if type(data) is dict else dict(data)


def _request_data(data: Any) -> dict[str, Any]:
    """A user request: text, or an object with ``user_content`` (or ``text``) and attachments."""
    if isinstance(data, str):
        return {"user_content": data, "attachments": []}
    if type(data) is dict or isinstance(data, Mapping):
        content = data.get("user_content", data.get("text", ""))
        if not isinstance(content, str):
            raise _bad("data.user_content", "must be a string")
        attachments = data.get("attachments")
        out = _copy(data)
        out["user_content"] = content
        out["attachments"] = list(attachments) if attachments else []
        return out
    raise _bad("data", "must be a string or an object with `user_content`")


def _llm_data(data: Any, etype: str) -> Any:
    """An LLM call: messages a list, the model a string, a response's usage readable."""
    if data is None:
        data = {}
    if type(data) is not dict and not isinstance(data, Mapping):
        raise _bad("data", "must be an object")
    if etype == "llm_request":
        messages = data.get("messages", [])
        if not isinstance(messages, list):
            raise _bad("data.messages", "must be a list")
    model = data.get("model")
    if model is not None:
        if not isinstance(model, str):
            raise _bad("data.model", "must be a string")
        if "\x00" in model or len(model) > MAX_NAME:  # ``_no_nul`` and ``_short``, called only to refuse
            _no_nul(model, "data.model")
            _short(model, "data.model")
    if etype == "llm_response":
        try:
            tokens_of(data.get("usage"))
        except ValueError as exc:
            raise _bad("data.usage", str(exc)) from None
    return data


def _phase_data(raw: Mapping[str, Any], etype: str) -> Any:
    """``data`` checked (and normalised) against the schema of its phase (not a tool phase's:
    :func:`normalize_event` checks that one)."""
    data = raw.get("data")
    if etype == "request":
        return _request_data(data)
    if etype in ("llm_request", "llm_response"):
        return _llm_data(data, etype)
    if etype == "session_start":
        return dict(data) if isinstance(data, Mapping) else {}
    if etype == "response" and data is not None and not isinstance(data, (str, Mapping)):
        raise _bad("data", "must be a string or an object")
    return data


def normalize_event(raw: Any) -> dict[str, Any]:
    """Check a raw event's shape per phase and return a normalised copy."""
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise _bad("event", "must be a JSON object")
    etype = raw.get("type")
    if type(etype) is not str or etype not in _PHASE_NAMES:  # (one set lookup for a phase's name)
        if etype is None:
            raise _bad("type", "is required")
        if etype not in PHASES:
            raise _bad("type", f"`{str(etype)[:40]}` is not one of {', '.join(PHASES)}")
    target = raw.get("target")
    if target is not None:
        if not isinstance(target, str):
            raise _bad("target", "must be a string or null")
        if len(target) > MAX_NAME:  # ``_short``, called only to refuse
            _short(target, "target")
    context = raw.get("context")
    if context:
        if type(context) is not dict and not isinstance(context, Mapping):
            raise _bad("context", "must be an object")
        for key in TRUSTED_CONTEXT_KEYS:
            value = context.get(key)
            if isinstance(value, str) and ("\x00" in value or len(value) > MAX_NAME):
                _no_nul(value, f"context.{key}")
                _short(value, f"context.{key}", MAX_CWD if key == "cwd" else MAX_NAME)
        context = dict(context)
    else:  # absent or empty (or any falsy value): an empty context of its own
        context = {}
    if etype in _TOOL_PHASES:  # (most events: checked here, without a call)
        # A tool phase names its tool (``target`` or ``data.name``); arguments are an object or a string.
        data = raw.get("data")
        if data is None:
            data = {}
        if type(data) is not dict and not isinstance(data, Mapping):
            raise _bad("data", "must be an object with `name` and `arguments`")
        name = data.get("name") or target
        if not isinstance(name, str) or not name.strip():
            raise _bad("data.name", "a tool phase needs a non-empty tool name (in `target` or `data.name`)")
        args = data.get("arguments")  # (no default: an empty dict made only when it is absent)
        if args is None:
            args = {}
        if type(args) is not dict and not isinstance(args, (Mapping, str)):
            raise _bad("data.arguments", "must be an object or a string")
        if len(name) > MAX_NAME:  # ``_short``, called only to refuse
            _short(name, "data.name" if data.get("name") else "target")
        out: dict[str, Any] = {"type": etype, "target": name, "context": context}
        if etype == "tool_result" and "request_data" not in raw:
            out["request_data"] = {"name": name, "arguments": args}
        data = data.copy() if type(data) is dict else dict(data)  # ``_copy``, without the call
        data["name"] = name
        data["arguments"] = args
    else:
        out = {"type": etype, "target": target, "context": context}
        data = _phase_data(raw, etype)
    if "request_data" in raw:
        out["request_data"] = raw["request_data"]
    event_id = raw.get("id")
    if event_id is not None:
        if not isinstance(event_id, str) or not 0 < len(event_id) <= 200:
            raise _bad("id", "must be a string of 1 to 200 characters")
        _no_nul(event_id, "id")
        out["id"] = event_id
    out["data"] = data
    return out


def build_event(
    raw: Mapping[str, Any],
    snapshot: Snapshot,
    mapper: ActionMapper = DEFAULT_MAPPER,
    now: float | None = None,
    llm_client: Any = None,
    prices: Any = None,
    actor: Mapping[str, Any] | None = None,
    provenance: Any = None,
) -> PolicyEvent:
    """The PolicyEvent for a *normalised* raw event and a session snapshot.  Only a few context keys are
    taken from the caller (``model``, ``harness``, ``agent`` but from an admin's or the library's, ``cwd``);
    the actor comes from authentication, never the body.  ``llm_client`` and ``prices`` are the runtime's
    (the routing classifier, the cost budgets); an ``llm_response``'s tool calls are mapped (``calls``)."""
    now = time.time() if now is None else now
    data = raw["data"]
    etype = raw["type"]
    model = None
    if etype in _TOOL_PHASES:
        original = raw["target"]
        action = mapper.map_tool(original, data.get("arguments"), data.get("annotations"))
        target = action["tool"]
        if target != original:
            data = {**data, "name": target, "original_name": original}  # a copy, as named by the mapping
        elif "original_name" in data:  # only the mapping says what a tool was called (the approver reads it)
            data = _unnamed(data)
    else:
        action = NO_ACTION.copy()
        target = raw.get("target")
        if (etype == "llm_request" or etype == "llm_response") and (type(data) is dict or isinstance(data, Mapping)):
            model = data.get("model")
    given = raw.get("context")
    if given:
        model = model or given.get("model") or snapshot.model
        harness = given.get("harness") or snapshot.harness
        # only the library's caller or an admin names an agent other than the session's spec
        agent = snapshot.agent or (given.get("agent") if actor is None or actor.get("role") == "admin" else None)
        cwd = given.get("cwd")
    else:  # no context given (or an empty one): the session's own, without four reads of an empty dict
        model = model or snapshot.model
        harness = snapshot.harness
        agent = snapshot.agent or None
        cwd = None
    if action["type"] in FILE_TYPES:
        _file_paths(action, cwd)
    context = {
        "session_id": snapshot.session_id,
        "actor": dict(actor) if actor else {"run_as": snapshot.owner, "client_id": snapshot.client_id},
        "usage": MappingProxyType(usage) if (usage := snapshot.usage) else _EMPTY_VIEW,
        # A store's shared entry brings its view (the memory store's: one per owner and day).
        "user_daily_cost": daily.view
        if type(daily := snapshot.user_daily_cost) is SharedEntry
        else MappingProxyType(daily),
        "user_state": MappingProxyType(user_state) if (user_state := snapshot.user_state) else _EMPTY_VIEW,
        "model": model,
        "harness": harness,
        "agent": agent,
        "cwd": cwd,
        "labels": MappingProxyType(labels) if (labels := snapshot.labels) else _EMPTY_VIEW,
        "history": snapshot.history,
        "action": action,
        "now": now,
        "provenance": provenance if provenance is not None else EMPTY_PROVENANCE,
    }
    if etype == "llm_response" or action["type"] == "shell_execute":
        _answer_or_shell(context, etype, data, mapper, snapshot)
    event: dict[str, Any] = {
        "type": etype,
        "target": target,
        "data": data,
        "context": context,
        "session_state": MappingProxyType(state) if (state := snapshot.state) else _EMPTY_VIEW,
        "llm_client": llm_client,
        "prices": prices,
    }
    if "request_data" in raw:
        event["request_data"] = raw["request_data"]
    if "id" in raw:
        event["id"] = raw["id"]
    return event  # type: ignore[return-value]


def _answer_or_shell(
    context: dict[str, object], etype: str, data: Mapping[str, object], mapper: ActionMapper, snapshot: Snapshot
) -> None:
    """An answer's tool calls (``calls``: judged as tool calls are); for a shell call, the files the
    session wrote before (``written``: ``policies.written``), read-only."""
    if etype == "llm_response":
        if calls := answer_calls(data, mapper):
            context["calls"] = calls
    elif written := snapshot.policy_states.get(WRITTEN_NS):
        context["written"] = MappingProxyType(written)


def _unnamed(data: Mapping[str, object]) -> dict[str, object]:
    """A tool event's ``data`` without the ``original_name`` its caller sent: only the mapping
    says what a tool was called (``Bash`` for ``sys_os_shell``), and the approver reads it."""
    return {k: v for k, v in data.items() if k != "original_name"}


def _file_paths(action: Action, cwd: object) -> None:
    """A file action's canonical path spellings (``targets.with_resolved_paths``), relative paths
    taken from the directory the call names (``targets.run_in``), else the cwd; its usual one
    canonical absolute path (no ``.``, ``..``, ``//``, trailing ``/``, backslash, NUL, nor
    ``/proc/``) makes no further call."""
    subject = action["target"]
    if subject is None or (
        subject[:1] == "/"
        and "/." not in subject
        and "//" not in subject
        and "targets" not in action
        and subject[-1] != "/"
        and "\\" not in subject
        and "\0" not in subject
        and subject[:6] != "/proc/"
    ):
        return
    dirs = action.get("dir_args")
    with_resolved_paths(action, run_in(action["type"], dirs, cwd) if dirs else cwd)


def history_entry(event: Mapping[str, Any], verdict: str, policy: str | None, now: float) -> ReadOnlyEntry:
    """The session history's entry for one decision, read-only as stores keep it (so it is not copied again)."""
    action = event["context"].get("action") or {}
    # Keywords, not a dict literal handed over: the same keys in the same order, their dict made in C.
    return ReadOnlyEntry(
        type=event["type"],
        target=event.get("target"),
        action=action.get("type"),
        verdict=verdict,
        policy=policy,
        at=now,
    )
