"""What a tool call's event is prepared with, read once per tool name or argument key (issue 13):
each action type's reader of a call's subjects, kept per name, reads what ``subjects`` reads;
the argument keys known to name no directory skip the directory check and nothing else; a
phase's name found by one set lookup still refuses and accepts what the tuple of phases did."""

from __future__ import annotations

import enum
from collections import OrderedDict
from typing import Any

import pytest

from goalrail.engine import actions
from goalrail.engine.actions import ActionMapper
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.targets import extract_targets, reader, subjects
from goalrail.errors import InvalidEvent

PATCH = "*** Begin Patch\n*** Add File: src/app.py\n+x\n*** Delete File: /etc/cron.d/x\n*** End Patch"
CALLS: list[tuple[str | None, dict[str, Any]]] = [
    ("shell_execute", {"command": "ls -la"}),
    ("shell_execute", {"cmd": ["bash", "-lc", "ls"]}),
    ("shell_execute", {"command": None, "script": "echo hi"}),
    ("shell_execute", {"command": 5}),
    ("file_read", {"file_path": "/repo/README.md"}),
    ("file_read", {"paths": ["/a", "/b"], "FilePath": "/c"}),
    ("file_read", {"pattern": "**/*.py"}),
    ("file_read", {1: "x", "Target_File": "/t"}),
    ("file_write", {"file_path": "/etc/passwd", "content": "x"}),
    ("file_write", {"input": PATCH}),
    ("file_delete", {"path": ""}),
    ("network_request", {"url": "https://a.example", "prompt": "https://b.example"}),
    ("network_request", {"prompt": "see https://b.example, and https://c.example."}),
    (None, {"owner": "o", "repo": "r"}),
    (None, {"repo": "r", "query": "select", "name": "n"}),
    ("database_write", {"sql": ["a", 1], "host": "db"}),
]


@pytest.mark.parametrize(("action_type", "arguments"), CALLS)
def test_each_types_reader_reads_what_subjects_reads(action_type: str | None, arguments: dict[str, Any]) -> None:
    expected = subjects(action_type, OrderedDict(arguments))  # (a Mapping: read from its plain copy)
    assert reader(action_type)(arguments) == expected == subjects(action_type, arguments)
    assert extract_targets(action_type, arguments) == (
        [] if expected is None else [expected] if isinstance(expected, str) else expected
    )


@pytest.mark.parametrize("tool", ["Bash", "Read", "Write", "WebFetch", "read_many_files", "mcp__github__create_pr"])
def test_a_calls_target_is_its_types_subjects_from_the_first_call_on(tool: str) -> None:
    mapper = ActionMapper()
    for _, arguments in CALLS:
        for _ in range(2):  # the second from the name's cache
            action = mapper.map_tool(tool, arguments)
            found = subjects(action["type"], arguments)
            assert action["target"] == (found[0] if isinstance(found, list) else found)
            assert action.get("targets") == (found if isinstance(found, list) else None)


def test_keys_known_to_name_no_directory_skip_only_the_directory_check() -> None:
    mapper = ActionMapper()
    plain = mapper.map_tool("Bash", {"command": "ls", "timeout": 5})
    assert "dir_args" not in plain and {"command", "timeout"} <= actions._NOT_DIRECTORY
    assert "workdir" not in actions._NOT_DIRECTORY
    for _ in range(2):  # a known key beside a directory key: the directory still found
        action = mapper.map_tool("Bash", {"command": "ls", "timeout": 5, "WorkDir": "/srv"})
        assert action["dir_args"] == {"WorkDir": "/srv"}
        assert list(action) == ["tool", "original", "type", "target", "mapped_by", "dir_args"]
    assert "WorkDir" not in actions._NOT_DIRECTORY
    long_key = "k" * 65
    mapper.map_tool("Bash", {"command": "ls", long_key: 1})
    assert long_key not in actions._NOT_DIRECTORY  # (bounded in size, as ``_DIRECTORY_KEYS``)
    mapping = OrderedDict([("command", "ls"), ("cwd", "/tmp")])  # any Mapping: read the same
    assert mapper.map_tool("Bash", mapping)["dir_args"] == {"cwd": "/tmp"}
    assert "dir_args" not in mapper.map_tool("Bash", "ls -la")


class Phase(enum.StrEnum):
    TOOL_CALL = "tool_call"


@pytest.mark.parametrize("etype", [None, 5, ["tool_call"], {"a": 1}, "tool", "Tool_call", ""])
def test_a_phase_not_named_is_refused_as_before(etype: object) -> None:
    with pytest.raises(InvalidEvent) as info:
        normalize_event({"type": etype, "target": "Bash"})
    expected = "is required" if etype is None else f"`{str(etype)[:40]}` is not one of session_start"
    assert expected in str(info.value)


def test_a_phase_named_by_a_str_subclass_is_still_accepted() -> None:
    raw = normalize_event({"type": Phase.TOOL_CALL, "target": "Bash", "data": {"arguments": {"command": "ls"}}})
    assert raw["type"] is Phase.TOOL_CALL and raw["target"] == "Bash"
    assert list(raw) == ["type", "target", "context", "data"]


def test_an_events_keys_keep_their_order_in_every_phase() -> None:
    result = normalize_event(
        {"type": "tool_result", "target": "Read", "id": "e1", "data": {"arguments": {"path": "/a"}}}
    )
    assert list(result) == ["type", "target", "context", "request_data", "id", "data"]
    assert result["request_data"] == {"name": "Read", "arguments": {"path": "/a"}}
    request = normalize_event({"type": "request", "target": "x", "data": "hi", "request_data": 1})
    assert list(request) == ["type", "target", "context", "request_data", "data"]
    event = build_event(normalize_event({"type": "llm_request", "data": {"model": "m1"}}), Snapshot("s", model="m0"))
    assert event["context"]["model"] == "m1"
    assert event["context"]["action"] == {
        "tool": None,
        "original": None,
        "type": None,
        "target": None,
        "mapped_by": None,
    }
    event["context"]["action"]["tool"] = "changed"  # a policy changing its copy
    again = build_event(normalize_event({"type": "request", "data": "hi"}), Snapshot("s", model="m0"))
    assert again["context"]["action"]["tool"] is None and again["context"]["model"] == "m0"
    tool = build_event(normalize_event({"type": "tool_call", "target": "Bash", "data": {}}), Snapshot("s", model="m0"))
    assert tool["context"]["model"] == "m0" and tool["data"] == {
        "name": "sys_os_shell",
        "arguments": {},
        "original_name": "Bash",
    }


@pytest.mark.parametrize("agent", [None, "", "spec-agent"])
@pytest.mark.parametrize(
    "given", [None, {}, {"model": "m2", "harness": "codex", "agent": "sent", "cwd": "/w"}, {"cwd": ""}]
)
def test_the_context_read_from_the_event_or_the_session(given: dict[str, str] | None, agent: str | None) -> None:
    snap = Snapshot("s", agent=agent, model="m0", harness="claude-code")
    raw = normalize_event({"type": "tool_call", "target": "Bash", "context": given, "data": {"arguments": {}}})
    context = build_event(raw, snap)["context"]
    sent = given or {}
    assert context["model"] == (sent.get("model") or "m0")
    assert context["harness"] == (sent.get("harness") or "claude-code")
    assert context["agent"] == (agent or sent.get("agent"))
    assert context["cwd"] == sent.get("cwd")
    assert list(context)[5:9] == ["model", "harness", "agent", "cwd"]
