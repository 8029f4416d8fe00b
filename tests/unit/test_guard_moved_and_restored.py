"""The agent's guard moved or put back: a harness's settings reached through the variable that
moves them (``$CLAUDE_CONFIG_DIR/settings.json``), the variable itself set for a later harness run
(``export CLAUDE_CONFIG_DIR=/tmp/x``, ``CODEX_HOME=/tmp/x codex``, the same line in ``~/.bashrc``),
a settings file restored by version control or an archive (``git restore``, ``git stash push``, a
diff on the line, ``tar xf x.tar .claude/settings.json``), Goalrail's own program removed — and
what is none of that keeps its verdict (reads, branches, a pathless ``git reset --hard``)."""

from __future__ import annotations

import re

import pytest

from goalrail.policies.builtins._shell_file_effects import file_effects
from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, tool_verdict, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}
#: what each template answers a change of the guard
GUARDED = {"strict": "DENY", "soc2": "DENY", "hipaa": "DENY", "permissive": "ASK"}

#: a guard file named through the variable that moves it
THROUGH_VARIABLES = [
    "echo '{}' > $CLAUDE_CONFIG_DIR/settings.json",
    'echo x > "${CODEX_HOME}/config.toml"',
    'cp /tmp/h.json "$CODEX_HOME/hooks.json"',
    'rm -f "$XDG_CONFIG_HOME/opencode/plugin/goalrail.js"',
    'echo x > "$XDG_CONFIG_HOME/cursor/cli-config.json"',
    'sed -i /goalrail/d "$CURSOR_CONFIG_DIR/hooks.json"',
    'rm -rf "$OPENCODE_CONFIG_DIR/plugin"',
    "truncate -s0 $GOALRAIL_HOME/goalrail.db",
    'echo {} > "$GEMINI_CLI_SYSTEM_SETTINGS_PATH"',
]
#: the variable set, unset or persisted for a later harness run
SETTING_VARIABLES = [
    "export CLAUDE_CONFIG_DIR=/tmp/evil",
    "CODEX_HOME=/tmp/x codex exec 'fix it'",
    "env CLAUDE_CONFIG_DIR=/tmp/x claude -p hi",
    "env -u CLAUDE_CONFIG_DIR claude",
    "unset CODEX_HOME",
    "declare -x GEMINI_CLI_HOME=/tmp/g",
    "set -gx OPENCODE_CONFIG_DIR /tmp/o",
    "launchctl setenv CLAUDE_CONFIG_DIR /tmp/x",
    "echo 'export CLAUDE_CONFIG_DIR=/tmp/evil' >> ~/.bashrc",
    "printf 'export CODEX_HOME=/tmp/x\\n' >> .envrc",
    "echo 'export OPENCODE_CONFIG_DIR=/tmp/x' | tee -a ~/.profile",
    'python3 -c \'import os,subprocess; os.environ["CODEX_HOME"]="/tmp/x"; subprocess.run(["codex"])\'',
    "node -e 'process.env.CLAUDE_CONFIG_DIR = \"/tmp/x\"'",
    'perl -e \'$ENV{CODEX_HOME}="/x"; system("codex")\'',
    'python3 -c \'import subprocess; subprocess.run(["claude"], env={"CLAUDE_CONFIG_DIR": "/tmp/x"})\'',
    '$env:CLAUDE_CONFIG_DIR = "C:\\tmp"',
    "GOALRAIL_URL=http://127.0.0.1:9 claude -p hi",
    "GOALRAIL_HOME=/tmp/g goalrail serve",
    "HOME=/tmp/h claude -p hi",
    "XDG_CONFIG_HOME=/tmp/x opencode run hi",
    "echo 'export XDG_CONFIG_HOME=/tmp/x' >> ~/.zshrc",
    "cat >> ~/.bashrc <<'EOF'\nexport CODEX_HOME=/x\nEOF",
    "XDG_CONFIG_HOME=/x agent -p hi",
    "CURSOR_CONFIG_DIR=/tmp/x cursor-agent",
]
#: a guard file put back from version control, a diff or an archive
RESTORED = [
    "git restore .claude/settings.json",
    "git restore --source HEAD~3 .claude",
    "git restore -SW .claude/settings.local.json",
    "git checkout HEAD~2 .claude/settings.json",
    "git checkout main ~/.codex/config.toml",
    "git checkout-index -f .claude/settings.json",
    "git stash push .claude/settings.json",
    "git stash push -m wip -- .gemini/settings.json",
    "git stash -- .claude",
    "patch .claude/settings.json < x.diff",
    "patch -o .mcp.json .mcp.json.orig fix.diff",
    "git apply <<'EOF'\n--- a/.claude/settings.json\n+++ b/.claude/settings.json\n@@ -1 +1 @@\n-x\n+y\nEOF",
    "printf 'diff --git a/.codex/hooks.json b/.codex/hooks.json\\n--- a/.codex/hooks.json\\n' | git apply",
    "patch -p1 <<'EOF'\ndiff --git a/app/.mcp.json b/app/.mcp.json\nrename to app/.mcp.json\nEOF",
    "tar xf x.tar .claude/settings.json",
    "tar -xzf x.tgz -C ~ .claude/settings.json",
    "unzip -o x.zip .claude/settings.json",
    "unzip x.zip '.claude/*'",
    "git -C app apply <<'EOF'\n+++ b/.mcp.json\nEOF",
    "mv ~/.claude/settings.json{,.bak}",
    "cp /tmp/evil.json ~/.codex/{config.toml,hooks.json}",
]
#: Goalrail's program and a home's .config (where OpenCode's and Cursor's settings are)
PROGRAM_AND_CONFIG = [
    "pip uninstall -y goalrail",
    "uv tool uninstall goalrail",
    "pipx uninstall goalrail",
    "python3 -m pip uninstall goalrail",
    "echo 'exit 0' > ~/.local/bin/goalrail",
    "rm /home/dev/.venv/lib/python3.12/site-packages/goalrail/integrations/hookcore.py",
    "rm -rf ~/.config",
    "mv ~/.config ~/.config.bak",
    "echo '{}' > .cursor/cli.json",
]
#: (controls) reads, branches, pathless restores and unrelated files keep their verdict
UNGUARDED = [
    "echo $CODEX_HOME",
    'ls "$CLAUDE_CONFIG_DIR"',
    "printenv CLAUDE_CONFIG_DIR",
    'echo "CODEX_HOME: $CODEX_HOME"',
    "grep -rn CODEX_HOME src/",
    "git checkout main",
    "git checkout feature/login",
    "git checkout -b feature/x origin/main",
    "git restore --staged .claude/settings.json",
    "git stash",
    "git stash pop",
    "git reset --hard",
    "git reset --hard HEAD~1",
    "git checkout .",
    "git apply fix.diff",
    "patch -p1 < fix.diff",
    "git apply <<'EOF'\n--- a/src/app.py\n+++ b/src/app.py\nEOF",
    "tar xf x.tar src/app.py",
    "mkdir .claude",
    "mkdir -p ~/.claude/commands",
    "ls ~/.claude",
    "cat .claude/settings.json",
    "cat ~/.local/bin/goalrail",
    "echo x > ~/.config/foo/bar.toml",
    "pip uninstall -y requests",
    "cp .claude/settings.json backup/settings.json.bak",
]
#: (controls) the project's other harness files: not the guard (see docs/patterns.md)
UNGUARDED_TOOLS = [
    ("Write", {"file_path": "/home/dev/app/.claude/agents/reviewer.md", "content": "x"}),
    ("Write", {"file_path": "/home/dev/app/.claude/skills/x/SKILL.md", "content": "x"}),
    ("Write", {"file_path": "/home/dev/.config/htop/htoprc", "content": "x"}),
]


