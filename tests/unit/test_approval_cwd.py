"""An approval is bound to the directory a tool call runs in, when the harness said it
(``context.cwd``): ``rm -rf build`` in one directory is not ``rm -rf build`` in another.  An
MCP server's tool is not (it runs where its server runs, and the proxy's event of a call a hook
also saw has no directory); an event without a directory keeps the digest it always had."""

from __future__ import annotations

import json
from typing import Any

from goalrail.engine.approvals import action_digest, call_digest, grant_key, preview

#: ``action_digest`` of ``rm -rf build`` before directories were bound (any context).
UNBOUND = "6e1695aa4e160518ec45a1ebd7e3ecee562a1840154e6b175198b2a8e722fd87"


def _call(cwd: str | None = None, target: str = "sys_os_shell", original: str | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {} if cwd is None else {"cwd": cwd}
    if original is not None:
        context["action"] = {"original": original}
    return {
        "type": "tool_call",
        "target": target,
        "data": {"arguments": {"command": "rm -rf build"}},
        "context": context,
    }


def test_the_directory_is_part_of_the_action() -> None:
    here, there = action_digest(_call("/home/a/proj")), action_digest(_call("/home/a"))
    assert here != there and UNBOUND not in (here, there)
    assert grant_key("server:gate#x", _call("/home/a/proj")) != grant_key("server:gate#x", _call("/home/a"))
    assert json.loads(preview(_call("/home/a/proj")))["cwd"] == "/home/a/proj"


def test_without_a_directory_the_digest_is_unchanged() -> None:
    assert action_digest(_call()) == UNBOUND
    assert action_digest({**_call(), "context": None}) == UNBOUND
    assert action_digest(_call("")) == UNBOUND
    assert "cwd" not in json.loads(preview(_call()))


def test_an_mcp_tool_is_not_bound_to_the_harness_directory() -> None:
    mcp = _call("/home/a/proj", target="mcp__shell__run")
    assert action_digest(mcp) == action_digest({**mcp, "context": {}})
    mapped = _call("/home/a/proj", original="mcp__shell__run")  # an MCP tool mapped onto sys_os_shell
    assert action_digest(mapped) == UNBOUND


def test_a_result_reports_the_call_of_its_directory() -> None:
    result = {
        "type": "tool_result",
        "target": "sys_os_shell",
        "data": {"arguments": {"command": "rm -rf build"}, "result": "ok"},
        "context": {"cwd": "/home/a/proj"},
    }
    assert call_digest(result) == action_digest(_call("/home/a/proj"))
    assert call_digest({**result, "context": {}}) == UNBOUND
