"""Builtin policies: github (repository and branch scoped GitHub access).

``github_policy`` covers GitHub MCP tools (by prefix) and ``git``/``gh`` in
shell tool calls, parsed by ``_shell`` (so chains, wrappers, ``bash -c`` and
heredocs are seen) with git's global options modelled.  Writes go only to
``write_repos`` (and ``write_branches`` when given); force pushes and deletions
are denied unless allowed; anything whose target cannot be determined — a
remote name like ``origin``, an alias, ``xargs git``, an unparseable command —
is ASKed, never allowed.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from goalrail.jsontypes import JsonObject
from goalrail.policies.builtins import _events
from goalrail.policies.builtins._containers import CONTAINER_CLIS, container_run
from goalrail.policies.builtins._git_config import env_doubt
from goalrail.policies.builtins._github_gh import gh_ops
from goalrail.policies.builtins._github_http import HTTP_CLIENTS, http_ops
from goalrail.policies.builtins._github_mcp import mcp_op
from goalrail.policies.builtins._github_ops import Op, git_ops
from goalrail.policies.builtins._remote_runs import REMOTE_RUNNERS
from goalrail.policies.builtins._shell import SimpleCommand, analyze
from goalrail.policies.builtins._shell_elsewhere import elsewhere
from goalrail.policies.builtins._shell_evals import GIT_CODE_FILE, patch_targets
from goalrail.policies.builtins._skills import is_path_key
from goalrail.policies.builtins._ssh import SSH_CLIENTS, remote_command, rsync_paths, with_input
from goalrail.policies.builtins._wrappers import GIT_PUSHERS
from goalrail.policies.declare import Param, builtin, registry_entries
from goalrail.policies.listens import listens_to
from goalrail.policies.schema import PolicyEvent, PolicyResponse

Policy = Callable[[PolicyEvent], PolicyResponse | None]
#: canonical file tools that write (Claude Code's Write/Edit, Codex's apply_patch, Gemini's write_file…)
_FILE_WRITE_TOOLS = frozenset({"sys_os_write", "sys_os_edit"})
_PATCH_KEYS = ("patch", "input", "command", "content")


def _git_code_file_write(arguments: object) -> PolicyResponse | None:
    """A file tool writing ``.git/hooks/*`` or ``.git/config`` (a path argument, or a file an
    ``apply_patch`` body names): code the next ``git push`` runs, like the shell's writes to them."""
    if not isinstance(arguments, dict):
        return None
    paths: list[str] = []
    for key, value in arguments.items():
        low = key.lower() if isinstance(key, str) else ""
        if is_path_key(key):
            paths.extend(
                [value]
                if isinstance(value, str)
                else [v for v in value if isinstance(v, str)]
                if isinstance(value, list)
                else []
            )
        elif low in _PATCH_KEYS and isinstance(value, str) and "\n" in value:
            paths.extend(patch_targets(value))
    if any(GIT_CODE_FILE.search(p.replace("\\", "/")) for p in paths):
        return {"result": "ASK", "reason": "writes `.git/hooks` or `.git/config` (git runs what they name)"}
    return None


def _shell_ops(command: str, ops: list[Op], unknown: list[str], depth: int) -> None:
    """What ``command`` does to GitHub, and what cannot be told; a command ``ssh`` runs on
    another host, or a container CLI in a container, is read too (a push from there reaches
    GitHub all the same)."""
    analysis = analyze(command)
    unknown.extend(analysis.unknown)
    for cmd in analysis.commands:
        if cmd.name == "git":
            ops.extend(git_ops(cmd))
        elif cmd.name == "gh":
            ops.extend(gh_ops(cmd))
        elif cmd.name in GIT_PUSHERS or cmd.name.startswith("git-"):
            ops.append(Op(cmd.name, doubt=f"`{cmd.name[:30]}` can push to a git host"))
        elif cmd.name in SSH_CLIENTS:
            remote = remote_command(cmd)
            if remote is None:
                continue
            script, fed_dynamic = with_input(remote[0], cmd)
            if remote[1] or fed_dynamic or cmd.stdin_args or depth >= 3:
                unknown.append(f"`{cmd.name}` runs a remote command known only at run time")
            else:
                _shell_ops(script, ops, unknown, depth + 1)
        elif cmd.name in CONTAINER_CLIS:
            _container_ops(cmd, ops, unknown, depth)
        elif cmd.name in REMOTE_RUNNERS:  # `gcloud compute ssh vm --command 'git push …'`
            runs = elsewhere(cmd) if depth < 3 else None
            if runs is None or any(dyn for _, dyn in runs):
                unknown.append(f"`{cmd.name}` runs a remote command known only at run time")
            for script, _dyn in runs or ():
                _shell_ops(script, ops, unknown, depth + 1)
        elif cmd.name in HTTP_CLIENTS:
            ops.extend(http_ops(cmd))
        elif cmd.name == "rsync":
            for path, dynamic in rsync_paths(cmd):
                if dynamic or depth >= 3:
                    unknown.append("`rsync --rsync-path` runs a remote command known only at run time")
                else:
                    _shell_ops(path, ops, unknown, depth + 1)


def _container_ops(cmd: SimpleCommand, ops: list[Op], unknown: list[str], depth: int) -> None:
    """``docker run IMAGE cmd…``, ``kubectl exec POD -- cmd…``: what the container runs."""
    run = container_run(cmd)
    if run is None:
        return
    if run.doubt is not None or depth >= 3:
        unknown.append(run.doubt or f"`{run.what}` nested too deeply")
        return
    for text, guess in run.scripts():
        script, fed_dynamic = with_input(text, cmd)
        if fed_dynamic:
            unknown.append(f"`{run.what}` is fed a script known only at run time")
        if not guess:
            _shell_ops(script, ops, unknown, depth + 1)
            continue
        found: list[Op] = []
        _shell_ops(script, found, [], depth + 1)  # a guessed entrypoint: only definite writes count
        ops.extend(op for op in found if op.kind not in (None, "read") and op.repo is not None)


def _strings(name: str, value: object) -> list[str]:
    if (
        isinstance(value, str)
        or not isinstance(value, (list, tuple))
        or not all(isinstance(v, str) and v for v in value)
    ):
        raise ValueError(f"`{name}` must be a list of non-empty strings")
    return list(value)


def _match(value: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


@dataclass(frozen=True, slots=True)
class _Scope:
    """What the parameters allow: which repositories may be read and written, which branches."""

    read_all: bool
    reads: list[str]
    writes: list[str]
    branches: list[str]
    allow_destructive: bool
    deny_force_push: bool

    def decide(self, op: Op) -> tuple[str | None, str]:
        """``(verdict or None, reason)`` for one GitHub operation."""
        if op.kind is None:
            return "ASK", f"{op.what}: {op.doubt}"
        if op.kind == "read":
            if self.read_all or op.other_host:
                return (None, "") if op.doubt is None or self.read_all else ("ASK", f"{op.what}: {op.doubt}")
            if op.repo is None:
                return "ASK", f"{op.what}: {op.doubt or 'repository not determinable'}"
            if _match(op.repo, self.reads) or _match(op.repo, self.writes):
                return None, ""
            return "DENY", f"{op.what}: `{op.repo}` is not in read_repos"
        if op.other_host:
            return "DENY", f"{op.what}: target is not a github.com repository in write_repos"
        if op.kind == "destructive" and not self.allow_destructive:
            return "DENY", f"{op.what}: destructive GitHub operations are not allowed"
        if op.force and self.deny_force_push:
            return "DENY", f"{op.what}: force push is not allowed"
        if not self.writes:
            return "DENY", f"{op.what}: no repository is writable (write_repos is empty)"
        if op.repo is not None and not _match(op.repo, self.writes):
            return "DENY", f"{op.what}: `{op.repo}` is not in write_repos"
        if op.branch_scoped and self.branches:
            for b in op.branches:
                if b is not None and not _match(b, self.branches):
                    return "DENY", f"{op.what}: branch `{b[:60]}` is not in write_branches"
        if op.repo is None:
            return "ASK", f"{op.what}: {op.doubt or 'repository not determinable'}"
        if op.doubt is not None:
            return "ASK", f"{op.what}: {op.doubt}"
        if op.branch_scoped and self.branches and None in op.branches:
            return "ASK", f"{op.what}: branch not determinable"
        return None, ""


_NONEMPTY: JsonObject = {"minLength": 1}


@builtin(
    "GitHub access",
    "Controls GitHub access through MCP GitHub tools and git/gh shell commands: reads "
    "everywhere or only in read_repos, writes only to write_repos (and write_branches), "
    "no force pushes or deletions unless allowed. Targets come from owner/repo "
    "arguments, github.com URLs and `-R`; a remote name such as `origin`, an alias or "
    "anything ambiguous is ASKed.",
    params={
        "read_all": Param("Allow reads of every repository."),
        "read_repos": Param(
            "Repositories (owner/repo, globs allowed) readable when read_all is false; write_repos are readable too.",
            items=_NONEMPTY,
        ),
        "write_repos": Param(
            "Repositories (owner/repo, globs allowed) that may be written. Empty: no writes.", items=_NONEMPTY
        ),
        "write_branches": Param(
            "Branch globs that pushes and file writes may target. Empty: any branch.", items=_NONEMPTY
        ),
        "allow_destructive": Param("Allow deletions (branches, files, releases, repos)."),
        "deny_force_push": Param("Deny force pushes (-f, --force*, +refspec, --mirror)."),
        "mcp_tool_prefixes": Param("Canonical tool-name prefixes of GitHub MCP servers.", items=_NONEMPTY),
        "shell_tools": Param(
            "Tool names whose `command` argument is shell: canonical (`sys_os_shell`)"
            " or a tool's own name (`mcp__server__tool`).",
            items=_NONEMPTY,
        ),
    },
)
@listens_to(types=("tool_call",))
def github_policy(
    read_all: bool = True,
    read_repos: Sequence[str] = (),
    write_repos: Sequence[str] = (),
    write_branches: Sequence[str] = (),
    allow_destructive: bool = False,
    deny_force_push: bool = True,
    mcp_tool_prefixes: Sequence[str] = ("mcp__github__",),
    shell_tools: Sequence[str] = ("sys_os_shell",),
) -> Policy:
    """Scope GitHub reads and writes (MCP tools, git/gh commands) to repos and branches."""
    for name, value in (
        ("read_all", read_all),
        ("allow_destructive", allow_destructive),
        ("deny_force_push", deny_force_push),
    ):
        if not isinstance(value, bool):
            raise ValueError(f"`{name}` must be a boolean")
    reads = [r.lower() for r in _strings("read_repos", read_repos)]
    writes = [r.lower() for r in _strings("write_repos", write_repos)]
    branches = _strings("write_branches", write_branches)
    prefixes = tuple(_strings("mcp_tool_prefixes", mcp_tool_prefixes))
    tools = frozenset(_strings("shell_tools", shell_tools))
    for repo in reads + writes:
        if repo.count("/") != 1:
            raise ValueError(f"repository `{repo}` must be written owner/repo (globs allowed)")

    scope = _Scope(read_all, reads, writes, branches, allow_destructive, deny_force_push)

    def verdict(ops: list[Op], unknown: Sequence[str]) -> PolicyResponse | None:
        result: str | None = None
        reason = ""
        for op in ops:
            v, r = scope.decide(op)
            if v == "DENY":
                return {"result": "DENY", "reason": r}
            if v == "ASK" and result is None:
                result, reason = v, r
        if unknown and result is None:
            return {"result": "ASK", "reason": f"shell command not fully understood: {unknown[0]}"}
        return {"result": "ASK", "reason": reason} if result else None

    def policy(event: PolicyEvent) -> PolicyResponse | None:
        if event["type"] != "tool_call":
            return None
        tool = _events.tool_name(event)
        for prefix in prefixes:
            if tool.startswith(prefix):
                return verdict([mcp_op(tool[len(prefix) :], _events.arguments(event))], ())
        if tool in _FILE_WRITE_TOOLS and tool not in tools:
            return _git_code_file_write(_events.arguments(event))
        if tool not in tools and _events.original_name(event) not in tools:  # (or the tool's own name)
            return None
        commands = _events.shell_commands(event)
        if commands is None:
            return {"result": "ASK", "reason": "shell call without a readable command"}
        ops: list[Op] = []
        unknown: list[str] = []
        for command in commands:  # every command-like argument: a harness may run any of them
            _shell_ops(command, ops, unknown, 0)
        for name, value in _events.shell_env(event):
            if env_doubt(name, value):
                ops.append(Op("git", doubt=f"the tool call sets `{name[:40]}` (can make git run programs)"))
        return verdict(ops, unknown)

    return policy


POLICY_REGISTRY = registry_entries(__name__)
