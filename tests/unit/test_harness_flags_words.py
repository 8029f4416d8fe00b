"""A harness started unguarded, read by its words (``_harness_words``): short options clustered
and values attached as each CLI's parser takes them, an option only as a word of its own before
``--`` (not inside a quoted prompt), the harnesses ``_harness_more`` adds and the environment that
loosens one at its start; and Claude Code's ``dangerouslyDisableSandbox`` (the command judged as
any other; a rule on the argument reads its boolean)."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.integrations.claude_code.translate import to_event
from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.shell_support import APP, MAPPER, PERMISSIVE, SOC2, STRICT, tool_verdict, verdict

#: clustered short options, attached and ``=`` values, camel-case names
CLUSTERED = [
    "gemini -sy -p hi",
    "gemini -ys -p hi",
    "gemini -my -p hi",  # (yargs: -m -y)
    "qwen -sy -p hi",
    "gemini --approvalMode=yolo -p hi",
    "gemini --approval-mode 'yolo' -p hi",
    "npx @google/gemini-cli -ys -p hi",
    "sh -c 'gemini -sy -p hi'",
    "cursor-agent -pf hi",
    "agent -fp hi",
    "codex -a=never exec hi",
    "codex -anever exec hi",
    "codex -s=danger-full-access exec hi",
    "codex -sdanger-full-access exec hi",
    "codex --sandbox=danger-full-access exec hi",
    "codex -capproval_policy=never exec hi",
    "codex -c 'approval_policy = \"never\"' exec hi",
    "codex -c \"approval_policy='never'\" exec hi",
    'codex -c \'"approval_policy"="never"\' exec hi',
    "codex --config='sandbox_mode=\"danger-full-access\"' exec hi",
]
#: the option as its own word, wherever the prompt is
OWN_WORD = [
    "claude -p x --dangerously-skip-permissions",
    'claude --dangerously-skip-permissions "$(cat prompt)"',
    'claude -p "$(cat prompt)" --dangerously-skip-permissions',
    'gemini -p "hi there" --yolo',
    'claude -p "--dangerously-skip-permissions"',  # (-p takes no value: the quotes are gone, a word of its own)
]
#: harnesses not covered before, in the spellings the shell analysis reads
MORE = [
    "opencode run --auto hi",
    "opencode --auto",
    "opencode run --dangerously-skip-permissions hi",
    "npx opencode-ai run --auto hi",
    "copilot --allow-all-tools -p hi",
    "copilot --allow-all -p hi",
    "copilot --yolo -p hi",
    "copilot --allow-tool shell -p hi",
    "copilot --allow-tool='write,shell' -p hi",
    "bunx @github/copilot --allow-all-tools -p hi",
    "nice -n 5 copilot --yolo -p hi",
    "droid exec --skip-permissions-unsafe hi",
    "droid exec --auto high hi",
    "droid exec --auto=high hi",
    "nohup droid exec --skip-permissions-unsafe hi &",
    "crush -y",
    "crush --yolo run hi",
    "crush -dy",
    "/usr/local/bin/crush --yolo",
    "kiro-cli chat --trust-all-tools hi",
    "kiro-cli chat -a hi",
    "kiro-cli chat --trust-tools=fs_read,shell hi",
    "cline -y hi",
    'bash -c "cline --yolo hi"',
    "cn --allow Bash -p hi",
    "cn --allow '*' -p hi",
    "cd /tmp && cn --allow Bash -p hi",
    "openhands --always-approve",
    "env X=1 openhands --always-approve",
    "printf 'crush --yolo\\n' > run.sh && bash run.sh",
    "echo \"alias copilot='copilot --allow-all-tools'\" >> ~/.bashrc",
]
#: the environment set so that a harness starts loosened
ENV = [
    "GOOSE_MODE=auto goose run -t hi",
    "export GOOSE_MODE=auto; goose run -t hi",
    "env GOOSE_MODE=auto goose run -t hi",
    "GOOSE_MODE='auto' goose session",
    "set -gx GOOSE_MODE auto",
    'python3 -c \'import os; os.environ["GOOSE_MODE"] = "auto"\'',
    "COPILOT_ALLOW_ALL=true copilot -p hi",
    "export COPILOT_ALLOW_ALL=1",
    'OPENCODE_PERMISSION=\'{"*":"allow"}\' opencode run hi',
    'export OPENCODE_PERMISSION=\'{"bash":"allow"}\'',
    "echo 'export GOOSE_MODE=auto' >> ~/.bashrc",
]
LOOSENED = CLUSTERED + OWN_WORD + MORE + ENV

#: the option inside a prompt (one word), or after ``--``, is no option: ALLOW under all three
IN_PROMPT = [
    'claude -p "explain --dangerously-skip-permissions"',
    'claude "explain --dangerously-skip-permissions to me"',
    "claude -p 'why --settings?'",
    'gemini -p "what does --yolo do"',
    'gemini -p "is -y short for --yolo?"',
    "claude -p hi -- --dangerously-skip-permissions",
    'copilot -p "is --allow-all-tools safe?"',
    'opencode run "what does --auto do"',
    'crush run "explain --yolo"',
]
#: benign launches and readings: ALLOW under all three
KEPT = [
    "gemini -p hi",
    "codex exec hi",
    'claude -p "hi"',
    "opencode run hi",
    "goose run -t hi",
    "copilot -p hi",
    "copilot --allow-tool 'shell(git:*)' -p hi",
    "droid exec hi",
    "crush run hi",
    "kiro-cli chat hi",
    "kiro-cli chat --trust-tools=fs_read hi",
    "cline hi",
    "cn -p hi",
    "cn --allow 'Bash(npm test)' -p hi",
    "openhands -t hi",
    "GOOSE_MODE=approve goose run -t hi",
    "COPILOT_ALLOW_ALL=false copilot -p hi",
    "echo $GOOSE_MODE",
    "gemini -s -p hi",
    "gemini --approval-mode auto_edit -p hi",
    "codex -s workspace-write exec hi",
    "kubectl logs cn -f",
    "git commit -m 'try crush --yolo later'",
]


@pytest.mark.parametrize("line", LOOSENED)
def test_a_harness_loosened_in_any_spelling_is_the_guards(line: str) -> None:
    assert verdict(STRICT, line) == "DENY"
    assert verdict(SOC2, line) == "DENY"
    assert verdict(PERMISSIVE, line) == "ASK"


@pytest.mark.parametrize("line", IN_PROMPT + KEPT)
def test_an_option_that_is_no_word_of_the_command_is_left_alone(line: str) -> None:
    assert verdict(STRICT, line) == "ALLOW"
    assert verdict(SOC2, line) == "ALLOW"
    assert verdict(PERMISSIVE, line) == "ALLOW"


def _hook(tool_input: dict[str, Any]) -> dict[str, Any]:
    """A Claude Code ``PreToolUse`` of ``Bash`` through the hook's mapping, built as the runtime builds it."""
    payload = {"hook_event_name": "PreToolUse", "session_id": "s", "cwd": APP, "tool_name": "Bash"}
    found = to_event(payload | {"tool_input": tool_input})
    assert found is not None
    ev = dict(build_event(normalize_event(found[2]), Snapshot("s1"), now=1_000.0, mapper=MAPPER))
    ev["policy_state"] = {}
    return ev


