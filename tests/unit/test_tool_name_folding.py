"""Harness tool names compared loosely: another case or separator is the same tool, and no two
known names fold onto different canonical tools."""

from __future__ import annotations

import pytest

from goalrail.engine.actions import FOLD, HARNESS_ALIASES, ActionMapper


def test_no_two_aliases_fold_onto_different_tools() -> None:
    folded: dict[str, str] = {}
    for name, tool in HARNESS_ALIASES.items():
        assert folded.setdefault(name.lower().translate(FOLD), tool) == tool, name


@pytest.mark.parametrize(
    ("name", "tool"),
    [("RUN_SHELL_COMMAND", "sys_os_shell"), ("Web-Fetch", "web_fetch"), ("write file", "sys_os_write")],
)
def test_a_spelling_of_a_known_tool_maps_onto_it(name: str, tool: str) -> None:
    action = ActionMapper().map_tool(name, {})
    assert action["tool"] == tool and action["original"] == name and action["mapped_by"] == "builtin"


def test_a_configured_mapping_and_mcp_names_come_first() -> None:
    mapper = ActionMapper({"RUN_COMMAND": "database_write"})
    assert mapper.map_tool("RUN_COMMAND", {})["type"] == "database_write"
    assert ActionMapper().map_tool("mcp_box_bash", {})["tool"] == "mcp_box_bash"


def test_shell_targets_are_the_command_lines_as_they_run() -> None:
    """A program with its argument list is one target, `git push` (not `git`, nor `push` alone: an
    allow-list rule meets the command as it runs); an argv is one line; an interpreter named under
    `shell` beside the command is not a line of its own."""
    from goalrail.engine.targets import extract_targets

    assert extract_targets("shell_execute", {"command": "git", "args": ["push", "origin"]}) == ["git push origin"]
    assert extract_targets("shell_execute", {"command": ["git", "push"], "workdir": "/x"}) == ["git push"]
    assert extract_targets("shell_execute", {"cmd": "ls", "shell": "/bin/bash", "login": True}) == ["ls"]
    assert extract_targets("shell_execute", {"shell_command": "git push"}) == ["git push"]
    assert extract_targets("shell_execute", {"command": "make", "script": "git push"}) == ["make", "git push"]
