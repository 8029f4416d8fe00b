"""Policies the runtime always appends, after every configured level.

``ask_on_add_policy``: an agent asking to add a policy (the chat tool
``sys_add_policy``, through any MCP server name) always needs the user's
approval, and the question shows the handler and every parameter.  It cannot
be disabled from REST or chat.
"""

from __future__ import annotations

import json
from typing import Any

from goalrail.engine.chain import CompiledPolicy
from goalrail.engine.spec import PolicySpec

ADD_POLICY_TOOL = "sys_add_policy"


def _is_add_policy(name: Any) -> bool:
    return isinstance(name, str) and (name == ADD_POLICY_TOOL or name.endswith("__" + ADD_POLICY_TOOL))


def ask_on_add_policy(event: Any) -> Any:
    if event["type"] != "tool_call" or not _is_add_policy(event.get("target")):
        return None
    args = event["data"].get("arguments")
    args = args if isinstance(args, dict) else {}
    params = args.get("factory_params") or {}
    shown = json.dumps(params, sort_keys=True, default=str)
    if len(shown) > 600:
        shown = shown[:600] + "…"
    return {
        "result": "ASK",
        "reason": f"the agent wants to add session policy `{args.get('name')}` "
        f"({args.get('handler')}) with parameters {shown}",
    }


ADD_POLICY_GUARD = CompiledPolicy(
    spec=PolicySpec(
        "goalrail_add_policy_guard",
        f"{__name__}.ask_on_add_policy",
        level="server",
        kind="callable",
        extra={"description": "Built in: an agent asking to add a policy always needs your approval."},
    ),
    fn=ask_on_add_policy,
    is_async=False,
    timeout_s=5.0,
    shadow=False,
    ns="server:goalrail_add_policy_guard",
    inline=True,
)
