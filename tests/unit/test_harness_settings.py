"""Every agent harness's own settings are the agent's guard: a change of a file holding a harness's
permission or approval settings, its MCP servers or its hooks — project or user level, where Linux,
macOS and Windows keep it — is denied by ``strict``, ``soc2_compliant`` and ``hipaa_standard`` and
asked about by ``permissive``, whatever spelling makes it (``GUARD_FILES``, ``_harness_files``).
Reading them, and a project's other files in the same directories, keep their verdicts."""

from __future__ import annotations

import re
from typing import Any

import pytest

from goalrail.engine.mcp_files import mcp_file_action
from goalrail.patterns.regex import runs_linear
from goalrail.patterns.templates._base import GUARD_FILES, GUARD_LINES
from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, tool_verdict, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}
GUARDED = {"strict": "DENY", "soc2": "DENY", "hipaa": "DENY", "permissive": "ASK"}

#: a harness's settings, each where the harness reads it (the home is /home/dev, the project /home/dev/app)
SETTINGS = [
    "/home/dev/.copilot/config.json",
    "/home/dev/.copilot/settings.json",
    "/home/dev/.copilot/mcp-config.json",
    "/home/dev/.copilot/hooks/guard.json",
    "/home/dev/app/.github/hooks/hooks.json",
    "/home/dev/app/.vscode/settings.json",
    "/home/dev/app/.vscode/mcp.json",
    "/home/dev/app/app.code-workspace",
    "/home/dev/.config/Code/User/settings.json",
    "/home/dev/.config/Code/User/mcp.json",
    "/home/dev/.config/Code - Insiders/User/profiles/1a2b/settings.json",
    "/Users/dev/Library/Application Support/Code/User/settings.json",
    "/Users/dev/Library/Application Support/Cursor/User/settings.json",
    "/home/dev/.config/Windsurf/User/settings.json",
    "/home/dev/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
    "/home/dev/.config/Code/User/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json",
    "/home/dev/.cursor/mcp.json",
    "/home/dev/.codeium/windsurf/mcp_config.json",
    "/home/dev/.codeium/windsurf/hooks.json",
    "/home/dev/app/.windsurf/hooks.json",
    "/home/dev/app/opencode.json",
    "/home/dev/app/opencode.jsonc",
    "/home/dev/.config/opencode/opencode.json",
    "/home/dev/app/.opencode/plugin/audit.js",
    "/home/dev/app/.aider.conf.yml",
    "/home/dev/.aider.conf.yml",
    "/home/dev/.qwen/settings.json",
    "/home/dev/app/.qwen/settings.json",
    "/home/dev/.gemini/policies/mine.toml",
    "/home/dev/.gemini/extensions/x/gemini-extension.json",
    "/home/dev/.codex/rules/default.rules",
    "/home/dev/app/.kiro/settings/mcp.json",
    "/home/dev/.kiro/agents/dev.json",
    "/home/dev/app/.kiro/hooks/lint.kiro.hook",
    "/home/dev/app/.clinerules/hooks/PreToolUse",
    "/home/dev/Documents/Cline/Hooks/TaskStart",
    "/home/dev/.cline/data/settings/cline_mcp_settings.json",
    "/home/dev/app/.roo/mcp.json",
    "/home/dev/app/.roomodes",
    "/home/dev/.continue/config.yaml",
    "/home/dev/.continue/permissions.yaml",
    "/home/dev/app/.continue/mcpServers/db.yaml",
    "/home/dev/.config/amp/settings.json",
    "/home/dev/app/.amp/settings.json",
    "/etc/ampcode/managed-settings.json",
    "/home/dev/app/crush.json",
    "/home/dev/app/.crush.json",
    "/home/dev/.config/crush/crush.json",
    "/home/dev/.factory/settings.json",
    "/home/dev/app/.factory/mcp.json",
    "/home/dev/.openhands/agent_settings.json",
    "/home/dev/.openhands/mcp.json",
    "/home/dev/app/.openhands/setup.sh",
    "/home/dev/.augment/settings.json",
    "/home/dev/app/.augment/settings.local.json",
    "/home/dev/app/.zed/settings.json",
    "/home/dev/.config/zed/settings.json",
    "/home/dev/.junie/allowlist.json",
    "/home/dev/app/.junie/mcp/mcp.json",
    "/home/dev/.config/goose/config.yaml",
    "/home/dev/.config/goose/permission.yaml",
    "C:\\Users\\dev\\.copilot\\config.json",
    "C:\\Users\\dev\\AppData\\Roaming\\Code\\User\\settings.json",
    "C:\\Users\\dev\\AppData\\Roaming\\Block\\goose\\config\\config.yaml",
    "C:\\Users\\dev\\AppData\\Local\\crush\\crush.json",
    "C:\\Users\\dev\\AppData\\Roaming\\Zed\\settings.json",
    "C:\\ProgramData\\ClaudeCode\\managed-settings.json",
]
#: the same, by shell: every way a line writes, moves, links, removes or locks one
SHELL_CHANGES = [
    'echo \'{"trusted_folders":["/"]}\' > ~/.copilot/config.json',
    'echo \'{"permission":{"bash":"allow"}}\' > opencode.json',
    "echo '{\"chat.tools.autoApprove\": true}' > .vscode/settings.json",
    "echo 'yes-always: true' > .aider.conf.yml",
    "echo '{\"autoApprove\":true}' > ~/.qwen/settings.json",
    "echo 'GOOSE_MODE: auto' > ~/.config/goose/config.yaml",
    "tee .vscode/mcp.json < /tmp/servers.json",
    "sed -i 's/ask/allow/' ~/.continue/permissions.yaml",
    "perl -pi -e 's/ask/allow/' ~/.config/goose/permission.yaml",
    "cp /tmp/x.json ~/.codeium/windsurf/mcp_config.json",
    "mv /tmp/x.json ~/.config/amp/settings.json",
    "ln -sf /tmp/x.json .kiro/settings/mcp.json",
    "python3 -c \"open('.zed/settings.json','w').write('{}')\"",
    "node -e \"require('fs').writeFileSync('crush.json','{}')\"",
    "dd if=/tmp/x of=.aider.conf.yml",
    "install -m 644 /tmp/x ~/.factory/mcp.json",
    "rsync /tmp/x ~/.augment/settings.json",
    "echo '{}' >> ~/.junie/config.json",
    "printf '#!/bin/sh\\ncurl x|sh\\n' > .openhands/setup.sh",
    "echo '{}' > .github/hooks/hooks.json",
    'echo \'prefix_rule(pattern=["rm"], decision="allow")\' > ~/.codex/rules/default.rules',
    "echo x > .clinerules/hooks/PreToolUse",
    "env sh -c 'echo {} > .vscode/settings.json'",
    "echo x | xargs -I{} cp {} ~/.config/zed/settings.json",
    "printf 'echo {} > ~/.copilot/config.json\\n' > s.sh && bash s.sh",
    "echo '{}' > \"$COPILOT_HOME/mcp-config.json\"",
    "chmod 000 ~/.copilot/config.json",
    "rm -rf ~/.copilot",
    "mv .kiro .kiro.off",
    "cp -r /tmp/evil/.continue ~/",
    "unzip x.zip -d ~/.qwen",
    "export COPILOT_HOME=/tmp/x",
]
#: a harness's own command that writes its settings (``_harness_commands``)
SETTING_COMMANDS = [
    "claude mcp add evil -- npx evil-server",
    'claude mcp add-json evil \'{"command":"npx"}\'',
    "npx @anthropic-ai/claude-code mcp add evil -- npx x",
    "claude plugin install tools@market",
    "claude config set -g allowedTools Bash",
    "gemini mcp add evil npx evil-server",
    "gemini extensions install https://github.com/x/y",
    "qwen mcp add evil npx evil",
    "codex mcp add evil -- npx evil-server",
    "amp mcp add evil -- npx x",
    "amp permissions add Bash allow",
    "openhands mcp add evil --transport stdio npx x",
    'code --add-mcp \'{"name":"evil","command":"npx"}\'',
    "cd /tmp && /usr/local/bin/claude mcp add evil -- npx x",
]
#: (controls) listing and reading, a mention inside a prompt or a search
SETTING_READS = [
    "claude mcp list",
    "codex mcp get x",
    "claude config get theme",
    "claude -p 'explain what claude mcp add does'",
    "git log --grep 'mcp add'",
    "gemini extensions list",
]
#: the same, by a harness's own tool
TOOL_CHANGES: list[tuple[str, dict[str, Any]]] = [
    ("Write", {"file_path": "/home/dev/app/.vscode/settings.json", "content": "{}"}),
    ("Edit", {"file_path": "/home/dev/.copilot/config.json", "old_string": "[]", "new_string": '["/"]'}),
    ("write_file", {"file_path": "/home/dev/.qwen/settings.json", "content": "{}"}),
    ("replace", {"file_path": "/home/dev/app/opencode.jsonc", "old_string": "ask", "new_string": "allow"}),
    ("apply_patch", {"input": "*** Begin Patch\n*** Add File: /home/dev/app/.vscode/mcp.json\n+{}\n*** End Patch"}),
    ("mcp__filesystem__write_file", {"path": "/home/dev/app/.aider.conf.yml", "content": "yes-always: true"}),
    ("mcp__filesystem__edit_file", {"path": "/home/dev/.continue/config.yaml", "edits": []}),
    ("mcp__filesystem__move_file", {"source": "/tmp/x", "destination": "/home/dev/.copilot/mcp-config.json"}),
    ("Write", {"file_path": "C:\\Users\\dev\\AppData\\Roaming\\Code\\User\\settings.json", "content": "{}"}),
]
#: an MCP server's write by a generic name (``write``, ``save_file``, ``create_file``…), read as the write it is
GENERIC_MCP_WRITES: list[tuple[str, dict[str, Any]]] = [
    ("mcp__notes__write", {"path": "/home/dev/.copilot/config.json", "content": "{}"}),
    ("mcp__files__save_file", {"path": "/home/dev/.claude/settings.json", "content": "{}"}),
    ("mcp__files__create_file", {"file_path": "/home/dev/app/.vscode/settings.json", "content": "{}"}),
    ("mcp__box__putFile", {"path": "/home/dev/.goalrail/config.yaml", "content": "x"}),
]
#: (controls) reading the settings
READS = [
    "cat ~/.copilot/config.json",
    "cat opencode.json",
    "jq . .vscode/settings.json",
    "grep -r autoApprove .vscode",
    "cat ~/.codeium/windsurf/mcp_config.json",
    "cp .vscode/settings.json /tmp/settings.bak",
    "ls ~/.kiro",
    "git status",
    "pytest -q",
    "mkdir -p .kiro/specs",
]
READ_TOOLS: list[tuple[str, dict[str, Any]]] = [
    ("Read", {"file_path": "/home/dev/app/.vscode/settings.json"}),
    ("Read", {"file_path": "/home/dev/.copilot/config.json"}),
    ("mcp__filesystem__read_file", {"path": "/home/dev/app/opencode.json"}),
    ("Read", {"file_path": "/home/dev/.config/goose/config.yaml"}),
]
#: (controls) the project's ordinary files beside them: their verdicts are not the guard's
ORDINARY_WRITES = [
    "echo '{}' > .vscode/launch.json",
    "echo '{}' > .vscode/extensions.json",
    "echo '{}' > .vscode/tasks.json",
    "echo '{}' > package.json",
    "echo x > .kiro/specs/login/requirements.md",
    "echo x > .kiro/steering/style.md",
    "echo x > .clinerules/style.md",
    "echo x > .continue/rules/naming.md",
    "echo x > docs/opencode.md",
]
NOT_GUARD_PATHS = [
    "/home/dev/app/.vscode/launch.json",
    "/home/dev/app/.vscode/extensions.json",
    "/home/dev/app/package.json",
    "/home/dev/app/src/settings.json",
    "/home/dev/app/.kiro/specs/a/design.md",
    "/home/dev/app/.clinerules/style.md",
    "/home/dev/app/.github/workflows/ci.yml",
    "/home/dev/.config/git/config",
    "/home/dev/app/config/crush.json.example",
    "/home/dev/app/code/user/readme.md",
]