@pytest.mark.parametrize("line", THROUGH_VARIABLES)
def test_a_guard_file_named_through_its_variable(line: str) -> None:
    for name, policy in POLICIES.items():
        assert verdict(policy, line) == GUARDED[name], (name, line)


@pytest.mark.parametrize("line", SETTING_VARIABLES)
def test_moving_the_harness_settings_is_changing_the_guard(line: str) -> None:
    for name, policy in POLICIES.items():
        assert verdict(policy, line) == GUARDED[name], (name, line)


@pytest.mark.parametrize("line", RESTORED)
def test_a_guard_file_restored_or_replaced(line: str) -> None:
    for name, policy in POLICIES.items():
        assert verdict(policy, line) == GUARDED[name], (name, line)


@pytest.mark.parametrize("line", PROGRAM_AND_CONFIG)
def test_goalrails_program_and_a_homes_config(line: str) -> None:
    for name, policy in POLICIES.items():
        assert verdict(policy, line) == GUARDED[name], (name, line)


@pytest.mark.parametrize(
    "path",
    [
        "/home/dev/app/.cursor/cli.json",
        "/home/dev/.config/cursor/cli-config.json",
        "/home/dev/.local/bin/goalrail",
        "/usr/lib/python3/dist-packages/goalrail/cli/main.py",
    ],
)
def test_a_tool_writing_the_new_guard_paths(path: str) -> None:
    for name, policy in POLICIES.items():
        assert tool_verdict(policy, "Write", {"file_path": path, "content": "{}"}) == GUARDED[name], (name, path)


