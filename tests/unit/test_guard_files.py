"""The agent's guard — the harnesses' hook and permission settings and Goalrail's own home — is
not the agent's to change: every template that promises security denies (``permissive`` asks
about) a write, delete, move or mode change of one, whatever tool or shell spelling does it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from goalrail.patterns.templates._base import GUARD_ACTIONS, GUARD_FILES, GUARD_LINES
from goalrail.patterns.templates.hipaa import hipaa_standard
from goalrail.patterns.templates.soc2 import soc2_compliant
from goalrail.policies.builtins._shell_file_effects import file_effects
from tests.unit.shell_support import HIPAA, PERMISSIVE, READ_ONLY, SOC2, STRICT, tool_verdict, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "permissive": PERMISSIVE, "hipaa": HIPAA, "read_only": READ_ONLY}
#: what each template answers a change of the guard
GUARDED = {"strict": "DENY", "soc2": "DENY", "permissive": "ASK", "hipaa": "DENY", "read_only": "DENY"}
DATA = Path(__file__).resolve().parents[2] / "src" / "goalrail" / "patterns" / "data"

GUARD_PATHS = [
    "/home/dev/.claude/settings.json",
    "/home/dev/app/.claude/settings.json",
    "/home/dev/app/.claude/settings.local.json",
    "/home/dev/.claude.json",
    "/home/dev/app/.mcp.json",
    "/home/dev/.gemini/settings.json",
    "/home/dev/app/.gemini/settings.json",
    "/home/dev/.codex/config.toml",
    "/home/dev/.codex/hooks.json",
    "/home/dev/app/.codex/hooks.json",
    "/home/dev/.cursor/hooks.json",
    "/home/dev/app/.cursor/mcp.json",
    "/home/dev/.config/opencode/plugin/goalrail.js",
    "/home/dev/.goalrail/config.yaml",
    "/home/dev/.goalrail/goalrail.db",
    "/etc/claude-code/managed-settings.json",
]
SHELL_CHANGES = [
    "echo '{}' > ~/.claude/settings.json",
    "printf '{}' >| .claude/settings.local.json",
    "sed -i '/goalrail/d' ~/.claude/settings.json",
    "jq 'del(.hooks)' ~/.claude/settings.json > /tmp/s && mv /tmp/s ~/.claude/settings.json",
    "rm ~/.claude/settings.json",
    "rm -rf ~/.claude",
    "rm -rf ~/.goalrail",
    "mv ~/.codex/hooks.json /tmp/x",
    "mv .codex .codex.off",
    "chmod 000 .claude/settings.json",
    "chmod -R 000 ~/.claude",
    "cp /tmp/x ~/.gemini/settings.json",
    "ln -sf /dev/null ~/.codex/hooks.json",
    "tee .cursor/hooks.json < /dev/null",
    "touch .claude/settings.json",
    "unzip x.zip -d ~/.claude",
    "truncate -s 0 ~/.goalrail/goalrail.db",
    "python3 -c \"open('/home/dev/.claude/settings.json','w').write('{}')\"",
    "bash -c 'echo {} > ~/.mcp.json'",
    "sqlite3 ~/.goalrail/goalrail.db 'DELETE FROM audit'",
    "sqlite3 -cmd 'UPDATE approvals SET status=1' ~/.goalrail/goalrail.db",
    "sqlite3 ~/.goalrail/goalrail.db < edit.sql",
    "git clone https://github.com/x/y ~/.claude",
    "git init ~/.codex",
    "echo {} | sponge ~/.claude/settings.json",
    "cp -r /tmp/evil/.claude ~/",
    "cp -r /tmp/evil/.claude ~",
    "mv /tmp/x/.goalrail /tmp/x/.gemini ~/",
]
#: (controls) reading the settings, and the project's other Claude Code and Cursor files
UNGUARDED_TOOLS = [
    ("Read", {"file_path": "/home/dev/.claude/settings.json"}),
    ("Write", {"file_path": "/home/dev/app/.claude/commands/review.md", "content": "x"}),
    ("Write", {"file_path": "/home/dev/app/.cursor/rules/style.mdc", "content": "x"}),
    ("Write", {"file_path": "/home/dev/app/src/settings.json", "content": "{}"}),
]
UNGUARDED_LINES = [
    "cat ~/.claude/settings.json",
    "jq .hooks .claude/settings.json",
    "mkdir -p .claude/commands",
    "sqlite3 ~/.goalrail/goalrail.db .dump",
    "sqlite3 ~/.goalrail/goalrail.db 'SELECT count(*) FROM audit'",
]


@pytest.mark.parametrize("path", GUARD_PATHS)
def test_a_harness_tool_changing_the_guard(path: str) -> None:
    for name, policy in POLICIES.items():
        assert tool_verdict(policy, "Write", {"file_path": path, "content": "{}"}) == GUARDED[name], (name, path)
        edit = {"file_path": path, "old_string": "goalrail", "new_string": "x"}
        assert tool_verdict(policy, "Edit", edit) == GUARDED[name], (name, path)


@pytest.mark.parametrize("line", SHELL_CHANGES)
def test_a_shell_line_changing_the_guard(line: str) -> None:
    for name, policy in POLICIES.items():
        assert verdict(policy, line) == GUARDED[name], (name, line)


@pytest.mark.parametrize(("tool", "arguments"), UNGUARDED_TOOLS)
def test_what_is_not_the_guard_keeps_its_verdict(tool: str, arguments: dict[str, str]) -> None:
    assert tool_verdict(SOC2, tool, arguments) == "ALLOW"
    assert tool_verdict(PERMISSIVE, tool, arguments) == "ALLOW"


@pytest.mark.parametrize("line", UNGUARDED_LINES)
def test_lines_that_leave_the_guard_alone(line: str) -> None:
    assert verdict(SOC2, line) == "ALLOW"
    assert verdict(PERMISSIVE, line) == "ALLOW"


def test_the_rule_is_one_text_in_every_template() -> None:
    for name in ("strict", "permissive"):
        rules = [p for p in yaml.safe_load((DATA / f"{name}.yaml").read_text())["patterns"] if "_guard_" in p["id"]]
        assert sorted(p["action_type"] for p in rules) == sorted([*GUARD_ACTIONS, "shell_execute"]), name
        assert {p["action_type"]: p["pattern"] for p in rules}.pop("shell_execute") == GUARD_LINES, name
        assert {p["pattern"] for p in rules if p["action_type"] != "shell_execute"} == {GUARD_FILES}, name
    for template, prefix in ((soc2_compliant(), "soc2"), (hipaa_standard(), "hipaa")):
        rules = [p for p in template.patterns if p.id.startswith(f"{prefix}_guard_")]
        assert sorted(p.action_type for p in rules) == sorted([*GUARD_ACTIONS, "shell_execute"]), prefix
        assert {p.pattern for p in rules if p.action_type != "shell_execute"} == {GUARD_FILES}, prefix
        assert [p.pattern for p in rules if p.action_type == "shell_execute"] == [GUARD_LINES], prefix
    assert re.match(GUARD_FILES, "/home/dev/.claude/settings.json:000")  # a mode change's target
    assert not re.match(GUARD_FILES, "/home/dev/.claude/commands/x.md")


@pytest.mark.parametrize(
    ("line", "writes"),
    [
        ("sqlite3 /srv/app.db 'DROP TABLE t'", True),
        ("sqlite3 -bail /srv/app.db 'INSERT INTO t VALUES (1)'", True),
        ("sqlite3 /srv/app.db '.restore backup.db'", True),
        ("sqlite3 /srv/app.db < migrate.sql", True),
        ('sqlite3 /srv/app.db "$SQL"', True),
        ("sqlite3 /srv/app.db 'SELECT * FROM t'", False),
        ("sqlite3 /srv/app.db .schema", False),
        ("sqlite3 -readonly /srv/app.db 'DELETE FROM t'", False),
    ],
)
def test_a_database_client_writes_the_database_file_it_changes(line: str, writes: bool) -> None:
    effects = {(kind, path) for kind, path, _sure, _suffix in file_effects(line)}
    assert ("file_read", "/srv/app.db") in effects
    assert (("file_write", "/srv/app.db") in effects) is writes


@pytest.mark.parametrize(
    ("line", "written"),
    [
        ("git clone https://github.com/x/y /srv/y", "/srv/y"),
        ("git clone -b main --depth 1 https://github.com/x/y /srv/y", "/srv/y"),
        ("git -C /srv clone --origin up https://github.com/x/y y", "/srv/y"),
        ("git init /srv/y", "/srv/y"),
        ("echo x | sponge /srv/y", "/srv/y"),
        ("echo x | sponge -a /srv/y", "/srv/y"),
    ],
)
def test_programs_that_fill_a_directory_or_write_what_they_soaked_up(line: str, written: str) -> None:
    assert ("file_write", written) in {(kind, path) for kind, path, _sure, _suffix in file_effects(line)}


def test_a_clone_into_the_current_directory_names_no_file() -> None:
    assert not [e for e in file_effects("git clone https://github.com/x/y") if e[0] == "file_write"]


@pytest.mark.parametrize(
    ("line", "made"),
    [
        ("cp -r /tmp/x/.claude /srv/", "/srv/.claude"),
        ("cp /tmp/a.json /tmp/b.json /srv", "/srv/b.json"),
        ("cp -t /srv /tmp/a.json", "/srv/a.json"),
        ("mv /tmp/a.json /srv/", "/srv/a.json"),
    ],
)
def test_a_copy_or_move_into_a_directory_writes_each_source_name_there(line: str, made: str) -> None:
    assert ("file_write", made) in {(kind, path) for kind, path, _sure, _suffix in file_effects(line)}


def test_a_copy_to_a_name_writes_that_name_only() -> None:
    writes = {path for kind, path, _sure, _suffix in file_effects("cp /tmp/a.json /srv/b.json") if kind == "file_write"}
    assert writes == {"/srv/b.json"}
