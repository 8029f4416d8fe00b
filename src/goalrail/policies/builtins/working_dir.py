"""Builtin policies: working_dir (keep the agent in its working directory).

``block_working_dir_changes`` parses shell tool calls (``_shell``) and gates
``cd``/``pushd``/``popd``/``chdir`` (also as ``builtin cd``, ``command cd``,
inside chains, subshells, functions, ``bash -c`` and heredocs fed to shells),
directory-switching wrappers (``env -C``, ``sudo -D``), ``git -C``/
``--git-dir``/``--work-tree``, other programs' directory options (``make -C``,
``tar -C``, ``npm --prefix``, ``go -C``, ``chroot``…: ``_dir_flags``) and
``git worktree add|move|remove``.  A target
inside ``allowed_dirs`` — checked on the lexical and the resolved path, against
the context's cwd and every directory an earlier ``cd`` in the same command
switched to — is fine.  Anything it cannot resolve is at least ASK.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from goalrail.policies.builtins import _events, _paths
from goalrail.policies.builtins._containers import CONTAINER_CLIS, container_run
from goalrail.policies.builtins._dir_flags import directory_options
from goalrail.policies.builtins._dir_links import LINK_MAKERS, made_links, through_links
from goalrail.policies.builtins._git import GitCall, parse_git
from goalrail.policies.builtins._shell import SimpleCommand, analyze
from goalrail.policies.declare import Param, builtin, registry_entries
from goalrail.policies.listens import listens_to
from goalrail.policies.registry import reads_event
from goalrail.policies.schema import PolicyEvent, PolicyResponse, Verdict

Policy = Callable[[PolicyEvent], PolicyResponse | None]

CD_COMMANDS = frozenset({"cd", "pushd", "popd", "chdir"})
WORKTREE_WRITES = frozenset({"add", "move", "remove"})
#: a harness's own tools that move the agent into a git worktree and out of it (Claude Code's
#: ``EnterWorktree`` {name | path} and ``ExitWorktree`` {action: keep | remove}): the same changes
#: as ``git worktree add`` + ``cd`` and ``git worktree remove``, made without a shell
ENTER_WORKTREE, EXIT_WORKTREE = "sys_os_enter_worktree", "sys_os_exit_worktree"
WORKTREE_TOOLS = frozenset({ENTER_WORKTREE, EXIT_WORKTREE})
_HOME_SET = re.compile(
    r"\b(?:HOME|OLDPWD)\b\s*\+?=|\b(?:read|printf|declare|export|local|typeset)\b[^;&|\n]*\b(?:HOME|OLDPWD)\b"
)
#: ``GIT_DIR``/``GIT_WORK_TREE`` written (``export GIT_WORK_TREE=/etc; git status``, ``read GIT_DIR``)
_GIT_PLACE_SET = re.compile(
    r"\b(?:GIT_DIR|GIT_WORK_TREE)\+?=|\b(?:read|printf|declare|export|typeset)\b[^;&|\n]*\b(?:GIT_DIR|GIT_WORK_TREE)\b"
)
#: a line that writes ``PWD`` (a bind mount of ``$PWD`` is then not the directory it runs in)
_PWD_SET = re.compile(r"(?<![$\w{])PWD\b")
_CD_FLAGS = frozenset("LPe@nqs")  # -n: pushd/popd only touch the stack (still checked); -q/-s: zsh


class _Check:
    """Collects violations (definite) and doubts (unresolvable) for one command line."""

    def __init__(self, allowed: list[str], cwd: str | None) -> None:
        self.allowed = allowed
        self.bases: list[str | None] = [cwd]
        self.violations: list[str] = []
        self.doubts: list[str] = []
        self.pushed = 0  # pushd seen earlier in this command line: a popd returns there
        self.links: dict[str, str | None] = {}  # links and bind mounts made earlier in the line

    def target(self, path: str, dynamic: bool, what: str) -> None:
        if dynamic:
            self.doubts.append(f"{what} to a directory known only at run time")
            return
        if not self.allowed:
            self.violations.append(what)
            return
        for base in self.bases:
            led = through_links(self.links, path, base) if self.links else None
            if led == "":
                self.doubts.append(f"{what} through a link whose target is known only at run time")
                return
            if not _paths.is_within(path, self.allowed, base) or (led and not _paths.is_within(led, self.allowed)):
                self.violations.append(f"{what} (outside the allowed directories)")
                return
        lex = _paths.lexical(path, self.bases[0])
        if lex is not None and lex not in self.bases:
            self.bases.append(lex)


def _git_place_set(command: str, commands: Sequence[SimpleCommand]) -> bool:
    """``GIT_DIR``/``GIT_WORK_TREE`` written other than as a git command's prefix (read from its
    assignments), on a line that runs git."""
    if not any(c.name == "git" for c in commands):
        return False
    prefixes = sum(1 for c in commands for a in c.assignments if a.startswith(("GIT_DIR", "GIT_WORK_TREE")))
    return len(_GIT_PLACE_SET.findall(command)) > prefixes


def _cd_target(cmd: SimpleCommand) -> tuple[str | None, bool]:
    """(target, dynamic) of cd/pushd; target None when it cannot be determined."""
    args = list(zip(cmd.argv[1:], cmd.dynamic[1:], strict=True))
    while args and args[0][0].startswith("-") and len(args[0][0]) > 1 and not args[0][1]:
        word = args[0][0]
        if word == "--":
            args = args[1:]
            break
        if not set(word[1:]) <= _CD_FLAGS:
            break
        args = args[1:]
    if not args:
        return ("~", False) if cmd.name != "pushd" else (None, False)
    word, dyn = args[0]
    if word == "-" or (word[:1] in "+-" and word[1:].isdigit()):  # the directory stack (zsh's `cd -2` too)
        return None, False
    return word, dyn or cmd.stdin_args


def _check_workdir_arguments(dir_args: Mapping[str, object], check: _Check) -> None:
    """Exec tools that take the directory as an argument (found by the tool mapping, by key)."""
    for key, value in dir_args.items():
        if value is not None and not isinstance(value, str):
            check.doubts.append(f"`{key[:30]}` argument that is not a path")
        elif value:
            # not shell-parsed, so a variable or glob here is text some launcher may expand
            dyn = _paths.unexpanded(value) is not None
            check.target(value, dyn, f"`{key}` argument `{_events.preview(value, 60)}`")


def _check_cd(cmd: SimpleCommand, check: _Check) -> bool:
    """Directory switches by wrappers (``env -C``) and cd-like commands; True when ``cmd`` is one."""
    for w in cmd.wrappers:
        if w.chdir is not None:
            check.target(w.chdir, False, f"`{w.name}` switching directory to `{w.chdir}`")
    if cmd.name not in CD_COMMANDS:
        return False
    if cmd.name == "popd":
        if check.pushed:
            check.pushed -= 1
        else:
            check.violations.append("`popd` to a directory pushed earlier")
        return True
    target, dyn = _cd_target(cmd)
    if cmd.name == "cd" and sum(1 for a in cmd.args if not a.startswith("-")) > 1:
        check.doubts.append("`cd OLD NEW` (zsh puts NEW for OLD in the current directory's name)")
    if cmd.name == "pushd":
        check.pushed += 1
    if target is None:
        check.violations.append(f"`{_events.preview(' '.join(cmd.argv), 40)}`")
    else:
        check.target(target, dyn, f"`{cmd.name} {_events.preview(target, 60)}`")
    return True


def _check_git_places(cmd: SimpleCommand, git: GitCall, check: _Check) -> None:
    """Where git is told to work: ``-C``, ``--git-dir``, ``--work-tree``, ``core.worktree``, ``GIT_DIR``."""
    if git.chdir_dynamic:
        check.doubts.append("`git -C` with a directory known only at run time")
    path = ""
    for d in git.chdirs:
        path = d if d.startswith(("/", "~")) or not path else f"{path}/{d}"
        check.target(path, False, f"`git -C {_events.preview(path, 60)}`")
    places = [("--git-dir", git.git_dir), ("--work-tree", git.work_tree)]
    places += [(c.split("=", 1)[0], c.split("=", 1)[1]) for c in git.configs if c.lower().startswith("core.worktree=")]
    places += [
        (a.split("=", 1)[0], a.split("=", 1)[1])
        for a in cmd.assignments
        if a.startswith(("GIT_DIR=", "GIT_WORK_TREE="))
    ]
    for opt, value in places:
        if value is not None:
            dyn = "$" in value or "`" in value
            check.target(value, dyn, f"`{opt}={_events.preview(value, 60)}` on git")


def _check_mounts(cmd: SimpleCommand, check: _Check) -> None:
    """A bind mount hands a host directory to the container (a ``cd`` inside it is the
    container's own, not checked); an option that hides where the mounts end is a doubt."""
    run = container_run(cmd)
    if run is None:
        return
    if run.doubt is not None:
        check.doubts.append(run.doubt)
    for path, dyn, option in run.mounts:
        check.target(path, dyn, f"`{run.what} {option} {_events.preview(path, 60)}`")


def _check_worktree_tool(tool: str, args: object, check: _Check, block_cd: bool, block_worktree: bool) -> None:
    """A harness tool entering a worktree (``path``: an existing one, else a new one made under the
    project's ``.claude/worktrees/``) or leaving one (removing it unless ``action`` is ``keep``)."""
    fields = args if isinstance(args, Mapping) else {}
    if tool == EXIT_WORKTREE:  # back to where the session started; `remove` deletes the worktree
        if block_worktree and fields.get("action") != "keep":
            check.violations.append("leaving a git worktree and removing it")
        return
    path = fields.get("path")
    if path is not None and not isinstance(path, str):
        check.doubts.append("a worktree `path` that is not a path")
    elif path:
        if block_cd:
            dyn = _paths.unexpanded(path) is not None
            check.target(path, dyn, f"entering the git worktree `{_events.preview(path, 60)}`")
        return
    name = fields.get("name")
    if block_worktree:
        check.violations.append("creating and entering a git worktree")
    elif block_cd:
        where = f".claude/worktrees/{name}" if isinstance(name, str) and name else ".claude/worktrees/"
        check.target(where, False, f"entering a new git worktree `{_events.preview(where, 60)}`")


def _check_command(cmd: SimpleCommand, check: _Check, block_cd: bool, block_worktree: bool) -> None:
    if block_cd and _check_cd(cmd, check):
        return
    name = cmd.name
    if block_cd and name in LINK_MAKERS:
        for base in check.bases:
            made_links(cmd, check.links, base)
    if block_cd:
        for path, dyn, option in directory_options(cmd):
            check.target(path, dyn, f"`{option} {_events.preview(path, 60)}`")
    if block_cd and name in CONTAINER_CLIS:
        _check_mounts(cmd, check)
    if name != "git":
        return
    git = parse_git(cmd)
    if git.unknown is not None:
        check.doubts.append(git.unknown)
    if block_cd:
        _check_git_places(cmd, git, check)
    if block_worktree and git.sub == "worktree":
        if not git.args or git.dynamic[0]:
            check.doubts.append("`git worktree` with a subcommand known only at run time")
        elif git.args[0] in WORKTREE_WRITES:
            check.violations.append(f"`git worktree {git.args[0]}`")


@builtin(
    "Block working directory changes",
    "Blocks cd, pushd, popd, git -C / --git-dir / --work-tree, other programs' directory "
    "options (make -C, tar -C, npm --prefix, go -C, chroot…) and git worktree "
    "add/move/remove anywhere in a shell command (chains, subshells, functions, "
    "bash -c, heredocs fed to shells, sudo/env/xargs wrappers) and a harness's own worktree "
    "tools (Claude Code's EnterWorktree/ExitWorktree). `cd` into an allowed "
    "directory is fine; anything that cannot be resolved statically is ASKed.",
    params={
        "block_cd": Param("Gate cd/pushd/popd/chdir, env -C and git -C/--git-dir/--work-tree."),
        "block_worktree": Param("Gate git worktree add/move/remove."),
        "allowed_dirs": Param(
            "Directories (and their subdirectories) a cd may go to; "
            "relative entries are resolved against the session cwd.",
            items={"minLength": 1},
        ),
        "action": Param(
            "Verdict for a definite violation (unresolvable commands always ASK at least).", enum=["DENY", "ASK"]
        ),
        "shell_tools": Param(
            "Tool names whose `command` argument is shell: canonical (`sys_os_shell`)"
            " or a tool's own name (`mcp__server__tool`).",
            items={"minLength": 1},
            minItems=1,
        ),
    },
)
@listens_to(types=("tool_call",))
@reads_event(2)
def block_working_dir_changes(
    block_cd: bool = True,
    block_worktree: bool = True,
    allowed_dirs: Sequence[str] = (),
    action: str = "DENY",
    shell_tools: Sequence[str] = ("sys_os_shell",),
) -> Policy:
    """Gate directory changes and git worktree changes in shell tool calls."""
    if not isinstance(block_cd, bool) or not isinstance(block_worktree, bool):
        raise ValueError("`block_cd` and `block_worktree` must be booleans")
    if not block_cd and not block_worktree:
        raise ValueError("at least one of `block_cd` and `block_worktree` must be true")
    if isinstance(allowed_dirs, str) or isinstance(shell_tools, str):
        raise ValueError("`allowed_dirs` and `shell_tools` must be lists, not strings")
    allowed = list(allowed_dirs)
    if not all(isinstance(d, str) and d for d in allowed):
        raise ValueError("`allowed_dirs` must be a list of non-empty strings")
    for d in allowed:
        why = _paths.unexpanded(d)
        if why is not None:
            raise ValueError(f"`allowed_dirs` entry `{d[:80]}` cannot be resolved statically: {why}")
    if action not in ("DENY", "ASK"):
        raise ValueError(f"`action` must be DENY or ASK, got {action!r}")
    verdict: Verdict = "DENY" if action == "DENY" else "ASK"
    tools = frozenset(shell_tools)
    if not tools or not all(isinstance(t, str) and t for t in tools):
        raise ValueError("`shell_tools` must be a non-empty list of tool names")

    def policy(event: PolicyEvent) -> PolicyResponse | None:
        if event["type"] != "tool_call":
            return None
        tool = _events.tool_name(event)
        if tool in WORKTREE_TOOLS:
            check = _Check(allowed, _events.cwd(event))
            _check_worktree_tool(tool, _events.arguments(event), check, block_cd, block_worktree)
            return _answer(check, [], verdict)
        if tool not in tools and _events.original_name(event) not in tools:  # (or the tool's own name)
            return None
        commands = _events.shell_commands(event)
        if commands is None:
            return {"result": "ASK", "reason": "shell call without a readable command"}
        check = _Check(allowed, _events.cwd(event))
        if block_cd:
            _check_workdir_arguments(_events.dir_args(event), check)
        unknown: list[str] = []
        for command in commands:  # every command-like argument: a harness may run any of them
            analysis = analyze(command)
            bases = list(check.bases)
            for cmd in analysis.commands:
                _check_command(cmd, check, block_cd, block_worktree)
            check.bases = bases  # an earlier candidate's cd does not move a later one
            check.links = {}
            unknown.extend(analysis.unknown)
            if block_cd and "CDPATH" in command:
                unknown.append("CDPATH changes where a relative cd goes")
            if block_cd and _PWD_SET.search(command) and any(c.name in CONTAINER_CLIS for c in analysis.commands):
                unknown.append("`PWD` set where a container mounts it")
            if block_cd and _HOME_SET.search(command) and any(c.name in CD_COMMANDS for c in analysis.commands):
                unknown.append("`HOME`/`OLDPWD` set where `cd`, `cd ~` or `cd -` goes")
            if block_cd and _git_place_set(command, analysis.commands):
                unknown.append("`GIT_DIR`/`GIT_WORK_TREE` set for later git commands")
        return _answer(check, unknown, verdict)

    return policy


def _answer(check: _Check, unknown: list[str], verdict: Verdict) -> PolicyResponse | None:
    if check.violations:
        return {"result": verdict, "reason": f"working directory change: {check.violations[0]}"}
    doubts = check.doubts + unknown
    if doubts:
        return {"result": "ASK", "reason": f"cannot verify the working directory stays put: {doubts[0]}"}
    return None


POLICY_REGISTRY = registry_entries(__name__)
