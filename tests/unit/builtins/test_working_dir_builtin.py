"""working_dir.block_working_dir_changes: every parameter, defaults and edge cases."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from goalrail.policies.builtins.working_dir import block_working_dir_changes
from tests.unit.builtins.builtin_events import make_event, shell_event, tool_event


def verdict(policy: Any, command: str, cwd: str | None = "/work/repo", tool: str = "Bash") -> str:
    out = policy(shell_event(command, cwd=cwd, tool=tool))
    return "ALLOW" if out is None else out["result"]


def test_defaults_block_every_cd_and_worktree() -> None:
    policy = block_working_dir_changes()
    assert verdict(policy, "cd src") == "DENY"
    assert verdict(policy, "git -C src status") == "DENY"
    assert verdict(policy, "git worktree add ../x") == "DENY"
    assert verdict(policy, "ls && make") == "ALLOW"
    assert verdict(policy, "git worktree list") == "ALLOW"
    out = policy(shell_event("cd /etc"))
    assert out == {"result": "DENY", "reason": "working directory change: `cd /etc`"}


def test_allowed_dirs(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    os.symlink(tmp_path / "other", repo / "link")
    policy = block_working_dir_changes(allowed_dirs=[str(repo)])
    cwd = str(repo)
    assert verdict(policy, "cd src", cwd) == "ALLOW"
    assert verdict(policy, f"cd {repo}/src/../src", cwd) == "ALLOW"
    assert verdict(policy, "cd ..", cwd) == "DENY"
    assert verdict(policy, "cd link", cwd) == "DENY"
    assert verdict(policy, f"cd {tmp_path}/other", cwd) == "DENY"
    assert verdict(policy, "git -C src status", cwd) == "ALLOW"
    assert verdict(policy, "git -C link status", cwd) == "DENY"
    assert verdict(policy, "cd src", None) == "DENY"  # relative target without a cwd: outside
    reason = policy(shell_event("cd ..", cwd=cwd))["reason"]
    assert reason == "working directory change: `cd ..` (outside the allowed directories)"


def test_relative_allowed_dirs_resolve_against_cwd(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    policy = block_working_dir_changes(allowed_dirs=["src"])
    assert verdict(policy, "cd src", str(tmp_path)) == "ALLOW"
    assert verdict(policy, f"cd {tmp_path}/src", str(tmp_path)) == "ALLOW"
    assert verdict(policy, "cd .", str(tmp_path)) == "DENY"


def test_cd_targets_chain_through_earlier_cds(tmp_path: Path) -> None:
    deep = tmp_path / "repo" / "a" / "b"
    deep.mkdir(parents=True)
    policy = block_working_dir_changes(allowed_dirs=[str(tmp_path / "repo")])
    # from the cwd `../..` stays inside, but after `cd repo` it leaves: both bases are checked
    assert verdict(policy, f"cd {tmp_path}/repo && cd ../..", str(deep)) == "DENY"
    assert verdict(policy, f"cd {tmp_path}/repo/a && cd b", str(deep)) == "ALLOW"


def test_cd_flags_and_special_targets() -> None:
    policy = block_working_dir_changes(allowed_dirs=["/work/repo"])
    assert verdict(policy, "cd -P src") == "ALLOW"
    assert verdict(policy, "cd -L -- src") == "ALLOW"
    assert verdict(policy, "cd -") == "DENY"
    assert verdict(policy, "cd") == "DENY"
    assert verdict(policy, "pushd") == "DENY"
    assert verdict(policy, "pushd -2") == "DENY"
    assert verdict(policy, "popd") == "DENY"
    assert verdict(policy, "pushd src && popd") == "ALLOW"
    assert verdict(policy, "pushd src && popd && popd") == "DENY"
    assert verdict(policy, "cd $D") == "ASK"
    assert verdict(policy, "CDPATH=/ cd etc") == "ASK"


def test_block_cd_false_only_gates_worktrees() -> None:
    policy = block_working_dir_changes(block_cd=False)
    assert verdict(policy, "cd /etc && git -C /etc status && env -C /etc ls") == "ALLOW"
    assert verdict(policy, "git worktree add /tmp/x") == "DENY"
    assert verdict(policy, "git worktree $op x") == "ASK"
    assert verdict(policy, "git worktree") == "ASK"


def test_block_worktree_false_only_gates_cd() -> None:
    policy = block_working_dir_changes(block_worktree=False)
    assert verdict(policy, "git worktree add /tmp/x") == "ALLOW"
    assert verdict(policy, "cd /tmp") == "DENY"
    assert verdict(policy, "git p") == "ASK"  # an alias may run `!cd …` or add -C: not verifiable


def test_action_ask_applies_to_violations() -> None:
    policy = block_working_dir_changes(action="ASK")
    assert policy(shell_event("cd /etc"))["result"] == "ASK"
    assert policy(shell_event("git worktree remove x"))["result"] == "ASK"


def test_unknown_constructs_ask_even_with_deny_action() -> None:
    policy = block_working_dir_changes()
    out = policy(shell_event('eval "$X"'))
    assert out == {"result": "ASK", "reason": "cannot verify the working directory stays put: eval"}
    assert verdict(policy, 'echo "unterminated') == "ASK"
    assert verdict(policy, 'cd /etc; eval "$X"') == "DENY"  # a definite violation wins


def test_shell_tools_parameter() -> None:
    policy = block_working_dir_changes(shell_tools=["mcp__box__run"])
    assert verdict(policy, "cd /etc") == "ALLOW"  # sys_os_shell no longer watched
    assert verdict(policy, "cd /etc", tool="mcp__box__run") == "DENY"


def test_non_shell_events_and_odd_arguments() -> None:
    policy = block_working_dir_changes()
    assert policy(tool_event("Read", {"file_path": "/etc/x"})) is None
    assert policy(make_event("request", None, "cd /etc")) is None
    assert policy(tool_event("Bash", {"description": "no command"}))["result"] == "ASK"
    assert policy(tool_event("Bash", "cd /etc"))["result"] == "DENY"
    assert policy(tool_event("exec_command", {"cmd": ["bash", "-lc", "cd /etc"]}))["result"] == "DENY"


@pytest.mark.parametrize(
    "params",
    [
        {"block_cd": False, "block_worktree": False},
        {"action": "deny"},
        {"action": "ALLOW"},
        {"allowed_dirs": "/x"},
        {"allowed_dirs": [""]},
        {"shell_tools": []},
        {"shell_tools": "Bash"},
        {"block_cd": "yes"},
    ],
)
def test_validation(params: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        block_working_dir_changes(**params)


def test_workdir_arguments_of_exec_tools_are_checked() -> None:
    policy = block_working_dir_changes(allowed_dirs=["/work/repo"])
    run = {"cmd": "ls", "workdir": "/etc"}
    assert policy(tool_event("exec_command", run, cwd="/work/repo"))["result"] == "DENY"
    ok = {"cmd": "ls", "workdir": "/work/repo/src"}
    assert policy(tool_event("exec_command", ok, cwd="/work/repo")) is None
    assert block_working_dir_changes(block_cd=False)(tool_event("exec_command", run)) is None


def test_pushd_n_still_checks_its_target() -> None:
    policy = block_working_dir_changes(allowed_dirs=["/work/repo"])
    assert verdict(policy, "pushd -n /etc && popd") == "DENY"
    assert verdict(policy, "pushd -n src && popd") == "ALLOW"
