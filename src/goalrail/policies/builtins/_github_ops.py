"""What a git / gh command or a GitHub MCP tool call does to GitHub, as ``Op`` values.

An ``Op`` says read / write / destructive, which repository (``owner/repo``,
lower-case) and branches it touches, whether it forces, and — when parsing
cannot tell — a ``doubt`` (the policy answers ASK, never ALLOW).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from goalrail.policies.builtins._git import git_env, parse_git
from goalrail.policies.builtins._shell import SimpleCommand
from goalrail.policies.builtins._urls import github_repo, split_remote


@dataclass(frozen=True, slots=True)
class Op:
    what: str  # short description for reasons
    kind: str | None = None  # "read" | "write" | "destructive"; None = unclassifiable
    repo: str | None = None
    other_host: bool = False  # targets a host that is not github.com
    branches: tuple[str | None, ...] = ()  # None = a branch we cannot name
    branch_scoped: bool = False
    force: bool = False
    doubt: str | None = None


# --- git -----------------------------------------------------------------------

_PUSH_VAL = frozenset({"--repo", "-o", "--push-option", "--receive-pack", "--exec", "--recurse-submodules"})
_PUSH_FLAGS = frozenset(
    {
        "--all",
        "--branches",
        "--mirror",
        "--tags",
        "--follow-tags",
        "--no-follow-tags",
        "--atomic",
        "--no-atomic",
        "-n",
        "--dry-run",
        "--porcelain",
        "--delete",
        "--prune",
        "--no-prune",
        "-u",
        "--set-upstream",
        "-q",
        "--quiet",
        "-v",
        "--verbose",
        "--progress",
        "--no-progress",
        "--no-verify",
        "--verify",
        "--thin",
        "--no-thin",
        "-4",
        "-6",
        "--ipv4",
        "--ipv6",
        "--signed",
        "--no-signed",
        "--force",
        "-f",
        "--force-if-includes",
        "--no-force-if-includes",
        "--no-recurse-submodules",
        "-d",
    }
)
_RISKY_CONFIG = (
    "url.",
    "remote.",
    "alias.",
    "include",
    "core.sshcommand",
    "credential",
    "http.",
    "core.hookspath",
    "core.gitproxy",
    "core.fsmonitor",
    "protocol.",
    "uploadpack.",
)
_READ_SUBS = frozenset({"clone", "fetch", "pull", "ls-remote"})


def _remote(remote: str, dynamic: bool) -> tuple[str | None, bool, str | None]:
    """(repo, other_host, doubt) for a push/fetch remote argument."""
    if dynamic:
        return None, False, "remote known only at run time"
    if "::" in remote.split("/", 1)[0]:
        return None, False, f"git remote helper `{remote.split('::', 1)[0][:20]}::` can run programs"
    target = github_repo(remote)
    if target is None:
        return None, False, f"remote `{remote[:40]}` does not say which GitHub repository"
    kind, repo = target
    if kind == "other":
        return None, True, None
    if repo is None:
        return None, False, "GitHub URL without owner/repo"
    return repo, False, None


def _push(cmd: SimpleCommand, args: tuple[str, ...], dyn: tuple[bool, ...], risky: list[str]) -> Op:
    force = delete = all_branches = tags = False
    repo_opt: str | None = None
    positional: list[tuple[str, bool]] = []
    doubt: str | None = f"git push with {risky[0]}" if risky else None
    i, n = 0, len(args)
    while i < n:
        w, d = args[i], dyn[i]
        if positional or (d and not w.startswith("-")):
            positional.append((w, d))
            i += 1
            continue
        if d:
            doubt = doubt or "git push option known only at run time"
            i += 1
            continue
        if w == "--":
            positional.extend(zip(args[i + 1 :], dyn[i + 1 :], strict=True))
            break
        name, eq, val = w.partition("=")
        if w.startswith("--"):
            if name.startswith("--force"):
                force = force or name in ("--force", "--force-with-lease")
            elif name in ("--all", "--branches"):
                all_branches = True
            elif name == "--mirror":
                force = delete = all_branches = True
            elif name in ("--tags", "--follow-tags"):
                tags = True
            elif name in ("--delete", "--prune"):
                delete = True
            elif name in _PUSH_VAL:
                if not eq:
                    val = args[i + 1] if i + 1 < n else ""
                    i += 1
                if name == "--repo":
                    repo_opt = val
                elif name in ("--receive-pack", "--exec"):
                    doubt = doubt or f"git push {name} runs a remote program"
            elif name not in _PUSH_FLAGS:
                doubt = doubt or f"git push option `{name}` is not understood"
            i += 1
            continue
        if w.startswith("-") and len(w) > 1:
            for j, ch in enumerate(w[1:], 1):
                if ch == "f":
                    force = True
                elif ch == "d":
                    delete = True
                elif ch == "o":
                    if j == len(w) - 1:
                        i += 1
                    break
                elif ch not in "unqv46":
                    doubt = doubt or f"git push option `-{ch}` is not understood"
            i += 1
            continue
        positional.append((w, d))
        i += 1
    if positional:
        remote, rdyn = positional[0]
        refspecs = positional[1:]
    elif repo_opt is not None:
        remote, rdyn, refspecs = repo_opt, False, []
    else:
        remote, rdyn, refspecs = "", False, []
    if remote:
        repo, other, rdoubt = _remote(remote, rdyn)
    else:
        repo, other, rdoubt = None, False, "git push to the default remote"
    branches: list[str | None] = []
    for spec, sdyn in refspecs:
        if sdyn:
            doubt = doubt or "refspec known only at run time"
            branches.append(None)
            continue
        if spec.startswith("+"):
            force = True
            spec = spec[1:]
        src, colon, dst = spec.partition(":")
        if colon and not src:
            delete = True
        target = dst if colon else src
        if target.startswith("refs/tags/"):
            tags = True
            continue
        target = target.removeprefix("refs/heads/")
        if not target or target == "HEAD" or any(c in target for c in "*?[") or target.startswith("@"):
            branches.append(None)
        else:
            branches.append(target)
    if all_branches or tags or not refspecs:
        branches.append(None)  # --all, tags or the current branch: not a nameable branch
    what = "git push" + (f" to `{repo}`" if repo else "")
    return Op(
        what,
        "destructive" if delete else "write",
        repo,
        other,
        tuple(branches),
        True,
        force,
        doubt or rdoubt,
    )


def git_ops(cmd: SimpleCommand) -> list[Op]:
    git = parse_git(cmd)
    if git.unknown is not None:
        return [Op("git", doubt=git.unknown)]
    if git.sub is None:
        return []
    if cmd.stdin_args:
        return [Op(f"git {git.sub}", doubt="git with arguments added at run time (xargs/find -exec)")]
    risky = [f"-c {c.split('=', 1)[0]}" for c in git.configs if c.lower().startswith(_RISKY_CONFIG)]
    risky += [f"{v} set" for v in git_env(cmd) if v.startswith(("GIT_CONFIG", "GIT_SSH", "GIT_DIR", "GIT_EXEC"))]
    sub, args, dyn = git.sub, git.args, git.dynamic
    if sub in ("push", "send-pack"):
        return [_push(cmd, args, dyn, risky)]
    if sub == "lfs" and args[:1] == ("push",):
        return [_push(cmd, args[1:], dyn[1:], risky)]
    if sub in _READ_SUBS:
        exec_opt = next(
            (
                a
                for a in args
                if a.startswith(("--upload-pack", "--receive-pack", "--exec")) or (sub == "clone" and a == "-u")
            ),
            None,
        )
        if risky:
            return [Op(f"git {sub}", doubt=f"git {sub} with {risky[0]}")]
        if exec_opt is not None:
            return [Op(f"git {sub}", doubt=f"git {sub} with {exec_opt.split('=')[0]}")]
        urls = [(a, d) for a, d in zip(args, dyn, strict=True) if not a.startswith("-")]
        if not urls:
            return [Op(f"git {sub}", "read", doubt=f"git {sub} from the default remote")]
        repo, other, doubt = _remote(*urls[0])
        if doubt is not None and "remote helper" in doubt:
            return [Op(f"git {sub}", doubt=doubt)]
        return [Op(f"git {sub}", "read", repo, other, doubt=doubt)]
    if sub == "config":
        keys = [a for a in args if not a.startswith("-")]
        if keys and keys[0].lower().startswith(_RISKY_CONFIG) and len(keys) > 1:
            return [Op("git config", doubt=f"git config sets `{keys[0][:40]}`")]
    if sub == "remote" and args[:1] in (("add",), ("set-url",)):
        return [Op("git remote", doubt="git remote changes where pushes go")]
    nested = (
        (sub == "submodule" and "foreach" in args)
        or (sub == "bisect" and args[:1] == ("run",))
        or (sub == "rebase" and any(a in ("-x", "--exec") or a.startswith("--exec=") for a in args))
        or sub == "filter-branch"
    )
    if nested:
        return [Op(f"git {sub}", doubt=f"git {sub} runs nested commands")]
    return []


# --- gh -----------------------------------------------------------------------

_GH_IGNORED = frozenset(
    {
        "auth",
        "config",
        "extension",
        "ext",
        "completion",
        "browse",
        "copilot",
        "licenses",
        "search",
        "status",
        "help",
        "version",
        "--version",
        "--help",
        "attestation",
        "agent-task",
        "preview",
        "accessibility",
    }
)
_GH_READ = frozenset(
    {
        "view",
        "list",
        "ls",
        "status",
        "diff",
        "checks",
        "checkout",
        "co",
        "download",
        "watch",
        "clone",
        "verify",
        "verify-asset",
    }
)
_GH_DESTRUCTIVE = {
    ("repo", "delete"),
    ("repo", "archive"),
    ("release", "delete"),
    ("release", "delete-asset"),
    ("issue", "delete"),
    ("issue", "transfer"),
    ("run", "delete"),
    ("cache", "delete"),
    ("label", "delete"),
    ("secret", "delete"),
    ("secret", "remove"),
    ("variable", "delete"),
    ("gist", "delete"),
    ("ruleset", "delete"),
    ("project", "delete"),
}
_GH_GROUPS = frozenset(
    {
        "pr",
        "issue",
        "repo",
        "release",
        "run",
        "workflow",
        "secret",
        "variable",
        "label",
        "gist",
        "cache",
        "codespace",
        "cs",
        "project",
        "ssh-key",
        "gpg-key",
        "ruleset",
        "org",
        "api",
        "alias",
    }
)
_GH_UNSCOPED = frozenset({"gist", "codespace", "cs", "ssh-key", "gpg-key", "org", "project"})
_GH_API_VAL = frozenset(
    {
        "-X",
        "--method",
        "-H",
        "--header",
        "-f",
        "--raw-field",
        "-F",
        "--field",
        "-q",
        "--jq",
        "-t",
        "--template",
        "-p",
        "--preview",
        "--input",
        "--hostname",
        "--cache",
    }
)


def _gh_repo_value(value: str) -> tuple[str | None, bool]:
    """``owner/repo``, ``HOST/owner/repo`` or a URL → (repo, other_host)."""
    target = github_repo(value)
    if target is not None:
        return target[1], target[0] == "other"
    parts = [p for p in value.split("/") if p]
    if len(parts) == 3:
        if parts[0].lower() not in ("github.com", "www.github.com"):
            return None, True
        parts = parts[1:]
    if len(parts) == 2:
        return f"{parts[0]}/{parts[1]}".lower().removesuffix(".git"), False
    return None, False


def _gh_api(args: tuple[str, ...], dyn: tuple[bool, ...], repo: str | None) -> Op:
    method = None
    fields = False
    endpoint: str | None = None
    mutation = False
    i, n = 0, len(args)
    while i < n:
        w = args[i]
        name, eq, val = w.partition("=")
        if name in _GH_API_VAL or (w[:2] in ("-X", "-f", "-F") and len(w) > 2):
            if name in _GH_API_VAL and not eq:
                val = args[i + 1] if i + 1 < n else ""
                i += 1
            elif not eq:
                name, val = w[:2], w[2:]
            if name in ("-X", "--method"):
                method = val.upper()
            elif name in ("-f", "--raw-field", "-F", "--field", "--input"):
                fields = True
                mutation = mutation or "mutation" in val.lower()
            elif name == "--hostname" and val.lower() != "github.com":
                return Op("gh api", "write", other_host=True)
        elif endpoint is None and not w.startswith("-"):
            endpoint = w
        i += 1
    if any(dyn):
        return Op("gh api", doubt="gh api arguments known only at run time")
    method = method or ("POST" if fields else "GET")
    path = (endpoint or "").lstrip("/")
    if path.startswith("https://") or path.startswith("http://"):
        target = github_repo(path)
        path = (split_remote(path) or ("", ""))[1].lstrip("/")
        if target is not None and target[0] == "other":
            return Op("gh api", "write", other_host=True)
    parts = path.split("/")
    if parts[0] == "repos" and len(parts) >= 3 and "{" not in parts[1] + parts[2]:
        repo = f"{parts[1]}/{parts[2]}".lower()
    if path.startswith("graphql"):
        kind = "write" if mutation else "read"
    else:
        kind = "read" if method in ("GET", "HEAD") else ("destructive" if method == "DELETE" else "write")
    return Op(f"gh api {method}", kind, repo)


def gh_ops(cmd: SimpleCommand) -> list[Op]:
    argv, dyn = cmd.argv, cmd.dynamic
    if cmd.stdin_args:
        return [Op("gh", doubt="gh with arguments added at run time (xargs/find -exec)")]
    if len(argv) < 2:
        return []
    if dyn[1]:
        return [Op("gh", doubt="gh subcommand known only at run time")]
    group = argv[1]
    if group in _GH_IGNORED:
        return []
    if group not in _GH_GROUPS:
        return [
            Op(
                f"gh {group}",
                doubt=f"`gh {group}` is not a known gh command (an alias or extension?)",
            )
        ]
    repo: str | None = None
    other = False
    for a in cmd.assignments:
        if a.startswith("GH_REPO="):
            repo, other = _gh_repo_value(a.split("=", 1)[1])
        elif a.startswith(("GH_HOST=", "GH_ENTERPRISE_TOKEN=")):
            other = other or not a.endswith("=github.com")
    rest, rdyn = argv[2:], dyn[2:]
    for i, w in enumerate(rest):
        name, eq, val = w.partition("=")
        if name in ("-R", "--repo") or (w.startswith("-R") and len(w) > 2):
            value = (
                val
                if eq
                else (w[2:] if len(w) > 2 and w.startswith("-R") else (rest[i + 1] if i + 1 < len(rest) else ""))
            )
            if (i + 1 < len(rest) and rdyn[i + 1] and not eq and w in ("-R", "--repo")) or rdyn[i]:
                return [Op(f"gh {group}", doubt="gh --repo known only at run time")]
            repo, other = _gh_repo_value(value)
    if group == "api":
        return [_gh_api(rest, rdyn, repo)]
    if group == "alias":
        if rest[:1] in (("set",), ("import",)):
            return [Op("gh alias", doubt="gh alias definition")]
        return []
    action = rest[0] if rest and not rest[0].startswith("-") else ""
    if rest and rdyn[0]:
        return [Op(f"gh {group}", doubt="gh action known only at run time")]
    positional = [w for w in rest[1:] if not w.startswith("-")]
    if repo is None and not other:
        for w in positional:
            target = github_repo(w)
            if target is not None:
                repo, other = target[1], target[0] == "other"
                break
        else:
            if group == "repo" and positional and "/" in positional[0]:
                repo, other = _gh_repo_value(positional[0])
    if action in _GH_READ and (group, action) not in _GH_DESTRUCTIVE:
        return [Op(f"gh {group} {action}", "read", repo, other)]
    if (group, action) == ("repo", "create") and repo is None:
        return [Op("gh repo create", "write", doubt="gh repo create without owner/name")]
    kind = "destructive" if (group, action) in _GH_DESTRUCTIVE else "write"
    doubt = None
    if not action:
        doubt = f"gh {group} without an action"
    elif group in _GH_UNSCOPED:
        doubt = f"gh {group} {action} is not tied to a repository"
    return [Op(f"gh {group} {action}".strip(), kind, repo, other, doubt=doubt)]


# --- MCP ------------------------------------------------------------------------

_READ_VERBS = ("get_", "list_", "search_", "read_", "download_", "fetch_", "view_", "show_")
_DESTRUCTIVE_VERBS = ("delete_", "remove_")
_WRITE_VERBS = (
    "create_",
    "update_",
    "push_",
    "merge_",
    "add_",
    "fork_",
    "submit_",
    "request_",
    "run_",
    "rerun_",
    "cancel_",
    "assign_",
    "dismiss_",
    "mark_",
    "manage_",
    "star_",
    "unstar_",
    "reprioritize_",
    "close_",
    "reopen_",
    "lock_",
    "unlock_",
    "set_",
    "edit_",
    "write_",
    "enable_",
    "disable_",
    "transfer_",
    "rename_",
    "archive_",
    "upload_",
    "comment_",
    "approve_",
    "resolve_",
    "trigger_",
    "dispatch_",
    "label_",
    "sub_issue_",
    "issue_",
    "pull_request_",
)
_BRANCH_OPS = frozenset(
    {
        "create_or_update_file",
        "push_files",
        "delete_file",
        "create_branch",
        "delete_branch",
        "merge_pull_request",
        "update_pull_request_branch",
        "create_ref",
        "update_ref",
        "delete_ref",
    }
)
_URL_KEYS = (
    "url",
    "html_url",
    "repository_url",
    "repo_url",
    "pull_request_url",
    "issue_url",
    "git_url",
)


def _mcp_kind(op: str) -> str | None:
    if op.startswith(_READ_VERBS) or op.endswith("_read") or op in ("get_me", "whoami"):
        return "read"
    if op.startswith(_DESTRUCTIVE_VERBS) or op.endswith("_delete"):
        return "destructive"
    if op.startswith(_WRITE_VERBS) or op.endswith(("_write", "_create", "_update", "_merge")):
        return "write"
    return None


def _mcp_repo(args: Mapping[str, Any], depth: int = 0) -> tuple[str | None, bool]:
    owner = args.get("owner") or args.get("org") or args.get("organization")
    repo = args.get("repo") or args.get("repository") or args.get("repo_name") or args.get("name")
    for key in ("full_name", "repo_full_name", "repository_full_name", "nameWithOwner"):
        if isinstance(args.get(key), str) and "/" in args[key]:
            return args[key].lower(), False
    if isinstance(repo, Mapping):
        nested = _mcp_repo(repo, depth + 1)
        if nested[0] or nested[1]:
            return nested
    if isinstance(repo, str) and "/" in repo:
        return _gh_repo_value(repo)
    if isinstance(owner, str) and isinstance(repo, str) and owner and repo:
        return f"{owner}/{repo}".lower(), False
    for key in _URL_KEYS:
        if isinstance(args.get(key), str):
            target = github_repo(args[key])
            if target is not None:
                return target[1], target[0] == "other"
    if depth < 1:
        for key in ("params", "body", "arguments", "input", "data"):
            if isinstance(args.get(key), Mapping):
                nested = _mcp_repo(args[key], depth + 1)
                if nested[0] or nested[1]:
                    return nested
    return None, False


def mcp_op(tool_op: str, args: Any) -> Op:
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
