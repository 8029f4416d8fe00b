"""block_skills: a path into a blocked skill's directory, in any tool's arguments or any shell
spelling, is a load of that skill (policies/builtins/_skills.py)."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.policies.builtins import safety
from goalrail.policies.builtins._skills import SkillPaths
from tests.unit.builtins.builtin_events import make_event, shell_event, tool_event

POLICY = safety.block_skills(blocked=["Deploy", "pdf"])

READS = {
    "cat": "cat ~/.claude/skills/deploy/SKILL.md",
    "sed, relative": "sed -n 1,200p .claude/skills/deploy/SKILL.md",
    "a variable for the name": "d=deploy; cat ~/.claude/skills/$d/SKILL.md",
    "a command substitution for the name": "cat ~/.claude/skills/$(echo deploy)/SKILL.md",
    "cd first": "cd ~/.claude/skills && cat deploy/SKILL.md",
    "cd through a glob": "cd ~/.claude/sk* && cat deploy/SKILL.md",
    "pushd": "pushd ~/.claude/skills; cat pdf/SKILL.md",
    "env -C": "env -C ~/.claude/skills cat deploy/SKILL.md",
    "bash -c": "bash -c 'head -50 .claude/skills/deploy/SKILL.md'",
    "input redirection": "cat < .claude/skills/deploy/SKILL.md",
    "a glob for the name": "cat .claude/skills/dep*/SKILL.md",
    "every skill": "cat .claude/skills/*/SKILL.md",
    "a brace list": "cat .claude/skills/{deploy,x}/SKILL.md",
    "python -c": "python3 -c \"print(open('.claude/skills/deploy/SKILL.md').read())\"",
    "a here-document": "python3 <<'EOF'\nprint(open('/h/.claude/skills/deploy/SKILL.md').read())\nEOF",
    "grep -r of the skills directory": "grep -rn step ~/.claude/skills",
    "a copy of the skills directory": "cp -r ~/.claude/skills /tmp/s && cat /tmp/s/deploy/SKILL.md",
    "tar of the skills directory": "tar cf - ~/.claude/skills | tar tf -",
    "find -exec": "find ~/.claude/skills -name SKILL.md -exec cat {} \\;",
    "an option's value": "less --file=.claude/skills/deploy/SKILL.md",
    "upper case": "cat ~/.claude/SKILLS/DEPLOY/SKILL.md",
    "dot-dot": "cat ~/.claude/skills/x/../deploy/SKILL.md",
    "dot and double slash": "cat ~/.claude/skills/.//deploy/SKILL.md",
    "quotes inside the words": "cat ~/.claude/sk'ill's/dep\"loy\"/SKILL.md",
    "xargs": "echo ~/.claude/skills/deploy/SKILL.md | xargs cat",
    "an escape inside the word": "cat ~/.claude/sk\\ills/deploy/SKILL.md",
    "ANSI-C quoting": "cat ~/.claude/$'\\x73'kills/deploy/SKILL.md",
    "empty quotes": "cat ~/.claude/ski''lls/deploy/SKILL.md",
    "glob for skills": "cat ~/.claude/ski?ls/deploy/SKILL.md",
    "a bind mount of the skills directory": "docker run --rm -v ~/.claude/skills:/s img cat /s/deploy/SKILL.md",
    "a --mount of the skills directory": "podman run --mount type=bind,src=/h/.claude/skills,dst=/s img ls /s",
    "a variable followed": "D=~/.claude/skills/deploy; cat $D/SKILL.md",
}

OTHERS = {
    "another skill": "cat ~/.claude/skills/review/SKILL.md",
    "listing the skills directory": "ls ~/.claude/skills",
    "a plain file": "cat README.md",
    "a script named like the skill": "./scripts/deploy.sh",
    "a search for the word": "grep -rn deploy src/",
    "the word skills": "echo skills are great",
    "cd, then another skill": "cd ~/.claude/skills && cat review/SKILL.md",
    "the skill's name after another directory": "cat docs/deploy/notes.md",
    "a copy of everything under a directory": "cp -r build/* dist/",
    "a search of everything under a directory": "grep -rn TODO src/*",
    "a search of the current directory": "grep -rn TODO .",
    "a bind mount of another directory": 'docker run --rm -v "$PWD":/src img make',
}


@pytest.mark.parametrize("command", READS.values(), ids=READS.keys())
def test_shell_reads_of_a_blocked_skill_are_denied(command: str) -> None:
    out = POLICY(shell_event(command))
    assert out is not None and out["result"] == "DENY", command
    assert out["reason"] in ("skill `deploy` is blocked", "skill `pdf` is blocked")


@pytest.mark.parametrize("command", OTHERS.values(), ids=OTHERS.keys())
def test_other_commands_pass(command: str) -> None:
    assert POLICY(shell_event(command)) is None


@pytest.mark.parametrize(
    "tool, arguments",
    [
        ("Read", {"file_path": "./skills/./deploy/SKILL.md"}),
        ("Read", {"file_path": "skills/x/../deploy/SKILL.md"}),
        ("Read", {"file_path": "C:\\u\\.claude\\skills\\Deploy\\SKILL.md"}),
        ("NotebookRead", {"notebook_path": "skills/deploy/a.ipynb"}),
        ("read_file", {"absolute_path": "/h/.gemini/skills/deploy/SKILL.md"}),
        ("read_many_files", {"paths": ["a.md", "/h/.claude/skills/pdf/x.py"]}),
        ("mcp__fs__read_text_file", {"path": "/h/.claude/skills/deploy/SKILL.md"}),
        ("Grep", {"pattern": "x", "path": "/h/.claude/skills"}),
        ("Write", {"file_path": "skills/deploy/SKILL.md", "content": "x"}),
        ("shell", {"command": ["bash", "-lc", "cat skills/deploy/SKILL.md"]}),
        ("run_shell_command", {"command": "cat ~/.gemini/skills/pdf/SKILL.md"}),
    ],
)
def test_any_tool_reaching_a_blocked_skill_is_denied(tool: str, arguments: dict[str, Any]) -> None:
    out = POLICY(tool_event(tool, arguments))
    assert out is not None and out["result"] == "DENY"


def test_the_analysis_is_skipped_only_for_verbatim_commands() -> None:
    # no quote, escape, `$` or glob: the words are the text, and none names a skills directory
    assert POLICY(tool_event("Bash", {"command": "ls -la src", "timeout": 30})) is None
    # an escape in an argv list makes the analysis run, and it finds the skill
    out = POLICY(tool_event("shell", {"command": ["bash", "-lc", "cat sk\\ills/deploy/SKILL.md"], "timeout": 5}))
    assert out is not None and out["result"] == "DENY"
    # a cwd inside a skills directory makes every command be analysed
    assert POLICY(shell_event("cat deploy/SKILL.md", cwd="/h/skills"))["result"] == "DENY"


def test_relative_paths_are_joined_to_the_cwd() -> None:
    inside = "/h/.claude/skills/deploy"
    assert POLICY(shell_event("cat SKILL.md", cwd=inside))["result"] == "DENY"
    assert POLICY(make_event("tool_call", "Read", {"arguments": {"file_path": "SKILL.md"}}, cwd=inside))
    assert POLICY(shell_event("grep -r foo .", cwd="/h/.claude/skills"))["result"] == "DENY"
    assert POLICY(shell_event("ls", cwd="/h/.claude/skills")) is None
    assert POLICY(shell_event("cat SKILL.md", cwd="/h/.claude/skills/review")) is None


@pytest.mark.parametrize(
    "tool, arguments",
    [
        ("Read", {"file_path": "/h/.claude/skills/review/SKILL.md"}),
        ("Read", {"file_path": "/h/.claude/skills"}),
        ("Glob", {"path": "/h/src", "pattern": "**/*.py"}),
        ("Write", {"file_path": "docs/deploy.md", "content": "skills/deploy/ is blocked"}),
    ],
)
def test_other_tool_calls_pass(tool: str, arguments: dict[str, Any]) -> None:
    assert POLICY(tool_event(tool, arguments)) is None


@pytest.mark.parametrize(
    "tool, arguments",
    [("activate_skill", {"name": "deploy"}), ("skill", {"name": "PDF"}), ("Skill", {"skill": "plugin:deploy"})],
)
def test_every_harness_skill_tool_is_a_load(tool: str, arguments: dict[str, Any]) -> None:
    # Gemini CLI's activate_skill, OpenCode's skill, Claude Code's Skill
    out = POLICY(tool_event(tool, arguments))
    assert out is not None and out["result"] == "DENY"
    assert POLICY(tool_event(tool, {"name": "review", "skill": "review"})) is None


@pytest.mark.parametrize(
    "arguments",
    [
        {"target_file": "/home/u/.claude/skills/deploy/SKILL.md"},
        {"AbsolutePath": "/home/u/.claude/skills/deploy/SKILL.md"},
        {"File-Path": "/home/u/.claude/skills/deploy/SKILL.md"},
    ],
)
def test_path_keys_in_any_spelling(arguments: dict[str, str]) -> None:
    assert SkillPaths(frozenset({"deploy"})).in_arguments(arguments, None) == "deploy"
