"""What a GitHub MCP tool call does: classified by verb, repository from its arguments."""

from __future__ import annotations

from collections.abc import Mapping

from goalrail.policies.builtins._github_gh import gh_repo_value
from goalrail.policies.builtins._github_ops import Op
from goalrail.policies.builtins._urls import github_repo
from goalrail.policies.builtins._wrappers import names

_READ_VERBS = tuple(sorted(names("get_ list_ search_ read_ download_ fetch_ view_ show_")))

_DESTRUCTIVE_VERBS = tuple(sorted(names("delete_ remove_")))

_WRITE_VERBS = tuple(
    sorted(
        names(
            "create_ update_ push_ merge_ add_ fork_ submit_ request_ run_ rerun_ cancel_ assign_ dismiss_ mark_ "
            "manage_ star_ unstar_ reprioritize_ close_ reopen_ lock_ unlock_ set_ edit_ write_ enable_ disable_ "
            "transfer_ rename_ archive_ upload_ comment_ approve_ resolve_ trigger_ dispatch_ label_ sub_issue_ "
            "issue_ pull_request_"
        )
    )
)

_BRANCH_OPS = names(
    "create_branch create_or_update_file create_ref delete_branch delete_file delete_ref "
    "merge_pull_request push_files update_pull_request_branch update_ref"
)

_URL_KEYS = tuple(sorted(names("url html_url repository_url repo_url pull_request_url issue_url git_url")))


def _mcp_kind(op: str) -> str | None:
    if op.startswith(_READ_VERBS) or op.endswith("_read") or op in ("get_me", "whoami"):
        return "read"
    if op.startswith(_DESTRUCTIVE_VERBS) or op.endswith("_delete"):
        return "destructive"
    if op.startswith(_WRITE_VERBS) or op.endswith(("_write", "_create", "_update", "_merge")):
        return "write"
    return None


def _mcp_repo(args: Mapping[str, object], depth: int = 0) -> tuple[str | None, bool]:
    owner = args.get("owner") or args.get("org") or args.get("organization")
    repo = args.get("repo") or args.get("repository") or args.get("repo_name") or args.get("name")
    for key in ("full_name", "repo_full_name", "repository_full_name", "nameWithOwner"):
        value = args.get(key)
        if isinstance(value, str) and "/" in value:
            return value.lower(), False
    if isinstance(repo, Mapping):
        nested = _mcp_repo(repo, depth + 1)
        if nested[0] or nested[1]:
            return nested
    if isinstance(repo, str) and "/" in repo:
        return gh_repo_value(repo)
    if isinstance(owner, str) and isinstance(repo, str) and owner and repo:
        return f"{owner}/{repo}".lower(), False
    for key in _URL_KEYS:
        url = args.get(key)
        if isinstance(url, str):
            target = github_repo(url)
            if target is not None:
                return target[1], target[0] == "other"
    if depth < 1:
        for key in ("params", "body", "arguments", "input", "data"):
            inner = args.get(key)
            if isinstance(inner, Mapping):
                nested = _mcp_repo(inner, depth + 1)
                if nested[0] or nested[1]:
                    return nested
    return None, False


def mcp_op(tool_op: str, args: object) -> Op:
    op = tool_op.lower()
    kind = _mcp_kind(op)
    if kind is None:
        return Op(f"`{tool_op}`", doubt=f"GitHub tool `{tool_op}` is not classified")
    amap = args if isinstance(args, Mapping) else {}
    repo, other = _mcp_repo(amap)
    branches: tuple[str | None, ...] = ()
    scoped = op in _BRANCH_OPS
    if scoped:
        branch = amap.get("branch") or amap.get("ref") or amap.get("branch_name")
        branches = (branch.removeprefix("refs/heads/") if isinstance(branch, str) and branch else None,)
    return Op(f"`{tool_op}`", kind, repo, other, branches, scoped)
