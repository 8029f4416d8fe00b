"""``ActionMapper.map_tool`` reads what a tool's name alone decides (mapping, metadata) once per
name, and an argument key's directory check once per short key: every call still gets an
action of its own, the same as the first (issue 13)."""

from __future__ import annotations

from goalrail.engine import actions
from goalrail.engine.actions import ActionMapper
from goalrail.engine.tools import ToolCatalog, ToolMeta

SEND = ToolMeta(kind="send", trust="untrusted", sinks=("to",), content=("body",), source="config")


def test_each_call_gets_an_action_of_its_own_equal_to_the_first() -> None:
    mapper = ActionMapper({"mail": "sys_net_send"}, tools=ToolCatalog({"mail": SEND}))
    first = mapper.map_tool("mail", {"to": "a@example.com", "body": "hi"})
    first["sinks"].append("cc")  # a policy changing what it was shown
    first["content"].clear()
    second = mapper.map_tool("mail", {"to": "a@example.com", "body": "hi"})
    assert second["sinks"] == ["to"] and second["content"] == ["body"]
    assert second["tool"] == "sys_net_send" and second["mapped_by"] == "config:mail"
    assert (second["kind"], second["trust"], second["described_by"]) == ("send", "untrusted", "config")


def test_an_agents_description_still_names_the_servers_kind_with_and_without_annotations() -> None:
    server = ActionMapper(tools=ToolCatalog({"fetch": ToolMeta(kind="read", trust="trusted", source="config")}))
    agent = server.extended(None, ToolCatalog({"fetch": ToolMeta(kind="write")}))
    for _ in range(2):  # the second round from the name's cache
        plain = agent.map_tool("fetch", {"url": "https://x"})
        hinted = agent.map_tool("fetch", {"url": "https://x"}, {"destructiveHint": True})
        for action, by in ((plain, "config"), (hinted, "config+mcp-annotations")):
            assert (action["tool"], action["target"], action["mapped_by"]) == ("web_fetch", "https://x", "builtin")
            assert (action["declared_kind"], action["kind"], action["described_by"]) == ("read", "write", by)
        assert "declared_kind" not in server.map_tool("fetch", {"url": "https://x"})


def test_directory_arguments_in_any_spelling_and_long_keys_not_kept() -> None:
    long_key = "w" * 65
    for _ in range(2):
        action = ActionMapper().map_tool("Bash", {"command": "ls", "CWD": "/srv", long_key: "x", "Dir": "/tmp"})
        assert action["dir_args"] == {"CWD": "/srv", "Dir": "/tmp"}
    assert "CWD" in actions._DIRECTORY_KEYS and long_key not in actions._DIRECTORY_KEYS


def test_a_policy_changing_an_action_changes_no_later_action_of_that_name() -> None:
    mapper = ActionMapper()
    first = mapper.map_tool("Bash", {"command": "ls"})
    first["tool"] = "changed"  # a policy writing into the copy of the name's cached keys
    first["target"] = "rm -rf /"
    several = mapper.map_tool("read_many_files", {"paths": ["/a", "/b"]})
    second = mapper.map_tool("Bash", {"command": "pwd"})
    assert list(second) == ["tool", "original", "type", "target", "mapped_by"]
    assert second == {
        "tool": "sys_os_shell",
        "original": "Bash",
        "type": "shell_execute",
        "target": "pwd",
        "mapped_by": "builtin",
    }
    assert (several["target"], several["targets"]) == ("/a", ["/a", "/b"])
    assert list(several) == ["tool", "original", "type", "target", "mapped_by", "targets"]