@pytest.mark.parametrize("path", SETTINGS)
def test_a_write_or_edit_of_a_harness_setting(path: str) -> None:
    for name, policy in POLICIES.items():
        assert tool_verdict(policy, "Write", {"file_path": path, "content": "{}"}) == GUARDED[name], (name, path)
        edit = {"file_path": path, "old_string": "ask", "new_string": "allow"}
        assert tool_verdict(policy, "Edit", edit) == GUARDED[name], (name, path)


@pytest.mark.parametrize("line", SHELL_CHANGES)
def test_a_shell_line_changing_a_harness_setting(line: str) -> None:
    for name, policy in POLICIES.items():
        assert verdict(policy, line) == GUARDED[name], (name, line)


@pytest.mark.parametrize("line", SETTING_COMMANDS)
def test_a_harness_command_writing_its_settings(line: str) -> None:
    for name, policy in POLICIES.items():
        assert verdict(policy, line) == GUARDED[name], (name, line)


@pytest.mark.parametrize("line", SETTING_READS)
def test_a_harness_command_reading_its_settings(line: str) -> None:
    for name, policy in POLICIES.items():
        assert verdict(policy, line) == "ALLOW", (name, line)


@pytest.mark.parametrize(("tool", "arguments"), TOOL_CHANGES + GENERIC_MCP_WRITES)
def test_a_tool_changing_a_harness_setting(tool: str, arguments: dict[str, Any]) -> None:
    for name, policy in POLICIES.items():
        assert tool_verdict(policy, tool, arguments) == GUARDED[name], (name, tool, arguments)


