"""The 10-policy chain of bench/http_api.py (pure callables, the shapes builtins have)."""

from __future__ import annotations

import re
from typing import Any

OS_TOOLS = frozenset({"sys_os_read", "sys_os_write", "sys_os_edit", "sys_os_shell"})
BLOCKED = ("evil.com", "pastebin.com")
SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
EXPENSIVE = ("opus", "gpt-5")


def max_tool_calls(event: Any) -> Any:
    if event["type"] != "tool_call":
        return None
    n = event["policy_state"].get("n", 0)
    if n >= 10_000_000:
        return {"result": "DENY", "reason": "max_tool_calls: limit reached"}
    return {"result": "ALLOW", "state_updates": [{"key": "n", "action": "increment", "scope": "policy"}]}


def ask_on_rm(event: Any) -> Any:
    if event["type"] == "tool_call" and event["target"] in OS_TOOLS:
        args = event["data"]["arguments"]
        if isinstance(args, dict) and str(args.get("command", "")).startswith("rm"):
            return {"result": "ASK", "reason": "ask_on_rm: removing files needs approval"}
    return None


def block_domains(event: Any) -> Any:
    if event["type"] != "tool_call" or event["target"] != "web_fetch":
        return None
    url = str(event["data"]["arguments"].get("url", ""))
    for d in BLOCKED:
        if d in url:
            return {"result": "DENY", "reason": f"block_domains: {d} is blocked"}
    return {"result": "ALLOW"}


def pii(event: Any) -> Any:
    if event["type"] == "request" and SSN.search(event["data"]["user_content"]):
        return {"result": "DENY", "reason": "pii: the message contains an SSN"}
    return None


def cost(event: Any) -> Any:
    spent = event["context"]["usage"].get("total_cost_usd") or 0.0
    if spent >= 5.0 and event["type"] in ("tool_call", "request"):
        return {"result": "DENY", "reason": "cost: budget spent"}
    return None


def labels(event: Any) -> Any:
    if event["context"]["labels"].get("env") == "prod" and event["target"] == "sys_os_write":
        return {"result": "ASK", "reason": "labels: prod write"}
    return None


def routing(event: Any) -> Any:
    model = event["context"].get("model") or ""
    if event["type"] == "request" and len(event["data"]["user_content"]) < 20 and any(e in model for e in EXPENSIVE):
        return {"result": "DENY", "reason": "routing: trivial request on an expensive model"}
    return None


def skills(event: Any) -> Any:
    if event["type"] == "tool_call" and event["target"] == "load_skill":
        return {"result": "DENY", "reason": "skills: blocked"}
    return None


def paths(event: Any) -> Any:
    if event["type"] == "tool_call" and event["target"] == "sys_os_write":
        path = str(event["data"]["arguments"].get("file_path", ""))
        if path.startswith(("/etc/", "/usr/")):
            return {"result": "DENY", "reason": "paths: system path"}
    return None


def risk(event: Any) -> Any:
    if event["session_state"].get("risk_score", 0) > 50 and event["type"] == "tool_call":
        return {"result": "ASK", "reason": "risk: score too high"}
    return None


NAMES = ["max_tool_calls", "ask_on_rm", "block_domains", "pii", "cost", "labels", "routing", "skills", "paths", "risk"]


# Registered (as trusted, inline policies) by bench/decision.py and bench/scaling.py;
# bench/http_api.py names the handlers directly in its config file.
POLICY_REGISTRY = [{"handler": f"http_policies.{name}", "kind": "callable"} for name in NAMES]