@pytest.mark.parametrize("line", UNGUARDED)
def test_what_leaves_the_guard_alone(line: str) -> None:
    assert verdict(SOC2, line) == "ALLOW", line
    assert verdict(HIPAA, line) == "ALLOW", line
    assert verdict(PERMISSIVE, line) == "ALLOW", line


@pytest.mark.parametrize(("tool", "arguments"), UNGUARDED_TOOLS)
def test_other_harness_files_keep_their_verdict(tool: str, arguments: dict[str, str]) -> None:
    assert tool_verdict(SOC2, tool, arguments) == "ALLOW"
    assert tool_verdict(PERMISSIVE, tool, arguments) == "ALLOW"


@pytest.mark.parametrize("line", ["cp -r x/.claude backup/", "cp -r .claude ~/other-project/"])
def test_a_copy_that_makes_a_claude_directory_stays_guarded(line: str) -> None:
    for name, policy in POLICIES.items():
        assert verdict(policy, line) == GUARDED[name], (name, line)


@pytest.mark.parametrize(
    ("line", "written"),
    [
        ("git restore a.txt b/c.txt", {"a.txt", "b/c.txt"}),
        ("git checkout v1 ./a.txt app/.env", {"./a.txt", "app/.env"}),
        ("git checkout v1 feature/x", set()),
        ("git stash push -m msg a.txt", {"a.txt"}),
        ("git restore -s v1 a.txt", {"a.txt"}),
        ("tar -xf x.tar -C /srv a.txt", {"/srv", "/srv/a.txt"}),
        ("patch -o out.txt in.txt x.diff", {"out.txt", "in.txt"}),
        # (git takes one leading component off, as `-p1`: `x/y.txt`, deleted as well as written)
        ("git apply <<'E'\n--- a/x/y.txt\n+++ /dev/null\nE", {"x/y.txt"}),
        ("mv f{,.old}", {"f.old"}),
        ("cp a.txt{,.bak}", {"a.txt.bak"}),
        ("cp a.txt b{1,2}/", {"b2", "b2/a.txt", "b2/b1"}),
    ],
)
def test_the_files_a_restore_writes(line: str, written: set[str]) -> None:
    effects = {path for kind, path, _sure, _suffix in file_effects(line) if kind == "file_write"}
    assert {p.rstrip("/") for p in effects} == written


def test_the_shell_rule_is_one_text_and_needs_no_lookaround() -> None:
    from goalrail.patterns.templates._base import GUARD_LINES

    assert "(?=" not in GUARD_LINES
    assert "(?!" not in GUARD_LINES
    assert "(?<" not in GUARD_LINES
    rx = re.compile(GUARD_LINES)
    assert rx.match("export CODEX_HOME=/x")
    assert not rx.match("test $CODEX_HOME == /x")
    assert not rx.match("MY_CODEX_HOME=/x make")
