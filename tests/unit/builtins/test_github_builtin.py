"""github.github_policy: MCP tools and git/gh shell commands, every parameter."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.policies.builtins._git import parse_git
from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins.github import github_policy
from tests.unit.builtins.builtin_events import make_event, shell_event, tool_event

APP = "https://github.com/myorg/app"


def sh(policy: Any, command: str, tool: str = "Bash") -> str:
    out = policy(shell_event(command, tool=tool))
    return "ALLOW" if out is None else out["result"]


def mcp(policy: Any, tool: str, args: Any) -> str:
    out = policy(tool_event(tool, args))
    return "ALLOW" if out is None else out["result"]


def test_defaults_read_everything_write_nothing() -> None:
    policy = github_policy()
    assert sh(policy, "git clone https://github.com/any/repo") == "ALLOW"
    assert sh(policy, "gh pr view 3 -R any/repo") == "ALLOW"
    assert mcp(policy, "mcp__github__get_file_contents", {"owner": "a", "repo": "b"}) == "ALLOW"
    out = policy(shell_event(f"git push {APP} main"))
    assert out == {
        "result": "DENY",
        "reason": "git push to `myorg/app`: no repository is writable (write_repos is empty)",
    }
    assert mcp(policy, "mcp__github__create_issue", {"owner": "myorg", "repo": "app"}) == "DENY"


def test_write_repos_globs_and_case() -> None:
    policy = github_policy(write_repos=["MyOrg/*"])
    assert sh(policy, f"git push {APP} main") == "ALLOW"
    assert sh(policy, "git push https://github.com/MYORG/Other.git x") == "ALLOW"
    assert sh(policy, "git push https://github.com/evil/app main") == "DENY"


def test_write_branches() -> None:
    policy = github_policy(write_repos=["myorg/app"], write_branches=["feature/*"])
    assert sh(policy, f"git push {APP} feature/x") == "ALLOW"
    assert sh(policy, f"git push {APP} HEAD:feature/x") == "ALLOW"
    assert sh(policy, f"git push {APP} main") == "DENY"
    assert sh(policy, f"git push {APP} HEAD") == "ASK"
    assert sh(policy, f"git push {APP}") == "ASK"
    assert (
        mcp(
            policy,
            "mcp__github__create_or_update_file",
            {"owner": "myorg", "repo": "app", "branch": "feature/a", "path": "x"},
        )
        == "ALLOW"
    )
    assert mcp(policy, "mcp__github__push_files", {"owner": "myorg", "repo": "app", "branch": "main"}) == "DENY"
    assert mcp(policy, "mcp__github__create_or_update_file", {"owner": "myorg", "repo": "app"}) == "ASK"
    assert (
        mcp(
            policy,
            "mcp__github__merge_pull_request",
            {"owner": "myorg", "repo": "app", "pullNumber": 1},
        )
        == "ASK"
    )
    assert (
        mcp(
            policy,
            "mcp__github__create_pull_request",
            {"owner": "myorg", "repo": "app", "head": "x"},
        )
        == "ALLOW"
    )


def test_read_scope() -> None:
    policy = github_policy(read_all=False, read_repos=["myorg/docs"], write_repos=["myorg/app"])
    assert mcp(policy, "mcp__github__get_file_contents", {"owner": "myorg", "repo": "docs"}) == "ALLOW"
    assert mcp(policy, "mcp__github__list_commits", {"owner": "myorg", "repo": "app"}) == "ALLOW"
    assert mcp(policy, "mcp__github__get_file_contents", {"owner": "other", "repo": "x"}) == "DENY"
    assert mcp(policy, "mcp__github__search_code", {"q": "secret"}) == "ASK"
    assert sh(policy, "git clone https://github.com/other/x") == "DENY"
    assert sh(policy, "git fetch origin") == "ASK"
    assert sh(policy, "git ls-remote https://gitlab.com/x/y") == "ALLOW"  # not GitHub


def test_allow_destructive_and_force() -> None:
    strict = github_policy(write_repos=["myorg/app"])
    loose = github_policy(write_repos=["myorg/app"], allow_destructive=True, deny_force_push=False)
    for cmd in (
        f"git push {APP} :old",
        f"git push --delete {APP} old",
        "gh repo delete myorg/app --yes",
        "gh release delete v1 -R myorg/app",
    ):
        assert sh(strict, cmd) == "DENY"
        assert sh(loose, cmd) == "ALLOW"
    for cmd in (
        f"git push -f {APP} x",
        f"git push {APP} +x",
        f"git push --force-with-lease {APP} x",
    ):
        assert sh(strict, cmd) == "DENY"
        assert sh(loose, cmd) == "ALLOW"
    assert mcp(strict, "mcp__github__delete_file", {"owner": "myorg", "repo": "app", "branch": "x"}) == "DENY"
    assert mcp(loose, "mcp__github__delete_file", {"owner": "myorg", "repo": "app", "branch": "x"}) == "ALLOW"


def test_mcp_prefixes_and_classification() -> None:
    policy = github_policy(write_repos=["myorg/app"], mcp_tool_prefixes=["mcp__gh__", "mcp__github__"])
    assert mcp(policy, "mcp__gh__create_issue", {"owner": "myorg", "repo": "app"}) == "ALLOW"
    assert mcp(policy, "mcp__gh__create_issue", {"owner": "evil", "repo": "app"}) == "DENY"
    assert mcp(policy, "mcp__gh__issue_read", {"owner": "any", "repo": "x"}) == "ALLOW"
    assert mcp(policy, "mcp__gh__issue_write", {"owner": "evil", "repo": "x"}) == "DENY"
    assert mcp(policy, "mcp__gh__frobnicate", {}) == "ASK"
    assert mcp(policy, "mcp__gh__create_gist", {"files": {}}) == "ASK"
    assert mcp(policy, "mcp__other__create_issue", {"owner": "evil", "repo": "x"}) == "ALLOW"
    assert mcp(policy, "mcp__gh__add_issue_comment", {"repository": "myorg/app", "body": "x"}) == "ALLOW"
    assert mcp(policy, "mcp__gh__add_issue_comment", {"full_name": "evil/x"}) == "DENY"
    assert mcp(policy, "mcp__gh__update_issue", {"url": "https://github.com/evil/x/issues/1"}) == "DENY"
    assert mcp(policy, "mcp__gh__update_issue", {"params": {"owner": "myorg", "repo": "app"}}) == "ALLOW"
    assert mcp(policy, "mcp__gh__update_issue", {"repo": {"owner": "evil", "name": "x"}}) == "DENY"
    assert mcp(policy, "mcp__gh__update_issue", {"issue_number": 3}) == "ASK"


def test_shell_tools_parameter() -> None:
    policy = github_policy(shell_tools=["mcp__box__run"])
    assert sh(policy, f"git push {APP} main") == "ALLOW"
    assert sh(policy, f"git push {APP} main", tool="mcp__box__run") == "DENY"


def test_gh_cli() -> None:
    policy = github_policy(write_repos=["myorg/app"])
    assert sh(policy, "gh pr create -R myorg/app --fill") == "ALLOW"
    assert sh(policy, "gh pr create --repo=myorg/app --fill") == "ALLOW"
    assert sh(policy, "gh pr create -Rmyorg/app") == "ALLOW"
    assert sh(policy, "gh issue create -R evil/app") == "DENY"
    assert sh(policy, "gh pr create") == "ASK"
    assert sh(policy, "gh api repos/myorg/app/issues -f title=x") == "ALLOW"
    assert sh(policy, "gh api repos/myorg/app/issues") == "ALLOW"
    assert sh(policy, "gh api -X PATCH repos/evil/app") == "DENY"
    assert sh(policy, "gh api --hostname ghe.corp.io repos/myorg/app -X POST") == "DENY"
    assert sh(policy, "gh api graphql -f query='query { viewer { login } }'") == "ALLOW"
    assert sh(policy, "gh api https://api.github.com/repos/myorg/app/issues -X POST") == "ALLOW"
    assert sh(policy, "gh repo create myorg/new --private") == "DENY"
    assert sh(policy, "gh repo create newrepo") == "ASK"
    assert sh(policy, "gh auth status && gh search repos x") == "ALLOW"
    assert sh(policy, "gh pr") == "ASK"
    assert sh(policy, "gh workflow run ci.yml -R myorg/app") == "ALLOW"
    assert sh(policy, "gh $CMD") == "ASK"


def test_git_global_options_model() -> None:
    call = parse_git(analyze("git -C a -C b -c x=y --git-dir=/g --work-tree /w --no-pager push o m").commands[0])
    assert call.chdirs == ("a", "b")
    assert call.configs == ("x=y",)
    assert (call.git_dir, call.work_tree, call.sub, call.args) == ("/g", "/w", "push", ("o", "m"))
    assert parse_git(analyze("git --frob push").commands[0]).unknown == "git option `--frob` is not understood"
    assert parse_git(analyze("git -C").commands[0]).unknown == "git option `-C` has no value"
    assert parse_git(analyze("git $X push").commands[0]).unknown == "git option or subcommand is not static"
    assert parse_git(analyze("git").commands[0]).sub is None


def test_non_tool_events_abstain() -> None:
    policy = github_policy(write_repos=["myorg/app"])
    assert policy(make_event("request", None, "git push --force")) is None
    assert policy(tool_event("Read", {"file_path": "x"})) is None
    assert policy(tool_event("Bash", {"description": "none"}))["result"] == "ASK"


@pytest.mark.parametrize(
    "params",
    [
        {"write_repos": "myorg/app"},
        {"write_repos": ["noslash"]},
        {"read_repos": ["a/b/c"]},
        {"read_all": "yes"},
        {"allow_destructive": 1},
        {"mcp_tool_prefixes": [""]},
        {"shell_tools": [3]},
    ],
)
def test_validation(params: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        github_policy(**params)


def test_options_after_positionals_still_count() -> None:
    policy = github_policy(write_repos=["myorg/app"])
    assert sh(policy, f"git push {APP} feature/a -f") == "DENY"
    assert sh(policy, f"git push {APP} feature/a --delete") == "DENY"
    assert sh(policy, f"git push {APP} -- -f") == "ALLOW"  # after `--` it is a ref name


def test_writes_to_unnamed_branches_ask_when_branches_are_restricted() -> None:
    scoped = github_policy(write_repos=["myorg/app"], write_branches=["feature/*"])
    free = github_policy(write_repos=["myorg/app"])
    for cmd in (
        "gh pr merge 7 -R myorg/app",
        "gh api -X PUT repos/myorg/app/contents/x -f message=m",
        "gh repo sync myorg/app",
    ):
        assert sh(scoped, cmd) == "ASK"
        assert sh(free, cmd) == "ALLOW"
    # a branch the body names is checked like a push refspec
    assert sh(scoped, "gh api -X PUT repos/myorg/app/contents/x -f branch=main") == "DENY"
    assert sh(scoped, "gh api -X PUT repos/myorg/app/contents/x -f branch=feature/x") == "ALLOW"
    assert sh(scoped, "gh api repos/myorg/app/pulls") == "ALLOW"  # reads are not branch-scoped
    assert sh(scoped, f"git push {APP} feature/../main") == "ASK"


def test_exec_path_is_risky() -> None:
    policy = github_policy(write_repos=["myorg/app"])
    assert sh(policy, f"git --exec-path=/tmp push {APP} x") == "ASK"
    assert sh(policy, "git --exec-path=/tmp clone https://github.com/a/b") == "ASK"
    assert sh(policy, "git --exec-path") == "ALLOW"  # prints the path, runs nothing
