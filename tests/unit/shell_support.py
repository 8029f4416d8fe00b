"""What the shell and database rule tests share: the policies they judge by and the events they
judge (a Claude Code tool call in ``APP``, built as the runtime builds it)."""

from __future__ import annotations

import re
from typing import Any

from goalrail.engine.actions import ActionMapper
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.patterns.templates._base import CLUSTER_CHANGE
from goalrail.policies.builtins.patterns import pattern_policy

APP = "/home/dev/app"
MAPPER = ActionMapper()
#: a user's file rules (read, write, delete, move, chmod)
RULES = pattern_policy(
    inline={
        "name": "files",
        "default_action": "allow",
        "patterns": [
            {"id": "ssh", "action_type": "file_read", "pattern": ".*\\.ssh/", "action": "deny"},
            {"id": "env", "action_type": "file_read", "pattern": "(.*/)?\\.env$", "action": "deny"},
            {"id": "shadow", "action_type": "file_read", "pattern": "^/etc/shadow$", "action": "deny"},
            {"id": "root", "action_type": "file_read", "pattern": "^/root/", "action": "deny"},
            {"id": "etc_w", "action_type": "file_write", "pattern": "^/etc/", "action": "deny"},
            {"id": "rc_w", "action_type": "file_write", "pattern": "(.*/)?\\.bashrc$", "action": "deny"},
            {"id": "ssh_d", "action_type": "file_delete", "pattern": ".*\\.ssh(/|$)", "action": "deny"},
            {"id": "etc_d", "action_type": "file_delete", "pattern": "^/etc/", "action": "deny"},
            {"id": "mv_etc", "action_type": "file_move", "pattern": "^/etc/", "action": "deny"},
            {"id": "chmod_ww", "action_type": "file_chmod", "pattern": ".*:0?[0-7]?[0-7][2367]$", "action": "deny"},
        ],
    }
)
#: a user's rules on programs (anchored at the line's start, as every pattern is)
USER = pattern_policy(
    inline={
        "name": "user_shell",
        "default_action": "allow",
        "patterns": [
            {
                "id": "force",
                "action_type": "shell_execute",
                "pattern": r"git\s+push\s+.*(--force|-f\b)",
                "action": "deny",
            },
            {"id": "reset", "action_type": "shell_execute", "pattern": r"git\s+reset\s+--hard", "action": "deny"},
            {"id": "net", "action_type": "shell_execute", "pattern": r"(curl|wget|nc)\b", "action": "deny"},
            {"id": "rmrf", "action_type": "shell_execute", "pattern": r"rm\s+-rf\b", "action": "deny"},
        ],
    }
)
READ_ONLY = pattern_policy(policy="read_only")
STRICT = pattern_policy(policy="strict")
HIPAA = pattern_policy(policy="hipaa_standard")
SOC2 = pattern_policy(policy="soc2_compliant")
SOC2_AVAILABILITY = pattern_policy(policy="soc2_compliant", criteria=["availability"])
SOC2_ALL = pattern_policy(
    policy="soc2_compliant",
    criteria=["security", "availability", "processing_integrity", "confidentiality", "privacy"],
)
PERMISSIVE = pattern_policy(policy="permissive")


def event(tool: str, arguments: dict[str, Any], cwd: str | None = APP, mapper: ActionMapper = MAPPER) -> dict[str, Any]:
    raw: dict[str, Any] = {"type": "tool_call", "target": tool, "data": {"arguments": arguments}}
    if cwd is not None:
        raw["context"] = {"cwd": cwd}
    ev = dict(build_event(normalize_event(raw), Snapshot("s1"), now=1_000.0, mapper=mapper))
    ev["policy_state"] = {}
    return ev


def verdict(policy: Any, command: str, tool: str = "Bash", cwd: str | None = APP) -> str:
    res = policy(event(tool, {"command": command}, cwd))
    return "ALLOW" if res is None else str(res["result"])


def tool_verdict(policy: Any, tool: str, arguments: dict[str, Any], mapper: ActionMapper = MAPPER) -> str:
    res = policy(event(tool, arguments, APP, mapper))
    return "ALLOW" if res is None else str(res["result"])


def unprivileged(name: str, command: str) -> str:
    """What template ``name`` answers a ``command`` no privilege rule meets: ALLOW, or ASK where it
    holds a change to a live cluster for approval (``strict``, ``soc2_compliant``: ``CLUSTER_CHANGE``)."""
    changes = re.search(CLUSTER_CHANGE, command) is not None
    return "ASK" if changes and name in ("strict", "soc2_compliant", "soc2") else "ALLOW"
