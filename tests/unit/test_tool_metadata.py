"""Tool metadata: declared in config and agent specs, exposed on the canonical action, only ever stricter."""

from __future__ import annotations

import pytest

from goalrail.config.agent import agent_spec_from_text
from goalrail.config.server import server_config_from_text
from goalrail.engine.actions import ActionMapper
from goalrail.engine.tools import ToolCatalog, ToolMeta, meta_from_annotations
from goalrail.errors import ConfigError

SERVER = """
tools:
  read_inbox: {kind: read, trust: untrusted, category: email}
  "mcp__bank__*": {kind: write, sinks: [recipient], content: [subject]}
  send_email: {kind: write, sinks: ["to[*]", "cc[*]"], content: [body]}
"""


def test_metadata_is_on_the_canonical_action() -> None:
    mapper = server_config_from_text(SERVER).action_mapper()
    action = mapper.map_tool("send_email", {"to": ["a@b.example"]})
    assert action["kind"] == "write" and action["sinks"] == ["to[*]", "cc[*]"] and action["content"] == ["body"]
    assert action["described_by"] == "config:send_email"
    bank = mapper.map_tool("mcp__bank__send_money", {})
    assert bank["sinks"] == ["recipient"] and bank["described_by"] == "config:mcp__bank__*"
    assert "kind" not in mapper.map_tool("unknown_tool", {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tools:\n  x: {kind: writes}\n", r"cfg.yaml:2: `tools.x.kind` must be `read` or `write`"),
        ("tools:\n  x: {trust: maybe}\n", r"cfg.yaml:2: `tools.x.trust` must be one of trusted, sensitive, untrusted"),
        (
            "tools:\n  x:\n    kind: write\n    sinks: ['to[']\n",
            r"cfg.yaml:4: `tools.x.sinks`: `to\[` is not an argument",
        ),
        ("tools:\n  x:\n    kind: read\n    trusted: yes\n", r"cfg.yaml:4: unknown key `trusted` in `tools.x`"),
        ("tools: [a, b]\n", r"cfg.yaml:1: `tools` must be a mapping"),
    ],
)
def test_bad_metadata_is_located(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        server_config_from_text(text, "cfg.yaml")


def test_agent_spec_keeps_mcp_server_declarations_and_reads_their_metadata() -> None:
    spec = agent_spec_from_text(
        "name: a\ntools:\n  github:\n    type: mcp\n    url: https://example.invalid/mcp\n    trust: untrusted\n"
        "  send_email: {kind: write, sinks: [to]}\n"
    )
    assert spec.tools["github"]["type"] == "mcp"
    meta = spec.tool_catalog.lookup("mcp__github__get_issue")
    assert meta.trust == "untrusted"


def test_an_agent_spec_cannot_loosen_the_servers_description() -> None:
    server = server_config_from_text(SERVER).action_mapper()
    agent = agent_spec_from_text(
        "name: a\ntool_mapping: {Bash: web_search, my_shell: sys_os_shell}\n"
        "tools:\n  read_inbox: {kind: read, trust: trusted}\n  send_email: {kind: read, sinks: [bcc]}\n"
    )
    mapper = server.extended(agent.tool_mapping, agent.tool_catalog)
    assert mapper.map_tool("read_inbox", {})["trust"] == "untrusted"
    send = mapper.map_tool("send_email", {})
    assert send["kind"] == "write" and send["sinks"] == ["to[*]", "cc[*]", "bcc"]
    assert mapper.map_tool("Bash", {"command": "ls"})["tool"] == "sys_os_shell"  # the builtin alias stays
    assert mapper.map_tool("my_shell", {"command": "ls"})["tool"] == "sys_os_shell"  # a new name may be added


@pytest.mark.parametrize(
    ("name", "server_maps_it_to"),
    [
        ("Bash", "sys_os_shell"),  # a harness alias
        ("run_shell_command", "sys_os_shell"),
        ("mcp__box__run_command", "sys_os_shell"),  # an MCP server's shell tool
        ("mcp__files__write_file", "sys_os_write"),  # the server's own glob
        ("write_file", "sys_os_write"),  # the server's own exact name
    ],
)
def test_an_agent_specs_globs_never_reach_a_name_the_server_maps(name: str, server_maps_it_to: str) -> None:
    server = ActionMapper({"write_file": "sys_os_write", "mcp__*__write_file": "sys_os_write"})
    globs = {"B*": "web_search", "run_*": "web_search", "mcp__*": "web_search", "write_*": "web_search"}
    for mapping in (globs, {"*": "web_search"}):
        mapper = server.extended(mapping, None)
        assert mapper.map_tool(name, {})["tool"] == server_maps_it_to
    mapper = server.extended({"*": "web_search"}, None)
    assert mapper.map_tool("my_tool", {})["tool"] == "web_search"  # a name nothing above maps: the agent's glob


def test_mcp_annotations_only_add_strictness() -> None:
    assert meta_from_annotations({"openWorldHint": True, "readOnlyHint": True}) == ToolMeta(
        kind="read", trust="untrusted", source="mcp-annotations"
    )
    assert meta_from_annotations({"destructiveHint": True}).kind == "write"
    assert meta_from_annotations({"openWorldHint": False}).trust is None  # never "trusted"
    mapper = ActionMapper(tools=ToolCatalog({"search": ToolMeta(kind="read", trust="trusted", source="config")}))
    action = mapper.map_tool("search", {}, {"openWorldHint": True, "readOnlyHint": False})
    assert action["trust"] == "untrusted" and action["kind"] == "write"


def test_globs_match_in_declaration_order_after_exact_names() -> None:
    catalog = ToolCatalog(
        {"mcp__*": ToolMeta(trust="untrusted"), "mcp__crm__*": ToolMeta(trust="trusted"), "x": ToolMeta(kind="read")}
    )
    assert catalog.lookup("mcp__crm__find").trust == "untrusted"
    assert catalog.lookup("x").kind == "read"
    assert catalog.lookup("nothing") is catalog.lookup("other")
