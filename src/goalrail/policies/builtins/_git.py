"""git's command line modelled: global options before the subcommand.

``parse_git(cmd)`` splits ``git [global options] <subcommand> [args]`` the way
git does: ``-C <dir>`` (repeatable), ``-c key=value``, ``--git-dir``,
``--work-tree``, ``--namespace``, ``--config-env``, ``--no-pager``… An option
it does not know makes the invocation unknown (callers answer ASK).
"""

from __future__ import annotations

from dataclasses import dataclass

from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._wrappers import names

_GLOBAL_VAL = names("--attr-source --config-env --git-dir --list-cmds --namespace --super-prefix --work-tree -C -c")
_GLOBAL_FLAG = names(
    "--bare --exec-path --glob-pathspecs --help --html-path --icase-pathspecs --info-path "
    "--literal-pathspecs --man-path --no-advice --no-lazy-fetch --no-optional-locks --no-pager "
    "--no-replace-objects --noglob-pathspecs --paginate --replace-objects --version -P -h -p -v"
)
#: every global option git knows (``git -C … status`` named among another program's arguments)
GLOBAL_OPTIONS = _GLOBAL_VAL | _GLOBAL_FLAG

#: Builtin subcommands; anything else may be an alias or an external ``git-foo``.
SUBCOMMANDS = names(
    "add am annotate apply archive bisect blame branch bugreport bundle cat-file check-attr check-ignore "
    "check-mailmap check-ref-format checkout checkout-index cherry cherry-pick citool clean clone column "
    "commit commit-graph commit-tree config count-objects credential describe diagnose diff diff-files "
    "diff-index diff-tree difftool fast-export fast-import fetch fetch-pack filter-branch for-each-ref "
    "for-each-repo format-patch fsck gc get-tar-commit-id grep gui hash-object help hook index-pack init "
    "instaweb interpret-trailers lfs log ls-files ls-remote ls-tree mailinfo mailsplit maintenance merge "
    "merge-base merge-file merge-index merge-tree mergetool mktag mktree multi-pack-index mv name-rev "
    "notes pack-objects pack-refs prune prune-packed pull push range-diff read-tree rebase reflog refs "
    "remote repack replace request-pull rerere reset restore rev-list rev-parse revert rm scalar "
    "send-email send-pack shortlog show show-branch show-index show-ref sparse-checkout stage stash "
    "status stripspace submodule switch symbolic-ref tag unpack-objects update-index update-ref "
    "update-server-info var verify-commit verify-pack verify-tag version whatchanged worktree write-tree"
)


@dataclass(frozen=True, slots=True)
class GitCall:
    chdirs: tuple[str, ...]  # -C values, in order
    configs: tuple[str, ...]  # -c key=value / --config-env key=ENV
    git_dir: str | None
    work_tree: str | None
    sub: str | None  # subcommand, None when absent
    args: tuple[str, ...]  # after the subcommand
    dynamic: tuple[bool, ...]  # per arg
    unknown: str | None  # why the call cannot be understood
    chdir_dynamic: bool = False
    exec_path: str | None = None  # --exec-path=DIR: where git finds its helper programs


def parse_git(cmd: SimpleCommand) -> GitCall:
    argv, dyn = cmd.argv, cmd.dynamic
    chdirs: list[str] = []
    exec_path: str | None = None
    configs: list[str] = []
    git_dir = work_tree = None
    chdir_dynamic = False
    i, n = 1, len(argv)
    unknown: str | None = None
    while i < n:
        w = argv[i]
        if dyn[i]:
            unknown = "git option or subcommand is not static"
            break
        if not w.startswith("-"):
            break
        name, eq, val = w.partition("=")
        if w in _GLOBAL_VAL or (eq and name in _GLOBAL_VAL and name.startswith("--")):
            if not eq:
                if i + 1 >= n:
                    unknown = f"git option `{w}` has no value"
                    break
                val, vdyn = argv[i + 1], dyn[i + 1]
                i += 1
            else:
                vdyn = False
            if name == "-C":
                chdirs.append(val)
                chdir_dynamic = chdir_dynamic or vdyn
            elif name == "-c":
                configs.append(val)
            elif name == "--config-env":  # key=ENVVAR: the value is the variable's, known at run time
                key, eq2, env = val.partition("=")
                configs.append(f"{key}=${{{env}}}" if eq2 else val)
            elif name == "--git-dir":
                git_dir = val
            elif name == "--work-tree":
                work_tree = val
            i += 1
            continue
        if name in _GLOBAL_FLAG:
            if name == "--exec-path" and eq:
                exec_path = val
            i += 1
            continue
        if w.startswith("-C") and len(w) > 2:
            chdirs.append(w[2:])
            i += 1
            continue
        if w.startswith("-c") and len(w) > 2:
            configs.append(w[2:])
            i += 1
            continue
        unknown = f"git option `{name}` is not understood"
        break
    sub = argv[i] if i < n and unknown is None else None
    if sub is not None and sub not in SUBCOMMANDS:
        unknown = f"`git {sub}` is not a builtin git command (an alias?)"
    return GitCall(
        tuple(chdirs),
        tuple(configs),
        git_dir,
        work_tree,
        sub,
        argv[i + 1 :] if sub else (),
        dyn[i + 1 :] if sub else (),
        unknown,
        chdir_dynamic,
        exec_path,
    )


def clone_configs(args: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """The ``key=value`` words of ``git clone -c``/``--config`` (set in the new repository before
    its first fetch and checkout)."""
    out: list[tuple[str, bool]] = []
    for i, (w, d) in enumerate(args):
        if w == "--":
            break
        if w in ("-c", "--config") and i + 1 < len(args):
            out.append(args[i + 1])
        elif w.startswith("--config="):
            out.append((w.partition("=")[2], d))
        elif w.startswith("-c") and len(w) > 2:
            out.append((w[2:], d))
    return out