def _judged(policy: Any, tool_input: dict[str, Any]) -> str:
    res = policy(_hook(tool_input))
    return "ALLOW" if res is None else str(res["result"])


#: a Claude Code ``Bash`` call asked to run outside Claude Code's own sandbox: the command is judged
#: as any other (the flag leaves the harness's OS sandbox, not Goalrail's hooks)
SANDBOX_OFF = [
    ({"command": "ls", "dangerouslyDisableSandbox": True}, "ALLOW", "ALLOW"),
    ({"command": "rm -rf /", "dangerouslyDisableSandbox": True}, "DENY", "DENY"),
    ({"command": "claude --dangerously-skip-permissions", "dangerouslyDisableSandbox": True}, "DENY", "ASK"),
    ({"command": "cat ~/.ssh/id_rsa", "dangerouslyDisableSandbox": True}, "DENY", "ALLOW"),
]


@pytest.mark.parametrize(("tool_input", "strict", "permissive"), SANDBOX_OFF)
def test_a_command_outside_claude_codes_sandbox_is_judged_as_the_command(
    tool_input: dict[str, Any], strict: str, permissive: str
) -> None:
    assert _hook(tool_input)["context"]["action"]["type"] == "shell_execute"
    assert _hook(tool_input)["data"]["arguments"]["dangerouslyDisableSandbox"] is True
    assert (_judged(STRICT, tool_input), _judged(PERMISSIVE, tool_input)) == (strict, permissive)
    assert tool_verdict(STRICT, "Bash", tool_input) == strict


#: an operator's rule asking about it (docs/patterns.md): a boolean argument reads as ``true``
_ASK_UNSANDBOXED = pattern_policy(
    inline={
        "name": "sandboxed",
        "default_action": "allow",
        "patterns": [
            {
                "id": "unsandboxed",
                "action_type": "shell_execute",
                "pattern": ".*",
                "action": "deny",
                "violation_mode": "sigstop",
                "conditions": {"arguments": {"dangerouslyDisableSandbox": "^true$"}},
            }
        ],
    }
)


@pytest.mark.parametrize(
    ("tool_input", "expected"),
    [
        ({"command": "ls", "dangerouslyDisableSandbox": True}, "ASK"),
        ({"command": "ls", "dangerouslyDisableSandbox": "true"}, "ASK"),
        ({"command": "ls", "dangerouslyDisableSandbox": False}, "ALLOW"),
        ({"command": "ls"}, "ALLOW"),
        ({"command": "echo dangerouslyDisableSandbox true"}, "ALLOW"),
    ],
)
def test_a_rule_on_the_sandbox_argument_reads_the_boolean(tool_input: dict[str, Any], expected: str) -> None:
    assert _judged(_ASK_UNSANDBOXED, tool_input) == expected