@pytest.mark.parametrize("line", READS)
def test_reading_the_settings_is_no_change(line: str) -> None:
    for name, policy in POLICIES.items():
        assert verdict(policy, line) == "ALLOW", (name, line)


@pytest.mark.parametrize(("tool", "arguments"), READ_TOOLS)
def test_a_read_tool_is_no_change(tool: str, arguments: dict[str, Any]) -> None:
    for name, policy in POLICIES.items():
        assert tool_verdict(policy, tool, arguments) == "ALLOW", (name, tool)


@pytest.mark.parametrize("line", ORDINARY_WRITES)
def test_the_projects_other_files_keep_their_verdicts(line: str) -> None:
    """``strict`` holds a write outside the project's source for review (``strict_write_other``), as
    it did; the others allow it."""
    assert verdict(STRICT, line) == "ASK", line
    for policy in (SOC2, HIPAA, PERMISSIVE):
        assert verdict(policy, line) == "ALLOW", line


@pytest.mark.parametrize("path", NOT_GUARD_PATHS)
def test_the_rule_leaves_other_files_alone(path: str) -> None:
    assert not re.match(GUARD_FILES, path.replace("\\", "/")), path


def test_the_rules_run_in_linear_time() -> None:
    assert runs_linear(GUARD_FILES)
    assert runs_linear(GUARD_LINES)


def test_a_generic_write_on_a_server_of_remote_content_is_not_a_local_write() -> None:
    """``mcp__github__create_file {owner, repo, path}`` writes a repository's file, not this machine's."""
    assert mcp_file_action("create_file", "github") is None
    assert mcp_file_action("create_file", "notes") == ("file_write", "builtin:mcp-file")
    arguments = {"owner": "a", "repo": "b", "path": ".vscode/settings.json", "content": "{}"}
    assert tool_verdict(SOC2, "mcp__github__create_file", arguments) == "ALLOW"


def test_an_unknown_mcp_tool_is_judged_by_its_name_only() -> None:
    """A tool whose name says nothing of files (``mcp__x__frobnicate {path}``) has no action type:
    only a rule on its name meets it (a ``tool_mapping`` entry makes it a file action)."""
    arguments = {"path": "/home/dev/.claude/settings.json", "content": "{}"}
    assert tool_verdict(SOC2, "mcp__x__frobnicate", arguments) == "ALLOW"
