"""Rules keyed by tool, for bench/scaling.py: one instance per tool, each declaring
(``listens_to``) the one tool it judges."""

from __future__ import annotations

from typing import Any

try:
    from goalrail.policies.listens import listens_to
except ImportError:  # a Goalrail without the chain index: the same rules, undeclared

    def listens_to(**_: Any) -> Any:
        return lambda obj: obj


def tool_rule(tool: str) -> Any:
    """DENY ``tool`` when its ``path`` argument starts with /etc; ALLOW it otherwise."""

    @listens_to(types=("tool_call",), tools=(tool,))
    def policy(event: Any) -> Any:
        if event["type"] != "tool_call" or event["target"] != tool:
            return None
        path = str(event["data"]["arguments"].get("path", ""))
        if path.startswith("/etc"):
            return {"result": "DENY", "reason": f"{tool}: /etc is off limits"}
        return {"result": "ALLOW"}

    return policy


POLICY_REGISTRY = [
    {
        "handler": "scaling_rules.tool_rule",
        "kind": "factory",
        "params_schema": {"type": "object", "properties": {"tool": {"type": "string"}}, "required": ["tool"]},
    }
]
