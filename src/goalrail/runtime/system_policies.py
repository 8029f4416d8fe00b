"""Policies the runtime always appends, after every configured level.

``ask_on_add_policy``: an agent asking to add a policy (the chat tool
``sys_add_policy``, through any MCP server name) always needs the user's
approval, and the approver sees every parameter whole, those that differ from
the handler's defaults first (DESIGN decision 10).  Nothing is ever cut: an
add whose parameters cannot be shown whole (over ``SHOW_LIMIT`` characters),
or that its handler's ``params_schema`` refuses, is denied with a clear reason
before anyone is asked.  It cannot be disabled from REST or chat.

The same holds for every other approval (``refuse_unshown``): its preview is
the whole action, and an ASK about a tool call, result, request or response
whose preview is longer than ``approvals.ACTION_SHOW_LIMIT`` is a DENY saying so, never an
approval of something cut short.  Model requests and answers are shown whole
at any length.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from goalrail.engine import approvals
from goalrail.engine.chain import CompiledPolicy
from goalrail.engine.decision import Decision
from goalrail.engine.spec import PolicySpec
from goalrail.errors import GoalrailError
from goalrail.policies.redact import redact_value
from goalrail.policies.registry import Registry

ADD_POLICY_TOOL = "sys_add_policy"
SHOW_LIMIT = approvals.SHOW_LIMIT  # characters of parameters an approver is shown, whole; more is refused
GUARD_NAME = "goalrail_add_policy_guard"
_AS_MCP_TOOL = "__" + ADD_POLICY_TOOL  # an MCP server's tool of that name (``mcp__server__sys_add_policy``)
_MCP_SUFFIX_AT = -len(_AS_MCP_TOOL)  # ``name[_MCP_SUFFIX_AT:] == _AS_MCP_TOOL``: ``name.endswith(_AS_MCP_TOOL)``


def is_add_policy(name: object) -> bool:
    """Whether a tool call is the chat flow's add (``sys_add_policy``, also as an MCP server's tool)."""
    return isinstance(name, str) and (name == ADD_POLICY_TOOL or name.endswith(_AS_MCP_TOOL))


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _request(event: Mapping[str, object]) -> dict[str, object] | None:
    if event.get("type") != "tool_call" or not is_add_policy(event.get("target")):
        return None
    data = event.get("data")
    args = data.get("arguments") if isinstance(data, Mapping) else None
    return dict(args) if isinstance(args, Mapping) else {}


def parameters_shown(request: Mapping[str, object], registry: Registry | None) -> dict[str, Any]:
    """Every parameter of an add, structured: ``changed`` (differs from the default, or
    has none; shortest first) then ``defaults`` (left as they are, with their values)."""
    params = request.get("factory_params")
    params = dict(params) if isinstance(params, Mapping) else {"(not an object)": params}
    handler = request.get("handler")
    entry = registry.get(handler) if registry is not None and isinstance(handler, str) else None
    defaults = entry.defaults() if entry is not None else {}
    changed = {k: v for k, v in params.items() if k not in defaults or defaults[k] != v}
    kept = {k: v for k, v in defaults.items() if k not in changed}
    # Shortest first: a small value that matters is never below a long list.
    return {
        "name": request.get("name"),
        "handler": handler,
        "changed": dict(sorted(changed.items(), key=lambda kv: (len(_json(kv[1])), kv[0]))),
        "defaults": dict(sorted(kept.items())),
    }


def add_policy_preview(event: Mapping[str, object], registry: Registry | None = None) -> str | None:
    """The approval preview of an add (None for any other action), shaped as every preview
    is (``type``, ``target``, ``data.arguments``) with the arguments structured, whole."""
    request = _request(event)
    if request is None:
        return None
    target = event.get("target")
    body = {
        "type": "tool_call",
        "target": target,
        "data": {"name": target, "arguments": redact_value(parameters_shown(request, registry))},
    }
    return json.dumps(body, indent=2, ensure_ascii=False, default=str)


#: Phases whose preview is shown whole at any length: what a model is sent or answers is the
#: conversation itself (the user's own, long in any real session), and the question put to the
#: approver (a spend threshold, a model, personal data) is named in the reason.
_SHOWN_AT_ANY_LENGTH = ("llm_request", "llm_response")


def refuse_unshown(decision: Decision, event: Mapping[str, object]) -> Decision:
    """An ASK whose action cannot be shown whole, as a DENY (an approval never hides what it
    approves).  An add has its own rule, in its guard; nothing held applies, as nothing was approved."""
    return refuse_unshown_previewed(decision, event)[0]


def refuse_unshown_previewed(decision: Decision, event: Mapping[str, object]) -> tuple[Decision, str | None]:
    """:func:`refuse_unshown`, with the ``approvals.preview`` of ``event`` it encoded to measure
    (None when it encoded none), for the approval to show without encoding it again."""
    if decision.result != "ASK" or event.get("type") in _SHOWN_AT_ANY_LENGTH or _request(event) is not None:
        return decision, None
    shown = approvals.preview(event)
    size = len(shown)
    if size <= approvals.ACTION_SHOW_LIMIT:
        return decision, shown
    limit = approvals.ACTION_SHOW_LIMIT
    reason = (
        f"this action takes {size} characters, more than the {limit} an approver can be shown whole, "
        f"so it cannot be put to a human and is refused (asked: {decision.reason})"
    )
    return decision.resolved("DENY", reason, changes=False), None


def _refuse(why: str) -> dict[str, str]:
    return {"result": "DENY", "reason": f"adding a session policy refused: {why}"}


def add_policy_guard(registry: Registry | None) -> CompiledPolicy:
    """The always-on guard, describing parameters against ``registry``'s defaults."""

    def ask_on_add_policy(event: Mapping[str, object]) -> object:
        # Called for every event: any other action answered here, before ``_request``'s calls
        # (the same test: a tool call whose target is an add).
        if event.get("type") != "tool_call":
            return None
        target = event.get("target")
        # (the suffix compared as a slice: ``endswith`` is a method call, ≈ 0.9 k instructions, on every tool call)
        if target != ADD_POLICY_TOOL and not (isinstance(target, str) and target[_MCP_SUFFIX_AT:] == _AS_MCP_TOOL):
            return None
        request = _request(event)
        if request is None:
            return None
        shown = parameters_shown(request, registry)
        handler, params = shown["handler"], request.get("factory_params") or {}
        if registry is not None and isinstance(handler, str):
            try:
                registry.require(handler)
                registry.validate(handler, params if isinstance(params, Mapping) else {"": params})
            except GoalrailError as exc:
                return _refuse(exc.message)
        changed = "; ".join(f"`{k}` = {_json(v)}" for k, v in shown["changed"].items()) or "none"
        kept = "; ".join(f"`{k}` = {_json(v)}" for k, v in shown["defaults"].items()) or "none"
        if len(changed) + len(kept) > SHOW_LIMIT:
            return _refuse(
                f"its parameters take {len(changed) + len(kept)} characters, more than the {SHOW_LIMIT} "
                "an approver can be shown whole; add it from the settings panel instead"
            )
        return {
            "result": "ASK",
            "reason": f"the agent wants to add session policy `{shown['name']}` ({handler}); "
            f"parameters that differ from the defaults: {changed}; left at their defaults: {kept}",
        }

    return CompiledPolicy(
        spec=PolicySpec(
            GUARD_NAME,
            f"{__name__}.ask_on_add_policy",
            level="server",
            kind="callable",
            extra={"description": "Built in: an agent asking to add a policy always needs your approval."},
        ),
        fn=ask_on_add_policy,
        is_async=False,
        timeout_s=5.0,
        shadow=False,
        ns=f"server:{GUARD_NAME}",
        inline=True,
    )


ADD_POLICY_GUARD = add_policy_guard(None)
ask_on_add_policy = ADD_POLICY_GUARD.fn
