"""A harness's own worktree tools meet ``block_working_dir_changes`` as the shell spelling does.

Claude Code 2.1's ``EnterWorktree`` runs ``git worktree add`` and moves the session into the new
worktree (``name``), or into an existing one anywhere on the disk (``path``); ``ExitWorktree``
with ``action: remove`` deletes it.  Both reached Goalrail as unknown tools, so the policy that
refuses ``git worktree add`` and ``cd`` in a shell command let them through (checked with the real
CLI: ``tests/e2e/test_claude_worktree.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine.actions import ActionMapper
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.policies.builtins.working_dir import block_working_dir_changes

APP = "/home/dev/app"
MAPPER = ActionMapper()


def verdict(policy: Any, tool: str, arguments: Any) -> str:
    raw: dict[str, Any] = {"type": "tool_call", "target": tool, "data": {"arguments": arguments}}
    raw["context"] = {"cwd": APP}
    event = dict(build_event(normalize_event(raw), Snapshot("s1"), now=1_000.0, mapper=MAPPER))
    out = policy(event)
    return "ALLOW" if out is None else str(out["result"])


@pytest.mark.parametrize(
    ("params", "tool", "arguments", "expected"),
    [
        ({"block_cd": False}, "EnterWorktree", {"name": "feature"}, "DENY"),  # git worktree add
        ({"block_cd": False}, "EnterWorktree", {}, "DENY"),  # a random name
        ({"block_cd": False}, "ExitWorktree", {"action": "remove", "discard_changes": True}, "DENY"),
        ({"block_worktree": False}, "EnterWorktree", {"path": "/tmp/elsewhere"}, "DENY"),  # cd outside
        ({"block_worktree": False, "allowed_dirs": [APP]}, "EnterWorktree", {"path": "/tmp/elsewhere"}, "DENY"),
        ({"block_worktree": False, "allowed_dirs": ["."]}, "EnterWorktree", {"path": "../other"}, "DENY"),
        ({"block_worktree": False, "allowed_dirs": [APP]}, "EnterWorktree", {"name": "../../../etc"}, "DENY"),
        ({"block_worktree": False}, "EnterWorktree", {"path": "$HOME/wt"}, "ASK"),
        ({}, "enter_worktree", {"name": "x"}, "DENY"),  # the name in another spelling
    ],
)
def test_worktree_tools_meet_the_rules_on_git_worktree_and_cd(
    params: dict[str, Any], tool: str, arguments: Any, expected: str
) -> None:
    assert verdict(block_working_dir_changes(**params), tool, arguments) == expected


@pytest.mark.parametrize(
    ("params", "tool", "arguments"),
    [
        ({"block_worktree": False, "allowed_dirs": [APP]}, "EnterWorktree", {"name": "feature"}),  # inside the project
        ({"block_worktree": False, "allowed_dirs": [APP]}, "EnterWorktree", {"path": f"{APP}/.claude/worktrees/f"}),
        ({}, "ExitWorktree", {"action": "keep"}),  # back to where the session started
        ({"block_cd": False}, "ExitWorktree", {"action": "keep"}),
    ],
)
def test_worktree_tools_the_rules_allow(params: dict[str, Any], tool: str, arguments: Any) -> None:
    assert verdict(block_working_dir_changes(**params), tool, arguments) == "ALLOW"
