"""A harness started with its permission layer or its hooks turned off or replaced is the guard's
(``<prefix>_guard_shell``: strict and soc2 deny, permissive asks), in every spelling the shell
analysis reads; and the text a file tool writes into a shell start-up file is judged as the
shell line that writes it (``_pattern_startup``)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.unit.shell_support import PERMISSIVE, SOC2, STRICT, tool_verdict, verdict

LOOSENED = [
    # Claude Code
    "claude --dangerously-skip-permissions -p hi",
    "claude --allow-dangerously-skip-permissions -p hi",
    "claude -p hi --dangerously-skip-permissions",
    "claude --settings /tmp/loose.json -p hi",
    "claude --settings '{\"hooks\":{}}' -p hi",
    "claude --settings='{\"hooks\":{}}' -p hi",
    "claude --setting-sources project -p hi",
    "claude --permission-mode bypassPermissions -p hi",
    "claude --permission-mode=bypassPermissions -p hi",
    "claude -p hi --permission-mode 'bypassPermissions'",
    "claude --allowedTools Bash -p hi",
    'claude --allowedTools "Read,Bash" -p hi',
    "claude --allowed-tools Read Bash -p hi",
    "claude --allowedTools 'Bash(*)' -p hi",
    "claude --strict-mcp-config --mcp-config x.json -p hi",
    # Codex
    "codex --dangerously-bypass-approvals-and-sandbox exec hi",
    "codex exec --dangerously-bypass-approvals-and-sandbox hi",
    "codex --yolo exec hi",
    "codex -c approval_policy=never exec hi",
    "codex -c 'approval_policy=\"never\"' exec hi",
    "codex --config sandbox_mode=danger-full-access exec hi",
    "codex --config=approval_policy=never exec hi",
    "codex -c hooks.pre_tool_use=[] exec hi",
    "codex -a never exec hi",
    "codex --ask-for-approval=never exec hi",
    "codex exec -s danger-full-access hi",
    "codex --sandbox danger-full-access exec hi",
    # Gemini CLI, Qwen Code
    "gemini --yolo -p hi",
    "gemini -y -p hi",
    "gemini --approval-mode yolo -p hi",
    "gemini --approval-mode=yolo -p hi",
    "gemini --allowed-tools run_shell_command -p hi",
    "qwen --yolo -p hi",
    "qwen --approval-mode yolo -p hi",
    # Cursor's agent, Amp, Aider
    "cursor-agent --force -p hi",
    "cursor-agent -f -p hi",
    "agent --yolo -p hi",
    "cd /tmp; agent -f -p hi",
    "nice agent --force -p hi",
    "cursor-agent --sandbox disabled -p hi",
    "amp --dangerously-allow-all -x hi",
    "aider --yes-always --message hi",
    # through launchers, wrappers, paths, shells, scripts, interpreters
    "npx @anthropic-ai/claude-code --dangerously-skip-permissions -p hi",
    "npx -y @anthropic-ai/claude-code@latest --dangerously-skip-permissions -p hi",
    "bunx @anthropic-ai/claude-code --dangerously-skip-permissions -p hi",
    "pnpm dlx @openai/codex --yolo exec hi",
    "npx @google/gemini-cli --yolo -p hi",
    "/usr/local/bin/claude --dangerously-skip-permissions -p hi",
    "~/.local/bin/claude --dangerously-skip-permissions -p hi",
    "env X=1 claude --dangerously-skip-permissions -p hi",
    "nohup claude --dangerously-skip-permissions -p hi &",
    "timeout 60 codex --dangerously-bypass-approvals-and-sandbox exec hi",
    "sh -c 'claude --dangerously-skip-permissions -p hi'",
    'bash -c "gemini --yolo -p hi"',
    "c=claude; $c --dangerously-skip-permissions -p hi",
    '"claude" "--dangerously-skip-permissions" -p hi',
    "cl''aude --dangerously-skip-permissions -p hi",
    "printf 'claude --dangerously-skip-permissions -p hi\\n' > run.sh && bash run.sh",
    'python3 -c \'import subprocess; subprocess.run(["claude", "--dangerously-skip-permissions", "-p", "hi"])\'',
    "echo hi | claude --dangerously-skip-permissions",
    "cd /tmp && exec claude --dangerously-skip-permissions",
    "echo \"alias claude='claude --dangerously-skip-permissions'\" >> ~/.bashrc",
]

#: lines that keep their verdict (ALLOW under all three)
KEPT = [
    "claude -p hi",
    "claude --version",
    "codex exec hi",
    "codex --sandbox read-only exec hi",
    "codex -s workspace-write exec hi",
    "codex --full-auto exec hi",  # sandboxed workspace-write, approvals on request
    "codex -a on-request exec hi",
    "codex --profile ci exec hi",  # a profile lives in the guarded config.toml
    "codex -c model=o3 exec hi",
    "gemini -p hi",
    "gemini --approval-mode auto_edit -p hi",  # edits only
    "gemini -s -p hi",  # the sandbox turned on
    "claude --disallowedTools Bash -p hi",
    "claude --allowedTools Read --disallowedTools Bash -p hi",
    "claude --allowedTools 'Bash(git status)' -p hi",
    "claude --allowedTools 'Bash(npm test:*)' Read -p hi",
    "claude --permission-mode acceptEdits -p hi",  # edits only, each still meets the hooks
    "claude --permission-mode plan -p hi",
    "claude --mcp-config x.json -p hi",
    "cat ~/.bashrc",
    "grep -rn dangerously-skip-permissions docs/",
    "git commit -m 'document --yolo'",
    "agent -p hi",
    "cursor-agent -p hi",
    "aider --message hi",
    "amp -x hi",
    "kubectl logs agent -f",  # `agent` only as a command's program
    "docker logs --tail 5 agent -f",
    "npm install -g @anthropic-ai/claude-code",
]


@pytest.mark.parametrize("line", LOOSENED)
def test_a_harness_started_unguarded_is_the_guards(line: str) -> None:
    assert verdict(STRICT, line) == "DENY"
    assert verdict(SOC2, line) == "DENY"
    assert verdict(PERMISSIVE, line) == "ASK"


def test_a_harness_started_unguarded_under_sudo_stays_denied() -> None:
    # permissive denies `sudo -u` itself (`permissive_shell_privilege`); the loosening option no
    # longer turns that into the guard's ASK (the guard meets the command sudo runs, not the line)
    line = "sudo -u dev claude --dangerously-skip-permissions -p hi"
    assert verdict(STRICT, line) == "DENY"
    assert verdict(SOC2, line) == "DENY"
    assert verdict(PERMISSIVE, line) == "DENY"


@pytest.mark.parametrize("line", KEPT)
def test_a_harness_started_guarded_is_left_alone(line: str) -> None:
    assert verdict(STRICT, line) == "ALLOW"
    assert verdict(SOC2, line) == "ALLOW"
    assert verdict(PERMISSIVE, line) == "ALLOW"


def test_the_rule_needs_no_lookaround() -> None:
    from goalrail.patterns.templates._harness_flags import HARNESS_LOOSENED

    assert not any(x in HARNESS_LOOSENED for x in ("(?=", "(?!", "(?<"))
    assert re.search(HARNESS_LOOSENED, "x && claude --dangerously-skip-permissions")
    assert not re.search(HARNESS_LOOSENED, "claude --disallowedTools Bash")


_BASHRC = "/home/dev/.bashrc"
STARTUP_WRITES: list[tuple[str, dict[str, Any]]] = [
    ("Write", {"file_path": "~/.bashrc", "content": "export CLAUDE_CONFIG_DIR=/tmp/x\n"}),
    ("Write", {"file_path": "/home/dev/.profile", "content": "# moved\nexport CODEX_HOME=/tmp/x\n"}),
    ("Write", {"file_path": "/home/dev/.zshrc", "content": "alias claude='claude --dangerously-skip-permissions'\n"}),
    ("Write", {"file_path": "/home/dev/app/.envrc", "content": "export GEMINI_CLI_HOME=/tmp/g\n"}),
    ("Write", {"file_path": _BASHRC, "content": "export \\\n  CURSOR_CONFIG_DIR=/tmp/c\n"}),
    ("Write", {"file_path": _BASHRC, "content": "export HOME=/tmp/h\n"}),  # as `echo … >> ~/.bashrc` is
    ("Edit", {"file_path": _BASHRC, "old_string": "x", "new_string": "export CLAUDE_CONFIG_DIR=/tmp/x"}),
    ("MultiEdit", {"file_path": _BASHRC, "edits": [{"old_string": "x", "new_string": "unset CODEX_HOME"}]}),
    ("write_file", {"file_path": "/home/dev/.bash_profile", "content": "export GOALRAIL_URL=http://x\n"}),
    ("replace", {"file_path": _BASHRC, "old_string": "a", "new_string": "export CODEX_HOME=/tmp/x"}),
    ("apply_patch", {"input": "*** Begin Patch\n*** Update File: /home/dev/.bashrc\n@@\n+export CODEX_HOME=/x\n"}),
]


@pytest.mark.parametrize(("tool", "arguments"), STARTUP_WRITES)
def test_text_written_to_a_startup_file_is_judged_as_its_shell_line(tool: str, arguments: dict[str, Any]) -> None:
    assert tool_verdict(STRICT, tool, arguments) == "DENY"
    assert tool_verdict(SOC2, tool, arguments) == "DENY"
    assert tool_verdict(PERMISSIVE, tool, arguments) == "ASK"


@pytest.mark.parametrize(
    ("tool", "arguments", "strict", "others"),
    [
        # a start-up file written is persistence (`<prefix>_persist_write`: strict DENY, the others ASK)
        ("Write", {"file_path": _BASHRC, "content": "alias ll='ls -l'\n"}, "DENY", "ASK"),
        (
            "Write",
            {"file_path": _BASHRC, "content": "export PATH=$HOME/bin:$PATH\n# CLAUDE_CONFIG_DIR=x\n"},
            "DENY",
            "ASK",
        ),
        (
            "Write",
            {"file_path": "/home/dev/app/notes.md", "content": "export CLAUDE_CONFIG_DIR=/tmp/x\n"},
            "ASK",
            "ALLOW",
        ),
        ("Edit", {"file_path": _BASHRC, "old_string": "x", "new_string": "echo $CODEX_HOME"}, "DENY", "ASK"),
    ],
)
def test_startup_text_that_leaves_the_guard_alone_keeps_its_verdict(
    tool: str, arguments: dict[str, Any], strict: str, others: str
) -> None:
    assert tool_verdict(STRICT, tool, arguments) == strict
    assert tool_verdict(SOC2, tool, arguments) == others
    assert tool_verdict(PERMISSIVE, tool, arguments) == others


def _rule(pattern: str) -> Any:
    from goalrail.policies.builtins.patterns import pattern_policy

    rule = {"id": "rmrf", "action_type": "shell_execute", "pattern": pattern, "action": "deny"}
    return pattern_policy(inline={"name": "mine", "default_action": "allow", "patterns": [rule]})


def test_a_users_shell_rule_meets_startup_text_as_it_meets_the_echo_line() -> None:
    anywhere, anchored = _rule(r".*rm\s+-rf.*"), _rule(r"rm\s+-rf")
    written = {"file_path": _BASHRC, "content": "rm -rf ~/\n"}
    assert verdict(anywhere, "echo 'rm -rf ~/' >> ~/.bashrc") == "DENY"
    assert tool_verdict(anywhere, "Write", written) == "DENY"
    assert verdict(anchored, "echo 'rm -rf ~/' >> ~/.bashrc") == "ALLOW"  # (`bash -i` later meets it)
    assert tool_verdict(anchored, "Write", written) == "ALLOW"
